// The three patch formats the API server accepts. Pure functions over plain JSON;
// none mutates its inputs.
// - JSON merge patch (RFC 7386): objects merge recursively, null deletes, lists replace.
// - Strategic merge patch: merge patch plus the merge keys of the lists the runner
//   objects carry (containers by name, env by name, ports by containerPort, conditions
//   by type, …), `$patch: replace|delete|merge` directives and union-merged finalizers.
//   Lists without a known merge key are replaced, as for atomic lists upstream.
// - JSON patch (RFC 6902): add, remove, replace, move, copy, test.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A patch that cannot apply to this document (the API server answers 422). */
export class PatchConflict extends Error {}
/** A patch that is malformed whatever the document (the API server answers 400). */
export class PatchMalformed extends Error {}

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

export function mergePatch(target: unknown, patch: unknown): Json {
	if (!isObject(patch)) return clone(patch) as Json;
	const out: Record<string, Json> = isObject(target) ? { ...target } : {};
	for (const [k, v] of Object.entries(patch)) {
		if (v === null) delete out[k];
		else out[k] = mergePatch(out[k], v);
	}
	return out;
}

/** List field name → merge key, after the patchMergeKey tags of k8s.io/api. */
const MERGE_KEYS: Record<string, string | ((items: Json[]) => string)> = {
	containers: 'name',
	initContainers: 'name',
	ephemeralContainers: 'name',
	volumes: 'name',
	env: 'name',
	imagePullSecrets: 'name',
	volumeMounts: 'mountPath',
	volumeDevices: 'devicePath',
	// Container ports merge on containerPort, Service ports on port.
	ports: (items) => (items.some((i) => isObject(i) && 'containerPort' in i) ? 'containerPort' : 'port'),
	conditions: 'type',
	ownerReferences: 'uid',
	hostAliases: 'ip',
	topologySpreadConstraints: 'topologyKey',
	resourceClaims: 'name'
};
/** Primitive lists with patchStrategy "merge" (set union). */
const UNION_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: unknown, patch: unknown): Json {
	if (!isObject(patch)) return clone(patch) as Json;
	const directive = patch.$patch;
	if (directive === 'replace') {
		const { $patch: _, ...rest } = patch;
		return stripDirectives(rest);
	}
	if (directive === 'delete') return null;
	if (directive !== undefined && directive !== 'merge') throw new PatchMalformed(`unknown patch type: ${String(directive)}`);
	const out: Record<string, Json> = isObject(target) ? { ...target } : {};
	for (const [k, v] of Object.entries(patch)) {
		if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) {
			if (k.startsWith('$deleteFromPrimitiveList/')) {
				const field = k.slice('$deleteFromPrimitiveList/'.length);
				const drop = Array.isArray(v) ? v : [];
				if (Array.isArray(out[field])) out[field] = (out[field] as Json[]).filter((x) => !drop.some((d) => d === x));
			}
			continue;
		}
		if (v === null) delete out[k];
		else if (Array.isArray(v)) out[k] = mergeList(k, out[k], v);
		else out[k] = strategicMergePatch(out[k], v);
	}
	return out;
}

