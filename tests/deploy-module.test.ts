// Static contract test of the OpenTofu module in deploy/tofu/modules/runner-dashboard.
// There is no tofu binary here, so the module is parsed with @cdktf/hcl2json and checked
// against what the app really reads (ENV_VARS) and serves (/healthz, /readyz, METRICS_PORT).
// The image rules are evaluated by a deliberately small evaluator that understands only
// `||`, `&&`, `!`, parentheses, true/false, `var.NAME` and `can(regex("...", var.NAME))`;
// anything else makes it throw, so a condition it cannot judge fails the test.
import { parse } from '@cdktf/hcl2json';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARS } from '../src/lib/server/config/env';

const MODULE_DIR = join(import.meta.dirname, '..', 'deploy', 'tofu', 'modules', 'runner-dashboard');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
// hcl2json output is untyped JSON; the assertions below are what check its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** Parses every .tf file of the module; returns them by file name. */
async function loadModule(): Promise<Record<string, Obj>> {
	const out: Record<string, Obj> = {};
	for (const f of readdirSync(MODULE_DIR).filter((n) => n.endsWith('.tf')).sort()) {
		out[f] = (await parse(f, readFileSync(join(MODULE_DIR, f), 'utf8'))) as Obj;
	}
	return out;
}

function strings(node: Json, acc: string[] = []): string[] {
	if (typeof node === 'string') acc.push(node);
	else if (Array.isArray(node)) for (const n of node) strings(n, acc);
	else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) {
		acc.push(k);
		strings(v, acc);
	}
	return acc;
}

function varRefs(node: Json): Set<string> {
	const refs = new Set<string>();
	for (const s of strings(node)) for (const m of s.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_-]*)/g)) refs.add(m[1] ?? '');
	return refs;
}

const one = (x: unknown): Obj => {
	if (!Array.isArray(x) || x.length !== 1) throw new Error(`expected exactly one block, got ${JSON.stringify(x)?.slice(0, 200)}`);
	return x[0] as Obj;
};
const many = (x: unknown): Obj[] => (x === undefined ? [] : (x as Obj[]));

// ---------------------------------------------------------------------------------------
// A tiny evaluator for validation/precondition conditions.

type Value = boolean | string;
type Token = { t: 'str' | 'id' | 'op'; v: string };

/** Decodes an HCL quoted-string body; template sequences are refused, not guessed. */
function hclString(body: string): string {
	if (/(^|[^$])\$\{|(^|[^%])%\{/.test(body)) throw new Error(`template interpolation is not supported: "${body}"`);
	return body.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
		if (e === 'n') return '\n';
		if (e === 'r') return '\r';
		if (e === 't') return '\t';
		if (e === '"' || e === '\\') return e;
		if (e.startsWith('u') || e.startsWith('U')) return String.fromCodePoint(parseInt(e.slice(1), 16));
		throw new Error(`unknown HCL escape \\${e}`);
	});
}

function tokenize(src: string): Token[] {
	const out: Token[] = [];
	let i = 0;
	while (i < src.length) {
		const c = src.charAt(i);
		if (/\s/.test(c)) {
			i++;
		} else if (c === '"') {
			let j = i + 1;
			let body = '';
			while (j < src.length && src.charAt(j) !== '"') {
				if (src.charAt(j) === '\\') {
					body += src.slice(j, j + 2);
					j += 2;
				} else body += src.charAt(j++);
			}
			if (j >= src.length) throw new Error('unterminated string');
			out.push({ t: 'str', v: hclString(body) });
			i = j + 1;
		} else if (src.startsWith('||', i) || src.startsWith('&&', i)) {
			out.push({ t: 'op', v: src.slice(i, i + 2) });
			i += 2;
		} else if ('!(),'.includes(c) && !src.startsWith('!=', i)) {
			out.push({ t: 'op', v: c });
			i++;
		} else if (/[A-Za-z_]/.test(c)) {
			const m = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*/.exec(src.slice(i))!;
			out.push({ t: 'id', v: m[0] });
			i += m[0].length;
		} else {
			throw new Error(`unsupported syntax at "${src.slice(i, i + 20)}"`);
		}
	}
	return out;
}

