// Events through the API: events.k8s.io/v1 and core v1 are two shapes of the same
// stored objects (list, get, watch, field selectors, writes), written by the simulated
// controllers, printed by kubectl.

import { EventsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxWithWorld, type Sandbox } from '../index.js';
import { FIXED_EPOCH } from '../sim/clock.js';
import type { World } from '../sim/world.js';
import { controlOk } from '../testing.js';
import { HAS_KUBECTL, k8s, kubeConfig, kubectlFor, openWatch, rows, type Kubectl } from './testing.js';

const GL = 'gitlab-runners';
const ARC = 'arc-runners';
let sb: Sandbox & { world: World };
let k: Kubectl;

beforeAll(async () => {
	sb = await startSandboxWithWorld({ port: 0, tickMs: 0, seed: 3, epoch: FIXED_EPOCH });
	k = kubectlFor(sb);
	await controlOk(sb, '/load', { jobs_per_minute: 600 });
	await controlOk(sb, '/clock', { advance_s: 600 });
});
afterAll(async () => {
	await sb?.close();
	k?.cleanup();
});

const EV1 = (ns: string) => `/apis/events.k8s.io/v1/namespaces/${ns}/events`;
const CORE = (ns: string) => `/api/v1/namespaces/${ns}/events`;
const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('events.k8s.io/v1', () => {
	it('serves the controllers’ Events in the events.k8s.io shape, the same objects as core v1', async () => {
		const v1 = (await k8s(sb, EV1(GL))).body;
		const core = (await k8s(sb, CORE(GL))).body;
		expect(v1).toMatchObject({ kind: 'EventList', apiVersion: 'events.k8s.io/v1', metadata: { resourceVersion: core.metadata.resourceVersion } });
		expect(v1.items.map((e: any) => e.metadata.name)).toEqual(core.items.map((e: any) => e.metadata.name));

		const rescale = v1.items.find((e: any) => e.reason === 'SuccessfulRescale');
		expect(rescale).toMatchObject({
			kind: 'Event',
			apiVersion: 'events.k8s.io/v1',
			eventTime: null,
			reportingController: 'horizontal-pod-autoscaler',
			regarding: { kind: 'HorizontalPodAutoscaler', namespace: GL, apiVersion: 'autoscaling/v2', uid: expect.any(String) },
			note: expect.stringMatching(/^New size: \d+; reason: external metric gitlab_ci_jobs\(&LabelSelector\{MatchLabels:map\[string\]string\{runner_type: \w+,\},MatchExpressions:\[\]LabelSelectorRequirement\{\},\}\) above target$/),
			type: 'Normal',
			deprecatedSource: { component: 'horizontal-pod-autoscaler' },
			deprecatedFirstTimestamp: expect.stringMatching(/^2026-01-01T00:\d\d:\d\dZ$/),
			deprecatedCount: 1
		});
		expect(rescale).not.toHaveProperty('message');
		const same = core.items.find((e: any) => e.metadata.name === rescale.metadata.name);
		expect(same).toMatchObject({ message: rescale.note, involvedObject: rescale.regarding, count: 1, source: { component: 'horizontal-pod-autoscaler' } });

		// The scheduler speaks the new API: eventTime, action, no legacy fields.
		const scheduled = v1.items.find((e: any) => e.reason === 'Scheduled');
		expect(scheduled).toMatchObject({
			eventTime: expect.stringMatching(/^2026-01-01T00:\d\d:\d\d\.000000Z$/),
			reportingController: 'default-scheduler',
			reportingInstance: 'default-scheduler-sbx-control-plane',
			action: 'Binding',
			note: expect.stringMatching(new RegExp(`^Successfully assigned ${GL}/(docker|dind|nix)-runner-\\w+-\\w{5} to sbx-ci-pool-\\d+$`)),
			deprecatedSource: {},
			deprecatedFirstTimestamp: null,
			deprecatedLastTimestamp: null
		});
		expect(scheduled).not.toHaveProperty('deprecatedCount');
	});

	it('selects by the events.k8s.io field names, gets one, and watches in that shape', async () => {
		const hpa = 'docker-runner-hpa';
		const byRegarding = (await k8s(sb, `${EV1(GL)}?fieldSelector=${encodeURIComponent(`regarding.name=${hpa},reason=SuccessfulRescale`)}`)).body.items;
		expect(byRegarding.length).toBeGreaterThan(0);
		expect(byRegarding.every((e: any) => e.regarding.name === hpa && e.reason === 'SuccessfulRescale')).toBe(true);
		const core = (await k8s(sb, `${CORE(GL)}?fieldSelector=${encodeURIComponent(`involvedObject.name=${hpa},reason=SuccessfulRescale`)}`)).body.items;
		expect(core.map((e: any) => e.metadata.name)).toEqual(byRegarding.map((e: any) => e.metadata.name));
		const bySched = (await k8s(sb, `${EV1(GL)}?fieldSelector=reportingController%3Ddefault-scheduler`)).body.items;
		expect(bySched.length).toBeGreaterThan(0);
		expect(bySched.every((e: any) => e.reportingController === 'default-scheduler')).toBe(true);
		expect((await k8s(sb, `${EV1(GL)}?fieldSelector=involvedObject.name%3Dx`)).body).toMatchObject({ code: 400 });

		const one = (await k8s(sb, `${EV1(GL)}/${byRegarding[0].metadata.name}`)).body;
		expect(one).toEqual(byRegarding[0]);

		const w = await openWatch(sb, `${EV1(ARC)}?watch=1&resourceVersion=${sb.world.cluster.resourceVersion}`);
		await controlOk(sb, '/clock', { advance_s: 300 });
		const [ev] = await w.next();
		expect(ev.object).toMatchObject({ kind: 'Event', apiVersion: 'events.k8s.io/v1', regarding: { namespace: ARC } });
		expect(ev.object).toHaveProperty('note');
		w.abort();
	});

	it('takes writes in either shape and decodes eventTime strictly', async () => {
		const client = kubeConfig(`${sb.url}/k8s`).makeApiClient(EventsV1Api);
		const pod = sb.world.cluster.list('v1', 'Pod', ARC)[0]!;
		const regarding = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: ARC, uid: pod.metadata.uid };
		const body = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'probe.1', namespace: ARC }, eventTime: '2026-01-01T00:12:00.000001Z', reportingController: 'example.com/probe', reportingInstance: 'probe-1', action: 'Probing', reason: 'Probed', note: 'looked at it', type: 'Normal', regarding };
		const created = await client.createNamespacedEvent({ namespace: ARC, body: body as never });
		expect(created).toMatchObject({ note: 'looked at it', eventTime: '2026-01-01T00:12:00.000001Z', regarding: { name: pod.metadata.name } });
		expect((await k8s(sb, `${CORE(ARC)}/probe.1`)).body).toMatchObject({ apiVersion: 'v1', message: 'looked at it', involvedObject: { name: pod.metadata.name }, reportingComponent: 'example.com/probe', action: 'Probing' });

		const missing = await k8s(sb, EV1(ARC), post({ ...body, metadata: { name: 'probe.2' }, eventTime: undefined }));
		expect(missing.body).toMatchObject({ code: 422, reason: 'Invalid', details: { causes: [{ field: 'eventTime', message: 'Required value' }] } });
		const ms = await k8s(sb, EV1(ARC), post({ ...body, metadata: { name: 'probe.3' }, eventTime: '2026-01-01T00:12:00.000Z' }));
		expect(ms.body).toMatchObject({ code: 400, message: 'Event in version "v1" cannot be handled as a Event: parsing time "2026-01-01T00:12:00.000Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".000Z" as ".000000"' });
		const badType = await k8s(sb, EV1(ARC), post({ ...body, metadata: { name: 'probe.4' }, type: 'Info' }));
		expect(badType.body.message).toContain('type: Unsupported value: "Info": supported values: "Normal", "Warning"');
		expect((await k8s(sb, `${EV1(ARC)}/probe.1`, { method: 'DELETE' })).body).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'looked at it' });
		expect((await k8s(sb, `${CORE(ARC)}/probe.1`)).status).toBe(404);
	});
});

describe.skipIf(!HAS_KUBECTL)('kubectl and Events', () => {
	it('prints Events of both versions with the server’s columns', async () => {
		const core = rows(await k.ok(['get', 'events', '-n', GL]));
		expect(core[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
		expect(core.some((r) => r[2] === 'SuccessfulRescale' && r[3] === 'horizontalpodautoscaler/docker-runner-hpa' && r[4]!.startsWith('New size: '))).toBe(true);
		expect(core.some((r) => r[2] === 'Scheduled' && r[3]!.startsWith('pod/docker-runner-'))).toBe(true);
		const v1 = rows(await k.ok(['get', 'events.events.k8s.io', '-n', GL]));
		expect(v1.length).toBe(core.length);
		const started = rows(await k.ok(['get', 'events', '-n', ARC, '--field-selector', 'reason=Started', '-o', 'wide']));
		expect(started[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
		expect(started[1]).toEqual([expect.any(String), 'Normal', 'Started', expect.stringMatching(/^pod\/gh-/), 'spec.containers{runner}', expect.stringMatching(/^kubelet, sbx-ci-pool-\d+$/), 'Started container runner', expect.any(String), '1', expect.any(String)]);
	});
});
