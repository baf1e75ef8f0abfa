// One configured GitLab instance: client, runner sync and its poller.
import type { SourceConfig } from '../config';
import { createGitlabClient, type GitlabClient } from '$lib/sources/gitlab/client';
import { GitlabRunnerSync } from '$lib/sources/gitlab/runners';
import type { Poller } from './poller';
import { startRunnerSource, type SourceDeps } from './runner-source';

export interface GitlabSource {
	name: string;
	client: GitlabClient;
	sync: GitlabRunnerSync;
	poller: Poller;
}

export function startGitlabSource(cfg: Extract<SourceConfig, { kind: 'gitlab' }>, deps: SourceDeps): GitlabSource {
	const client = createGitlabClient({
		source: cfg.name,
		url: cfg.gitlab.url,
		token: cfg.token,
		observe: (outcome) => deps.metrics.upstreamRequests.inc({ source: cfg.name, outcome })
	});
	const sync = new GitlabRunnerSync(client, cfg.name, cfg.gitlab.scope, cfg.simulated);
	const poller = startRunnerSource(
		{ name: cfg.name, kind: 'gitlab', url: cfg.gitlab.url, simulated: cfg.simulated, intervalMs: cfg.gitlab.poll_interval_seconds * 1000, read: () => sync.cycle() },
		deps
	);
	return { name: cfg.name, client, sync, poller };
}
