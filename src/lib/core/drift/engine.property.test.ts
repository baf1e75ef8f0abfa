// Acceptance 4: perturb random mapped live fields (or tfvars values) of a
// zero-drift world and the engine reports exactly those fields, with values.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHcl, type HclParser } from '../hcl';
import { normaliseValue } from '../quantity';
import { computeDrift } from './engine';
import { effectiveDriftMap, type DriftMap } from './map';
import { builtinDriftMap } from './profile';
import { defaultValues, liveObjects, stateText, tfvarsText, variablesTf, type StackValues } from './runner-stacks.fixture';
import { parseState } from './state';

let hcl: HclParser;
beforeAll(async () => {
	hcl = await loadHcl();
});

// The profile plus a boolean mapping, so booleans are perturbed too.
const MAP: DriftMap = effectiveDriftMap(builtinDriftMap, {
	replace: false,
	stacks: [
		{
			stack: 'gitlab-runners',
			each: '^deploy_(?<T>[a-z0-9_]+)_runner$',
			objects: [
				{
					kind: 'ConfigMap',
					namespace: 'gitlab-runners',
					name: '${var.{T}_runner_name}-config',
					exists: [],
					fields: [{ path: 'data["config.toml"]', toml: 'runners.kubernetes.privileged', variable: '{T}_privileged' }]
				}
			]
		}
	],
	ignore: [],
	unmanaged: []
});

const GL = ['docker', 'dind', 'nix'];
const ARC = ['nix', 'docker', 'dind'];
const TOML = 'data["config.toml"]';
const CONTAINER = 'spec.template.spec.containers[0]';
const RUNNER = 'spec.template.spec.containers[name=runner]';

/** A mapped field: where it lives, and how to read/write it in a value table. */
interface Knob {
	stack: 'gitlab-runners' | 'arc-runners';
	object: string;
	field: string;
	variable: string;
	kind: 'number' | 'cpu' | 'memory' | 'bool';
	get(v: StackValues): number | string | boolean;
	set(v: StackValues, x: number | string | boolean): void;
}

function knobs(): Knob[] {
	const out: Knob[] = [];
	for (const t of GL) {
		const g = (v: StackValues) => v.gitlab[t]!;
		const name = `${t}-runner`;
		const hpa = `HorizontalPodAutoscaler gitlab-runners/${name}-hpa`;
		const cm = `ConfigMap gitlab-runners/${name}-config`;
		out.push({ stack: 'gitlab-runners', object: hpa, field: 'spec.minReplicas', variable: `${t}_hpa_min_replicas`, kind: 'number', get: (v) => g(v).hpaMin, set: (v, x) => void (g(v).hpaMin = x as number) });
		out.push({ stack: 'gitlab-runners', object: hpa, field: 'spec.maxReplicas', variable: `${t}_hpa_max_replicas`, kind: 'number', get: (v) => g(v).hpaMax, set: (v, x) => void (g(v).hpaMax = x as number) });
		out.push({ stack: 'gitlab-runners', object: cm, field: `${TOML}#concurrent`, variable: `${t}_concurrent_jobs`, kind: 'number', get: (v) => g(v).concurrent, set: (v, x) => void (g(v).concurrent = x as number) });
		out.push({ stack: 'gitlab-runners', object: cm, field: `${TOML}#runners.kubernetes.privileged`, variable: `${t}_privileged`, kind: 'bool', get: (v) => g(v).privileged, set: (v, x) => void (g(v).privileged = x as boolean) });
		for (const [key, res, kind] of [['cpuRequest', 'cpu_request', 'cpu'], ['memoryRequest', 'memory_request', 'memory'], ['cpuLimit', 'cpu_limit', 'cpu'], ['memoryLimit', 'memory_limit', 'memory']] as const) {
			out.push({ stack: 'gitlab-runners', object: cm, field: `${TOML}#runners.kubernetes.${res}`, variable: `${t}_job_${res}`, kind, get: (v) => g(v).job[key], set: (v, x) => void (g(v).job[key] = x as string) });
		}
	}
	for (const t of ARC) {
		const a = (v: StackValues) => v.arc[t]!;
		const obj = `AutoscalingRunnerSet arc-runners/gh-${t}`;
		out.push({ stack: 'arc-runners', object: obj, field: 'spec.minRunners', variable: `${t}_min_runners`, kind: 'number', get: (v) => a(v).minRunners, set: (v, x) => void (a(v).minRunners = x as number) });
		out.push({ stack: 'arc-runners', object: obj, field: 'spec.maxRunners', variable: `${t}_max_runners`, kind: 'number', get: (v) => a(v).maxRunners, set: (v, x) => void (a(v).maxRunners = x as number) });
		for (const [key, path, res, kind] of [
			['cpuRequest', 'requests.cpu', 'cpu_request', 'cpu'],
			['memoryRequest', 'requests.memory', 'memory_request', 'memory'],
			['cpuLimit', 'limits.cpu', 'cpu_limit', 'cpu'],
			['memoryLimit', 'limits.memory', 'memory_limit', 'memory']
		] as const) {
			out.push({ stack: 'arc-runners', object: obj, field: `${RUNNER}.resources.${path}`, variable: `${t}_${res}`, kind, get: (v) => a(v)[key], set: (v, x) => void (a(v)[key] = x as string) });
		}
	}
	return out;
}

