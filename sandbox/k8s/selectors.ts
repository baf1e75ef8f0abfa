// Label and field selectors in the API server's query syntax
// (k8s.io/apimachinery/pkg/labels and pkg/fields): `a=b`, `a==b`, `a!=b`,
// `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>3`, `a<3` for labels; `f=v`, `f==v`,
// `f!=v` for fields. Parse errors are 400 BadRequest, as upstream.

import type { K8sObject } from './store.js';
import type { ResourceType } from './resources.js';
import { badRequest } from './status.js';

type Requirement =
	| { key: string; op: 'eq' | 'neq'; value: string }
	| { key: string; op: 'in' | 'notin'; values: string[] }
	| { key: string; op: 'exists' | 'notexists' }
	| { key: string; op: 'gt' | 'lt'; value: number };

export type Selector = (labels: Record<string, string> | undefined) => boolean;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
	const out: string[] = [];
	let depth = 0;
	let cur = '';
	for (const ch of s) {
		if (ch === '(') depth++;
		if (ch === ')') depth--;
		if (ch === ',' && depth === 0) {
			out.push(cur);
			cur = '';
		} else cur += ch;
	}
	out.push(cur);
	return out;
}

function checkKey(key: string, raw: string): string {
	if (!KEY.test(key) || key.length > 316) throw badRequest(`unable to parse requirement: ${raw}: invalid label key "${key}"`);
	return key;
}

function checkValue(value: string, raw: string): string {
	if (!VALUE.test(value) || value.length > 63) throw badRequest(`unable to parse requirement: ${raw}: invalid label value: "${value}"`);
	return value;
}

function parseRequirement(raw: string): Requirement {
	const s = raw.trim();
	let m: RegExpExecArray | null;
	if ((m = /^!\s*(\S+)$/.exec(s))) return { key: checkKey(m[1] as string, s), op: 'notexists' };
	if ((m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(s))) {
		const values = (m[3] as string).split(',').map((v) => checkValue(v.trim(), s));
		return { key: checkKey(m[1] as string, s), op: m[2] as 'in' | 'notin', values };
	}
	if ((m = /^([^=!<>\s]+)\s*(==|=|!=)\s*(.*)$/.exec(s))) {
		return { key: checkKey(m[1] as string, s), op: m[2] === '!=' ? 'neq' : 'eq', value: checkValue((m[3] as string).trim(), s) };
	}
	if ((m = /^([^=!<>\s]+)\s*([<>])\s*(.*)$/.exec(s))) {
		const n = Number((m[3] as string).trim());
		if (!Number.isInteger(n)) throw badRequest(`unable to parse requirement: ${s}: for 'Gt', 'Lt' operators, the value must be an integer`);
		return { key: checkKey(m[1] as string, s), op: m[2] === '>' ? 'gt' : 'lt', value: n };
	}
	if (/^\S+$/.test(s)) return { key: checkKey(s, s), op: 'exists' };
	throw badRequest(`unable to parse requirement: found '${s}', expected: identifier`);
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
	const has = Object.prototype.hasOwnProperty.call(labels, r.key);
	const v = labels[r.key];
	switch (r.op) {
		case 'eq':
			return has && v === r.value;
		case 'neq':
			return !has || v !== r.value;
		case 'in':
			return has && r.values.includes(v as string);
		case 'notin':
			return !has || !r.values.includes(v as string);
		case 'exists':
			return has;
		case 'notexists':
			return !has;
		case 'gt':
		case 'lt': {
			const n = Number(v);
			if (!has || !Number.isInteger(n)) return false;
			return r.op === 'gt' ? n > r.value : n < r.value;
		}
	}
}

export function parseLabelSelector(text: string | null): Selector {
	if (text === null || text.trim() === '') return () => true;
	const reqs = splitTop(text).map(parseRequirement);
	return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

export type FieldFilter = (o: K8sObject) => boolean;

/** Field selectors the type supports: metadata.name, metadata.namespace and its own. */
export function parseFieldSelector(text: string | null, rt: ResourceType): FieldFilter {
	if (text === null || text.trim() === '') return () => true;
	const reqs = splitTop(text).map((raw) => {
		const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
		if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${raw}'`);
		const field = m[1] as string;
		const get = field === 'metadata.name' ? (o: K8sObject) => o.metadata.name : field === 'metadata.namespace' ? (o: K8sObject) => o.metadata.namespace : rt.fields[field];
		if (!get) {
			throw rt.custom
				? badRequest(`"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`)
				: badRequest(`field label not supported: ${field}`);
		}
		return { get, negate: m[2] === '!=', value: unescapeField(m[3] as string) };
	});
	return (o) =>
		reqs.every((r) => {
			const actual = r.get(o);
			const equal = (actual === undefined || actual === null ? '' : String(actual)) === r.value;
			return r.negate ? !equal : equal;
		});
}

/** Field selector values escape `\`, `,` and `=` with a backslash. */
function unescapeField(v: string): string {
	return v.replace(/\\([\\,=])/g, '$1');
}
