// Writes to the simulated cluster: PATCH (merge, strategic, JSON), PUT, POST and
// DELETE. Every write goes through `store.upsert`/`store.delete`, so it bumps the
// resourceVersion (and generation when spec changes) and reaches every watch; the
// simulation reads the new spec on its next step.

import { sendJson } from '../http/respond.js';
import { decodeTyped } from './decode.js';
import { PatchConflict, PatchMalformed, deepEqual, jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import { asServed } from './render.js';
import { currentObject, isObject, readBody, type Call, type Obj, type Target } from './request.js';
import { apiVersionOf, storageOf, type ResourceType } from './resources.js';
import { StatusError, alreadyExists, badRequest, conflict, invalid, methodNotAllowed, unsupportedMediaType } from './status.js';
import type { K8sObject, NewObject, ObjectStore } from './store.js';
import { validate } from './validate.js';

const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';

const mediaType = (h: string | undefined) => (h ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

export interface Writes {
	patch(call: Call, t: Target): Promise<void>;
	replace(call: Call, t: Target): Promise<void>;
	create(call: Call, t: Target): Promise<void>;
	remove(call: Call, t: Target): Promise<void>;
}

export function createWrites(store: ObjectStore): Writes {
	let generated = 0;

	const dryRun = (call: Call) => call.query.getAll('dryRun').includes('All');
	/** The addressed object in the version the request speaks. */
	const current = (t: Target) => asServed(t.rt, currentObject(store, t));
	/** Stores an object given in the request's version; answers it in that version. */
	const save = (rt: ResourceType, o: Obj): K8sObject => asServed(rt, store.upsert((rt.view ? rt.view.fromView(o) : o) as NewObject));

	/** The object a write produces: identity and server-set fields from `prev`, status rules of the subresource. */
	function finalize(t: Target, prev: K8sObject, candidate: Obj): Obj {
		const meta = isObject(candidate.metadata) ? candidate.metadata : {};
		if (meta.name !== undefined && meta.name !== prev.metadata.name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${prev.metadata.name})`);
		if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== prev.metadata.namespace) {
			throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
		}
		let next: Obj;
		if (t.status) next = { ...prev, status: candidate.status };
		else {
			next = {
				...candidate,
				apiVersion: prev.apiVersion,
				kind: prev.kind,
				metadata: {
					...meta,
					name: prev.metadata.name,
					namespace: prev.metadata.namespace,
					uid: prev.metadata.uid,
					creationTimestamp: prev.metadata.creationTimestamp,
					resourceVersion: prev.metadata.resourceVersion,
					generation: prev.metadata.generation
				}
			};
			// With a status subresource, writes to the object leave status alone.
			if (t.rt.statusSubresource) next.status = prev.status;
		}
		return JSON.parse(JSON.stringify(next)) as Obj;
	}

	function commit(call: Call, t: Target, prev: K8sObject | undefined, next: Obj): K8sObject {
		decodeTyped(t.rt, next);
		const causes = validate(t.rt, next);
		if (causes.length > 0) throw invalid(t.rt, String(next.metadata?.name ?? ''), causes);
		// A write that changes nothing keeps the resourceVersion, as on a real server.
		if (prev && deepEqual(JSON.parse(JSON.stringify(prev)), next)) return prev;
		if (dryRun(call)) return next as K8sObject;
		return save(t.rt, next);
	}

	async function patch(call: Call, t: Target): Promise<void> {
		const type = mediaType(call.req.headers['content-type']);
		const accepted = t.rt.custom ? [JSON_PATCH, MERGE_PATCH] : [JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH];
		if (!accepted.includes(type)) throw unsupportedMediaType(accepted);
		const prev = current(t);
		const doc = await readBody(call);
		let patched: unknown;
		try {
			if (type === JSON_PATCH) patched = jsonPatch(prev, doc);
			else if (type === MERGE_PATCH) patched = mergePatch(prev, doc);
			else patched = strategicMergePatch(prev, doc);
		} catch (err) {
			if (err instanceof PatchMalformed) throw badRequest(err.message);
			if (err instanceof PatchConflict) throw new StatusError(422, 'Invalid', err.message);
			throw err;
		}
		if (!isObject(patched)) throw badRequest('the patch did not produce an object');
		const wanted = isObject(patched.metadata) ? patched.metadata.resourceVersion : undefined;
		if (wanted !== undefined && wanted !== prev.metadata.resourceVersion) throw conflict(t.rt, prev.metadata.name);
		sendJson(call.res, 200, commit(call, t, prev, finalize(t, prev, patched)));
	}

	function objectBody(doc: unknown, t: Target): Obj {
		if (!isObject(doc)) throw badRequest('the body of the request must be a JSON object');
		const av = apiVersionOf(t.rt);
		if (doc.apiVersion !== undefined && doc.apiVersion !== av) throw badRequest(`the API version in the data (${String(doc.apiVersion)}) does not match the expected API version (${av})`);
		if (doc.kind !== undefined && doc.kind !== t.rt.kind) throw badRequest(`the kind in the data (${String(doc.kind)}) does not match the expected kind (${t.rt.kind})`);
		return doc;
	}

	async function replace(call: Call, t: Target): Promise<void> {
		const doc = objectBody(await readBody(call), t);
		const prev = current(t);
		const rv = isObject(doc.metadata) ? doc.metadata.resourceVersion : undefined;
		if (rv === undefined || rv === '') {
			// Custom resources refuse unconditional updates.
			if (t.rt.custom) throw invalid(t.rt, prev.metadata.name, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be specified for an update', field: 'metadata.resourceVersion' }]);
		} else if (rv !== prev.metadata.resourceVersion) throw conflict(t.rt, prev.metadata.name);
		sendJson(call.res, 200, commit(call, t, prev, finalize(t, prev, doc)));
	}

	async function create(call: Call, t: Target): Promise<void> {
		if (t.rt.namespaced && t.namespace === undefined) throw methodNotAllowed();
		const doc = objectBody(await readBody(call), t);
		const meta: Obj = isObject(doc.metadata) ? { ...doc.metadata } : {};
		if (t.rt.namespaced) {
			if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== t.namespace) {
				throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
			}
			meta.namespace = t.namespace;
			// The NamespaceLifecycle admission plugin: nothing is created in a namespace that does not exist.
			if (!store.get('v1', 'Namespace', undefined, t.namespace as string)) {
				throw new StatusError(404, 'NotFound', `namespaces "${t.namespace}" not found`, { name: t.namespace, kind: 'namespaces' });
			}
		} else delete meta.namespace;
		if (!meta.name && typeof meta.generateName === 'string' && meta.generateName) meta.name = `${meta.generateName}${suffix(++generated)}`;
		// The storage layer refuses this with an error it has no reason for (500, no `reason`).
		if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') throw new StatusError(500, '', 'resourceVersion should not be set on objects to be created');
		for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields']) delete meta[k];
		const next: Obj = { ...doc, apiVersion: apiVersionOf(t.rt), kind: t.rt.kind, metadata: meta };
		if (t.rt.statusSubresource) delete next.status;
		decodeTyped(t.rt, next);
		const causes = validate(t.rt, next);
		if (causes.length > 0) throw invalid(t.rt, String(meta.name ?? ''), causes);
		const s = storageOf(t.rt);
		if (store.get(s.apiVersion, s.kind, meta.namespace, meta.name)) throw alreadyExists(t.rt, meta.name);
		const created = dryRun(call) ? (next as K8sObject) : save(t.rt, next);
		sendJson(call.res, 201, created);
	}

	async function remove(call: Call, t: Target): Promise<void> {
		const doc = await readBody(call);
		const prev = currentObject(store, t);
		const pre = isObject(doc) && isObject(doc.preconditions) ? doc.preconditions : {};
		if (pre.uid !== undefined && pre.uid !== prev.metadata.uid) {
			throw new StatusError(409, 'Conflict', `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${prev.metadata.uid}`, { name: prev.metadata.name, kind: t.rt.plural });
		}
		if (pre.resourceVersion !== undefined && pre.resourceVersion !== prev.metadata.resourceVersion) {
			throw new StatusError(409, 'Conflict', `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${prev.metadata.resourceVersion}`, { name: prev.metadata.name, kind: t.rt.plural });
		}
		if (dryRun(call)) return sendJson(call.res, 200, asServed(t.rt, prev));
		const gone = store.delete(prev.apiVersion, prev.kind, prev.metadata.namespace, prev.metadata.name) ?? prev;
		sendJson(call.res, 200, asServed(t.rt, gone));
	}

	return { patch, replace, create, remove };
}

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName suffixes: five characters from the API server's alphabet, deterministic per sandbox. */
function suffix(n: number): string {
	let x = Math.imul(n, 0x9e3779b1) >>> 0;
	let s = '';
	for (let i = 0; i < 5; i++) {
		s += SUFFIX_CHARS[x % SUFFIX_CHARS.length];
		x = Math.floor(x / SUFFIX_CHARS.length) + Math.imul(n, i + 7);
		x >>>= 0;
	}
	return s;
}
