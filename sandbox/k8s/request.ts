// What the handlers of the /k8s mount share: the parsed request, the object a path
// addresses, and reading a JSON body.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readText } from '../http/body.js';
import { findResource, storageOf, type ResourceType } from './resources.js';
import { badRequest, noSuchPath, notFound } from './status.js';
import type { K8sObject, ObjectStore } from './store.js';

export interface Target {
	rt: ResourceType;
	/** Undefined for cluster-scoped kinds and for cluster-wide lists of namespaced kinds. */
	namespace?: string;
	name?: string;
	/** The request is for the object's /status subresource. */
	status: boolean;
}

export interface Call {
	req: IncomingMessage;
	res: ServerResponse;
	query: URLSearchParams;
	method: string;
}

export type Obj = Record<string, any>;
export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Resolves `/api/v1/...` or `/apis/<group>/<version>/...` (as path segments): a
 * collection, cluster-wide or in a namespace, an object, or its /status.
 */
export function resolveTarget(segs: string[]): Target {
	let group: string;
	let version: string;
	let rest: string[];
	if (segs[0] === 'api' && segs[1] === 'v1') [group, version, rest] = ['', 'v1', segs.slice(2)];
	else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1] as string, segs[2] as string, segs.slice(3)];
	else throw noSuchPath();
	if (rest[0] === 'namespaces' && rest.length >= 3) {
		const rt = findResource(group, version, rest[2] as string);
		if (rt?.namespaced && rest.length <= 5) return target(rt, rest[1], rest[3], rest[4]);
	}
	const rt = findResource(group, version, rest[0] as string);
	if (!rt || rest.length > 3) throw noSuchPath();
	// A namespaced kind is addressed without a namespace only as a cluster-wide collection.
	if (rt.namespaced && rest.length > 1) throw noSuchPath();
	return target(rt, undefined, rest[1], rest[2]);
}

function target(rt: ResourceType, namespace: string | undefined, name: string | undefined, sub: string | undefined): Target {
	if (sub !== undefined && !(sub === 'status' && rt.statusSubresource)) throw noSuchPath();
	return { rt, namespace, name, status: sub === 'status' };
}

/** The addressed object as stored, or 404 NotFound. */
export function currentObject(store: ObjectStore, t: Target): K8sObject {
	const s = storageOf(t.rt);
	const o = store.get(s.apiVersion, s.kind, t.namespace, t.name as string);
	if (!o) throw notFound(t.rt, t.name as string);
	return o;
}

/** A JSON request body; empty is undefined, anything else unparsable is 400. */
export async function readBody(call: Call): Promise<unknown> {
	const text = await readText(call.req);
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch (err) {
		throw badRequest(`json: ${err instanceof Error ? err.message : String(err)}`);
	}
}
