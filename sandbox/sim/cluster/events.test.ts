import { describe, expect, it } from 'vitest';
import { ObjectStore, type K8sObject, type WatchEvent } from '../../k8s/store.js';
import { HOUR, MINUTE, SECOND } from '../clock.js';
import { EventRecorder } from './events.js';
import { Writer } from './writer.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function setup(perNamespace = 300) {
	const store = new ObjectStore(() => T0);
	const w = new Writer(store);
	const events = new EventRecorder(w, { perNamespace });
	const hpa = store.upsert({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'docker-runner-hpa', namespace: 'gitlab-runners' }, spec: {} });
	const pod = store.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'gh-docker-abcde-runner-fghjk', namespace: 'arc-runners' }, spec: {} });
	const list = (ns: string) => store.list('v1', 'Event', ns) as (K8sObject & Record<string, any>)[];
	return { store, events, hpa, pod, list };
}

describe('the legacy recorder (record)', () => {
	it('writes a core v1 Event and counts identical repeats on it', () => {
		const { events, hpa, list } = setup();
		events.record(hpa, 'Warning', 'FailedGetExternalMetric', 'unable to get external metric', 'horizontal-pod-autoscaler', T0);
		events.record(hpa, 'Warning', 'FailedGetExternalMetric', 'unable to get external metric', 'horizontal-pod-autoscaler', T0 + 15 * SECOND);
		events.record(hpa, 'Warning', 'FailedGetExternalMetric', 'unable to get external metric', 'horizontal-pod-autoscaler', T0 + 30 * SECOND);
		// A different message is a different Event.
		events.record(hpa, 'Normal', 'SuccessfulRescale', 'New size: 3; reason: All metrics below target', 'horizontal-pod-autoscaler', T0 + 30 * SECOND);
		const [a, b] = list('gitlab-runners');
		expect(list('gitlab-runners')).toHaveLength(2);
		expect(a).toMatchObject({
			metadata: { name: expect.stringMatching(/^docker-runner-hpa\.[0-9a-f]{16}$/), namespace: 'gitlab-runners' },
			involvedObject: { kind: 'HorizontalPodAutoscaler', name: 'docker-runner-hpa', namespace: 'gitlab-runners', uid: expect.any(String), apiVersion: 'autoscaling/v2' },
			reason: 'FailedGetExternalMetric',
			type: 'Warning',
			count: 3,
			firstTimestamp: '2026-01-01T00:00:00Z',
			lastTimestamp: '2026-01-01T00:00:30Z',
			eventTime: null,
			source: { component: 'horizontal-pod-autoscaler' },
			reportingComponent: 'horizontal-pod-autoscaler'
		});
		expect(b).toMatchObject({ reason: 'SuccessfulRescale', count: 1 });
	});
});

describe('the events.k8s.io recorder (emit)', () => {
	it('turns repeats into a series, written on the second and then at most once a minute; a pause ends the series', () => {
		const { store, events, pod, list } = setup();
		const writes: WatchEvent[] = [];
		store.watch((e) => e.object.kind === 'Event' && writes.push(e));
		const fail = (at: number, note = '0/3 nodes are available: 3 Insufficient cpu.') => events.emit(pod, 'Warning', 'FailedScheduling', 'Scheduling', note, 'default-scheduler', 'default-scheduler-x', at);
		fail(T0);
		expect(list('arc-runners')[0]).toMatchObject({ eventTime: '2026-01-01T00:00:00.000000Z', firstTimestamp: null, action: 'Scheduling', reportingComponent: 'default-scheduler', reportingInstance: 'default-scheduler-x' });
		expect(list('arc-runners')[0]).not.toHaveProperty('series');
		expect(list('arc-runners')[0]).not.toHaveProperty('count');
		fail(T0 + 10 * SECOND, '0/3 nodes are available: 2 Insufficient cpu, 1 Too many pods.');
		expect(list('arc-runners')[0]!.series).toEqual({ count: 2, lastObservedTime: '2026-01-01T00:00:10.000000Z' });
		for (let i = 2; i <= 7; i++) fail(T0 + i * 10 * SECOND);
		// 8 occurrences; the one at 70 s is the first a minute after the last write.
		expect(list('arc-runners')[0]!.series).toEqual({ count: 8, lastObservedTime: '2026-01-01T00:01:10.000000Z' });
		expect(writes.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED']);
		// The note is the first occurrence's, as the recorder keeps it.
		expect(list('arc-runners')[0]!.message).toBe('0/3 nodes are available: 3 Insufficient cpu.');
		fail(T0 + 70 * SECOND + 7 * MINUTE);
		expect(list('arc-runners')).toHaveLength(2);
	});
});

describe('bounds', () => {
	it('keeps at most N per namespace (oldest written go) and deletes Events an hour after their last write', () => {
		const { store, events, hpa, pod, list } = setup(5);
		const deleted: string[] = [];
		store.watch((e) => e.type === 'DELETED' && deleted.push(e.object.metadata.name));
		for (let i = 0; i < 8; i++) events.record(pod, 'Normal', 'Started', `Started container runner ${i}`, 'kubelet', T0 + i * SECOND);
		expect(list('arc-runners').map((e) => e.message)).toEqual([3, 4, 5, 6, 7].map((i) => `Started container runner ${i}`));
		expect(deleted).toHaveLength(3);

		events.record(hpa, 'Normal', 'SuccessfulRescale', 'New size: 4', 'horizontal-pod-autoscaler', T0);
		events.record(hpa, 'Normal', 'SuccessfulRescale', 'New size: 5', 'horizontal-pod-autoscaler', T0 + 30 * MINUTE);
		// A repeat is a write: it keeps its Event another hour.
		events.record(pod, 'Normal', 'Started', 'Started container runner 3', 'kubelet', T0 + 50 * MINUTE);
		events.expire(T0 + HOUR + 10 * SECOND);
		expect(list('gitlab-runners').map((e) => e.message)).toEqual(['New size: 5']);
		expect(list('arc-runners').map((e) => e.message)).toEqual(['Started container runner 3']);
		events.expire(T0 + 2 * HOUR);
		expect(store.list('v1', 'Event')).toEqual([]);
		// Deleted through the API: the next occurrence creates it again.
		events.record(pod, 'Normal', 'Killing', 'Stopping container runner', 'kubelet', T0 + 2 * HOUR);
		const [killing] = list('arc-runners');
		store.delete('v1', 'Event', 'arc-runners', killing!.metadata.name);
		events.record(pod, 'Normal', 'Killing', 'Stopping container runner', 'kubelet', T0 + 2 * HOUR + SECOND);
		expect(list('arc-runners')).toMatchObject([{ reason: 'Killing', count: 1 }]);
	});
});