const KNOBS = knobs();

// A different value of the same kind; quantities are written in a random spelling of the new amount.
function perturbed(k: Knob, old: number | string | boolean, bump: number, spelling: number): number | string | boolean {
	if (k.kind === 'bool') return !old;
	if (k.kind === 'number') return (old as number) + bump;
	const base = normaliseValue(k.kind, old) as number;
	if (k.kind === 'cpu') {
		const milli = Math.round(base * 1000) + bump * 250;
		return [`${milli}m`, String(milli / 1000), `${milli / 1000}`][spelling % 3] as string;
	}
	const mi = Math.round(base / 2 ** 20) + bump * 256;
	return [`${mi}Mi`, String(mi * 2 ** 20), `${mi * 1024}Ki`][spelling % 3] as string;
}

function inputs(declared: StackValues, applied: StackValues, live: StackValues) {
	return {
		stacks: (['gitlab-runners', 'arc-runners'] as const).map((stack) => {
			const v = hcl.parseVariables(variablesTf(stack, declared), `${stack}/variables.tf`);
			const t = hcl.parseTfvars(tfvarsText(stack, declared), `${stack}/dev.tfvars`);
			const s = parseState(stateText(stack, applied), `${stack}-dev`);
			if (!v.ok || !t.ok || !s.ok) throw new Error('fixture does not parse');
			return { stack, env: 'dev', declared: { variables: v.value, tfvars: t.value }, state: s.value };
		}),
		live: liveObjects(live),
		watchedKinds: ['Deployment', 'HorizontalPodAutoscaler', 'ConfigMap', 'AutoscalingRunnerSet'],
		map: MAP
	};
}

const perturbation = fc.uniqueArray(fc.record({ knob: fc.nat(KNOBS.length - 1), bump: fc.integer({ min: 1, max: 6 }), spelling: fc.nat(2) }), {
	selector: (p) => p.knob,
	minLength: 1,
	maxLength: 8
});

describe('drift property (acceptance 4)', () => {
	it('perturbed live fields are reported as out-of-band, exactly, with declared/applied/live values', () => {
		fc.assert(
			fc.property(perturbation, (changes) => {
				const v = defaultValues(GL, ARC);
				const live = defaultValues(GL, ARC);
				const expected = changes.map(({ knob, bump, spelling }) => {
					const k = KNOBS[knob]!;
					const old = k.get(v);
					const next = perturbed(k, old, bump, spelling);
					k.set(live, next);
					return [k.stack, k.object, k.field, 'out-of-band', normaliseValue(k.field, old), normaliseValue(k.field, old), normaliseValue(k.field, next), k.variable];
				});
				const r = computeDrift(inputs(v, v, live));
				expect(r.errors).toEqual([]);
				const got = r.items.map((i) => [i.stack, i.object, i.field, i.class, i.declared, i.applied, i.live, i.variable]);
				expect(sortRows(got)).toEqual(sortRows(expected));
			}),
			{ numRuns: 60 }
		);
	});

	it('perturbed tfvars values are reported as unapplied, exactly, at their tfvars lines', () => {
		fc.assert(
			fc.property(perturbation, (changes) => {
				const applied = defaultValues(GL, ARC);
				const declared = defaultValues(GL, ARC);
				const expected = changes.map(({ knob, bump, spelling }) => {
					const k = KNOBS[knob]!;
					const old = k.get(applied);
					const next = perturbed(k, old, bump, spelling);
					k.set(declared, next);
					const text = tfvarsText(k.stack, declared);
					const line = text.split('\n').findIndex((l) => l.startsWith(`${k.variable} =`)) + 1;
					return [k.stack, k.object, k.field, 'unapplied', normaliseValue(k.field, next), normaliseValue(k.field, old), normaliseValue(k.field, old), k.variable, line];
				});
				const r = computeDrift(inputs(declared, applied, applied));
				expect(r.errors).toEqual([]);
				const got = r.items.map((i) => [i.stack, i.object, i.field, i.class, i.declared, i.applied, i.live, i.variable, i.location?.line]);
				expect(sortRows(got)).toEqual(sortRows(expected));
			}),
			{ numRuns: 60 }
		);
	});
});

function sortRows(rows: unknown[][]): unknown[][] {
	return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
