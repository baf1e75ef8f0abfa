// A read's answer is serialised again only when it differs from the last answer to the same
// request. The large reads (scale sets, pods, drift, capacity) answer with views that are
// rebuilt when the data changes, not per request, so most answers are the same objects as
// the one before, and JSON.stringify of them was most of such a read's cost.
//
// Reuse is decided on the answer just computed, compared with the one the kept JSON was made
// from: by identity first (views are never changed in place: callers must not mutate them),
// structurally where a new object was built. So the JSON served is always that of the answer
// computed for this request; only operations whose answers obey that rule opt in (`reuse`).
// The JSON is kept as UTF-8 bytes: the socket write would otherwise encode the same text
// again for every request.
import { LRUCache } from 'lru-cache';

/** Kept JSON in total (bytes); one answer above a quarter of it is never kept. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export class AnswerReuse {
	private readonly last: LRUCache<string, { answer: unknown; bytes: Buffer }>;
	private readonly maxEntryBytes: number;

	constructor(maxBytes = DEFAULT_MAX_BYTES) {
		this.last = new LRUCache({ maxSize: maxBytes, sizeCalculation: (v) => Math.max(1, v.bytes.length) });
		this.maxEntryBytes = maxBytes / 4;
	}

	/** The JSON of `answer` as UTF-8 bytes, reused when the last answer for `key` equals it. */
	bytes(key: string, answer: unknown): Buffer {
		const prev = this.last.get(key);
		if (prev && sameValue(prev.answer, answer)) return prev.bytes;
		const bytes = Buffer.from(JSON.stringify(answer));
		if (bytes.length <= this.maxEntryBytes) this.last.set(key, { answer, bytes });
		return bytes;
	}
}

/**
 * Whether two JSON-like values serialise alike: identical, or arrays and plain objects with
 * the same keys in the same order and equal members. Anything else (a Date, a Map, a class
 * instance) counts as different unless identical, so its JSON is made again.
 */
export function sameValue(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
	if (Array.isArray(a)) {
		if (!Array.isArray(b) || a.length !== b.length) return false;
		for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
		return true;
	}
	if (Array.isArray(b) || !isPlain(a) || !isPlain(b)) return false;
	const ka = Object.keys(a);
	const kb = Object.keys(b);
	if (ka.length !== kb.length) return false;
	for (let i = 0; i < ka.length; i++) {
		const k = ka[i]!;
		// Key order is part of the JSON text.
		if (k !== kb[i]) return false;
		if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
	}
	return true;
}

function isPlain(o: object): boolean {
	const proto = Object.getPrototypeOf(o);
	return proto === Object.prototype || proto === null;
}
