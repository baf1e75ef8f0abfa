#!/usr/bin/env node
// The drift benchmark (issue 5, acceptance 6): `npm run bench:drift`.
//
// Drift over 2 stacks × 3 environments (each environment its own cluster) with
// about 500 variables per environment and about 300 live objects in all, some
// fields drifted on purpose. It measures the pure drift computation, with the
// inputs already parsed and with parsing included (variables.tf and tfvars through
// tree-sitter, state JSON), as p50/p99 over many iterations. The product code is
// bundled on the fly with esbuild (the same recipe as the CLI build) into
// node_modules/.cache, so plain `node bench/drift.mjs` runs it.
// It reports, it does not gate: the exit code is 0 whatever the figures.
//
// Options (after `npm run bench:drift --`):
//   --iterations N   measured iterations per scenario (default 200)
//   --warmup N       unmeasured iterations first (default 20)
//   --json FILE      also write every figure as JSON
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { fmt, table } from './lib.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
	options: { iterations: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' }, json: { type: 'string' } }
});
const ITERATIONS = Number(args.iterations);
const WARMUP = Number(args.warmup);

const ENTRY = `
export { loadHcl } from './src/lib/core/hcl/index.ts';
export { computeDrift, parseState, builtinDriftMap } from './src/lib/core/drift/index.ts';
export * from './src/lib/core/drift/runner-stacks.fixture.ts';
`;

async function loadProduct() {
	const dir = join(ROOT, 'node_modules/.cache/runner-dashboard-bench');
	mkdirSync(dir, { recursive: true });
	const outfile = join(dir, 'drift.mjs');
	await build({
		stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'ts' },
		outfile,
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'node20',
		packages: 'external',
		alias: { $lib: join(ROOT, 'src/lib') },
		logLevel: 'warning'
	});
	return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

const p = await loadProduct();
const hcl = await p.loadHcl();

const STACKS = ['gitlab-runners', 'arc-runners'];
const ENVS = ['dev', 'staging', 'prod'];
const GITLAB_TYPES = Array.from({ length: 25 }, (_, i) => `gl${i}`);
const ARC_TYPES = Array.from({ length: 28 }, (_, i) => `gh${i}`);
const WATCHED = ['Deployment', 'HorizontalPodAutoscaler', 'ConfigMap', 'AutoscalingRunnerSet'];

// Per environment: declared = applied values, and a live cluster with a few fields changed behind OpenTofu's back.
const texts = [];
const lives = new Map();
let plantedOutOfBand = 0;
let plantedUnapplied = 0;
for (const env of ENVS) {
	const applied = p.defaultValues(GITLAB_TYPES, ARC_TYPES);
	const declared = p.defaultValues(GITLAB_TYPES, ARC_TYPES);
	// Two changes in git not applied yet, per environment.
	declared.gitlab.gl3.hpaMax += 2;
	declared.arc.gh5.maxRunners += 5;
	plantedUnapplied += 2;
	const live = p.liveObjects(applied);
	// Five changes made live, per environment.
	for (const o of live.filter((o) => o.kind === 'HorizontalPodAutoscaler').slice(0, 3)) {
		o.spec.maxReplicas += 1;
		plantedOutOfBand++;
	}
	for (const o of live.filter((o) => o.kind === 'AutoscalingRunnerSet').slice(0, 2)) {
		o.spec.template.spec.containers[0].resources.limits.memory = '16Gi';
		plantedOutOfBand++;
	}
	lives.set(env, live);
	for (const stack of STACKS) {
		texts.push({
			stack,
			env,
			variables: p.variablesTf(stack, declared),
			tfvars: p.tfvarsText(stack, declared),
			state: p.stateText(stack, applied)
		});
	}
}

