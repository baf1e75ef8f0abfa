import { describe, expect, it } from 'vitest';
import { makeRunner } from './runner.fixture';
import { deadWeight, deleteConfirmation, offlineTransitions } from './dead-weight';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

describe('deadWeight', () => {
	const runners = [
		makeRunner({ upstream_id: 1, status: 'online', contacted_at: daysAgo(0) }),
		makeRunner({ upstream_id: 2, status: 'offline', contacted_at: daysAgo(3) }),
		makeRunner({ upstream_id: 3, status: 'stale', contacted_at: daysAgo(40) }),
		makeRunner({ upstream_id: 4, status: 'stale', contacted_at: null }),
		makeRunner({ upstream_id: 5, status: 'never_contacted', contacted_at: null }),
		makeRunner({ forge: 'github', upstream_id: 6, status: 'offline' }),
		makeRunner({ forge: 'github', upstream_id: 7, status: 'offline' })
	];
	const seenOffline = new Map([['github:corp:6', NOW - 9 * 86_400_000]]);

	it('takes GitLab’s last contact, stale never-contacted runners, and GitHub runners seen offline long enough', () => {
		const dead = deadWeight(runners, 7, NOW, (id) => seenOffline.get(id));
		expect(dead.map((r) => r.id)).toEqual(['gitlab:corp:4', 'gitlab:corp:3', 'github:corp:6']);
		expect(dead[0]).toMatchObject({ silent_since: null, silent_days: null });
		expect(dead[1]).toMatchObject({ silent_since: daysAgo(40), silent_days: 40 });
	});

	it('counts a shorter silence with a smaller N', () => {
		expect(deadWeight(runners, 2, NOW).map((r) => r.id)).toEqual(['gitlab:corp:4', 'gitlab:corp:3', 'gitlab:corp:2']);
	});

	it('words the confirmation', () => {
		expect(deleteConfirmation(14)).toBe('delete 14 runners');
		expect(deleteConfirmation(1)).toBe('delete 1 runner');
	});
});

describe('offlineTransitions', () => {
	const gh = (id: number, status: 'online' | 'offline', source = 'gh') => makeRunner({ forge: 'github', source, upstream_id: id, status });
	const NOW = 1_000_000;

	it('notes runners newly offline, clears those back online or gone, and leaves steady ones alone', () => {
		const stored = new Map([['github:gh:1', 10], ['github:gh:2', 20], ['github:gh:3', 30]]);
		const runners = [gh(1, 'offline'), gh(2, 'online'), gh(4, 'offline'), gh(5, 'online'), makeRunner({ upstream_id: 6, status: 'offline' })];
		expect(offlineTransitions(stored, runners, () => true, NOW)).toEqual({ set: [['github:gh:4', NOW]], clear: ['github:gh:2', 'github:gh:3'] });
		expect(offlineTransitions(new Map([['github:gh:1', 10]]), [gh(1, 'offline')], () => true, NOW)).toEqual({ set: [], clear: [] });
	});

	it('forgets nothing of a source not read yet (a restart before the first sync)', () => {
		const stored = new Map([['github:gh:1', 10], ['github:other:2', 20]]);
		expect(offlineTransitions(stored, [], (s) => s === 'other', NOW)).toEqual({ set: [], clear: ['github:other:2'] });
	});
});
