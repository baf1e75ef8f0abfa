import { describe, expect, it } from 'vitest';
import { makeRunner } from './runner.fixture';
import { countByReason, explainWaiting, filterWaiting, podHoldUp, unschedulableMessage, type CapacityGroup, type PendingJob } from './waiting-jobs';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function job(p: Partial<PendingJob> = {}): PendingJob {
	return { forge: 'gitlab', source: 'corp', upstream_id: 7, name: 'build', project: 'web/shop', url: null, tags: ['docker'], created_at: '2026-01-01T11:55:00Z', ...p };
}

const docker = (id: number, p: Parameters<typeof makeRunner>[0] = {}) => makeRunner({ upstream_id: id, name: `docker-runner-${id}`, tags: ['amd64', 'docker', 'linux'], ...p });
const dind = (id: number, p: Parameters<typeof makeRunner>[0] = {}) => makeRunner({ upstream_id: id, name: `dind-runner-${id}`, tags: ['amd64', 'dind', 'docker', 'linux'], ...p });

function group(name: string, p: Partial<CapacityGroup> = {}): CapacityGroup {
	return { name, kind: 'deployment', autoscaler: { name: `${name}-hpa`, current: 2, max: 8 }, pending_pods: 0, scheduling_message: null, ...p };
}

describe('explainWaiting', () => {
	it('names the tags no runner has', () => {
		const w = explainWaiting(job({ tags: ['cuda', 'gpu'] }), { runners: [docker(1)], groups: [], now: NOW });
		expect(w).toMatchObject({ id: 'gitlab:corp:7', reason: 'no_runner', reason_text: 'no runner has tags [cuda, gpu]', waited_s: 300, candidates: [], candidates_total: 0 });
	});

	describe('GitLab’s rule: tags, run_untagged and the runner’s projects or groups', () => {
		const project = (id: number, projects: string[], p: Parameters<typeof makeRunner>[0] = {}) => docker(id, { type: 'project_type', scope: projects, ...p });
		const groupRunner = (id: number, groups: string[], p: Parameters<typeof makeRunner>[0] = {}) => docker(id, { type: 'group_type', scope: groups, ...p });

		it('takes a project runner only for its own projects, a group runner for its groups and their subgroups', () => {
			const runners = [project(1, ['web/shop']), project(2, ['data/ml']), groupRunner(3, ['web']), groupRunner(4, ['we']), groupRunner(5, ['platform/web'])];
			expect(explainWaiting(job(), { runners, groups: [], now: NOW }).candidates.map((c) => c.id)).toEqual(['gitlab:corp:1', 'gitlab:corp:3']);
			expect(explainWaiting(job({ project: 'web/team/shop' }), { runners, groups: [], now: NOW }).candidates.map((c) => c.id)).toEqual(['gitlab:corp:3']);
			// An instance runner takes any project's jobs; a runner whose details are not read yet is not held against.
			expect(explainWaiting(job({ project: 'ops/x' }), { runners: [docker(6), project(7, [])], groups: [], now: NOW }).candidates_total).toBe(2);
		});

		it('compares paths as GitLab does, ignoring case, and holds nothing against a runner without a scope (from an older replica)', () => {
			expect(explainWaiting(job({ project: 'Web/Shop' }), { runners: [project(1, ['web/shop']), groupRunner(2, ['WEB'])], groups: [], now: NOW }).candidates_total).toBe(2);
			const older = { ...project(3, ['data/ml']), scope: undefined } as unknown as Parameters<typeof explainWaiting>[1]['runners'][number];
			expect(explainWaiting(job(), { runners: [older], groups: [], now: NOW }).candidates_total).toBe(1);
		});

		it('says the tags exist only on runners of other projects or groups', () => {
			const w = explainWaiting(job({ project: 'ops/infra' }), { runners: [project(1, ['web/shop']), groupRunner(2, ['data'])], groups: [], now: NOW });
			expect(w).toMatchObject({
				reason: 'no_runner',
				reason_text: 'no runner of ops/infra or its groups has tags [docker] (2 runners with them belong to other projects or groups)',
				candidates_total: 0
			});
		});

		it('picks an untagged job only with run_untagged, and says why when none does', () => {
			const untagged = job({ tags: [] });
			const off = explainWaiting(untagged, { runners: [docker(1, { run_untagged: false }), docker(2, { run_untagged: false })], groups: [], now: NOW });
			expect(off).toMatchObject({ reason: 'no_runner', reason_text: 'no runner takes untagged jobs: 2 runners available to web/shop have run_untagged off', candidates_total: 0 });
			const elsewhere = explainWaiting(untagged, { runners: [docker(1, { run_untagged: false }), project(2, ['data/ml'], { run_untagged: true })], groups: [], now: NOW });
			expect(elsewhere.reason_text).toBe('no runner takes untagged jobs: 1 runner available to web/shop has run_untagged off; 1 runner that does belong to other projects or groups');
			const none = explainWaiting(untagged, { runners: [project(2, ['data/ml'])], groups: [], now: NOW });
			expect(none.reason_text).toBe('no runner takes untagged jobs: no runner is available to web/shop; 1 runner that does belong to other projects or groups');
			expect(explainWaiting(untagged, { runners: [docker(1, { run_untagged: false }), docker(3, { run_untagged: true })], groups: [], now: NOW }).candidates.map((c) => c.id)).toEqual(['gitlab:corp:3']);
			// run_untagged says nothing about tagged jobs.
			expect(explainWaiting(job(), { runners: [docker(1, { run_untagged: false })], groups: [], now: NOW }).candidates_total).toBe(1);
		});

		it('leaves GitHub jobs to labels alone', () => {
			const gh = makeRunner({ forge: 'github', upstream_id: 9, tags: ['linux', 'self-hosted'], type: 'organization' });
			expect(explainWaiting(job({ forge: 'github', tags: ['self-hosted'] }), { runners: [gh], groups: [], now: NOW }).candidates_total).toBe(1);
		});
	});

	it('looks only at runners of the job’s own source', () => {
		const w = explainWaiting(job(), { runners: [docker(1, { source: 'other', id: 'gitlab:other:1' })], groups: [], now: NOW });
		expect(w.reason).toBe('no_runner');
	});

	it('says every matching runner is paused, and lists them as candidates', () => {
		const w = explainWaiting(job({ tags: ['dind'] }), { runners: [docker(1), dind(2, { paused: true }), dind(3, { paused: true, status: 'offline' })], groups: [], now: NOW });
		expect(w.reason).toBe('all_paused');
		expect(w.reason_text).toBe('every matching runner is paused (2)');
		expect(w.candidates.map((c) => c.id)).toEqual(['gitlab:corp:2', 'gitlab:corp:3']);
	});

	it('says offline when no unpaused matching runner is online, naming paused ones too', () => {
		expect(explainWaiting(job(), { runners: [docker(1, { status: 'offline' }), docker(2, { status: 'stale' })], groups: [], now: NOW }).reason_text).toBe(
			'every matching runner is offline (2)'
		);
		const mixed = explainWaiting(job(), { runners: [docker(1, { status: 'offline' }), docker(2, { paused: true })], groups: [], now: NOW });
		expect(mixed).toMatchObject({ reason: 'all_offline', reason_text: 'every matching runner is paused or offline (1 paused, 1 offline)' });
	});

	it('blames the HPA of the runner type the job is meant for when it is at maxReplicas', () => {
		const groups = [group('docker-runner', { autoscaler: { name: 'docker-runner-hpa', current: 8, max: 8 } }), group('dind-runner')];
		const w = explainWaiting(job(), { runners: [docker(1), dind(2)], groups, now: NOW });
		expect(w).toMatchObject({ reason: 'hpa_at_max', reason_text: 'HPA docker-runner-hpa at maxReplicas 8', runner_type: 'docker-runner', candidates_total: 2 });
		// A dind job is the dind runners', whose HPA has room: the runners are busy.
		expect(explainWaiting(job({ tags: ['dind'] }), { runners: [docker(1), dind(2)], groups, now: NOW })).toMatchObject({ reason: 'busy', runner_type: 'dind-runner' });
	});

	it('puts Pending pods with the scheduler’s words before the HPA', () => {
		const msg = '0/3 nodes are available: 3 Insufficient cpu.';
		const groups = [group('docker-runner', { autoscaler: { name: 'docker-runner-hpa', current: 8, max: 8 }, pending_pods: 3, scheduling_message: msg })];
		const w = explainWaiting(job(), { runners: [docker(1)], groups, now: NOW });
		expect(w).toMatchObject({ reason: 'pods_pending', reason_text: `3 pods of docker-runner Pending: ${msg}` });
	});

	it('explains a job for an ARC scale set by the set, and a GitHub job with idle runners as waiting', () => {
		const set: CapacityGroup = { name: 'gh-docker', kind: 'scale_set', autoscaler: { name: 'gh-docker', current: 20, max: 20 }, pending_pods: 0, scheduling_message: null };
		const arc = makeRunner({ forge: 'github', upstream_id: 20001, name: 'gh-docker-abc-runner-x', tags: ['gh-docker'], scale_set: 'gh-docker', busy: true });
		const gh = { forge: 'github' as const, tags: ['gh-docker'] };
		expect(explainWaiting(job(gh), { runners: [arc], groups: [set], now: NOW })).toMatchObject({ reason: 'scale_set_at_max', reason_text: 'scale set gh-docker at maxRunners 20', candidates_total: 1 });
		expect(explainWaiting(job(gh), { runners: [], groups: [{ ...set, autoscaler: { name: 'gh-docker', current: 0, max: 20 } }], now: NOW }).reason).toBe('waiting');
		const plain = makeRunner({ forge: 'github', upstream_id: 3, tags: ['Linux', 'self-hosted', 'X64'], busy: false });
		expect(explainWaiting(job({ forge: 'github', tags: ['self-hosted', 'linux'] }), { runners: [plain], groups: [], now: NOW })).toMatchObject({
			reason: 'waiting',
			reason_text: '1 matching runner is idle; waiting to be picked'
		});
		expect(explainWaiting(job({ forge: 'github', tags: ['self-hosted', 'linux'] }), { runners: [{ ...plain, busy: true }], groups: [], now: NOW }).reason).toBe('busy');
	});
});

