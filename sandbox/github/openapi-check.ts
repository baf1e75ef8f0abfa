// Checks the sandbox's GitHub answers against GitHub's official OpenAPI description
// (@octokit/openapi, the GHES 3.17 document). Test helper only, not part of the
// sandbox program. A small JSON-schema checker for the subset GitHub's document uses:
// $ref, type (+ OpenAPI's nullable), enum, properties/required, items,
// additionalProperties, allOf/anyOf/oneOf, and the formats date-time, uri, email.
// `strict` also reports properties the schema does not describe, so the sandbox cannot
// invent fields a real client would never see.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export type Schema = Record<string, any>;

export interface OpenApi {
	paths: Record<string, Record<string, any>>;
	components: { schemas: Record<string, Schema>; responses: Record<string, any>; parameters: Record<string, any> };
}

let cached: OpenApi | undefined;

export function loadGhesSpec(version = '3.17'): OpenApi {
	if (!cached) {
		const file = createRequire(import.meta.url).resolve(`@octokit/openapi/generated/ghes-${version}.json`);
		cached = JSON.parse(readFileSync(file, 'utf8')) as OpenApi;
	}
	return cached;
}

function deref(spec: OpenApi, s: Schema): Schema {
	let cur = s;
	for (let guard = 0; cur && typeof cur.$ref === 'string' && guard < 20; guard++) {
		const parts = (cur.$ref as string).replace(/^#\//, '').split('/');
		let target: any = spec;
		for (const p of parts) target = target?.[p];
		if (!target) throw new Error(`unresolved $ref ${cur.$ref}`);
		cur = target;
	}
	return cur;
}

/** The JSON schema of an operation's response, e.g. ('/orgs/{org}/actions/runners', 'get', '200'). */
export function responseSchema(spec: OpenApi, path: string, method = 'get', status = '200'): Schema {
	const op = spec.paths[path]?.[method];
	if (!op) throw new Error(`no operation ${method.toUpperCase()} ${path} in the OpenAPI description`);
	const res = deref(spec, op.responses?.[status] ?? {});
	const schema = res.content?.['application/json']?.schema;
	if (!schema) throw new Error(`no application/json ${status} schema for ${method.toUpperCase()} ${path}`);
	return schema;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

function formatOk(format: string, v: string): boolean {
	switch (format) {
		case 'date-time':
			return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));
		case 'uri':
			return /^[a-z][a-z0-9+.-]*:/i.test(v);
		case 'email':
			return /^[^@\s]+@[^@\s]+$/.test(v);
		default:
			return true;
	}
}

/** Every way `value` breaks `schema`, as `path: problem` strings (empty when it conforms). */
export function check(spec: OpenApi, schema: Schema, value: unknown, strict = true, path = '$'): string[] {
	const s = deref(spec, schema);
	const errors: string[] = [];
	if (s.allOf) for (const sub of s.allOf) errors.push(...check(spec, sub, value, false, path));
	if (s.anyOf || s.oneOf) {
		const alts: Schema[] = s.anyOf ?? s.oneOf;
		const results = alts.map((sub) => check(spec, sub, value, strict, path));
		const passing = results.filter((r) => r.length === 0).length;
		if (passing === 0) errors.push(`${path}: matches none of ${s.anyOf ? 'anyOf' : 'oneOf'} (${results.map((r) => r[0]).join(' | ')})`);
		else if (s.oneOf && passing > 1 && !alts.every((a) => deref(spec, a).type === 'object')) errors.push(`${path}: matches ${passing} of oneOf`);
	}
	if (value === null) {
		if (s.nullable || s.type === 'null' || (Array.isArray(s.type) && s.type.includes('null')) || s.enum?.includes(null)) return errors;
		if (s.type || s.properties) errors.push(`${path}: null but not nullable`);
		return errors;
	}
	const t = typeOf(value);
	if (s.type) {
		const types: string[] = Array.isArray(s.type) ? s.type : [s.type];
		const okType = types.some((want) => want === t || (want === 'number' && t === 'integer'));
		if (!okType) return [...errors, `${path}: expected ${types.join('|')}, got ${t} (${JSON.stringify(value)?.slice(0, 60)})`];
	}
	if (s.enum && !s.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(s.enum)}`);
	if (typeof value === 'string' && s.format && !formatOk(s.format, value)) errors.push(`${path}: ${JSON.stringify(value)} is not a valid ${s.format}`);
	if (t === 'array' && s.items) (value as unknown[]).forEach((item, i) => errors.push(...check(spec, s.items, item, strict, `${path}[${i}]`)));
	if (t === 'object' && (s.properties || s.required || s.additionalProperties !== undefined)) {
		const obj = value as Record<string, unknown>;
		for (const k of s.required ?? []) if (!(k in obj)) errors.push(`${path}: missing required ${k}`);
		const props: Record<string, Schema> = s.properties ?? {};
		for (const [k, v] of Object.entries(obj)) {
			if (k in props) errors.push(...check(spec, props[k] as Schema, v, strict, `${path}.${k}`));
			else if (s.additionalProperties === false || (strict && s.additionalProperties === undefined && s.properties && !s.allOf)) errors.push(`${path}: property ${k} is not in the schema`);
			else if (typeof s.additionalProperties === 'object') errors.push(...check(spec, s.additionalProperties, v, strict, `${path}.${k}`));
		}
	}
	return errors;
}