function parseAll() {
	return texts.map((t) => {
		const v = hcl.parseVariables(t.variables, `tofu/stacks/${t.stack}/variables.tf`);
		const tf = hcl.parseTfvars(t.tfvars, `tofu/stacks/${t.stack}/${t.env}.tfvars`);
		const s = p.parseState(t.state, `${t.stack}-${t.env}`);
		if (!v.ok || !tf.ok || !s.ok) throw new Error(`benchmark input does not parse: ${t.stack}/${t.env}`);
		return { stack: t.stack, env: t.env, declared: { variables: v.value, tfvars: tf.value }, state: s.value, live: lives.get(t.env), webUrl: (f, l) => `https://gitlab.example/platform/gitops/-/blob/main/${f}#L${l}` };
	});
}

const compute = (stacks) => p.computeDrift({ stacks, live: [], watchedKinds: WATCHED, map: p.builtinDriftMap });

const parsed = parseAll();
const first = compute(parsed);
const variables = parsed.reduce((n, s) => n + Object.keys(s.declared.variables.variables).length, 0);
const objects = [...lives.values()].reduce((n, l) => n + l.length, 0);
const byClass = first.items.reduce((m, i) => ((m[i.class] = (m[i.class] ?? 0) + 1), m), {});
if (first.errors.length) throw new Error(`unexpected drift errors: ${first.errors.map((e) => e.message).join('; ')}`);
if ((byClass['out-of-band'] ?? 0) !== plantedOutOfBand || (byClass.unapplied ?? 0) !== plantedUnapplied || first.items.length !== plantedOutOfBand + plantedUnapplied) {
	throw new Error(`drift found ${JSON.stringify(byClass)}, planted ${plantedOutOfBand} out-of-band and ${plantedUnapplied} unapplied`);
}

function measure(fn) {
	for (let i = 0; i < WARMUP; i++) fn();
	const times = [];
	for (let i = 0; i < ITERATIONS; i++) {
		const t0 = performance.now();
		fn();
		times.push(performance.now() - t0);
	}
	times.sort((a, b) => a - b);
	const q = (x) => times[Math.min(times.length - 1, Math.ceil(x * times.length) - 1)];
	return { p50: q(0.5), p99: q(0.99), max: times[times.length - 1], mean: times.reduce((a, b) => a + b, 0) / times.length };
}

const computeOnly = measure(() => compute(parsed));
// Cold: every file parsed afresh (the first sync, or every file changed).
const cold = () => {
	hcl.clearCache();
	return parseAll();
};
const withParsing = measure(() => compute(cold()));
const parsingOnly = measure(() => cold());
// Warm: files unchanged since the last sync (the parser remembers their results; state JSON is parsed again).
const warm = measure(() => compute(parseAll()));

console.log(`drift benchmark: ${STACKS.length} stacks × ${ENVS.length} environments; ${variables / ENVS.length} variables per environment (${variables} read), ${objects} live objects, ${first.checked.fields} fields checked`);
console.log(`items found: ${JSON.stringify(byClass)} (planted: ${plantedOutOfBand} out-of-band, ${plantedUnapplied} unapplied); ${ITERATIONS} iterations after ${WARMUP} warm-up`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}\n`);
const row = (name, m) => [name, fmt(m.p50, 2), fmt(m.p99, 2), fmt(m.max, 2), fmt(m.mean, 2), m.p99 < 200 ? 'met' : 'MISSED'];
console.log(
	table(
		[row('compute (inputs parsed)', computeOnly), row('parse + compute, cold', withParsing), row('parse only, cold', parsingOnly), row('parse + compute, HCL unchanged', warm)],
		['scenario', 'p50 ms', 'p99 ms', 'max ms', 'mean ms', 'p99 < 200 ms']
	)
);

if (args.json) {
	writeFileSync(
		args.json,
		`${JSON.stringify({ variables, objects, fields: first.checked.fields, items: byClass, iterations: ITERATIONS, computeOnly, withParsing, parsingOnly, warm, load: loadavg(), node: process.version }, null, 2)}\n`
	);
}
