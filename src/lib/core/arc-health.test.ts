import { describe, expect, it } from 'vitest';
import { scaleSetHealth } from './arc-health';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const er = (name: string, phase: string, createdMinAgo: number, extra: Record<string, unknown> = {}) => ({
	metadata: { name, namespace: 'arc-runners', labels: { 'actions.github.com/scale-set-name': 'gh-docker' }, creationTimestamp: new Date(NOW - createdMinAgo * 60_000).toISOString() },
	status: { phase, ...extra }
});
const pod = (name: string) => ({ metadata: { name, namespace: 'arc-runners' } });

describe('scaleSetHealth', () => {
	const sets = [{ namespace: 'arc-runners', name: 'gh-docker' }, { namespace: 'arc-runners', name: 'gh-nix' }];

	it('names a runner whose pod is gone, and one stuck Pending', () => {
		const runners = [er('r-ok', 'Running', 30), er('r-phantom', 'Running', 30, { runnerId: 20007 }), er('r-stuck', 'Pending', 20), er('r-new', 'Pending', 0.2)];
		const [docker, nix] = scaleSetHealth('k', sets, runners, [pod('r-ok'), pod('r-stuck')], NOW, { graceS: 60, stuckS: 600 });
		expect(docker!.healthy).toBe(false);
		expect(docker!.phantom_runners).toEqual([{ name: 'r-phantom', phase: 'Running', age_s: 1800, detail: 'counted by the scale set, but its pod r-phantom does not exist (GitHub runner 20007)' }]);
		expect(docker!.stuck_runners.map((r) => r.name)).toEqual(['r-stuck']);
		expect(nix).toEqual({ source: 'k', namespace: 'arc-runners', scale_set: 'gh-nix', phantom_runners: [], stuck_runners: [], healthy: true });
	});

	it('leaves finished runners and runners just created alone', () => {
		const [docker] = scaleSetHealth('k', sets, [er('done', 'Succeeded', 30), er('starting', 'Pending', 0.5)], [], NOW, { graceS: 60, stuckS: 600 });
		expect(docker!.healthy).toBe(true);
	});
});
