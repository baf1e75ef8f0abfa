// Holds recorded API answers to the OpenAPI document: each answer is matched to its
// operation by method and path template, its status must be one the operation
// documents, its media type one documented for that status, and a JSON body must
// validate (ajv, JSON Schema 2020-12) against that status's schema with every object
// closed, so a property the document does not name is a failure too.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RecordedAnswer } from './recording';

type Json = Record<string, unknown>;
type MediaTypes = Record<string, { schema?: unknown }>;
interface OperationDoc {
	operationId?: string;
	responses?: Record<string, { content?: MediaTypes }>;
}
export interface OpenApiDoc {
	paths: Record<string, Record<string, OperationDoc>>;
	components?: { schemas?: Record<string, unknown> };
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const COMPONENTS_ID = 'components';
const REF_PREFIX = '#/components/schemas/';

// Keywords whose values are one schema, or a list or map of schemas.
const ONE = ['items', 'contains', 'not', 'if', 'then', 'else', 'propertyNames', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'contentSchema'];
const LIST = ['prefixItems', 'allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', '$defs', 'dependentSchemas'];

const describesObject = (s: Json) =>
	s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')) || isObject(s.properties) || Array.isArray(s.required);
const composes = (s: Json) => ['allOf', 'anyOf', 'oneOf'].some((k) => Array.isArray(s[k]));

/**
 * A copy of `schema` in which every object that does not say whether it allows other
 * properties allows none. Alternatives (anyOf/oneOf without own properties) are whole
 * objects and are each closed; where properties are spread over the node and its
 * allOf/anyOf/oneOf parts, the node is closed with `unevaluatedProperties: false`
 * (which sees the properties its parts evaluate) and the parts stay open. An allOf part
 * that is a `$ref` cannot be opened without opening the component everywhere: refused.
 */
export function closeObjects(schema: unknown, open = false): unknown {
	if (Array.isArray(schema)) return schema.map((s) => closeObjects(s, open));
	if (!isObject(schema)) return schema;
	const out: Json = { ...schema };
	// Parts of a node that has properties of its own, or of an allOf, are closed by the node.
	const partsOpen = Array.isArray(out.allOf) || (composes(out) && isObject(out.properties));
	if (Array.isArray(out.allOf) && out.allOf.some((p) => isObject(p) && typeof p.$ref === 'string')) {
		throw new Error(`an allOf over ${(out.allOf as Json[]).map((p) => p.$ref ?? '{…}').join(', ')} cannot be closed`);
	}
	for (const k of ONE) if (isObject(out[k])) out[k] = closeObjects(out[k]);
	for (const k of MAP) if (isObject(out[k])) out[k] = Object.fromEntries(Object.entries(out[k] as Json).map(([n, s]) => [n, closeObjects(s)]));
	for (const k of LIST) if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).map((s) => closeObjects(s, k === 'allOf' || partsOpen));
	const decided = 'additionalProperties' in out || 'unevaluatedProperties' in out;
	if (!open && !decided && (describesObject(out) || partsOpen)) {
		if (partsOpen) out.unevaluatedProperties = false;
		else out.additionalProperties = false;
	}
	return out;
}

/** `#/components/schemas/X` refs, pointed at the components registered with ajv. */
function repointRefs(v: unknown): unknown {
	if (Array.isArray(v)) return v.map(repointRefs);
	if (!isObject(v)) return v;
	return Object.fromEntries(
		Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' && x.startsWith(REF_PREFIX) ? `${COMPONENTS_ID}#/$defs/${x.slice(REF_PREFIX.length)}` : repointRefs(x)])
	);
}

export interface Failure {
	/** `GET /api/v1/runners/{id}`, or the path as sent when no operation has it. */
	operation: string;
	status: number;
	problem: string;
	/** Where it was seen: method, path and test. */
	example: string;
}

export interface Verdict {
	answers: number;
	/** Answers with a JSON body validated against a schema. */
	validatedBodies: number;
	/** Answers by operation and status, e.g. `GET /api/v1/users 200: 12`. */
	byOperation: Record<string, number>;
	/** Documented operations no recorded answer exercised. */
	unexercised: string[];
	failures: Failure[];
}

interface Route {
	method: string;
	template: string;
	re: RegExp;
	responses: Record<string, { content?: MediaTypes }>;
}

