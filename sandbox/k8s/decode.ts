// Decoding of the typed fields a write carries, before validation, as the API server's
// JSON decoder does it: `MicroTime` fields (Lease acquire/renew times, an Event's
// eventTime and series) must be RFC 3339 with exactly six fractional digits — Go's
// layout `2006-01-02T15:04:05.000000Z07:00` refuses `Date#toISOString()`'s three —
// and come back normalised to UTC; int32 and string fields refuse other JSON types.
// A failure is the server's 400 "cannot be handled as a <Kind>".

import type { Obj } from './request.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { badRequest } from './status.js';

export const MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';

class DecodeError extends Error {}

/** Why Go's time.Parse with the MicroTime layout refuses `value`, or null when it parses. */
export function microTimeError(value: string): string | null {
	const fail = (rest: string, elem: string) => `parsing time ${JSON.stringify(value)} as ${JSON.stringify(MICRO_LAYOUT)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`;
	const head = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(value);
	if (!head) return fail(value, '2006');
	let rest = value.slice(head[0].length);
	const frac = /^\.\d{6}/.exec(rest);
	if (!frac) return fail(rest, '.000000');
	rest = rest.slice(7);
	if (!/^(Z|[+-]\d{2}:\d{2})$/.test(rest)) return fail(rest, 'Z07:00');
	const [, y, mo, d, h, mi, s] = head.map(Number) as number[];
	const date = new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
	if (date.getUTCMonth() !== (mo as number) - 1 || date.getUTCDate() !== d || (h as number) > 23 || (mi as number) > 59 || (s as number) > 59) {
		return `parsing time ${JSON.stringify(value)}: ${(mo as number) > 12 || (mo as number) < 1 ? 'month' : 'day'} out of range`;
	}
	return null;
}

/** A valid MicroTime string as the server writes it back: UTC, six fractional digits. */
export function normalizeMicroTime(value: string): string {
	const micros = value.slice(19, 26);
	const offset = value.slice(26);
	const ms = Date.parse(`${value.slice(0, 19)}${offset === 'Z' ? 'Z' : offset}`);
	return `${new Date(ms).toISOString().slice(0, 19)}${micros}Z`;
}

/** metav1.MicroTime for an instant in ms, as the API server renders it. */
export function microTime(ms: number): string {
	return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

type FieldKind = 'microtime' | 'int32' | 'string';
/** Go struct field names, as the decoder's error names them. */
interface Field {
	path: string;
	kind: FieldKind;
	goField: string;
}

const LEASE: Field[] = [
	{ path: 'spec.holderIdentity', kind: 'string', goField: 'LeaseSpec.spec.holderIdentity' },
	{ path: 'spec.leaseDurationSeconds', kind: 'int32', goField: 'LeaseSpec.spec.leaseDurationSeconds' },
	{ path: 'spec.leaseTransitions', kind: 'int32', goField: 'LeaseSpec.spec.leaseTransitions' },
	{ path: 'spec.acquireTime', kind: 'microtime', goField: 'LeaseSpec.spec.acquireTime' },
	{ path: 'spec.renewTime', kind: 'microtime', goField: 'LeaseSpec.spec.renewTime' }
];
const EVENT_TIMES: Field[] = [
	{ path: 'eventTime', kind: 'microtime', goField: 'Event.eventTime' },
	{ path: 'series.lastObservedTime', kind: 'microtime', goField: 'EventSeries.series.lastObservedTime' },
	{ path: 'series.count', kind: 'int32', goField: 'EventSeries.series.count' }
];

const FIELDS: Record<string, Field[]> = {
	'coordination.k8s.io/v1|Lease': LEASE,
	'v1|Event': [...EVENT_TIMES, { path: 'count', kind: 'int32', goField: 'Event.count' }],
	'events.k8s.io/v1|Event': [...EVENT_TIMES, { path: 'deprecatedCount', kind: 'int32', goField: 'Event.deprecatedCount' }]
};

function decodeField(parent: Obj, key: string, f: Field): void {
	const v = parent[key];
	if (v === undefined || v === null) return;
	const jsonType = Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;
	if (f.kind === 'int32') {
		if (typeof v !== 'number') throw new DecodeError(`json: cannot unmarshal ${jsonType} into Go struct field ${f.goField} of type int32`);
		if (!Number.isInteger(v) || v > 2 ** 31 - 1 || v < -(2 ** 31)) throw new DecodeError(`json: cannot unmarshal number ${v} into Go struct field ${f.goField} of type int32`);
		return;
	}
	if (typeof v !== 'string') {
		// MicroTime unmarshals itself from a JSON string first.
		throw new DecodeError(f.kind === 'string' ? `json: cannot unmarshal ${jsonType} into Go struct field ${f.goField} of type string` : `json: cannot unmarshal ${jsonType} into Go value of type string`);
	}
	if (f.kind === 'microtime') {
		const err = microTimeError(v);
		if (err) throw new DecodeError(err);
		parent[key] = normalizeMicroTime(v);
	}
}

/**
 * Checks and normalises the typed fields of `obj` (a write's result, about to be
 * validated and stored) in place; throws 400 BadRequest as the decoder would.
 */
export function decodeTyped(rt: ResourceType, obj: Obj): void {
	const fields = FIELDS[`${apiVersionOf(rt)}|${rt.kind}`];
	if (!fields) return;
	try {
		for (const f of fields) {
			const parts = f.path.split('.');
			let parent: unknown = obj;
			for (const p of parts.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Obj)[p] : undefined;
			if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) decodeField(parent as Obj, parts[parts.length - 1] as string, f);
		}
	} catch (err) {
		if (err instanceof DecodeError) throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${err.message}`);
		throw err;
	}
}