describe('lists of waiting jobs', () => {
	const facts = { runners: [docker(1), dind(2, { paused: true })], groups: [], now: NOW };
	const jobs = [
		explainWaiting(job({ upstream_id: 1, tags: ['gpu'], created_at: '2026-01-01T11:00:00Z' }), facts),
		explainWaiting(job({ upstream_id: 2, tags: ['dind'] }), facts),
		explainWaiting(job({ upstream_id: 3, tags: ['gpu'], created_at: '2026-01-01T11:58:00Z', project: 'data/ml' }), facts)
	];

	it('filters by reason and search, longest wait first', () => {
		expect(filterWaiting(jobs, { reason: 'no_runner' }).map((j) => j.id)).toEqual(['gitlab:corp:1', 'gitlab:corp:3']);
		expect(filterWaiting(jobs, { q: 'data/ml' }).map((j) => j.id)).toEqual(['gitlab:corp:3']);
	});

	it('counts per forge and reason', () => {
		expect(countByReason(jobs)).toEqual([
			{ forge: 'gitlab', reason: 'no_runner', label: 'no runner has the tags', count: 2 },
			{ forge: 'gitlab', reason: 'all_paused', label: 'every matching runner paused', count: 1 }
		]);
	});

	it('reads the scheduler’s message from an unschedulable pod only', () => {
		const cond = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Too many pods.' };
		expect(unschedulableMessage({ status: { phase: 'Pending', conditions: [cond] } })).toBe('0/2 nodes are available: 2 Too many pods.');
		expect(unschedulableMessage({ status: { phase: 'Pending', conditions: [] } })).toBeNull();
		expect(unschedulableMessage({ status: { phase: 'Running', conditions: [cond] } })).toBeNull();
	});
});

describe('podHoldUp', () => {
	it('names an image that cannot be pulled, and leaves a normally starting pod alone', () => {
		const pulling = { status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } }] } };
		expect(podHoldUp(pulling)).toBe('ImagePullBackOff: Back-off pulling image "x"');
		expect(podHoldUp({ status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] } })).toBeNull();
	});
});
