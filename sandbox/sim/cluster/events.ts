// Events the simulated controllers report, stored as core v1 Events (the API serves
// them as events.k8s.io/v1 too). Two recorders, as in Kubernetes:
// - `record`: client-go's record.EventRecorder (HPA, deployment controller, kubelet,
//   ARC): an identical event again (same source, object, type, reason, message) bumps
//   `count` and `lastTimestamp` of the one Event.
// - `emit`: the events.k8s.io recorder (the scheduler): `eventTime` set, the legacy
//   fields empty; a repeat within 6 minutes (same controller, object, action, reason;
//   the note may differ) turns into a `series` {count, lastObservedTime}, written on
//   the second occurrence and then at most once a minute (upstream: every 30 min).
// The API server keeps Events for an hour after their last write (--event-ttl) and
// here at most `perNamespace` per namespace; older ones are deleted (watchers see it).

import type { K8sObject } from '../../k8s/store.js';
import { microTime } from '../../k8s/decode.js';
import { HOUR, MINUTE } from '../clock.js';
import { V1, kubeTime } from './meta.js';
import type { Writer } from './writer.js';

export type EventType = 'Normal' | 'Warning';

interface Tracked {
	namespace: string;
	name: string;
	key: string;
	/** Last write to the store: the TTL runs from here. */
	written: number;
	/** Occurrences so far and the last one (series may be written behind). */
	count: number;
	lastSeen: number;
}

export interface RecorderOptions {
	/** Events kept per namespace; the oldest-written go first. */
	perNamespace?: number;
	/** --event-ttl, in simulated ms. */
	ttlMs?: number;
}

/** The events.k8s.io recorder ends a series after this long without a repeat. */
const SERIES_FINISH_MS = 6 * MINUTE;
const SERIES_WRITE_MS = MINUTE;
export const DEFAULT_EVENTS_PER_NAMESPACE = 300;

export class EventRecorder {
	/** Per namespace, by event name, in order of last write (oldest first). */
	private byNamespace = new Map<string, Map<string, Tracked>>();
	private byKey = new Map<string, Tracked>();
	private seq = 0;
	private readonly perNamespace: number;
	private readonly ttlMs: number;

	constructor(
		private readonly w: Writer,
		opts: RecorderOptions = {}
	) {
		this.perNamespace = opts.perNamespace ?? DEFAULT_EVENTS_PER_NAMESPACE;
		this.ttlMs = opts.ttlMs ?? HOUR;
	}

	/** client-go record.EventRecorder: `component` on `host` reports `reason` about `involved`. */
	record(involved: K8sObject, type: EventType, reason: string, message: string, component: string, at: number, opts: { host?: string; fieldPath?: string } = {}): void {
		const ref = this.ref(involved, opts.fieldPath);
		const key = ['legacy', component, opts.host ?? '', ref.kind, ref.namespace, ref.name, ref.fieldPath ?? '', ref.uid, ref.apiVersion, type, reason, message].join('\u0000');
		const t = this.byKey.get(key);
		if (t && this.w.get(V1, 'Event', t.namespace, t.name)) {
			t.count++;
			t.lastSeen = at;
			this.w.update(V1, 'Event', t.namespace, t.name, (e) => ({ ...e, count: t.count, lastTimestamp: kubeTime(at) }));
			this.touch(t, at);
			return;
		}
		const ts = kubeTime(at);
		this.create(key, ref, at, {
			reason,
			message,
			source: { component, ...(opts.host ? { host: opts.host } : {}) },
			firstTimestamp: ts,
			lastTimestamp: ts,
			count: 1,
			type,
			eventTime: null,
			reportingComponent: component,
			reportingInstance: opts.host ?? ''
		});
	}

	/** The events.k8s.io recorder: `controller` (`instance`) did `action` about `regarding`. */
	emit(regarding: K8sObject, type: EventType, reason: string, action: string, note: string, controller: string, instance: string, at: number): void {
		const ref = this.ref(regarding);
		const key = ['series', controller, ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, action, reason].join('\u0000');
		const t = this.byKey.get(key);
		if (t && at - t.lastSeen <= SERIES_FINISH_MS && this.w.get(V1, 'Event', t.namespace, t.name)) {
			t.count++;
			t.lastSeen = at;
			if (t.count === 2 || at - t.written >= SERIES_WRITE_MS) {
				this.w.update(V1, 'Event', t.namespace, t.name, (e) => ({ ...e, series: { count: t.count, lastObservedTime: microTime(at) } }));
				this.touch(t, at);
			}
			return;
		}
		this.create(key, ref, at, {
			reason,
			message: note,
			source: {},
			firstTimestamp: null,
			lastTimestamp: null,
			type,
			eventTime: microTime(at),
			action,
			reportingComponent: controller,
			reportingInstance: instance
		});
	}

	/** Deletes Events whose last write is older than the TTL. */
	expire(at: number): void {
		const cutoff = at - this.ttlMs;
		for (const events of this.byNamespace.values()) {
			for (const t of events.values()) {
				if (t.written > cutoff) break;
				this.drop(t);
			}
		}
	}

	private ref(o: K8sObject, fieldPath?: string) {
		return {
			kind: o.kind,
			namespace: o.metadata.namespace ?? '',
			name: o.metadata.name,
			uid: o.metadata.uid,
			apiVersion: o.apiVersion,
			resourceVersion: o.metadata.resourceVersion,
			...(fieldPath ? { fieldPath } : {})
		};
	}

	private create(key: string, ref: ReturnType<EventRecorder['ref']>, at: number, body: Record<string, unknown>): void {
		const old = this.byKey.get(key);
		if (old) this.forget(old);
		const namespace = ref.namespace || 'default';
		// Like client-go: the object's name, a dot, the time in nanoseconds in hex.
		const name = `${ref.name}.${(BigInt(Math.floor(at)) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
		const involvedObject = ref.namespace ? ref : { ...ref, namespace: undefined };
		this.w.create({ apiVersion: V1, kind: 'Event', metadata: { name, namespace }, involvedObject, ...body }, at);
		const t: Tracked = { namespace, name, key, written: at, count: 1, lastSeen: at };
		this.byKey.set(key, t);
		let events = this.byNamespace.get(namespace);
		if (!events) this.byNamespace.set(namespace, (events = new Map()));
		events.set(name, t);
		while (events.size > this.perNamespace) this.drop(events.values().next().value as Tracked);
	}

	/** A write keeps the Event another TTL: it moves to the young end. */
	private touch(t: Tracked, at: number): void {
		t.written = at;
		const events = this.byNamespace.get(t.namespace);
		events?.delete(t.name);
		events?.set(t.name, t);
	}

	private drop(t: Tracked): void {
		this.forget(t);
		this.w.delete(V1, 'Event', t.namespace, t.name);
	}

	private forget(t: Tracked): void {
		this.byNamespace.get(t.namespace)?.delete(t.name);
		if (this.byKey.get(t.key) === t) this.byKey.delete(t.key);
	}
}
