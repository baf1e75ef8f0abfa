// GitHub's webhook payloads for `sandbox-org/gitops`: `pull_request` (opened, closed
// with merged true/false, reopened, synchronize, labeled/unlabeled, edited),
// `check_run` (created when a job is queued, completed when it ends) and `workflow_run`
// (requested, in_progress, completed), shaped as GHES 3.17's webhook schemas.

import { orgUrls, type Bases } from '../github/entities.js';
import { ORG } from '../sim/github/catalog.js';
import type { ChangeFlow, FlowEvent } from './flow.js';
import {
	actionsApp,
	actorEntity,
	checkRunEntity,
	gitopsMinimalRepository,
	gitopsRepository,
	labelEntity,
	orgUser,
	pullEntity,
	runStatus,
	workflowEntity,
	workflowRunEntity
} from './github-entities.js';
import type { HookPayload } from './gitlab-hooks.js';
import type { Job, Pipeline } from './pipelines.js';

/** The organisation as webhook payloads carry it (organization-simple-webhooks). */
function organization(b: Bases) {
	return { login: ORG.login, id: ORG.id, node_id: orgUser(b).node_id, ...orgUrls(b, ORG.login, ORG.id), description: ORG.description };
}

const envelope = (b: Bases) => ({ repository: gitopsRepository(b), organization: organization(b), sender: actorEntity(b) });

const ghIso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function pullRequestHooks(flow: ChangeFlow, e: Extract<FlowEvent, { kind: 'proposal' }>, b: Bases): HookPayload[] {
	const p = e.proposal;
	const pr = pullEntity(flow, p, b, true);
	const one = (action: string, extra: Record<string, unknown> = {}): HookPayload => ({
		event: 'pull_request',
		kind: 'pull_request',
		action,
		payload: { action, number: p.number, pull_request: pr, ...extra, ...envelope(b) }
	});
	switch (e.action) {
		case 'open':
			return [one('opened')];
		case 'close':
		case 'merge':
			return [one('closed')];
		case 'reopen':
			return [one('reopened')];
		case 'push':
			return [one('synchronize', { before: e.before, after: p.headSha })];
		case 'edit':
			return [one('edited', { changes: { title: { from: e.previousTitle } } })];
		case 'labels':
			return [...(e.added ?? []).map((l) => one('labeled', { label: labelEntity(l, b) })), ...(e.removed ?? []).map((l) => one('unlabeled', { label: labelEntity(l, b) }))];
	}
}

function checkRunHook(flow: ChangeFlow, p: Pipeline, j: Job, action: 'created' | 'completed', b: Bases): HookPayload {
	const run = checkRunEntity(flow, p, j, b);
	const s = runStatus(p);
	const suite = {
		id: p.id,
		node_id: Buffer.from(`010:CheckSuite${p.id}`).toString('base64').replace(/=+$/, ''),
		head_branch: p.branch,
		head_sha: p.sha,
		status: s.status,
		conclusion: s.conclusion,
		url: `${b.api}/repos/${ORG.login}/gitops/check-suites/${p.id}`,
		before: p.beforeSha,
		after: p.sha,
		pull_requests: run.pull_requests,
		app: actionsApp(b),
		repository: gitopsMinimalRepository(b),
		created_at: ghIso(p.createdAt),
		updated_at: ghIso(p.updatedAt)
	};
	return { event: 'check_run', kind: 'check_run', action, payload: { action, check_run: { ...run, check_suite: suite }, ...envelope(b) } };
}

function workflowRunHook(flow: ChangeFlow, p: Pipeline, action: 'requested' | 'in_progress' | 'completed', b: Bases): HookPayload {
	return { event: 'workflow_run', kind: 'workflow_run', action, payload: { action, workflow: workflowEntity(b), workflow_run: workflowRunEntity(flow, p, b), ...envelope(b) } };
}

/** The hooks GitHub sends for one flow event (none for GitLab's events). */
export function githubHookPayloads(flow: ChangeFlow, e: FlowEvent, b: Bases): HookPayload[] {
	if (e.kind === 'proposal') return e.forge === 'github' ? pullRequestHooks(flow, e, b) : [];
	if (e.pipeline.forge !== 'github') return [];
	if (e.kind === 'job') {
		if (e.previous === null) return [checkRunHook(flow, e.pipeline, e.job, 'created', b)];
		const done = ['success', 'failed', 'canceled', 'skipped'].includes(e.job.status);
		return done ? [checkRunHook(flow, e.pipeline, e.job, 'completed', b)] : [];
	}
	const status = runStatus(e.pipeline).status;
	if (e.previous === null) return [workflowRunHook(flow, e.pipeline, 'requested', b)];
	const before = e.previous === 'created' || e.previous === 'pending' ? 'queued' : e.previous === 'running' ? 'in_progress' : 'completed';
	if (status === before) return [];
	return [workflowRunHook(flow, e.pipeline, status === 'completed' ? 'completed' : 'in_progress', b)];
}
