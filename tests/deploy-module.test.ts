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
import { KUBERNETES_ACCESS, NAMESPACE_CLASSES, type KubernetesAccess, type NamespaceClass } from '../src/lib/sources/kubernetes/access';

const MODULE_DIR = join(import.meta.dirname, '..', 'deploy', 'tofu', 'modules', 'runner-dashboard');
const CONFIG_DOC = readFileSync(join(import.meta.dirname, '..', 'docs', 'configuration.md'), 'utf8');

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
// A tiny evaluator for validation/precondition conditions and simple locals.

type Value = boolean | string | number | null | Value[] | { [k: string]: Value };
type Token = { t: 'str' | 'num' | 'id' | 'op'; v: string };
/** Input variables, and the module's locals as hcl2json gives them (evaluated on use). */
type Scope = { vars: Record<string, Value>; locals?: Obj; bound?: Record<string, Value> };

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

const OPERATORS = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', ',', '?', ':', '[', ']'];

function tokenize(src: string): Token[] {
	const out: Token[] = [];
	let i = 0;
	while (i < src.length) {
		const c = src.charAt(i);
		const op = OPERATORS.find((o) => src.startsWith(o, i));
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
		} else if (op) {
			out.push({ t: 'op', v: op });
			i += op.length;
		} else if (/[0-9]/.test(c)) {
			const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
			out.push({ t: 'num', v: m[0] });
			i += m[0].length;
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

/** Evaluates an hcl2json value: a whole-expression template `${…}` is evaluated, other literals pass through. */
function evalValue(raw: Json, scope: Scope): Value {
	if (typeof raw !== 'string') return raw as Value;
	const whole = /^\$\{([\s\S]*)\}$/.exec(raw);
	if (whole) return evalExpr(whole[1] ?? '', scope);
	if (raw.includes('${')) throw new Error(`string templates are not supported: ${raw}`);
	return raw;
}

/** Parses into thunks, so that `?:` evaluates only the branch it picks (as HCL does). */
function evalExpr(src: string, scope: Scope): Value {
	type Ev = () => Value;
	const toks = tokenize(src);
	let pos = 0;
	const peek = () => toks[pos];
	const take = (v?: string) => {
		const t = toks[pos++];
		if (!t || (v !== undefined && t.v !== v)) throw new Error(`expected ${v ?? 'a token'} in ${src}`);
		return t;
	};
	const bool = (v: Value): boolean => {
		if (typeof v !== 'boolean') throw new EvalError(`not a bool: ${JSON.stringify(v)}`);
		return v;
	};
	const num = (v: Value): number => {
		if (typeof v !== 'number') throw new EvalError(`not a number: ${JSON.stringify(v)}`);
		return v;
	};
	const str = (v: Value): string => {
		if (typeof v !== 'string') throw new EvalError(`not a string: ${JSON.stringify(v)}`);
		return v;
	};
	const ternary = (): Ev => {
		const c = orExpr();
		if (peek()?.v !== '?') return c;
		take('?');
		const a = ternary();
		take(':');
		const b = ternary();
		return () => (bool(c()) ? a() : b());
	};
	const binary = (ops: string[], next: () => Ev, apply: (op: string, l: Value, r: Value) => Value) => (): Ev => {
		let l = next();
		while (ops.includes(peek()?.v ?? '')) {
			const op = take().v;
			const left = l;
			const r = next();
			l = () => apply(op, left(), r());
		}
		return l;
	};
	const unary = (): Ev => {
		if (peek()?.v === '!') {
			take();
			const e = unary();
			return () => !bool(e());
		}
		return primary();
	};
	const comparison = binary(['<', '<=', '>', '>='], unary, (op, l, r) => {
		const [a, b] = [num(l), num(r)];
		return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
	});
	const equality = binary(['==', '!='], comparison, (op, l, r) => (JSON.stringify(l) === JSON.stringify(r)) === (op === '=='));
	const andExpr = binary(['&&'], equality, (_, l, r) => bool(l) && bool(r));
	const orExpr = binary(['||'], andExpr, (_, l, r) => bool(l) || bool(r));
	const list = (open: string, close: string): Ev[] => {
		take(open);
		const out: Ev[] = [];
		while (peek()?.v !== close) {
			out.push(ternary());
			if (peek()?.v === ',') take(',');
		}
		take(close);
		return out;
	};
	const reference = (path: string): Value => {
		const [root, name = '', ...attrs] = path.split('.');
		let v: Value;
		if (root === 'var') {
			if (!(name in scope.vars)) throw new Error(`no value for var.${name}`);
			v = scope.vars[name]!;
		} else if (root === 'local') {
			if (!scope.locals || !(name in scope.locals)) throw new Error(`no local.${name}`);
			v = evalValue(scope.locals[name] as Json, scope);
		} else if (scope.bound && `${root}.${name}` in scope.bound) {
			v = scope.bound[`${root}.${name}`]!;
		} else throw new Error(`unsupported function or reference: ${path}`);
		for (const a of attrs) {
			if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`cannot read .${a} of ${JSON.stringify(v)}`);
			v = v[a] ?? null;
		}
		return v;
	};
	const FUNCTIONS: Record<string, (args: Ev[]) => Value> = {
		// can() turns an evaluation error into false; the evaluator's own "unsupported" errors must not hide.
		can: ([e]) => {
			try {
				e!();
				return true;
			} catch (err) {
				if (err instanceof EvalError) return false;
				throw err;
			}
		},
		regex: ([p, subject]) => {
			const [pattern, text] = [str(p!()), str(subject!())];
			if (!re2ToJs(pattern).test(text)) throw new RegexNoMatch(pattern);
			return text;
		},
		lower: ([e]) => str(e!()).toLowerCase(),
		keys: ([e]) => {
			const v = e!();
			if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`keys() of ${JSON.stringify(v)}`);
			return Object.keys(v).sort();
		},
		contains: ([l, x]) => {
			const list = l!();
			if (!Array.isArray(list)) throw new Error(`contains() of ${JSON.stringify(list)}`);
			const want = JSON.stringify(x!());
			return list.some((i) => JSON.stringify(i) === want);
		},
		floor: ([e]) => Math.floor(num(e!())),
		tostring: ([e]) => {
			const v = e!();
			return v === null ? null : typeof v === 'number' || typeof v === 'boolean' ? String(v) : str(v);
		}
	};
	const primary = (): Ev => {
		const t = peek();
		if (!t) throw new Error(`unexpected end of ${src}`);
		if (t.t === 'op' && t.v === '(') {
			take();
			const e = ternary();
			take(')');
			return e;
		}
		if (t.t === 'op' && t.v === '[') {
			const items = list('[', ']');
			return () => items.map((i) => i());
		}
		take();
		if (t.t === 'str') return () => t.v;
		if (t.t === 'num') return () => Number(t.v);
		if (t.t !== 'id') throw new Error(`unexpected ${t.v}`);
		if (t.v === 'true' || t.v === 'false' || t.v === 'null') return () => (t.v === 'null' ? null : t.v === 'true');
		if (peek()?.v === '(') {
			const fn = FUNCTIONS[t.v];
			if (!fn) throw new Error(`unsupported function or reference: ${t.v}`);
			const args = list('(', ')');
			return () => fn(args);
		}
		return () => reference(t.v);
	};
	const e = ternary();
	if (pos !== toks.length) throw new Error(`trailing tokens in ${src}`);
	return e();
}

