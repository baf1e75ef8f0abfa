import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gitBlobId, githubRunStatus, gitlabPipelineStatus } from '$lib/sources/gitops/forge';
import { checksView } from '$lib/sources/gitops/github-forge';
import { deliveryId, hookRefs, namedBy, verifyDelivery } from './webhooks';

describe('webhook verification', () => {
	const body = Buffer.from('{"action":"opened","number":3}');
	it('takes GitLab’s token only when it is the secret', () => {
		expect(verifyDelivery('gitlab', { 'x-gitlab-token': 's3cret' }, body, 's3cret')).toBe(true);
		expect(verifyDelivery('gitlab', { 'x-gitlab-token': 's3cre' }, body, 's3cret')).toBe(false);
		expect(verifyDelivery('gitlab', {}, body, 's3cret')).toBe(false);
	});
	it('takes GitHub’s signature only when it is the HMAC of exactly these bytes', () => {
		const sig = `sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`;
		expect(verifyDelivery('github', { 'x-hub-signature-256': sig }, body, 'k')).toBe(true);
		expect(verifyDelivery('github', { 'x-hub-signature-256': sig }, Buffer.from(`${body} `), 'k')).toBe(false);
		expect(verifyDelivery('github', { 'x-hub-signature-256': sig }, body, 'other')).toBe(false);
		expect(verifyDelivery('github', { 'x-hub-signature': sig.replace('sha256', 'sha1') }, body, 'k')).toBe(false);
	});
	it('reads delivery ids, refusing odd ones', () => {
		expect(deliveryId('gitlab', { 'x-gitlab-event-uuid': 'a1b2-c3' })).toBe('a1b2-c3');
		expect(deliveryId('github', { 'x-github-delivery': 'd e' })).toBeNull();
		expect(deliveryId('github', {})).toBeNull();
	});
});

describe('what a delivery names', () => {
	it('reads merge requests, pipelines, pull requests, check runs and workflow runs', () => {
		expect(hookRefs('gitlab', { object_kind: 'merge_request', object_attributes: { iid: 4, source_branch: 'b', last_commit: { id: 'c1' }, merge_commit_sha: 'm1' } })).toEqual({ numbers: [4], branches: ['b'], commits: ['m1', 'c1'] });
		expect(hookRefs('gitlab', { object_kind: 'pipeline', object_attributes: { iid: 99, ref: 'main', sha: 's1' }, merge_request: null })).toEqual({ numbers: [], branches: ['main'], commits: ['s1'] });
		expect(hookRefs('github', { number: 5, pull_request: { number: 5, head: { ref: 'b', sha: 'h' }, merge_commit_sha: null } })).toEqual({ numbers: [5, 5], branches: ['b'], commits: ['h'] });
		expect(hookRefs('github', { check_run: { head_sha: 'h2', pull_requests: [{ number: 6 }] } }).numbers).toEqual([6]);
		expect(hookRefs('github', { check_run: { head_sha: 'h3', check_suite: { head_branch: 'rd/y' } } })).toEqual({ numbers: [], branches: ['rd/y'], commits: ['h3'] });
		expect(hookRefs('github', { check_run: { head_sha: 'h4', check_suite: null } }).branches).toEqual([]);
		expect(hookRefs('github', { workflow_run: { head_sha: 'm', head_branch: 'main' } })).toEqual({ numbers: [], branches: ['main'], commits: ['m'] });
		expect(hookRefs('github', 'not an object')).toEqual({ numbers: [], branches: [], commits: [] });
	});
	it('matches a change by number, branch, head or merge commit', () => {
		const c = { number: 4, branch: 'rd/x', head_commit: 'h', merge_commit: null };
		expect(namedBy({ numbers: [4], branches: [], commits: [] }, c)).toBe(true);
		expect(namedBy({ numbers: [], branches: ['rd/x'], commits: [] }, c)).toBe(true);
		expect(namedBy({ numbers: [], branches: [], commits: ['h'] }, c)).toBe(true);
		expect(namedBy({ numbers: [5], branches: ['main'], commits: ['m'] }, c)).toBe(false);
	});
});

describe('forge words', () => {
	it('maps GitLab pipeline and GitHub run statuses', () => {
		expect(['created', 'pending', 'manual', 'running', 'success', 'failed', 'canceled', 'skipped'].map(gitlabPipelineStatus)).toEqual(['pending', 'pending', 'pending', 'running', 'success', 'failed', 'canceled', 'canceled']);
		expect(githubRunStatus('queued', null)).toBe('pending');
		expect(githubRunStatus('in_progress', null)).toBe('running');
		expect(githubRunStatus('completed', 'success')).toBe('success');
		expect(githubRunStatus('completed', 'timed_out')).toBe('failed');
		expect(githubRunStatus('completed', 'cancelled')).toBe('canceled');
	});
	it('sums check runs up: skipped ones say nothing, a failure wins, then a run in progress', () => {
		const c = (id: number, name: string, status: string, conclusion: string | null) => ({ id, name, status, conclusion, html_url: null });
		expect(checksView([])).toBeNull();
		expect(checksView([c(1, 'plan', 'completed', 'success'), c(2, 'apply', 'completed', 'skipped')])).toEqual({ id: 1, status: 'success', url: null });
		expect(checksView([c(1, 'plan', 'in_progress', null), c(2, 'lint', 'completed', 'failure')])).toMatchObject({ id: 2, status: 'failed' });
		expect(checksView([c(1, 'plan', 'queued', null)])).toMatchObject({ status: 'pending' });
	});
	it('names a blob as git does', () => {
		// `printf 'hello\n' | git hash-object --stdin`
		expect(gitBlobId('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
	});
});