const templateRe = (path: string) => new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`);

export function contractChecker(doc: OpenApiDoc) {
	const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
	addFormats(ajv);
	ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
	ajv.addSchema({ $id: COMPONENTS_ID, $defs: Object.fromEntries(Object.entries(doc.components?.schemas ?? {}).map(([name, s]) => [name, closeObjects(repointRefs(s))])) });

	const routes: Route[] = Object.entries(doc.paths).flatMap(([template, ops]) =>
		Object.entries(ops).map(([method, o]) => ({ method: method.toUpperCase(), template, re: templateRe(template), responses: o.responses ?? {} }))
	);
	// Fixed paths win over templates (`/runners/bulk` over `/runners/{id}`), as in the router.
	routes.sort((a, b) => Number(a.template.includes('{')) - Number(b.template.includes('{')));
	const errorRoute: Route = {
		method: '*',
		template: '(no operation)',
		re: /.*/,
		responses: { default: { content: { 'application/json': { schema: { $ref: `${REF_PREFIX}Error` } } } } }
	};

	const compiled = new Map<unknown, ValidateFunction>();
	const validatorOf = (schema: unknown) => {
		let v = compiled.get(schema);
		if (!v) compiled.set(schema, (v = ajv.compile(closeObjects(repointRefs(schema)) as Json)));
		return v;
	};

	function check(a: RecordedAnswer): { operation: string; problems: string[]; validated: boolean } {
		const route = routes.find((r) => r.method === a.method && r.re.test(a.path));
		const problems: string[] = [];
		if (!route) {
			// A path or method no operation has: the guard's or the router's refusal, in the error shape.
			const operation = `${a.method} ${a.path} (no operation)`;
			if (a.status < 400) return { operation, problems: [`answered ${a.status} but no operation is documented for it`], validated: false };
			return { operation, ...bodyProblems(errorRoute.responses.default!, a) };
		}
		const operation = `${route.method} ${route.template}`;
		const documented = route.responses[String(a.status)];
		if (!documented) return { operation, problems: [`status ${a.status} is not documented (documented: ${Object.keys(route.responses).join(', ')})`], validated: false };
		return { operation, ...bodyProblems(documented, a) };
		function bodyProblems(d: { content?: MediaTypes }, answer: RecordedAnswer): { problems: string[]; validated: boolean } {
			const types = Object.keys(d.content ?? {});
			if (types.length === 0) return { problems: answer.type ? [`documented without a body, answered ${answer.type}`] : [], validated: false };
			const media = types.find((t) => t.split(';')[0]!.trim().toLowerCase() === answer.type);
			if (!media) return { problems: [`answered ${answer.type ?? 'no Content-Type'}; documented: ${types.join(', ')}`], validated: false };
			if (answer.type !== 'application/json') return { problems, validated: false };
			const validate = validatorOf(d.content![media]!.schema ?? {});
			if (validate(answer.body)) return { problems, validated: true };
			return { problems: (validate.errors ?? []).map(describeError), validated: true };
		}
	}

	return {
		check(answers: RecordedAnswer[]): Verdict {
			const failures: Failure[] = [];
			const byOperation: Record<string, number> = {};
			let validatedBodies = 0;
			for (const a of answers) {
				const r = check(a);
				const key = `${r.operation} ${a.status}`;
				byOperation[key] = (byOperation[key] ?? 0) + 1;
				if (r.validated) validatedBodies++;
				for (const problem of r.problems) failures.push({ operation: r.operation, status: a.status, problem, example: `${a.method} ${a.path} in ${a.seenIn}` });
			}
			const seen = new Set(Object.keys(byOperation).map((k) => k.split(' ').slice(0, 2).join(' ')));
			const unexercised = routes.map((r) => `${r.method} ${r.template}`).filter((k) => !seen.has(k));
			return { answers: answers.length, validatedBodies, byOperation, unexercised, failures };
		}
	};
}

function describeError(e: ErrorObject): string {
	const at = e.instancePath || '(body)';
	if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
		const name = (e.params as { additionalProperty?: string; unevaluatedProperty?: string }).additionalProperty ?? (e.params as { unevaluatedProperty?: string }).unevaluatedProperty;
		return `${at}: undocumented property "${name}"`;
	}
	return `${at}: ${e.message ?? e.keyword}${e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})` : ''}`;
}

/** Failures grouped by operation, status and problem, each with how often and the first few places it was seen. */
export function describeFailures(failures: Failure[], examples = 3): string {
	const groups = new Map<string, Failure[]>();
	for (const f of failures) {
		const key = `${f.operation} → ${f.status}: ${f.problem}`;
		groups.set(key, [...(groups.get(key) ?? []), f]);
	}
	return [...groups.entries()]
		.map(([key, fs]) => [`${key} (${fs.length}×)`, ...[...new Set(fs.map((f) => f.example))].slice(0, examples).map((e) => `    e.g. ${e}`)].join('\n'))
		.join('\n');
}