export function evalCondition(expr: string, vars: Record<string, Value>, locals?: Obj): boolean {
	const v = evalValue(expr, { vars, locals });
	if (typeof v !== 'boolean') throw new Error(`not a bool: ${JSON.stringify(v)}`);
	return v;
}

/** An error HCL would raise while evaluating (can() turns it into false), unlike "unsupported". */
class EvalError extends Error {}

class RegexNoMatch extends EvalError {
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
		expect(() => evalCondition('${"${var.a}-x" == "b"}', { a: 'b' })).toThrow(/interpolation/);
	});
	it('compares, picks with ?:, reads locals and object attributes', () => {
		expect(evalCondition('${var.n == 1 && var.n >= 1 && !(var.n > 1) && floor(var.n) == var.n}', { n: 1 })).toBe(true);
		expect(evalCondition('${var.n == 1}', { n: 2 })).toBe(false);
		expect(evalCondition('${var.o == null ? false : var.o.host == "h"}', { o: { host: 'h' } })).toBe(true);
		expect(evalCondition('${local.h == "x-real-ip"}', { h: 'X-Real-IP' }, { h: '${lower(var.h)}' })).toBe(true);
		expect(evalCondition('${tostring(var.n) == "3"}', { n: 3 })).toBe(true);
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
				'origin', 'runner_namespaces', 'arc_namespaces', 'arc_controller_namespaces', 'ingress', 'storage', 'metrics_port',
				'address_header', 'xff_depth', 'network_policy'
			])
		);
		expect(variables.image.default).toBeUndefined(); // required
		expect(variables.metrics_port.default).toBe(9464);
		expect(variables.max_heap_mb.default).toBe(256);
		expect(variables.allow_mutable_tag.default).toBe(false);
		expect(variables.address_header.default).toBeNull();
		expect(variables.xff_depth.default).toBe(1);
		expect(variables.network_policy.default).toEqual({});
	});

	it('sets only environment variables the app reads, with the right values', () => {
		// The client-address settings are read by the HTTP layer; docs/configuration.md lists them.
		const httpLayer = ['ADDRESS_HEADER', 'XFF_DEPTH'];
		for (const n of httpLayer) expect(CONFIG_DOC, `${n} documented`).toMatch(new RegExp(`\\| \`${n}\` \\|`));
		const known = new Set([...Object.keys(ENV_VARS), ...httpLayer]);
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
		expect(dynamicNames).toEqual(expect.arrayContaining(['ORIGIN', 'RUNNER_DASHBOARD_CONFIG', 'ADDRESS_HEADER', 'XFF_DEPTH', '${env.key}']));

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
	});

	it('mounts the ServiceAccount token only when config_yaml has a Kubernetes source with in_cluster: true', () => {
		const sa = resources.kubernetes_service_account_v1.this;
		expect(sa.automount_service_account_token).toBe('${local.kubernetes_in_cluster}');
		expect(podSpec.automount_service_account_token).toBe('${local.kubernetes_in_cluster}');
		// yamldecode and a for expression are beyond the evaluator here: pin the expression.
		const expr = String(locals.kubernetes_in_cluster).replace(/\s+/g, ' ');
		expect(expr).toBe('${anytrue([ for k in try(yamldecode(local.config_yaml_text).sources.kubernetes, []) : try(k.in_cluster, false) == true ])}');
		expect(locals.config_yaml_text).toBe('${var.config_yaml == null ? "" : var.config_yaml}');
	});

	describe('client address behind the Ingress (ADDRESS_HEADER, XFF_DEPTH)', () => {
		/** The env the container gets from the address settings, for given inputs. */
		const defaults: Record<string, Value> = { ingress: null, address_header: null, xff_depth: 1 };
		const addressEnv = (vars: Record<string, Value>): Record<string, string> => {
			const scope: Scope = { vars: { ...defaults, ...vars }, locals };
			const out: Record<string, string> = {};
			for (const d of many((container.dynamic as Obj).env)) {
				const content = one(d.content);
				if (!['ADDRESS_HEADER', 'XFF_DEPTH'].includes(content.name)) continue;
				const items = evalValue(d.for_each, scope);
				if (!Array.isArray(items)) throw new Error(`for_each of ${content.name} is not a list`);
				for (const item of items) out[content.name] = evalValue(content.value, { ...scope, bound: { 'env.value': item } }) as string;
			}
			return out;
		};
		const preconditionsHold = (vars: Record<string, Value>) =>
			many(one(deployment.lifecycle).precondition)
				.map((p) => String(p.condition))
				.filter((c) => c.includes('xff_depth'))
				.every((c) => evalCondition(c, { ...defaults, ...vars }, locals));
		const ingress = { host: 'runners.example.com', class: 'nginx', tls_secret: null, annotations: {} };

		it('defaults to X-Forwarded-For at depth 1 with the module Ingress, and to nothing without one', () => {
			expect(addressEnv({ ingress })).toEqual({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' });
			expect(addressEnv({})).toEqual({});
		});
		it('passes an explicit header (lowercased) and depth', () => {
			expect(addressEnv({ ingress, xff_depth: 2 })).toEqual({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '2' });
			expect(addressEnv({ ingress, address_header: 'X-Real-IP' })).toEqual({ ADDRESS_HEADER: 'x-real-ip' });
			expect(addressEnv({ address_header: 'X-Forwarded-For', xff_depth: 3 })).toEqual({ ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '3' });
		});
		it('refuses a depth without X-Forwarded-For, and bad header names and depths', () => {
			expect(preconditionsHold({ ingress, xff_depth: 2 })).toBe(true);
			expect(preconditionsHold({ ingress, address_header: 'x-real-ip', xff_depth: 2 })).toBe(false);
			expect(preconditionsHold({ xff_depth: 2 })).toBe(false);
			const header = (v: string | null) => many(variables.address_header.validation).every((x) => evalCondition(String(x.condition), { address_header: v }));
			expect(header(null)).toBe(true);
			expect(header('X-Real-IP')).toBe(true);
			expect(header('x forwarded for')).toBe(false);
			expect(header('x-forwarded-for:')).toBe(false);
			const depth = (v: number) => many(variables.xff_depth.validation).every((x) => evalCondition(String(x.condition), { xff_depth: v }));
			expect([1, 2, 10].map(depth)).toEqual([true, true, true]);
			expect([0, 11, 1.5].map(depth)).toEqual([false, false, false]);
		});
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

	it('grants least-privilege RBAC: namespaced Roles only, never secrets or wildcards, one Role per listed namespace', () => {
		const types = Object.keys(resources);
		expect(types.filter((t) => /cluster_role/.test(t))).toEqual([]);
		const roles: Obj = resources.kubernetes_role_v1;
		for (const [name, role] of Object.entries<Obj>(roles)) {
			for (const rule of many(role.rule)) {
				expect(rule.resources as string[], name).not.toContain('secrets');
				expect(rule.resources as string[], name).not.toContain('*');
				expect(rule.verbs as string[], name).not.toContain('*');
				expect(rule.api_groups as string[], name).not.toContain('*');
			}
		}
		// Per-namespace grants: one Role+RoleBinding per namespace of each class.
		expect(Object.keys(roles).sort()).toEqual(Object.values(NAMESPACE_CLASSES).map((c) => c.moduleRole).sort());
		for (const c of Object.values(NAMESPACE_CLASSES)) {
			expect(roles[c.moduleRole].for_each).toBe(`\${toset(var.${c.moduleVariable})}`);
			expect(one(roles[c.moduleRole].metadata).namespace).toBe('${each.value}');
		}
		const bindings: Obj = resources.kubernetes_role_binding_v1;
		for (const b of Object.values<Obj>(bindings)) {
			expect(one(b.role_ref).kind).toBe('Role');
			expect(one(b.subject)).toMatchObject({ kind: 'ServiceAccount', namespace: '${local.namespace}' });
		}
		expect(Object.keys(bindings).sort()).toEqual(Object.keys(roles).sort());
	});

	describe("Role rules equal the app's Kubernetes access table", () => {
		/** "group resource verb" for every (group, resource, verb) a module Role grants. */
		const granted = (roles: Obj, role: string): string[] =>
			[
				...new Set(
					many(roles[role]?.rule).flatMap((r) =>
						(r.api_groups as string[]).flatMap((g) => (r.resources as string[]).flatMap((res) => (r.verbs as string[]).map((v) => `${g} ${res} ${v}`)))
					)
				)
			].sort();
		/** The same, from the access table, for the namespace class a module Role serves. */
		const needed = (access: readonly KubernetesAccess[], role: string): string[] => {
			const cls = (Object.keys(NAMESPACE_CLASSES) as NamespaceClass[]).find((c) => NAMESPACE_CLASSES[c].moduleRole === role)!;
			return [...new Set(access.filter((a) => a.namespaces === cls).map((a) => `${a.group} ${a.resource} ${a.verb}`))].sort();
		};
		const disagreements = (roles: Obj, access: readonly KubernetesAccess[]): string[] =>
			Object.values(NAMESPACE_CLASSES).flatMap(({ moduleRole }) => {
				const g = granted(roles, moduleRole);
				const n = needed(access, moduleRole);
				return [...n.filter((x) => !g.includes(x)).map((x) => `${moduleRole}: missing ${x}`), ...g.filter((x) => !n.includes(x)).map((x) => `${moduleRole}: unused ${x}`)];
			});

		it('grants exactly what the app uses, per namespace class', () => {
			expect(disagreements(resources.kubernetes_role_v1, KUBERNETES_ACCESS)).toEqual([]);
			// What that means today, spelled out.
			expect(granted(resources.kubernetes_role_v1, 'arc')).toEqual([
				' pods list',
				' pods watch',
				'actions.github.com autoscalingrunnersets list',
				'actions.github.com autoscalingrunnersets patch',
				'actions.github.com autoscalingrunnersets watch',
				'actions.github.com ephemeralrunners list',
				'actions.github.com ephemeralrunners watch',
				'actions.github.com ephemeralrunnersets list',
				'actions.github.com ephemeralrunnersets watch',
				'events.k8s.io events list',
				'events.k8s.io events watch'
			]);
			expect(granted(resources.kubernetes_role_v1, 'runners')).toEqual([
				' configmaps list',
				' configmaps watch',
				' pods list',
				' pods watch',
				'apps deployments list',
				'apps deployments watch',
				'autoscaling horizontalpodautoscalers list',
				'autoscaling horizontalpodautoscalers watch',
				'events.k8s.io events list',
				'events.k8s.io events watch'
			]);
			expect(granted(resources.kubernetes_role_v1, 'arc_controller')).toEqual([' pods list', ' pods watch']);
		});

		it('fails when either side changes', () => {
			const roles = structuredClone(resources.kubernetes_role_v1) as Obj;
			// The module grants a verb nobody uses…
			roles.arc.rule[0].verbs = [...roles.arc.rule[0].verbs, 'get'];
			expect(disagreements(roles, KUBERNETES_ACCESS)).toEqual(['arc: unused  pods get']);
			// …or loses one the app needs (pods in the ARC namespaces, a real cluster's 403).
			const withoutPods = structuredClone(resources.kubernetes_role_v1) as Obj;
			withoutPods.arc.rule = withoutPods.arc.rule.slice(1);
			expect(disagreements(withoutPods, KUBERNETES_ACCESS)).toEqual(['arc: missing  pods list', 'arc: missing  pods watch']);
			// The app starts to use something the module does not grant.
			const events: KubernetesAccess = { ...KUBERNETES_ACCESS[0]!, group: '', resource: 'events', verb: 'list', namespaces: 'gitlab_runner_namespaces' };
			expect(disagreements(resources.kubernetes_role_v1, [...KUBERNETES_ACCESS, events])).toEqual(['runners: missing  events list']);
		});
	});

	describe('replicas', () => {
		const db = { DATABASE_URL: { secret_name: 'runner-dashboard-db', key: 'url' } };
		const scope = (replicas: number | null, secretEnv: Record<string, Value>, storage = 'pvc') => ({ replicas, secret_env: secretEnv, storage: { type: storage } });

		it('runs 2 by default with PostgreSQL and 1 with SQLite', () => {
			expect(one(deployment.spec).replicas).toBe('${local.replicas}');
			const replicas = (vars: Record<string, Value>) => evalValue(String(locals.replicas), { vars, locals });
			expect(replicas(scope(null, db, 'emptyDir'))).toBe(2);
			expect(replicas(scope(null, {}))).toBe(1);
			expect(replicas(scope(3, db, 'emptyDir'))).toBe(3);
			expect(variables.replicas.default).toBeNull();
		});

		it('refuses more than one with SQLite (or on a ReadWriteOnce volume), saying why', () => {
			const rules = many(one(deployment.lifecycle).precondition).filter((p) => /\blocal\.replicas\b/.test(String(p.condition)));
			expect(rules).toHaveLength(1);
			const rule = one(rules);
			const holds = (vars: Record<string, Value>) => evalCondition(String(rule.condition), vars, locals);
			expect(holds(scope(1, {}))).toBe(true);
			expect(holds(scope(null, {}))).toBe(true);
			expect(holds(scope(2, {}))).toBe(false);
			expect(holds(scope(2, {}, 'emptyDir'))).toBe(false);
			expect(holds(scope(2, db, 'pvc'))).toBe(false);
			expect(holds(scope(null, db, 'emptyDir'))).toBe(true);
			expect(holds(scope(3, db, 'emptyDir'))).toBe(true);
			expect(rule.error_message).toMatch(/replicas > 1 needs PostgreSQL: set secret_env\.DATABASE_URL/);
		});

		it('adds a PodDisruptionBudget and spreads pods over zones and nodes only with more than one', () => {
			const pdb = resources.kubernetes_pod_disruption_budget_v1.this;
			expect(pdb.count).toBe('${local.replicas > 1 ? 1 : 0}');
			const spec = one(pdb.spec);
			expect(spec.max_unavailable).toBe('1');
			expect(one(spec.selector).match_labels).toBe('${local.selector_labels}');
			const spread = one(podSpec.dynamic.topology_spread_constraint);
			expect(spread.for_each).toBe('${local.replicas > 1 ? ["topology.kubernetes.io/zone", "kubernetes.io/hostname"] : []}');
			const content = one(spread.content);
			expect(content).toMatchObject({ max_skew: 1, topology_key: '${topology_spread_constraint.value}', when_unsatisfiable: 'ScheduleAnyway' });
			expect(one(content.label_selector).match_labels).toBe('${local.selector_labels}');
		});

		it('needs no Kubernetes Lease: leadership is a row in PostgreSQL, so no coordination.k8s.io rule', () => {
			const text = readdirSync(MODULE_DIR)
				.map((f) => readFileSync(join(MODULE_DIR, f), 'utf8'))
				.join('\n');
			expect(text).not.toMatch(/coordination\.k8s\.io|\bleases\b/i);
		});

		it('is ready only once caught up: readiness is /readyz', () => {
			expect(one(one(container.readiness_probe).http_get).path).toBe('/readyz');
		});
	});

	it('adds an Ingress only when asked', () => {
		expect(resources.kubernetes_ingress_v1.this.count).toBe('${var.ingress == null ? 0 : 1}');
		const outputs = Object.assign({}, ...Object.values(files).map((d) => (d.output ?? {}) as Obj));
		expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['service_name', 'namespace', 'service_account', 'url']));
	});

	describe('NetworkPolicy', () => {
		let np: Obj;
		let spec: Obj;
		beforeAll(() => {
			np = resources.kubernetes_network_policy_v1.this;
			spec = one(np.spec);
		});

		it('is on by default and selects the dashboard pods for ingress and egress', () => {
			expect(np.count).toBe('${var.network_policy.enabled ? 1 : 0}');
			expect(String(variables.network_policy.type)).toMatch(/enabled\s*=\s*optional\(bool, true\)/);
			expect(one(spec.pod_selector).match_labels).toBe('${local.selector_labels}');
			expect(spec.policy_types).toEqual(['Ingress', 'Egress']);
			expect(one(np.metadata).namespace).toBe('${local.namespace}');
		});

		it('admits the HTTP port from the ingress namespaces and the metrics port from the Prometheus namespaces, never from everyone', () => {
			const rule = one((spec.dynamic as Obj).ingress);
			// Port => namespaces; a port with no namespaces gets no rule (a rule without `from` admits every source).
			expect(String(rule.for_each).replace(/\s+/g, ' ')).toBe(
				'${{ for port, namespaces in { (tostring(local.http_port)) = var.network_policy.http_from_namespaces (tostring(var.metrics_port)) = var.network_policy.metrics_from_namespaces } : port => namespaces if length(namespaces) > 0 }}'
			);
			const content = one(rule.content);
			expect(one(content.ports)).toEqual({ port: '${ingress.key}', protocol: 'TCP' });
			const from = one(content.from);
			expect(Object.keys(from)).toEqual(['namespace_selector']);
			expect(one(one(from.namespace_selector).match_expressions)).toEqual({ key: 'kubernetes.io/metadata.name', operator: 'In', values: '${ingress.value}' });
			expect(many(spec.ingress)).toEqual([]);
		});

		it('lets out DNS and the configured egress rules, by default HTTPS, the API server, PostgreSQL and Prometheus ports', () => {
			const dns = one(spec.egress);
			expect(many(dns.ports).map((p) => `${p.port}/${p.protocol}`).sort()).toEqual(['53/TCP', '53/UDP']);
			const rule = one((spec.dynamic as Obj).egress);
			expect(rule.for_each).toBe('${var.network_policy.egress}');
			const content = one(rule.content);
			expect(one((content.dynamic as Obj).ports).for_each).toBe('${egress.value.ports}');
			const to = many((content.dynamic as Obj).to);
			expect(to.map((t) => t.for_each)).toEqual(['${egress.value.cidrs == null ? [] : egress.value.cidrs}', '${egress.value.namespaces == null ? [] : [egress.value.namespaces]}']);
			expect(String(variables.network_policy.type)).toContain('[{ ports = [443, 5432, 6443, 9090] }]');
			expect(String(variables.network_policy.type)).toContain('optional(list(string), ["ingress-nginx"])');
			expect(String(variables.network_policy.type)).toContain('optional(list(string), ["monitoring"])');
		});
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
