import { describe, expect, it } from 'vitest';
import { githubRunner, normalizeGithubRunner } from './github-runner';

describe('normalizeGithubRunner', () => {
	it('maps status, busy, labels and ephemeral; GitHub runners cannot be paused', () => {
		const r = githubRunner.parse({ id: 9, name: 'gh-docker-abc', os: 'Linux', status: 'online', busy: true, ephemeral: true, runner_group_id: 3, labels: [{ id: 1, name: 'self-hosted', type: 'read-only' }, { id: 2, name: 'gh-docker', type: 'custom' }] });
		expect(normalizeGithubRunner('gh', false, 'organization', r)).toMatchObject({
			id: 'github:gh:9',
			forge: 'github',
			status: 'online',
			busy: true,
			paused: false,
			ephemeral: true,
			type: 'organization',
			tags: ['gh-docker', 'self-hosted'],
			scale_set: null
		});
	});
	it('treats anything but online as offline', () => {
		const r = githubRunner.parse({ id: 1, name: 'x', status: 'offline', busy: false, labels: [] });
		expect(normalizeGithubRunner('gh', true, 'repository', r).status).toBe('offline');
	});
});