function mergeList(field: string, current: Json | undefined, patch: Json[]): Json[] {
	const cur = Array.isArray(current) ? current : [];
	if (UNION_LISTS.has(field)) return [...cur, ...patch.filter((p) => !cur.includes(p))];
	const keySpec = MERGE_KEYS[field];
	if (!keySpec || !patch.every(isObject)) return stripDirectives(patch) as Json[];
	if (patch.some((p) => isObject(p) && p.$patch === 'replace')) return stripDirectives(patch.filter((p) => !(isObject(p) && p.$patch === 'replace'))) as Json[];
	const key = typeof keySpec === 'string' ? keySpec : keySpec([...cur, ...patch]);
	const out = [...cur];
	for (const item of patch as Record<string, Json>[]) {
		if (!(key in item)) throw new PatchConflict(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
		const at = out.findIndex((c) => isObject(c) && c[key] === item[key]);
		if (item.$patch === 'delete') {
			if (at >= 0) out.splice(at, 1);
			continue;
		}
		if (at >= 0) out[at] = strategicMergePatch(out[at], item);
		else out.push(stripDirectives(item));
	}
	return out;
}

function stripDirectives(v: Json): Json {
	if (Array.isArray(v)) return v.map(stripDirectives);
	if (!isObject(v)) return v;
	const out: Record<string, Json> = {};
	for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
	return out;
}

interface Op {
	op: string;
	path: string;
	from?: string;
	value?: Json;
}

function pointer(path: unknown, what = 'path'): string[] {
	if (typeof path !== 'string') throw new PatchMalformed(`missing ${what}`);
	if (path === '') return [];
	if (!path.startsWith('/')) throw new PatchMalformed(`invalid JSON pointer: ${JSON.stringify(path)}`);
	return path
		.slice(1)
		.split('/')
		.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Validates the shape of a JSON patch document before any operation runs. */
export function parseJsonPatch(body: unknown): Op[] {
	if (!Array.isArray(body)) throw new PatchMalformed('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
	return body.map((raw) => {
		if (!isObject(raw)) throw new PatchMalformed('json: cannot unmarshal into Go value of type jsonpatch.Operation');
		const op = raw.op;
		if (typeof op !== 'string' || !['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(op)) throw new PatchMalformed(`Unexpected kind: ${String(op)}`);
		pointer(raw.path);
		if ((op === 'move' || op === 'copy') && typeof raw.from !== 'string') throw new PatchMalformed(`${op} operation missing from`);
		if ((op === 'add' || op === 'replace' || op === 'test') && !('value' in raw)) throw new PatchMalformed(`${op} operation missing value`);
		return raw as unknown as Op;
	});
}

function container(doc: Json, parts: string[], path: string, op: string): { parent: Json; key: string } {
	let cur = doc;
	for (const part of parts.slice(0, -1)) {
		const next = Array.isArray(cur) ? cur[Number(part)] : isObject(cur) ? cur[part] : undefined;
		if (next === undefined || next === null || typeof next !== 'object')
			throw new PatchConflict(`jsonpatch ${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
		cur = next;
	}
	return { parent: cur, key: parts[parts.length - 1] as string };
}

function arrayIndex(arr: Json[], key: string, op: string, path: string, allowEnd: boolean): number {
	if (key === '-' && allowEnd) return arr.length;
	if (!/^(0|[1-9]\d*)$/.test(key)) throw new PatchConflict(`jsonpatch ${op} operation does not apply: invalid array index ${JSON.stringify(key)} in ${JSON.stringify(path)}`);
	const i = Number(key);
	if (i > arr.length || (!allowEnd && i === arr.length)) throw new PatchConflict(`jsonpatch ${op} operation does not apply: index ${i} out of bounds in ${JSON.stringify(path)}`);
	return i;
}

function getAt(doc: Json, path: string, op: string): Json {
	const parts = pointer(path);
	if (parts.length === 0) return doc;
	const { parent, key } = container(doc, parts, path, op);
	const v = Array.isArray(parent) ? parent[arrayIndex(parent, key, op, path, false)] : isObject(parent) ? parent[key] : undefined;
	if (v === undefined) throw new PatchConflict(`jsonpatch ${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
	return v;
}

function removeAt(doc: Json, path: string, op: string): Json {
	const parts = pointer(path);
	const { parent, key } = container(doc, parts, path, op);
	if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, op, path, false), 1)[0] as Json;
	if (!isObject(parent) || !(key in parent)) throw new PatchConflict(`jsonpatch ${op} operation does not apply: doc is missing key: ${path}: missing value`);
	const v = parent[key] as Json;
	delete parent[key];
	return v;
}

function addAt(doc: Json, path: string, value: Json, op: string, replace: boolean): Json {
	const parts = pointer(path);
	if (parts.length === 0) return value;
	const { parent, key } = container(doc, parts, path, op);
	if (Array.isArray(parent)) {
		const i = arrayIndex(parent, key, op, path, !replace);
		if (replace) parent[i] = value;
		else parent.splice(i, 0, value);
	} else if (isObject(parent)) {
		if (replace && !(key in parent)) throw new PatchConflict(`jsonpatch replace operation does not apply: doc is missing key: ${path}: missing value`);
		parent[key] = value;
	} else throw new PatchConflict(`jsonpatch ${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`);
	return doc;
}

export function jsonPatch(target: unknown, body: unknown): Json {
	const ops = parseJsonPatch(body);
	let doc = clone(target) as Json;
	for (const o of ops) {
		switch (o.op) {
			case 'add':
				doc = addAt(doc, o.path, clone(o.value as Json), 'add', false);
				break;
			case 'replace':
				doc = addAt(doc, o.path, clone(o.value as Json), 'replace', true);
				break;
			case 'remove':
				removeAt(doc, o.path, 'remove');
				break;
			case 'move': {
				const v = removeAt(doc, o.from as string, 'move');
				doc = addAt(doc, o.path, v, 'move', false);
				break;
			}
			case 'copy':
				doc = addAt(doc, o.path, clone(getAt(doc, o.from as string, 'copy')), 'copy', false);
				break;
			case 'test': {
				const v = getAt(doc, o.path, 'test');
				if (!deepEqual(v, o.value)) throw new PatchConflict(`testing value ${o.path} failed: test failed`);
				break;
			}
		}
	}
	return doc;
}

export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
	if (isObject(a) && isObject(b)) {
		const ka = Object.keys(a);
		return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
	}
	return false;
}