/** RE2 (Go regexp) to a JS RegExp, for the subset both agree on; throws on the rest. */
export function re2ToJs(pattern: string): RegExp {
	let flags = 'u';
	let p = pattern;
	const lead = /^\(\?([imsU]+)\)/.exec(p);
	if (lead) {
		const inline = lead[1] ?? '';
		if (inline.includes('U')) throw new Error('RE2 ungreedy flag (?U) has no JS equivalent');
		flags += inline;
		p = p.slice(lead[0].length);
	}
	if (/\(\?[=!]|\(\?<[=!]/.test(p)) throw new Error(`RE2 has no lookaround: ${pattern}`);
	if (/\\[1-9]/.test(p)) throw new Error(`RE2 has no backreferences: ${pattern}`);
	if (/\(\?[a-zA-Z]/.test(p.replace(/\(\?P</g, ''))) throw new Error(`inline flags only at the start are supported: ${pattern}`);
	if (/\[\[:/.test(p)) throw new Error(`POSIX classes are not supported here: ${pattern}`);
	p = p.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
	return new RegExp(p, flags);
}

export function evalCondition(expr: string, vars: Record<string, Value>): boolean {
	const src = expr.replace(/^\$\{([\s\S]*)\}$/, '$1');
	const toks = tokenize(src);
	let pos = 0;
	const peek = () => toks[pos];
	const take = (v?: string) => {
		const t = toks[pos++];
		if (!t || (v !== undefined && t.v !== v)) throw new Error(`expected ${v ?? 'a token'} in ${src}`);
		return t;
	};
	const bool = (v: Value): boolean => {
		if (typeof v !== 'boolean') throw new Error(`not a bool: ${JSON.stringify(v)}`);
		return v;
	};
	const orExpr = (): Value => {
		let l = andExpr();
		while (peek()?.v === '||') {
			take();
			const r = andExpr();
			l = bool(l) || bool(r);
		}
		return l;
	};
	const andExpr = (): Value => {
		let l = unary();
		while (peek()?.v === '&&') {
			take();
			const r = unary();
			l = bool(l) && bool(r);
		}
		return l;
	};
	const unary = (): Value => {
		if (peek()?.v === '!') {
			take();
			return !bool(unary());
		}
		return primary();
	};
	const primary = (): Value => {
		const t = take();
		if (t.t === 'str') return t.v;
		if (t.t === 'op' && t.v === '(') {
			const v = orExpr();
			take(')');
			return v;
		}
		if (t.t !== 'id') throw new Error(`unexpected ${t.v}`);
		if (t.v === 'true' || t.v === 'false') return t.v === 'true';
		if (t.v.startsWith('var.')) {
			const name = t.v.slice(4);
			const value = vars[name];
			if (value === undefined) throw new Error(`no value for var.${name}`);
			return value;
		}
		if (t.v === 'can') {
			take('(');
			const start = pos;
			let ok = true;
			try {
				orExpr();
			} catch (e) {
				// can() turns an evaluation error into false; our own "unsupported" errors must not hide.
				if (!(e instanceof RegexNoMatch)) throw e;
				ok = false;
				pos = skipBalanced(start);
			}
			take(')');
			return ok;
		}
		if (t.v === 'regex') {
			take('(');
			const pattern = primary();
			take(',');
			const subject = orExpr();
			take(')');
			if (typeof pattern !== 'string' || typeof subject !== 'string') throw new Error('regex() wants two strings');
			if (!re2ToJs(pattern).test(subject)) throw new RegexNoMatch(pattern);
			return subject;
		}
		throw new Error(`unsupported function or reference: ${t.v}`);
	};
	// After a failed regex inside can(...), move to the can's closing parenthesis.
	const skipBalanced = (start: number): number => {
		let depth = 0;
		for (let i = start; i < toks.length; i++) {
			const v = toks[i]?.v;
			if (v === '(') depth++;
			if (v === ')') {
				if (depth === 0) return i;
				depth--;
			}
		}
		throw new Error('unbalanced parentheses');
	};
	const v = orExpr();
	if (pos !== toks.length) throw new Error(`trailing tokens in ${src}`);
	return bool(v);
}

class RegexNoMatch extends Error {
	constructor(pattern: string) {
		super(`regex "${pattern}" did not match`);
	}
}

// ---------------------------------------------------------------------------------------

describe('the condition evaluator itself', () => {
	it('does boolean logic, can(regex()) and variables', () => {
		expect(evalCondition('${true && !false}', {})).toBe(true);
		expect(evalCondition('${var.a || (var.b && false)}', { a: false, b: true })).toBe(false);
		expect(evalCondition('${can(regex("^a[.]b$", var.s))}', { s: 'a.b' })).toBe(true);
		expect(evalCondition('${can(regex("^a[.]b$", var.s))}', { s: 'axb' })).toBe(false);
		expect(evalCondition('${!can(regex("x", var.s)) && true}', { s: 'abc' })).toBe(true);
		expect(evalCondition('${can(regex("^\\\\d{2}$", var.s))}', { s: '42' })).toBe(true);
	});
	it('refuses what it does not understand instead of guessing', () => {
		expect(() => evalCondition('${length(var.s) > 3}', { s: 'abcd' })).toThrow(/unsupported/);
		expect(() => evalCondition('${can(regex("(?=a)", var.s))}', { s: 'a' })).toThrow(/lookaround/);
		expect(() => evalCondition('${can(regex("${var.x}", var.s))}', { s: 'a' })).toThrow(/interpolation/);
		expect(() => evalCondition('${var.missing}', {})).toThrow(/no value/);
	});
});

describe('deploy/tofu/modules/runner-dashboard', () => {
	let files: Record<string, Obj>;
	let variables: Obj;
	let resources: Obj;
	let locals: Obj;
	let deployment: Obj;
	let podSpec: Obj;
	let container: Obj;

	beforeAll(async () => {
		files = await loadModule();
		variables = {};
		resources = {};
		locals = {};
		for (const doc of Object.values(files)) {
			for (const [name, blocks] of Object.entries((doc.variable ?? {}) as Obj)) variables[name] = one(blocks);
			for (const [type, byName] of Object.entries((doc.resource ?? {}) as Obj)) {
				for (const [name, blocks] of Object.entries(byName as Obj)) (resources[type] ??= {})[name] = one(blocks);
			}
			for (const l of many(doc.locals)) Object.assign(locals, l);
		}
		deployment = resources.kubernetes_deployment_v1.this;
		podSpec = one(one(one(deployment.spec).template).spec);
		container = one(podSpec.container);
	});

	it('has the expected files and pins the kubernetes provider', () => {
		expect(Object.keys(files)).toEqual(expect.arrayContaining(['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf']));
		const tf = one(files['versions.tf']?.terraform);
		const k8s: Obj = one(tf.required_providers).kubernetes;
		expect(k8s.source).toBe('hashicorp/kubernetes');
		expect(String(k8s.version)).toMatch(/>=\s*2\./);
		expect(readFileSync(join(MODULE_DIR, 'README.md'), 'utf8')).toMatch(/var\.image|`image`/);
	});

	it('declares every var it references and uses every var it declares', () => {
		const declared = new Set(Object.keys(variables));
		const usedOutside = new Set<string>();
		for (const [f, doc] of Object.entries(files)) {
			const { variable: _v, ...rest } = doc;
			for (const r of varRefs(rest as Obj)) usedOutside.add(r);
			for (const r of varRefs(doc)) expect(declared, `${f} references undeclared var.${r}`).toContain(r);
		}
		for (const d of declared) expect(usedOutside, `var.${d} is declared but never used`).toContain(d);
		// Validation blocks refer only to their own variable (cross-variable rules live in
		// preconditions, which every OpenTofu release supports).
		for (const [name, v] of Object.entries(variables)) {
			for (const r of varRefs(many(v.validation) as Json)) expect(r, `validation of var.${name}`).toBe(name);
		}
		expect(Object.keys(variables)).toEqual(
			expect.arrayContaining([
				'image', 'allow_mutable_tag', 'namespace', 'name', 'replicas', 'resources', 'config_yaml', 'secret_env',
				'origin', 'runner_namespaces', 'arc_namespaces', 'ingress', 'storage', 'metrics_port'
			])
		);
		expect(variables.image.default).toBeUndefined(); // required
		expect(variables.metrics_port.default).toBe(9464);
		expect(variables.max_heap_mb.default).toBe(256);
		expect(variables.allow_mutable_tag.default).toBe(false);
	});

	it('sets only environment variables the app reads, with the right values', () => {
		const known = new Set(Object.keys(ENV_VARS));
		const staticEnv = Object.fromEntries(many(container.env).map((e) => [e.name as string, e.value as string]));
		const dynamicEnv = many((container.dynamic as Obj | undefined)?.env);
		const dynamicNames = dynamicEnv.map((d) => one(d.content).name as string);
		const literalNames = [...Object.keys(staticEnv), ...dynamicNames.filter((n) => !n.includes('${'))];

		for (const n of literalNames) expect(known, `module sets ${n}, which the app does not read`).toContain(n);
		expect(staticEnv).toMatchObject({
			PORT: '3000',
			HOST: '0.0.0.0',
			RUNNER_DASHBOARD_DATA_DIR: '/data',
			METRICS_PORT: '${tostring(var.metrics_port)}',
			LOG_LEVEL: '${var.log_level}',
			NODE_OPTIONS: '--max-old-space-size=${var.max_heap_mb}'
		});
		expect(dynamicNames).toEqual(expect.arrayContaining(['ORIGIN', 'RUNNER_DASHBOARD_CONFIG', '${env.key}']));

		// The only computed env name is secret_env's key, by Secret reference.
		const computed = dynamicEnv.filter((d) => String(one(d.content).name).includes('${'));
		expect(computed).toHaveLength(1);
		const secretEnv = one(computed);
		expect(secretEnv.for_each).toBe('${var.secret_env}');
		const ref = one(one(one(secretEnv.content).value_from).secret_key_ref);
		expect(ref).toEqual({ name: '${env.value.secret_name}', key: '${env.value.key}' });
		expect(one(secretEnv.content).value).toBeUndefined();

		// The secret names the app reads are exactly ENV_VARS' secret entries.
		const appSecrets = Object.entries(ENV_VARS).filter(([, v]) => 'secret' in v && v.secret).map(([k]) => k).sort();
		expect(Array.isArray(locals.app_secret_env)).toBe(true);
		const listed = [...(locals.app_secret_env as string[])].sort();
		expect(listed).toEqual(appSecrets);
		expect(appSecrets).toEqual(['DATABASE_URL', 'SESSION_SECRET']);

		// RUNNER_DASHBOARD_CONFIG points at the mounted ConfigMap file.
		expect(locals.config_path).toBe('/etc/runner-dashboard/config.yaml');
		expect(String(locals.config_path).startsWith(String(locals.config_dir) + '/')).toBe(true);
		const cm = resources.kubernetes_config_map_v1.config;
		expect(Object.keys(cm.data as Obj)).toEqual(['config.yaml']);
		const cfgMount = one(one((container.dynamic as Obj).volume_mount).content);
		expect(cfgMount).toMatchObject({ name: 'config', mount_path: '${local.config_dir}', read_only: true });

		// Log levels the module accepts are the ones the app accepts.
		const levels = [...String(one(variables.log_level.validation).condition).matchAll(/"([a-z]+)"/g)].map((m) => m[1]);
		expect(levels.sort()).toEqual([...(ENV_VARS.LOG_LEVEL.schema as unknown as { options: string[] }).options].sort());
		expect(variables.log_level.default).toBe(ENV_VARS.LOG_LEVEL.default);
	});

	it('disables service links so Kubernetes injects no RUNNER_DASHBOARD_* variables of its own', () => {
		expect(podSpec.enable_service_links).toBe(false);
		expect(podSpec.automount_service_account_token).toBe(true);
	});

	it('serves HTTP on the app default port 3000 and probes /healthz and /readyz', () => {
		expect(ENV_VARS.PORT.default).toBe('3000');
		const ports = many(container.port);
		const http = ports.find((p) => p.name === 'http')!;
		expect(http.container_port).toBe(Number(ENV_VARS.PORT.default));
		expect(locals.http_port).toBe(3000);
		const liveness = one(one(container.liveness_probe).http_get);
		const readiness = one(one(container.readiness_probe).http_get);
		expect(liveness).toMatchObject({ path: '/healthz', port: 'http' });
		expect(readiness).toMatchObject({ path: '/readyz', port: 'http' });
		const svcPorts = many(one(resources.kubernetes_service_v1.this.spec).port);
		expect(svcPorts.find((p) => p.name === 'http')).toMatchObject({ port: 3000, target_port: 'http' });
		expect(svcPorts.find((p) => p.name === 'metrics')).toMatchObject({ port: '${var.metrics_port}', target_port: 'metrics' });
	});

	it('points the Prometheus scrape annotations at the METRICS_PORT listener', () => {
		const ann = one(one(one(deployment.spec).template).metadata).annotations as Obj;
		expect(ann['prometheus.io/scrape']).toBe('true');
		expect(ann['prometheus.io/path']).toBe('/metrics');
		const metricsEnv = many(container.env).find((e) => e.name === 'METRICS_PORT')!;
		expect(ann['prometheus.io/port']).toBe(metricsEnv.value);
		expect(many(container.port).find((p) => p.name === 'metrics')!.container_port).toBe('${var.metrics_port}');
		expect('METRICS_PORT' in ENV_VARS).toBe(true);
	});

	it('runs restricted: non-root 10001, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
		const sc = one(container.security_context);
		expect(sc).toMatchObject({
			run_as_non_root: true,
			run_as_user: 10001,
			read_only_root_filesystem: true,
			allow_privilege_escalation: false
		});
		expect(one(sc.capabilities).drop).toEqual(['ALL']);
		expect(one(sc.seccomp_profile).type).toBe('RuntimeDefault');
		const psc = one(podSpec.security_context);
		expect(psc).toMatchObject({ run_as_non_root: true, run_as_user: 10001, fs_group: 10001 });
		expect(one(psc.seccomp_profile).type).toBe('RuntimeDefault');
		const mounts = many(container.volume_mount).map((m) => m.mount_path);
		expect(mounts).toEqual(expect.arrayContaining(['/data', '/tmp']));
		const vols = many(podSpec.volume).map((v) => v.name);
		expect(vols).toEqual(expect.arrayContaining(['data', 'tmp']));
	});

	it('grants least-privilege RBAC: namespaced Roles only, never secrets, patch only on AutoscalingRunnerSets', () => {
		const types = Object.keys(resources);
		expect(types.filter((t) => /cluster_role/.test(t))).toEqual([]);
		const roles: Obj = resources.kubernetes_role_v1;
		const allRules: { role: string; rule: Obj }[] = [];
		for (const [name, role] of Object.entries<Obj>(roles)) for (const rule of many(role.rule)) allRules.push({ role: name, rule });
		for (const { role, rule } of allRules) {
			const res = rule.resources as string[];
			const verbs = rule.verbs as string[];
			expect(res, role).not.toContain('secrets');
			expect(res, role).not.toContain('*');
			expect(verbs, role).not.toContain('*');
			expect(rule.api_groups as string[], role).not.toContain('*');
		}
		const ruleSet = (role: string) =>
			many(roles[role].rule).map((r) => ({ g: r.api_groups, r: [...(r.resources as string[])].sort(), v: [...(r.verbs as string[])].sort() }));
		expect(ruleSet('runners')).toEqual([
			{ g: [''], r: ['configmaps', 'events', 'pods'], v: ['get', 'list', 'watch'] },
			{ g: ['apps'], r: ['deployments', 'replicasets'], v: ['get', 'list', 'watch'] },
			{ g: ['autoscaling'], r: ['horizontalpodautoscalers'], v: ['get', 'list', 'watch'] }
		]);
		expect(ruleSet('arc')).toEqual([
			{ g: ['actions.github.com'], r: ['autoscalingrunnersets', 'ephemeralrunners', 'ephemeralrunnersets'], v: ['get', 'list', 'watch'] },
			{ g: ['actions.github.com'], r: ['autoscalingrunnersets'], v: ['patch'] }
		]);
		expect(ruleSet('leader_election')).toEqual([{ g: ['coordination.k8s.io'], r: ['leases'], v: ['create', 'get', 'update'] }]);

		// Per-namespace grants: one Role+RoleBinding per listed namespace; the Lease only at home.
		expect(roles.runners.for_each).toBe('${toset(var.runner_namespaces)}');
		expect(one(roles.runners.metadata).namespace).toBe('${each.value}');
		expect(roles.arc.for_each).toBe('${toset(var.arc_namespaces)}');
		expect(one(roles.leader_election.metadata).namespace).toBe('${local.namespace}');
		const bindings: Obj = resources.kubernetes_role_binding_v1;
		for (const b of Object.values<Obj>(bindings)) {
			expect(one(b.role_ref).kind).toBe('Role');
			expect(one(b.subject)).toMatchObject({ kind: 'ServiceAccount', namespace: '${local.namespace}' });
		}
		expect(Object.keys(bindings).sort()).toEqual(Object.keys(roles).sort());
	});

	it('adds a PodDisruptionBudget only when replicas > 1 and an Ingress only when asked', () => {
		expect(resources.kubernetes_pod_disruption_budget_v1.this.count).toBe('${var.replicas > 1 ? 1 : 0}');
		expect(resources.kubernetes_ingress_v1.this.count).toBe('${var.ingress == null ? 0 : 1}');
		const outputs = Object.assign({}, ...Object.values(files).map((d) => (d.output ?? {}) as Obj));
		expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['service_name', 'namespace', 'service_account', 'url']));
	});

	describe('image rules', () => {
		let conditions: string[];
		const digest = 'a'.repeat(48) + '0123456789abcdef';
		beforeAll(() => {
			const validations = many(variables.image.validation).map((v) => String(v.condition));
			const pre = many(one(deployment.lifecycle).precondition)
				.map((p) => String(p.condition))
				.filter((c) => /\bvar\.image\b/.test(c));
			conditions = [...validations, ...pre];
		});
		const accepted = (image: string, allow_mutable_tag = false) =>
			conditions.every((c) => evalCondition(c, { image, allow_mutable_tag }));

		it('found both the format validation and the immutability rule', () => {
			expect(digest).toMatch(/^[0-9a-f]{64}$/);
			expect(conditions.length).toBeGreaterThanOrEqual(2);
			expect(conditions.some((c) => c.includes('var.allow_mutable_tag'))).toBe(true);
		});

		it.each([
			['x:latest'],
			['ghcr.io/o/runner-dashboard:latest'],
			['ghcr.io/o/r:main'],
			['ghcr.io/o/r:edge'],
			['ghcr.io/o/r'],
			['ghcr.io/o/r:1.2'],
			['ghcr.io/o/r:01.2.3'],
			['ghcr.io/o/r:1.2.3+build.1'],
			['ghcr.io/o/r@sha256:abc'],
			['ghcr.io/o/r@sha256:' + 'A'.repeat(64)],
			['GHCR.IO/o/r:1.2.3'],
			['ghcr.io/o/r:sha-1234567'],
			['registry.example.com:5000/team/r']
		])('refuses %s', (image) => {
			expect(accepted(image)).toBe(false);
		});

		it.each([
			['ghcr.io/o/r:1.2.3'],
			['ghcr.io/o/r:v1.2.3'],
			['ghcr.io/o/r:1.2.3-rc.1'],
			['ghcr.io/o/r:v0.1.0-alpha.1_build.5'],
			[`ghcr.io/o/r@sha256:${digest}`],
			[`ghcr.io/o/runner-dashboard:1.2.3@sha256:${digest}`],
			['registry.example.com:5000/team/runner-dashboard:10.20.30']
		])('accepts %s', (image) => {
			expect(accepted(image)).toBe(true);
		});

		it('accepts a mutable tag only with allow_mutable_tag = true, and never a malformed reference', () => {
			expect(accepted('x:latest', true)).toBe(true);
			expect(accepted('ghcr.io/o/r:main', true)).toBe(true);
			expect(accepted('ghcr.io/o/r:edge', false)).toBe(false);
			expect(accepted('ghcr.io/o/r:bad tag', true)).toBe(false);
			expect(accepted('ghcr.io/O/r:1.2.3', true)).toBe(false);
		});
	});
});
