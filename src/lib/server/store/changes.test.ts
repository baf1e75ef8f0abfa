// Change requests in the store, on both dialects: the idempotency key holds one open
// proposal per stack, env and values; updates round-trip JSON columns; webhook delivery
// ids are taken once.
import { describe, expect, it } from 'vitest';
import { BACKENDS, storeFor } from '../../../../tests/helpers/stores';
import type { NewChange } from './changes';

const T = (min: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + min * 60_000).toISOString();

const proposal = (over: Partial<NewChange> = {}): NewChange => ({
	kind: 'edit',
	stack: 'gitlab-runners',
	env: 'dev',
	forge: 'gitlab',
	source: 'sandbox-gitlab',
	repository: '42',
	file: 'tofu/stacks/gitlab-runners/dev.tfvars',
	title: 'gitlab-runners/dev: docker_hpa_max_replicas 8 → 10',
	target_branch: 'main',
	seen_commit: null,
	base_commit: 'a'.repeat(40),
	branch: null,
	head_commit: null,
	number: null,
	url: null,
	variables: [{ name: 'docker_hpa_max_replicas', old: 8, old_from: 'tfvars', new: 10 }],
	diff: '--- a/x\n+++ b/x\n',
	state: 'open',
	reason: null,
	state_serial: 14,
	drift_item: null,
	created_by: 'alice',
	created_at: T(0),
	idempotency_key: 'key-1',
	...over
});

describe.each(BACKENDS)('changes on %s', (_dialect, makeBackend) => {
	const store = storeFor(makeBackend);

	it('stores a proposal and reads it back with its values', async () => {
		const { change, created } = await store().changes.create(proposal(), T(0));
		expect(created).toBe(true);
		expect(change).toMatchObject({ id: expect.any(Number), stack: 'gitlab-runners', state: 'open', state_serial: 14, pipeline: null, updated_at: T(0) });
		expect(change.variables).toEqual([{ name: 'docker_hpa_max_replicas', old: 8, old_from: 'tfvars', new: 10 }]);
		expect(change).not.toHaveProperty('idempotency_key');
		expect(await store().changes.get(change.id)).toEqual(change);
		expect(await store().changes.get(change.id + 1000)).toBeNull();
	});

	it('answers the open proposal with the same key instead of a second one, and a new one once the key is cleared', async () => {
		const first = await store().changes.create(proposal(), T(0));
		const again = await store().changes.create(proposal({ created_by: 'bob' }), T(1));
		expect(again.created).toBe(false);
		expect(again.change.id).toBe(first.change.id);
		expect(again.change.created_by).toBe('alice');
		await store().changes.update(first.change.id, { state: 'closed', idempotency_key: null }, T(2));
		const third = await store().changes.create(proposal(), T(3));
		expect(third.created).toBe(true);
		expect(third.change.id).not.toBe(first.change.id);
		// Failed proposals and re-applies carry no key: they never collide.
		const a = await store().changes.create(proposal({ idempotency_key: null, kind: 'reapply' }), T(4));
		const b = await store().changes.create(proposal({ idempotency_key: null, kind: 'reapply' }), T(4));
		expect(a.created && b.created).toBe(true);
	});

	it('updates states, pipelines and times, and lists newest first with filters', async () => {
		const { change } = await store().changes.create(proposal(), T(0));
		const pipeline = { id: 800000001, status: 'running' as const, url: 'http://x/p/1' };
		const moved = await store().changes.update(change.id, { state: 'pipeline_running', pipeline, number: 3, url: 'http://x/mr/3', branch: 'runner-dashboard/x' }, T(5));
		expect(moved).toMatchObject({ state: 'pipeline_running', pipeline, number: 3, updated_at: T(5), created_at: T(0) });
		await store().changes.create(proposal({ stack: 'arc-runners', idempotency_key: 'key-2' }), T(6));
		await store().changes.create(proposal({ idempotency_key: 'key-3', state: 'failed', reason: 'GitLab answered 500' }), T(7));

		const all = await store().changes.list({ page: 1, perPage: 10 });
		expect(all.total).toBe(3);
		expect(all.items.map((c) => c.stack)).toEqual(['gitlab-runners', 'arc-runners', 'gitlab-runners']);
		expect((await store().changes.list({ page: 1, perPage: 10, stack: 'arc-runners' })).total).toBe(1);
		const failed = await store().changes.list({ page: 1, perPage: 10, states: ['failed'] });
		expect(failed.items.map((c) => c.reason)).toEqual(['GitLab answered 500']);
		const paged = await store().changes.list({ page: 2, perPage: 2 });
		expect(paged).toMatchObject({ total: 3, items: [{ id: change.id }] });
		expect((await store().changes.inStates(['open', 'pipeline_running'])).map((c) => c.id)).toEqual([change.id, change.id + 1]);
		expect(await store().changes.update(99_999, { state: 'closed' }, T(8))).toBeNull();
	});

	it('takes a webhook delivery id once per forge and forgets old ones', async () => {
		expect(await store().changes.takeDelivery('github', 'd-1', T(0))).toBe(true);
		expect(await store().changes.takeDelivery('github', 'd-1', T(1))).toBe(false);
		expect(await store().changes.takeDelivery('gitlab', 'd-1', T(1))).toBe(true);
		expect(await store().changes.pruneDeliveries(T(1))).toBe(1);
		expect(await store().changes.takeDelivery('github', 'd-1', T(2))).toBe(true);
	});
});
