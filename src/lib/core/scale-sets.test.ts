import { describe, expect, it } from 'vitest';
import { ephemeralRunnersOf, parseScaleSetId, PREVIOUS_MAX_ANNOTATION, SCALE_SET_LABEL, scaleSetByRunnerId, scaleSetId, scaleSets, type ErObject } from './scale-sets';

const ars = (name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}) => ({
	metadata: { name, namespace: 'arc-runners', annotations },
	spec: { runnerScaleSetName: name, githubConfigUrl: 'https://github.example.com/org', ...spec },
	status: { currentRunners: 2, pendingEphemeralRunners: 1, runningEphemeralRunners: 1, failedEphemeralRunners: 0 }
});
const er = (name: string, set: string, status: ErObject['status'], created = '2026-11-25T10:00:00Z'): ErObject => ({
	metadata: { name, namespace: 'arc-runners', labels: { [SCALE_SET_LABEL]: set }, creationTimestamp: created },
	status
});

describe('scaleSets', () => {
	it('reads min/max/current/desired and counts, keyed by source, namespace and name', () => {
		const out = scaleSets('k', true, [ars('gh-docker', { minRunners: 0, maxRunners: 10 })], [{ metadata: { namespace: 'arc-runners', labels: { [SCALE_SET_LABEL]: 'gh-docker' } }, spec: { replicas: 2 } }], [
			er('a', 'gh-docker', { phase: 'Running', runnerId: 7 }),
			er('b', 'gh-docker', { phase: 'Pending' })
		]);
		expect(out).toEqual([
			expect.objectContaining({ id: 'k:arc-runners:gh-docker', min_runners: 0, max_runners: 10, current_runners: 2, desired_runners: 2, pending: 1, running: 1, failed: 0, drained: false, previous_max_runners: null, ephemeral_runners: 2, simulated: true })
		]);
	});

	it('marks maxRunners 0 as drained and reads the remembered maximum', () => {
		const [s] = scaleSets('k', false, [ars('gh-nix', { maxRunners: 0 }, { [PREVIOUS_MAX_ANNOTATION]: '6' })], [], []);
		expect(s).toMatchObject({ drained: true, max_runners: 0, previous_max_runners: 6 });
	});

	it('ignores a malformed remembered maximum', () => {
		const [s] = scaleSets('k', false, [ars('gh-nix', { maxRunners: 0 }, { [PREVIOUS_MAX_ANNOTATION]: 'lots' })], [], []);
		expect(s!.previous_max_runners).toBeNull();
	});
});

describe('ephemeral runners', () => {
	const runners = [
		er('old', 'gh-docker', { phase: 'Succeeded', failures: { x: 1, y: 2 } }, '2026-11-25T09:00:00Z'),
		er('new', 'gh-docker', { phase: 'Running', ready: true, runnerId: 42, jobId: 'j1', jobDisplayName: 'build', jobRepositoryName: 'org/app' }, '2026-11-25T11:00:00Z'),
		er('other', 'gh-nix', { phase: 'Running', runnerId: 43 })
	];
	it('lists one scale set’s runners newest first, with job and failure count', () => {
		const list = ephemeralRunnersOf({ namespace: 'arc-runners', name: 'gh-docker', scale_set_name: 'gh-docker' }, runners);
		expect(list.map((r) => r.name)).toEqual(['new', 'old']);
		expect(list[0]).toMatchObject({ phase: 'Running', ready: true, runner_id: 42, job: { id: 'j1', display_name: 'build', repository: 'org/app' } });
		expect(list[1]).toMatchObject({ failures: 2, job: null });
	});
	it('maps GitHub runner ids to scale sets', () => {
		expect([...scaleSetByRunnerId(runners)]).toEqual([[42, 'gh-docker'], [43, 'gh-nix']]);
	});
});

describe('scale set ids', () => {
	it('round-trip and reject junk', () => {
		expect(parseScaleSetId(scaleSetId('prod', 'arc-runners', 'gh-docker'))).toEqual({ source: 'prod', namespace: 'arc-runners', name: 'gh-docker' });
		for (const bad of ['', 'a:b', 'A:b:c', 'a:b:c:d', 'a:../x:c']) expect(parseScaleSetId(bad), bad).toBeNull();
	});
});
