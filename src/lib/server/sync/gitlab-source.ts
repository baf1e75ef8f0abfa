// One configured GitLab instance: its client (actions, drift, waiting jobs) on this
// thread, its runner sync in the background reader, and the poller between them.
import type { SourceConfig } from '../config';
import { createGitlabClient, type GitlabClient } from '$lib/sources/gitlab/client';
import type { Poller } from './poller';
import type { ReaderThread } from './reader-thread';
import { startRunnerSource, type SourceDeps } from './runner-source';

export interface GitlabSource {
	name: string;
	client: GitlabClient;
	/** The runner sync, as far as this thread reaches it. */
	sync: { invalidate(upstreamId: number): void };
	poller: Poller;
}

export function startGitlabSource(cfg: Extract<SourceConfig, { kind: 'gitlab' }>, deps: SourceDeps & { reader: ReaderThread }): GitlabSource {
	const client = createGitlabClient({
		source: cfg.name,
		url: cfg.gitlab.url,
		token: cfg.token,
		observe: (outcome) => deps.metrics.upstreamRequests.inc({ source: cfg.name, outcome })
	});
	const { reader } = deps;
	reader.open({ kind: 'gitlab', name: cfg.name, url: cfg.gitlab.url, token: cfg.token, scope: cfg.gitlab.scope, simulated: cfg.simulated });
	const poller = startRunnerSource(
		{
			name: cfg.name,
			kind: 'gitlab',
			url: cfg.gitlab.url,
			simulated: cfg.simulated,
			intervalMs: cfg.gitlab.poll_interval_seconds * 1000,
			read: (all) => reader.runners(cfg.name, all)
		},
		deps
	);
	return { name: cfg.name, client, sync: { invalidate: (upstreamId) => reader.invalidate(cfg.name, upstreamId) }, poller };
}
