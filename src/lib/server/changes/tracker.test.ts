// The tracker's cycle over stand-in store and forge: two changes merged into the same
// environment and applied by the same pipeline read that environment's state once.
import { describe, expect, it } from 'vitest';
import type { ChangeForge } from '$lib/sources/gitops/forge';
import type { Store } from '../store';
import type { Change, ChangePatch } from '../store/changes';
import { createLogger } from '../telemetry/logger';
import type { ChangeTarget } from './targets';
import { ChangeTracker } from './tracker';

const merged = (id: number, env: string): Change => ({
	id,
	kind: 'edit',
	stack: 'gitlab-runners',
	env,
	forge: 'gitlab',
	source: 'gl',
	repository: '42',
	file: `tofu/${env}.tfvars`,
	title: `change ${id}`,
	target_branch: 'main',
	seen_commit: null,
	base_commit: 'a'.repeat(40),
	branch: `rd/${id}`,
	head_commit: 'b'.repeat(40),
	number: id,
	url: null,
	variables: [{ name: 'max', old: 1, old_from: 'tfvars', new: 2 }],
	diff: '',
	state: 'merged',
	reason: null,
	pipeline: null,
	apply_pipeline: null,
	merge_commit: 'c'.repeat(40),
	state_serial: 14,
	drift_item: null,
	created_by: 'op',
	created_at: '2026-01-01T00:00:00.000Z',
	updated_at: '2026-01-01T00:00:00.000Z',
	merged_at: '2026-01-01T00:01:00.000Z',
	applied_at: null,
	verified_at: null
});

describe('the change tracker', () => {
	it('reads a state serial once per environment in a cycle, however many changes wait on it', async () => {
		const rows = new Map([merged(1, 'dev'), merged(2, 'dev'), merged(3, 'prod')].map((c) => [c.id, c]));
		const store = {
			changes: {
				inStates: async () => [...rows.values()],
				update: async (id: number, patch: ChangePatch) => {
					const next = { ...rows.get(id)!, ...patch } as Change;
					rows.set(id, next);
					return next;
				}
			}
		} as unknown as Store;
		const forge = { forge: 'gitlab', targetPipeline: async () => ({ id: 7, status: 'success', url: null }) } as unknown as ChangeForge;
		const target = { stack: { name: 'gitlab-runners' }, forge } as unknown as ChangeTarget;
		const reads: string[] = [];
		const tracker = new ChangeTracker({
			store,
			logger: createLogger('silent'),
			targets: new Map([['gitlab-runners', target]]),
			intervalMs: 3_600_000,
			drift: null,
			refreshDrift: () => {},
			serialOf: async (_t, env) => {
				reads.push(env);
				return 15;
			},
			publish: () => {}
		});
		await tracker.cycle();
		expect(reads.sort()).toEqual(['dev', 'prod']);
		expect([...rows.values()].map((c) => [c.id, c.state])).toEqual([
			[1, 'applied'],
			[2, 'applied'],
			[3, 'applied']
		]);
		await tracker.cycle();
		expect(reads).toHaveLength(2);
		await tracker.stop();
	});
});
