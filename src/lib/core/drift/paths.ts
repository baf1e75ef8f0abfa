// Field paths into live objects, as the drift map and items spell them:
// `spec.template.spec.containers[name=runner].resources.requests.cpu`,
// `data["config.toml"]`, `spec.metrics[0]`; and JSON pointers (`/spec/replicas`).

/** One step into an object: a key, a list index, or the list element whose `field` equals `value`. */
export type Segment = { key: string } | { index: number } | { field: string; value: string };

const STEP = /\.?([^.[\]]+)|\[(\d+|\*)\]|\[([A-Za-z_][\w-]*)=([^\]]*)\]|\["((?:[^"\\]|\\.)*)"\]/y;

/** Parses a dotted path (`[*]` is a wildcard step for ignore rules); null when it is malformed. */
export function parsePath(path: string): Segment[] | null {
	const out: Segment[] = [];
	STEP.lastIndex = 0;
	while (STEP.lastIndex < path.length) {
		const at = STEP.lastIndex;
		const m = STEP.exec(path);
		if (!m || STEP.lastIndex === at) return null;
		if (m[1] !== undefined) out.push({ key: m[1] });
		else if (m[2] !== undefined) out.push(m[2] === '*' ? { key: '*' } : { index: Number(m[2]) });
		else if (m[3] !== undefined) out.push({ field: m[3], value: m[4] ?? '' });
		else out.push({ key: JSON.parse(`"${m[5] ?? ''}"`) as string });
	}
	return out;
}

/** Parses a JSON pointer (`/metadata/annotations/a~1b`); every step is a key (a number also matches a list index). */
export function parsePointer(pointer: string): Segment[] {
	return pointer
		.split('/')
		.slice(1)
		.map((s) => ({ key: s.replace(/~1/g, '/').replace(/~0/g, '~') }));
}

/** Formats segments back into a dotted path (keys that are not plain identifiers are quoted). */
export function formatPath(segments: Segment[]): string {
	let s = '';
	for (const seg of segments) {
		if ('index' in seg) s += `[${seg.index}]`;
		else if ('field' in seg) s += `[${seg.field}=${seg.value}]`;
		else if (/^[A-Za-z_$][\w$-]*$/.test(seg.key)) s += s ? `.${seg.key}` : seg.key;
		else s += `[${JSON.stringify(seg.key)}]`;
	}
	return s;
}

/** The value at a path, or undefined when any step is absent. */
export function getAt(root: unknown, segments: Segment[]): unknown {
	let cur: unknown = root;
	for (const seg of segments) {
		if (cur === null || typeof cur !== 'object') return undefined;
		if ('index' in seg) cur = Array.isArray(cur) ? cur[seg.index] : undefined;
		else if ('field' in seg) cur = Array.isArray(cur) ? cur.find((x) => typeof x === 'object' && x !== null && String((x as Record<string, unknown>)[seg.field]) === seg.value) : undefined;
		else if (Array.isArray(cur)) cur = /^\d+$/.test(seg.key) ? cur[Number(seg.key)] : undefined;
		else cur = (cur as Record<string, unknown>)[seg.key];
	}
	return cur;
}

/** A leaf of an object with the path to it; list elements with a string `name` are addressed by it. */
export interface Leaf {
	segments: Segment[];
	/** For each segment, the list index it stands for (so index-based ignore rules match named steps too). */
	indexes: (number | null)[];
	value: unknown;
}

/** Every leaf (scalar, or empty list/object) of a JSON value. */
export function leaves(root: unknown): Leaf[] {
	const out: Leaf[] = [];
	const walk = (v: unknown, segments: Segment[], indexes: (number | null)[]): void => {
		if (Array.isArray(v)) {
			if (v.length === 0) out.push({ segments, indexes, value: v });
			const named = v.every((x) => typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>).name === 'string');
			const names = named ? new Set(v.map((x) => (x as Record<string, unknown>).name)) : null;
			v.forEach((x, i) => {
				// Elements are matched by name when the names are unique, otherwise by position.
				const seg: Segment = names && names.size === v.length ? { field: 'name', value: (x as Record<string, string>).name as string } : { index: i };
				walk(x, [...segments, seg], [...indexes, i]);
			});
		} else if (v !== null && typeof v === 'object') {
			const entries = Object.entries(v);
			if (entries.length === 0) out.push({ segments, indexes, value: v });
			for (const [k, x] of entries) walk(x, [...segments, { key: k }], [...indexes, null]);
		} else out.push({ segments, indexes, value: v });
	};
	walk(root, [], []);
	return out;
}

/** True when `pattern` (a rule's path, `*` for any step) is a prefix of the leaf's path. */
export function pathMatches(pattern: Segment[], leaf: Pick<Leaf, 'segments' | 'indexes'>): boolean {
	if (pattern.length > leaf.segments.length) return false;
	return pattern.every((p, i) => stepMatches(p, leaf.segments[i] as Segment, leaf.indexes[i] ?? null));
}

function stepMatches(p: Segment, s: Segment, index: number | null): boolean {
	if ('key' in p) {
		if (p.key === '*') return true;
		if ('key' in s) return p.key === s.key;
		return /^\d+$/.test(p.key) && index === Number(p.key);
	}
	if ('index' in p) return index === p.index;
	if ('field' in s) return p.field === s.field && p.value === s.value;
	return false;
}
