// The Kubernetes API server subset, mounted at /k8s: discovery, then list / get /
// watch of the RESOURCES served from the ObjectStore the simulation writes, and the
// writes (writes.ts) that go back into it. Errors are Status objects (status.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultMode, FaultStyle } from '../faults.js';
import { BodyError } from '../http/body.js';
import { sendJson, sendText } from '../http/respond.js';
import { AGGREGATED_V2, aggregated, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, findGroupVersion, rootPaths, versionInfo } from './discovery.js';
import { negotiate, parseAccept, renderList, renderObject, table, type ListMeta } from './render.js';
import type { Attributes } from './access.js';
import { currentObject, readBody, resolveTarget, type Call, type Target } from './request.js';
import { apiVersionOf, storageOf } from './resources.js';
import { answerReview } from './reviews.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { StatusError, badRequest, internalError, invalid, methodNotAllowed, noSuchPath, sendStatus } from './status.js';
import type { K8sObject, ObjectStore } from './store.js';
import { WatchHub } from './watch.js';
import { createWrites } from './writes.js';

export interface K8sMountOptions {
	store: ObjectStore;
	/** Simulated now, for the ages in tables. */
	now: () => number;
	/** host:port clients reach the server at (APIVersions.serverAddressByClientCIDRs). */
	serverAddress: () => string;
	log: (msg: string) => void;
	/** Real ms between BOOKMARK events on watches that allow them; default 60 000 (about what the API server does). */
	bookmarkMs?: number;
	/**
	 * The k8s fault in force. Faults gate new requests at the mount; this lets a fault
	 * also cut the watch streams already open (dropped for `refuse`, ended otherwise),
	 * so clients notice the outage when they reconnect, as with a failing API server.
	 */
	faultMode?: () => FaultMode;
}

const FAULT_POLL_MS = 200;

export interface K8sMount {
	handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void>;
	faultStyle: FaultStyle;
	/** Open watch streams. */
	readonly watchCount: number;
	/** Ends every open watch stream (the sandbox is closing). */
	close(): void;
}

