// events.k8s.io/v1 Events are the same objects as core v1 Events, stored once and
// served in either shape (as the API server converts between the two versions of one
// resource): `message` ↔ `note`, `involvedObject` ↔ `regarding`, `source` ↔
// `deprecatedSource`, `firstTimestamp`/`lastTimestamp`/`count` ↔ the `deprecated*`
// fields, `reportingComponent` ↔ `reportingController`. Field names and omitted
// fields follow the Go types' JSON tags.

import type { Obj } from './request.js';
import type { K8sObject } from './store.js';

const present = (v: unknown) => v !== undefined && v !== null && v !== '' && v !== 0;
const isEmptyObject = (v: unknown) => v === null || v === undefined || (typeof v === 'object' && Object.keys(v as object).length === 0);

/** A stored (core v1) Event in its events.k8s.io/v1 shape. */
export function toEventsV1(o: K8sObject): K8sObject {
	const e = o as Obj;
	const out: Obj = { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: o.metadata, eventTime: e.eventTime ?? null };
	if (e.series) out.series = e.series;
	if (present(e.reportingComponent)) out.reportingController = e.reportingComponent;
	if (present(e.reportingInstance)) out.reportingInstance = e.reportingInstance;
	if (present(e.action)) out.action = e.action;
	if (present(e.reason)) out.reason = e.reason;
	out.regarding = e.involvedObject ?? {};
	if (e.related) out.related = e.related;
	if (present(e.message)) out.note = e.message;
	if (present(e.type)) out.type = e.type;
	out.deprecatedSource = e.source ?? {};
	out.deprecatedFirstTimestamp = e.firstTimestamp ?? null;
	out.deprecatedLastTimestamp = e.lastTimestamp ?? null;
	if (present(e.count)) out.deprecatedCount = e.count;
	return out as K8sObject;
}

/** An events.k8s.io/v1 Event (a write through that version) in the stored core v1 shape. */
export function fromEventsV1(e: Obj): Obj {
	const out: Obj = {
		kind: 'Event',
		apiVersion: 'v1',
		metadata: e.metadata,
		involvedObject: e.regarding ?? {},
		reason: e.reason ?? '',
		message: e.note ?? '',
		source: isEmptyObject(e.deprecatedSource) ? {} : e.deprecatedSource,
		firstTimestamp: e.deprecatedFirstTimestamp ?? null,
		lastTimestamp: e.deprecatedLastTimestamp ?? null,
		type: e.type ?? '',
		eventTime: e.eventTime ?? null,
		reportingComponent: e.reportingController ?? '',
		reportingInstance: e.reportingInstance ?? ''
	};
	if (present(e.deprecatedCount)) out.count = e.deprecatedCount;
	if (e.series) out.series = e.series;
	if (present(e.action)) out.action = e.action;
	if (e.related) out.related = e.related;
	return out;
}
