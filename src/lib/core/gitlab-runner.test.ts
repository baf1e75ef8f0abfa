import { describe, expect, it } from 'vitest';
import {
	gitlabRunnerDetails,
	gitlabRunnerListItem,
	isPaused,
	listFingerprint,
	normalizeGitlabRunner,
	type GitlabRunnerListItem
} from './gitlab-runner';
import { parseRunnerId, runnerId } from './runner';

const listItem = (p: Record<string, unknown> = {}): GitlabRunnerListItem =>
	gitlabRunnerListItem.parse({
		id: 42,
		description: 'k8s-runner-a',
		name: null,
		ip_address: '10.1.2.3',
		paused: false,
		runner_type: 'group_type',
		online: true,
		status: 'online',
		...p
	});

const details = (p: Record<string, unknown> = {}) =>
	gitlabRunnerDetails.parse({
		...listItem(),
		tag_list: ['linux', 'docker', 'arm64'],
		version: '17.5.1',
		contacted_at: '2025-01-02T03:04:05.000Z',
		run_untagged: false,
		groups: [{ id: 7, web_url: 'https://gitlab.example.com/groups/platform/ci', name: 'ci' }],
		...p
	});

describe('normalizeGitlabRunner', () => {
	it('merges a list item with its details', () => {
		const r = normalizeGitlabRunner('corp', false, listItem(), details());
		expect(r).toEqual({
			id: 'gitlab:corp:42',
			forge: 'gitlab',
			source: 'corp',
			upstream_id: 42,
			name: 'k8s-runner-a',
			description: 'k8s-runner-a',
			status: 'online',
			paused: false,
			busy: null,
			type: 'group_type',
			tags: ['arm64', 'docker', 'linux'],
			version: '17.5.1',
			ip_address: '10.1.2.3',
			contacted_at: '2025-01-02T03:04:05.000Z',
			ephemeral: false,
			scale_set: null,
			run_untagged: false,
			scope: ['platform/ci'],
			managers: [],
			simulated: false
		});
	});

	it('reads whose jobs a runner takes: a project runner’s projects, a group runner’s groups, nobody’s in particular for an instance runner', () => {
		const projects = [{ id: 1, path_with_namespace: 'web/shop' }, { id: 2, path_with_namespace: 'data/ml' }];
		const project = normalizeGitlabRunner('corp', false, listItem({ runner_type: 'project_type' }), details({ runner_type: 'project_type', projects, groups: [] }));
		expect(project.scope).toEqual(['data/ml', 'web/shop']);
		expect(normalizeGitlabRunner('corp', false, listItem({ runner_type: 'instance_type' }), details({ runner_type: 'instance_type', projects: [] })).scope).toEqual([]);
		// Without details nothing is known yet.
		expect(normalizeGitlabRunner('corp', false, listItem(), undefined)).toMatchObject({ scope: [], run_untagged: null });
	});

	it('takes status and paused from the list item, not the older details', () => {
		const r = normalizeGitlabRunner('corp', true, listItem({ status: 'offline', paused: true }), details({ status: 'online', paused: false }));
		expect(r).toMatchObject({ status: 'offline', paused: true, simulated: true });
	});

	it('has no tags, version or contact time without details', () => {
		const item = listItem();
		expect('tag_list' in item).toBe(false);
		const r = normalizeGitlabRunner('corp', false, item, undefined);
		expect(r.tags).toEqual([]);
		expect(r.version).toBeNull();
		expect(r.contacted_at).toBeNull();
	});

	it('does not mutate the details tag list when sorting', () => {
		const d = details();
		normalizeGitlabRunner('corp', false, listItem(), d);
		expect(d.tag_list).toEqual(['linux', 'docker', 'arm64']);
	});

	it('defaults a details object without tag_list to no tags', () => {
		const d = gitlabRunnerDetails.parse({ id: 1, runner_type: 'instance_type', status: 'online' });
		expect(d.tag_list).toEqual([]);
	});

	it.each([
		[{ active: false }, true],
		[{ active: true }, false],
		[{}, false],
		[{ paused: true, active: true }, true],
		[{ paused: false, active: false }, false]
	])('reads paused from %o as %s', (fields, paused) => {
		const item = gitlabRunnerListItem.parse({ id: 1, runner_type: 'instance_type', status: 'online', ...fields });
		expect(isPaused(item)).toBe(paused);
		expect(normalizeGitlabRunner('corp', false, item, undefined).paused).toBe(paused);
	});

	it.each(['online', 'offline', 'stale', 'never_contacted'])('keeps the known status %s', (status) => {
		expect(normalizeGitlabRunner('corp', false, listItem({ status }), undefined).status).toBe(status);
	});

	it.each(['paused', 'not_connected', 'ONLINE', ''])('maps the unknown status %j to offline', (status) => {
		expect(normalizeGitlabRunner('corp', false, listItem({ status }), undefined).status).toBe('offline');
	});

	it('names a runner by description, then name, then id', () => {
		expect(normalizeGitlabRunner('s', false, listItem({ description: '', name: 'named' }), undefined).name).toBe('named');
		expect(normalizeGitlabRunner('s', false, listItem({ description: null, name: null }), undefined).name).toBe('runner 42');
		expect(normalizeGitlabRunner('s', false, listItem({ description: null }), undefined).description).toBe('');
	});

	it('falls back to the details IP when the list item has none', () => {
		const r = normalizeGitlabRunner('s', false, listItem({ ip_address: null }), details({ ip_address: '10.9.9.9' }));
		expect(r.ip_address).toBe('10.9.9.9');
	});
});

