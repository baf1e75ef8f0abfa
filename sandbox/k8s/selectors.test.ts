import { describe, expect, it } from 'vitest';
import { findResource } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { StatusError } from './status.js';
import { formatHpaMetrics, humanDuration } from './tables.js';
import type { K8sObject } from './store.js';

const labels = { app: 'docker-runner', tier: 'ci', 'app.kubernetes.io/name': 'runner', rank: '5' };

describe('label selectors', () => {
	it.each([
		['', true],
		['app=docker-runner', true],
		['app==docker-runner', true],
		['app!=docker-runner', false],
		['missing!=x', true],
		['app in (nix-runner, docker-runner)', true],
		['app notin (docker-runner)', false],
		['missing notin (x)', true],
		['tier', true],
		['!tier', false],
		['!missing', true],
		['app.kubernetes.io/name=runner,tier=ci', true],
		['app.kubernetes.io/name=runner,tier=cd', false],
		['rank>3,rank<6', true],
		['rank>5', false]
	])('%s → %s', (sel, want) => {
		expect(parseLabelSelector(sel)(labels)).toBe(want);
	});

	it('treats no labels as an empty set', () => {
		expect(parseLabelSelector('!app')(undefined)).toBe(true);
		expect(parseLabelSelector('app')(undefined)).toBe(false);
	});

	it('answers a parse error as a 400 BadRequest', () => {
		for (const bad of ['app=(x', 'a b c', 'rank>x', '=x']) {
			try {
				parseLabelSelector(bad);
				expect.fail(`accepted ${bad}`);
			} catch (err) {
				expect(err).toBeInstanceOf(StatusError);
				expect((err as StatusError).status).toMatchObject({ code: 400, reason: 'BadRequest' });
			}
		}
	});
});

describe('field selectors', () => {
	const pods = findResource('', 'v1', 'pods')!;
	const events = findResource('', 'v1', 'events')!;
	const ars = findResource('actions.github.com', 'v1alpha1', 'autoscalingrunnersets')!;
	const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, status: { phase: 'Running' } } as unknown as K8sObject;

	it('supports metadata fields everywhere and the kind’s own fields', () => {
		expect(parseFieldSelector('metadata.name=p,metadata.namespace=ns', pods)(pod)).toBe(true);
		expect(parseFieldSelector('status.phase!=Running', pods)(pod)).toBe(false);
		expect(parseFieldSelector('spec.nodeName=', pods)(pod)).toBe(true);
		const ev = { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p', uid: 'u1' }, source: { component: 'kubelet' } } as unknown as K8sObject;
		expect(parseFieldSelector('involvedObject.kind=Pod,involvedObject.name=p,involvedObject.uid=u1,source=kubelet', events)(ev)).toBe(true);
		expect(parseFieldSelector('involvedObject.uid=u2', events)(ev)).toBe(false);
	});

	it('refuses unsupported fields with the API server’s wording', () => {
		expect(() => parseFieldSelector('spec.foo=1', pods)).toThrow('field label not supported: spec.foo');
		expect(() => parseFieldSelector('spec.maxRunners=1', ars)).toThrow('"spec.maxRunners" is not a known field selector');
	});
});

describe('printing helpers', () => {
	it.each([
		[-5000, '<invalid>'],
		[-500, '0s'],
		[90_000, '90s'],
		[150_000, '2m30s'],
		[45 * 60_000, '45m'],
		[(3 * 60 + 20) * 60_000, '3h20m'],
		[20 * 3_600_000, '20h'],
		[(3 * 24 + 5) * 3_600_000, '3d5h'],
		[40 * 86_400_000, '40d'],
		[(3 * 365 + 10) * 86_400_000, '3y10d']
	])('humanDuration(%i) = %s', (ms, want) => {
		expect(humanDuration(ms)).toBe(want);
	});

	it('formats HPA targets like kubectl', () => {
		const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } };
		const mem = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } } };
		const pods = { type: 'Pods', pods: { metric: { name: 'jobs' }, target: { type: 'AverageValue', averageValue: '2' } } };
		expect(formatHpaMetrics([], [])).toBe('<none>');
		expect(formatHpaMetrics([cpu], [])).toBe('cpu: <unknown>/70%');
		expect(formatHpaMetrics([cpu, mem], [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45 } } }, { type: 'Resource', resource: { name: 'memory', current: { averageValue: '600Mi' } } }])).toBe(
			'cpu: 45%/70%, memory: 600Mi/1Gi'
		);
		expect(formatHpaMetrics([cpu, mem, pods], [])).toBe('cpu: <unknown>/70%, memory: <unknown>/1Gi + 1 more...');
	});
});
