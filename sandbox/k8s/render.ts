// Content negotiation and the three shapes a read can take: the plain object or
// list, a meta.k8s.io Table (server-side printing, what `kubectl get` asks for) or
// PartialObjectMetadata (what metadata-only informers ask for).

import type { ResourceType } from './resources.js';
import { apiVersionOf } from './resources.js';
import { badRequest, notAcceptable } from './status.js';
import type { K8sObject } from './store.js';
import type { Table, TableRow } from './tables.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';
export type Output = { form: 'json' } | { form: 'table'; apiVersion: string; include: IncludeObject } | { form: 'metadata'; apiVersion: string };

export interface ListMeta {
	resourceVersion: string;
	continue?: string;
	remainingItemCount?: number;
}

interface MediaRange {
	type: string;
	params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
	if (!header || header.trim() === '') return [{ type: 'application/json', params: {} }];
	return header.split(',').map((part) => {
		const [type = '', ...rest] = part.split(';').map((s) => s.trim());
		const params: Record<string, string> = {};
		for (const p of rest) {
			const eq = p.indexOf('=');
			if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
		}
		return { type: type.toLowerCase(), params };
	});
}

const jsonish = (t: string) => t === 'application/json' || t === 'application/*' || t === '*/*';
const META_VERSIONS = ['v1', 'v1beta1'];

/** The first acceptable media range wins (kubectl lists its preference first). */
export function negotiate(header: string | undefined, query: URLSearchParams): Output {
	for (const r of parseAccept(header)) {
		if (!jsonish(r.type)) continue;
		const as = r.params.as;
		if (as === undefined) return { form: 'json' };
		if (r.params.g !== 'meta.k8s.io' || !META_VERSIONS.includes(r.params.v ?? '')) continue;
		const apiVersion = `meta.k8s.io/${r.params.v}`;
		if (as === 'Table') return { form: 'table', apiVersion, include: includeObject(query) };
		if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { form: 'metadata', apiVersion };
	}
	throw notAcceptable('application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io');
}

function includeObject(query: URLSearchParams): IncludeObject {
	const v = query.get('includeObject');
	if (v === null || v === '') return 'Metadata';
	if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
	throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "None", "Metadata", "Object"`);
}

const partial = (apiVersion: string, o: K8sObject) => ({ kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata });
/** A stored object in the shape of the version asked for (tables print the stored one). */
export const asServed = (rt: ResourceType, o: K8sObject): K8sObject => (rt.view ? rt.view.toView(o) : o);

function row(out: { apiVersion: string; include: IncludeObject }, rt: ResourceType, o: K8sObject, now: number): TableRow {
	const r: TableRow = { cells: rt.printer.row(o, now) };
	if (out.include === 'Object') r.object = asServed(rt, o);
	else if (out.include === 'Metadata') r.object = partial(out.apiVersion, o);
	return r;
}

export function table(out: { apiVersion: string; include: IncludeObject }, rt: ResourceType, items: K8sObject[], meta: ListMeta, now: number, headers = true): Table {
	return {
		kind: 'Table',
		apiVersion: out.apiVersion,
		metadata: meta,
		columnDefinitions: headers ? rt.printer.columns : [],
		rows: items.map((o) => row(out, rt, o, now))
	};
}

export function renderObject(out: Output, rt: ResourceType, o: K8sObject, now: number): unknown {
	if (out.form === 'table') return table(out, rt, [o], { resourceVersion: o.metadata.resourceVersion }, now);
	if (out.form === 'metadata') return partial(out.apiVersion, o);
	return asServed(rt, o);
}

export function renderList(out: Output, rt: ResourceType, items: K8sObject[], meta: ListMeta, now: number): unknown {
	if (out.form === 'table') return table(out, rt, items, meta, now);
	if (out.form === 'metadata') return { kind: 'PartialObjectMetadataList', apiVersion: out.apiVersion, metadata: meta, items: items.map((o) => partial(out.apiVersion, o)) };
	return { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: meta, items: rt.view ? items.map((o) => asServed(rt, o)) : items };
}