export function createK8sMount(opts: K8sMountOptions): K8sMount {
	const { store } = opts;
	const hub = new WatchHub(store, opts.bookmarkMs ?? 60_000);
	const writes = createWrites(store);
	let faultPoll: NodeJS.Timeout | undefined;

	/** Checks the fault mode while watches are open; stops when none are. */
	function pollFaults(): void {
		if (!opts.faultMode || faultPoll) return;
		faultPoll = setInterval(() => {
			const mode = opts.faultMode?.() ?? 'none';
			if (mode !== 'none') hub.closeAll(mode === 'refuse');
			if (hub.size === 0) stopFaultPoll();
		}, FAULT_POLL_MS);
		faultPoll.unref();
	}
	function stopFaultPoll(): void {
		clearInterval(faultPoll);
		faultPoll = undefined;
	}

	const faultStyle: FaultStyle = {
		error: (res) => sendStatus(res, internalError('etcdserver: request timed out (simulated fault)').status),
		rateLimited: (res, s) =>
			sendStatus(res, new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: s }).status, { 'Retry-After': s })
	};

	// ---- discovery -------------------------------------------------------------

	function discovery(call: Call, segs: string[]): boolean {
		const [a, b, c, ...more] = segs;
		const get = (body: () => unknown, contentType?: string) => {
			if (call.method !== 'GET') throw methodNotAllowed();
			sendJson(call.res, 200, body(), contentType ? { 'Content-Type': contentType } : {});
			return true;
		};
		if (a === undefined) return get(rootPaths);
		if (segs.length === 1 && a === 'version') return get(versionInfo);
		if (segs.length === 1 && (a === 'healthz' || a === 'livez' || a === 'readyz')) {
			if (call.method !== 'GET') throw methodNotAllowed();
			sendText(call.res, 200, 'ok');
			return true;
		}
		if (segs.length === 1 && (a === 'api' || a === 'apis')) {
			if (wantsAggregated(call.req.headers.accept)) return get(() => aggregated(a), AGGREGATED_V2);
			return get(() => (a === 'api' ? apiVersions(opts.serverAddress()) : apiGroupList()));
		}
		if (a === 'api' && b === 'v1' && c === undefined) return get(() => apiResourceList(findGroupVersion('', 'v1')!));
		if (a === 'apis' && b !== undefined && c === undefined) {
			const doc = apiGroupDoc(b);
			if (!doc) throw noSuchPath();
			return get(() => doc);
		}
		if (a === 'apis' && b !== undefined && c !== undefined && more.length === 0) {
			const gv = findGroupVersion(b, c);
			if (!gv) throw noSuchPath();
			return get(() => apiResourceList(gv));
		}
		return false;
	}

	// ---- reads -----------------------------------------------------------------

	function matcher(t: Target, query: URLSearchParams): (o: K8sObject) => boolean {
		const labels = parseLabelSelector(query.get('labelSelector'));
		const fields = parseFieldSelector(query.get('fieldSelector'), t.rt);
		const { apiVersion: av, kind } = storageOf(t.rt);
		return (o) =>
			o.apiVersion === av &&
			o.kind === kind &&
			(t.namespace === undefined || o.metadata.namespace === t.namespace) &&
			(t.name === undefined || o.metadata.name === t.name) &&
			labels(o.metadata.labels) &&
			fields(o);
	}

	function list(call: Call, t: Target): void {
		const out = negotiate(call.req.headers.accept, call.query);
		const matches = matcher(t, call.query);
		const limit = nonNegativeInt(call.query, 'limit') ?? 0;
		const stored = storageOf(t.rt);
		let items = store.list(stored.apiVersion, stored.kind, t.namespace).filter(matches);
		let resourceVersion = store.resourceVersion;
		const token = call.query.get('continue');
		if (token) {
			const from = decodeContinue(token);
			items = items.filter((o) => compareKeys(o, from.start) > 0);
			// The version of the first page, so a watch from the last page misses nothing.
			resourceVersion = String(from.rv);
		}
		const meta: ListMeta = { resourceVersion };
		if (limit > 0 && items.length > limit) {
			const last = items[limit - 1] as K8sObject;
			meta.continue = encodeContinue(Number(resourceVersion), last);
			meta.remainingItemCount = items.length - limit;
			items = items.slice(0, limit);
		}
		sendJson(call.res, 200, renderList(out, t.rt, items, meta, opts.now()));
	}

	function watch(call: Call, t: Target): void {
		const out = negotiate(call.req.headers.accept, call.query);
		const matches = matcher(t, call.query);
		const raw = call.query.get('resourceVersion');
		if (raw !== null && raw !== '' && !/^\d+$/.test(raw)) throw badRequest(`invalid resource version: ${JSON.stringify(raw)}`);
		const sendInitialEvents = call.query.get('sendInitialEvents') === 'true';
		const bookmarks = call.query.get('allowWatchBookmarks') === 'true';
		if (sendInitialEvents && !bookmarks) throw invalid(t.rt, '', [{ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true', field: 'allowWatchBookmarks' }]);
		const resourceVersion = raw === null || raw === '' || raw === '0' || sendInitialEvents ? undefined : Number(raw);
		const timeoutS = nonNegativeInt(call.query, 'timeoutSeconds') || undefined;
		const av = apiVersionOf(t.rt);
		const stored = storageOf(t.rt);
		hub.serve(call.res, {
			matches,
			current: () => store.list(stored.apiVersion, stored.kind, t.namespace).filter(matches),
			resourceVersion,
			bookmarks,
			sendInitialEvents,
			timeoutS,
			render: (o, first) => (out.form === 'table' ? table(out, t.rt, [o], { resourceVersion: o.metadata.resourceVersion }, opts.now(), first) : renderObject(out, t.rt, o, opts.now())),
			bookmark: (rv, annotations) => {
				const metadata = { resourceVersion: rv, ...(annotations ? { annotations } : {}) };
				if (out.form === 'table') return { kind: 'Table', apiVersion: out.apiVersion, metadata, columnDefinitions: [], rows: [] };
				if (out.form === 'metadata') return { kind: 'PartialObjectMetadata', apiVersion: out.apiVersion, metadata };
				return { kind: t.rt.kind, apiVersion: av, metadata };
			}
		});
		if (hub.size > 0) pollFaults();
	}

	// ---- dispatch --------------------------------------------------------------

	async function serve(call: Call, path: string): Promise<void> {
		let segs: string[];
		try {
			segs = path.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
		} catch {
			throw noSuchPath();
		}
		if (discovery(call, segs)) return;
		const t = resolveTarget(segs);
		const watching = ['true', '1'].includes(call.query.get('watch') ?? '');
		store.access.check(attributes(call.method, t, watching));
		if (t.rt.review) {
			if (call.method !== 'POST' || t.name !== undefined) throw methodNotAllowed();
			return void sendJson(call.res, 201, answerReview(t.rt, await readBody(call), store.access));
		}
		if (t.name === undefined) {
			if (call.method === 'GET') return watching ? watch(call, t) : list(call, t);
			if (call.method === 'POST') return writes.create(call, t);
			throw methodNotAllowed();
		}
		switch (call.method) {
			case 'GET':
				if (watching && !t.status) return watch(call, t);
				return void sendJson(call.res, 200, renderObject(negotiate(call.req.headers.accept, call.query), t.rt, currentObject(store, t), opts.now()));
			case 'PATCH':
				return writes.patch(call, t);
			case 'PUT':
				return writes.replace(call, t);
			case 'DELETE':
				if (t.status) throw methodNotAllowed();
				return writes.remove(call, t);
			default:
				throw methodNotAllowed();
		}
	}

	return {
		faultStyle,
		get watchCount() {
			return hub.size;
		},
		close() {
			stopFaultPoll();
			hub.closeAll();
		},
		async handle(req, res, url, path) {
			const call: Call = { req, res, query: url.searchParams, method: req.method ?? 'GET' };
			try {
				await serve(call, path);
			} catch (err) {
				if (err instanceof StatusError) return sendStatus(res, err.status);
				if (err instanceof BodyError) return sendStatus(res, new StatusError(err.status, err.status === 413 ? 'RequestEntityTooLarge' : 'BadRequest', err.message).status);
				opts.log(`k8s: ${req.method} ${url.pathname} failed: ${err instanceof Error ? err.stack : String(err)}`);
				if (!res.headersSent) sendStatus(res, internalError('the simulated API server failed').status);
				else res.destroy();
			}
		}
	};
}

/** The authorizer's view of a request: the verb RBAC rules name, and what it addresses. */
function attributes(method: string, t: Target, watching: boolean): Attributes {
	const named = t.name !== undefined;
	const verbs: Record<string, string> = { GET: watching ? 'watch' : named ? 'get' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: named ? 'delete' : 'deletecollection' };
	return { verb: verbs[method] ?? method.toLowerCase(), group: t.rt.group, resource: t.rt.plural, subresource: t.status ? 'status' : '', namespace: t.namespace ?? '', name: t.name ?? '' };
}

function wantsAggregated(accept: string | undefined): boolean {
	for (const r of parseAccept(accept)) {
		if (r.type !== 'application/json') continue;
		if (r.params.g === 'apidiscovery.k8s.io' && r.params.v === 'v2' && r.params.as === 'APIGroupDiscoveryList') return true;
		if (r.params.as === undefined) return false;
	}
	return false;
}

function nonNegativeInt(query: URLSearchParams, name: string): number | undefined {
	const raw = query.get(name);
	if (raw === null || raw === '') return undefined;
	if (!/^\d+$/.test(raw)) throw badRequest(`${name}: Invalid value: ${JSON.stringify(raw)}: must be a non-negative integer`);
	return Number(raw);
}

// Continue tokens carry the first page's resourceVersion and the last key served.
// Later pages are read from the current state (the store keeps no snapshots).

interface ContinueToken {
	rv: number;
	start: [string, string];
}

function encodeContinue(rv: number, last: K8sObject): string {
	const token = { v: 'meta.k8s.io/v1', rv, start: [last.metadata.namespace ?? '', last.metadata.name] };
	return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
	try {
		const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; rv?: unknown; start?: unknown };
		if (t.v === 'meta.k8s.io/v1' && Number.isSafeInteger(t.rv) && Array.isArray(t.start) && t.start.length === 2 && t.start.every((s) => typeof s === 'string')) {
			return { rv: t.rv as number, start: t.start as [string, string] };
		}
	} catch {
		// fall through
	}
	throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** The store's list order: namespace, then name. */
function compareKeys(o: K8sObject, [ns, name]: [string, string]): number {
	return (o.metadata.namespace ?? '').localeCompare(ns) || o.metadata.name.localeCompare(name);
}
