import { describe, expect, it } from 'vitest';
import { deploymentScope, ephemeralRunnerScope, eventsFor, hpaScope, lastDecision, scaleSetScope, type EventObject } from './cluster-events';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const at = (minAgo: number) => new Date(NOW - minAgo * 60_000).toISOString();

const events: EventObject[] = [
	{
		metadata: { namespace: 'gitlab-runners' },
		regarding: { kind: 'Pod', name: 'docker-runner-7d9f-abcde', namespace: 'gitlab-runners' },
		reason: 'FailedScheduling',
		type: 'Warning',
		note: '0/2 nodes are available: 2 Insufficient cpu.',
		eventTime: at(5),
		series: { count: 4, lastObservedTime: at(1) },
		reportingController: 'default-scheduler'
	},
	{
		metadata: { namespace: 'gitlab-runners' },
		regarding: { kind: 'HorizontalPodAutoscaler', name: 'docker-runner-hpa' },
		reason: 'SuccessfulRescale',
		note: 'New size: 8; reason: external metric gitlab_ci_jobs above target',
		deprecatedFirstTimestamp: at(3),
		deprecatedLastTimestamp: at(3),
		deprecatedCount: 1,
		deprecatedSource: { component: 'horizontal-pod-autoscaler' }
	},
	{ metadata: { namespace: 'gitlab-runners' }, regarding: { kind: 'Pod', name: 'dind-runner-1-x' }, reason: 'Started', eventTime: at(2) },
	{ metadata: { namespace: 'gitlab-runners' }, regarding: { kind: 'Pod', name: 'docker-runner-old' }, reason: 'Killing', eventTime: at(120) },
	{ metadata: { namespace: 'arc-runners' }, regarding: { kind: 'EphemeralRunner', name: 'gh-docker-x-runner-y' }, reason: 'RunnerPodFailed', eventTime: at(1) }
];

describe('cluster events', () => {
	it('keeps the runner type’s objects, newest first, both recorders read, old ones aged out', () => {
		const list = eventsFor(events, hpaScope('gitlab-runners', 'docker-runner-hpa', 'docker-runner'), NOW, { maxAgeS: 3600, limit: 50 });
		expect(list.map((e) => e.reason)).toEqual(['FailedScheduling', 'SuccessfulRescale']);
		expect(list[0]).toMatchObject({ object: 'Pod/docker-runner-7d9f-abcde', count: 4, first_seen: at(5), last_seen: at(1), reporter: 'default-scheduler', type: 'Warning' });
		expect(list[1]).toMatchObject({ count: 1, reporter: 'horizontal-pod-autoscaler', type: 'Normal' });
		expect(eventsFor(events, scaleSetScope('arc-runners', 'gh-docker'), NOW, { maxAgeS: 3600, limit: 50 }).map((e) => e.reason)).toEqual(['RunnerPodFailed']);
		expect(eventsFor(events, hpaScope('gitlab-runners', 'docker-runner-hpa', 'docker-runner'), NOW, { maxAgeS: 3600, limit: 1 })).toHaveLength(1);
	});

	it('scopes one runner: a Deployment without its HPA, an ARC runner without its siblings', () => {
		const opts = { maxAgeS: 3600, limit: 50 };
		expect(eventsFor(events, deploymentScope('gitlab-runners', 'docker-runner'), NOW, opts).map((e) => e.reason)).toEqual(['FailedScheduling']);
		const arc: EventObject[] = [
			...events,
			{ metadata: { namespace: 'arc-runners' }, regarding: { kind: 'Pod', name: 'gh-docker-x-runner-y' }, reason: 'Started', eventTime: at(3) },
			{ metadata: { namespace: 'arc-runners' }, regarding: { kind: 'EphemeralRunner', name: 'gh-docker-x-runner-z' }, reason: 'RunnerPodFailed', eventTime: at(1) },
			{ metadata: { namespace: 'arc-runners' }, regarding: { kind: 'AutoscalingRunnerSet', name: 'gh-docker' }, reason: 'Updated', eventTime: at(4) }
		];
		expect(eventsFor(arc, ephemeralRunnerScope('arc-runners', 'gh-docker', 'gh-docker-x-runner-y'), NOW, opts).map((e) => e.object)).toEqual([
			'EphemeralRunner/gh-docker-x-runner-y',
			'Pod/gh-docker-x-runner-y',
			'AutoscalingRunnerSet/gh-docker'
		]);
	});

	it('says the last decision from the rescale event, else from the conditions', () => {
		const list = eventsFor(events, hpaScope('gitlab-runners', 'docker-runner-hpa', 'docker-runner'), NOW, { maxAgeS: 3600, limit: 50 });
		expect(lastDecision(list, [])).toBe(`New size: 8; reason: external metric gitlab_ci_jobs above target (${at(3)})`);
		const cond = [{ type: 'ScalingActive', status: 'False', reason: 'FailedGetExternalMetric', message: 'unable to get external metric' }];
		expect(lastDecision([], cond)).toBe('not scaling: FailedGetExternalMetric — unable to get external metric');
		expect(lastDecision([], [{ type: 'ScalingLimited', status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' }])).toBe(
			'limited: TooManyReplicas — the desired replica count is more than the maximum replica count'
		);
	});
});
