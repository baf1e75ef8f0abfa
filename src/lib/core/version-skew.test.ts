import { describe, expect, it } from 'vitest';
import { makeRunner } from './runner.fixture';
import { runnerTypeIndex, runnerTypeOfRunner, skewByRunnerType, type RunnerTypeOf } from './version-skew';
import { skewJudge } from './versions';

const types: RunnerTypeOf[] = [
	{ forge: 'gitlab', group: 'docker', match: ['docker-runner'] },
	{ forge: 'gitlab', group: 'docker-large', match: ['docker-runner-large'] },
	{ forge: 'gitlab', group: 'nix', match: ['nix-runner'] },
	{ forge: 'github', group: 'arc-linux', match: ['arc-linux', 'linux-x64'] }
];
const index = runnerTypeIndex(types);

describe('runner types of runners', () => {
	it('puts a GitLab runner in the longest Deployment its name starts with, an ARC runner in its scale set', () => {
		expect(runnerTypeOfRunner(makeRunner({ name: 'docker-runner-12' }), index)).toBe('docker');
		expect(runnerTypeOfRunner(makeRunner({ name: 'docker-runner-large-3' }), index)).toBe('docker-large');
		// A name merely starting with the Deployment's letters is not its runner.
		expect(runnerTypeOfRunner(makeRunner({ name: 'nix-runnerx' }), index)).toBeNull();
		expect(runnerTypeOfRunner(makeRunner({ forge: 'github', name: 'linux-x64-abcde-runner-1', scale_set: 'linux-x64' }), index)).toBe('arc-linux');
		expect(runnerTypeOfRunner(makeRunner({ forge: 'github', name: 'linux-x64-0001', scale_set: null }), index)).toBeNull();
	});

	it('counts outdated and unknown runners per type, every type listed, GitLab first', () => {
		const judge = skewJudge((s) => (s === 'gh' ? '2.323.0' : '17.5.2'));
		const runners = [
			makeRunner({ upstream_id: 1, name: 'docker-runner-1', version: '17.4.0' }),
			makeRunner({ upstream_id: 2, name: 'docker-runner-2', version: '17.5.2' }),
			makeRunner({ upstream_id: 3, name: 'docker-runner-3', version: null }),
			makeRunner({ upstream_id: 4, name: 'legacy-1', version: '16.11.0' }),
			makeRunner({ forge: 'github', source: 'gh', upstream_id: 5, name: 'linux-x64-a-runner-1', scale_set: 'linux-x64', version: '2.322.0' }),
			makeRunner({ forge: 'github', source: 'gh', upstream_id: 6, name: 'linux-x64-0006', version: '2.323.0' })
		];
		const { by_runner_type, outside_types } = skewByRunnerType(runners, types, judge);
		expect(by_runner_type).toEqual([
			{ forge: 'gitlab', group: 'docker', runners: 3, outdated: 1, unknown: 1 },
			{ forge: 'gitlab', group: 'docker-large', runners: 0, outdated: 0, unknown: 0 },
			{ forge: 'gitlab', group: 'nix', runners: 0, outdated: 0, unknown: 0 },
			{ forge: 'github', group: 'arc-linux', runners: 1, outdated: 1, unknown: 0 }
		]);
		expect(outside_types).toEqual({ gitlab: { runners: 1, outdated: 1, unknown: 0 }, github: { runners: 1, outdated: 0, unknown: 0 } });
	});
});
