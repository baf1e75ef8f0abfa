// The GitLab runner sync against a stand-in client: what a steady fleet costs, and what a change refetches.
import { describe, expect, it } from 'vitest';
import type { GitlabClient } from './client';
import { GitlabRunnerSync } from './runners';

function fleet(n: number) {
	const list = Array.from({ length: n }, (_, i) => ({ id: i + 1, description: `runner-${i + 1}`, name: null, ip_address: null, paused: false, runner_type: 'instance_type', status: 'online' }));
	const shown: number[] = [];
	const client = {
		Runners: {
			all: async ({ page }: { page: number }) => ({ data: list.slice((page - 1) * 100, page * 100).map((r) => ({ ...r })), paginationInfo: { next: page * 100 < list.length ? page + 1 : null } }),
			show: async (id: number) => {
				shown.push(id);
				return { ...list[id - 1], tag_list: ['linux', 'docker'], version: '17.5.0', contacted_at: '2026-12-01T00:00:00Z', run_untagged: false };
			}
		}
	} as unknown as GitlabClient;
	return { list, shown, sync: new GitlabRunnerSync(client, 'corp', 'all', false) };
}

describe('GitlabRunnerSync', () => {
	it('reads details once; a steady cycle reads only the list and gives back the same runner objects', async () => {
		const { shown, sync } = fleet(250);
		const first = await sync.cycle();
		expect(first).toMatchObject({ requests: 3 + 250, detailsFetched: 250 });
		expect(first.runners[0]).toMatchObject({ id: 'gitlab:corp:1', tags: ['docker', 'linux'], version: '17.5.0', run_untagged: false });
		shown.length = 0;
		const second = await sync.cycle();
		expect(second).toMatchObject({ requests: 3, detailsFetched: 0 });
		expect(shown).toEqual([]);
		second.runners.forEach((r, i) => expect(r).toBe(first.runners[i]));
	});

	it('a changed list entry is refetched and normalised afresh; an invalidated runner is refetched too', async () => {
		const { list, shown, sync } = fleet(120);
		const first = await sync.cycle();
		shown.length = 0;
		list[4]!.paused = true;
		sync.invalidate(7);
		const next = await sync.cycle();
		expect(shown.sort((a, b) => a - b)).toEqual([5, 7]);
		expect(next.runners[4]).toMatchObject({ id: 'gitlab:corp:5', paused: true });
		expect(next.runners[4]).not.toBe(first.runners[4]);
		expect(next.runners[6]).toEqual(first.runners[6]);
		expect(next.runners[0]).toBe(first.runners[0]);
	});
});