describe('listFingerprint', () => {
	const fp = (p: Record<string, unknown>) => listFingerprint(listItem(p));

	it('changes with status (the details hold contacted_at), not with the online flag alone', () => {
		expect(fp({ status: 'offline' })).not.toBe(fp({}));
		expect(fp({ status: 'stale' })).not.toBe(fp({ status: 'offline' }));
		expect(fp({ online: false })).toBe(fp({}));
	});

	it('changes when paused, description, name, type or IP change', () => {
		const base = fp({});
		expect(fp({ paused: true })).not.toBe(base);
		expect(fp({ paused: undefined, active: false })).not.toBe(base);
		expect(fp({ description: 'renamed' })).not.toBe(base);
		expect(fp({ name: 'x' })).not.toBe(base);
		expect(fp({ runner_type: 'project_type' })).not.toBe(base);
		expect(fp({ ip_address: '10.1.2.4' })).not.toBe(base);
	});

	it('treats active:false and paused:true as the same state', () => {
		expect(fp({ paused: undefined, active: false })).toBe(fp({ paused: true }));
	});
});

describe('runner ids', () => {
	it('round-trips through runnerId and parseRunnerId', () => {
		expect(runnerId('gitlab', 'corp-eu', 42)).toBe('gitlab:corp-eu:42');
		expect(parseRunnerId(runnerId('gitlab', 'corp-eu', 42))).toEqual({ forge: 'gitlab', source: 'corp-eu', upstreamId: 42 });
		expect(parseRunnerId(runnerId('github', 'gh1', 7))).toEqual({ forge: 'github', source: 'gh1', upstreamId: 7 });
	});

	it.each([
		'',
		'gitlab:corp',
		'gitlab:corp:',
		'gitlab:corp:abc',
		'gitlab:corp:-1',
		'gitlab:corp:1.5',
		'bitbucket:corp:1',
		'gitlab:Corp:1',
		'gitlab:-corp:1',
		'gitlab::1',
		'gitlab:corp:1:2',
		' gitlab:corp:1',
		'gitlab:corp:1\n'
	])('rejects %j', (id) => {
		expect(parseRunnerId(id)).toBeNull();
	});
});
