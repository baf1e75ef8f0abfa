// One configured GitHub organization, repository set or enterprise.
import type { Runner } from '$lib/core/runner';
import type { SourceConfig } from '../config';
import { createGithubClient, type GithubClient } from '$lib/sources/github/client';
import { listGithubRunners } from '$lib/sources/github/runners';
import type { Poller } from './poller';
import { startRunnerSource, type SourceDeps } from './runner-source';

export interface GithubSource {
	name: string;
	client: GithubClient;
	poller: Poller;
}

/** `scaleSetsByRunnerId` maps GitHub runner ids to their ARC scale set, from the watched clusters. */
export function startGithubSource(
	cfg: Extract<SourceConfig, { kind: 'github' }>,
	deps: SourceDeps & { scaleSetsByRunnerId: () => Map<number, string> }
): GithubSource {
	const client = createGithubClient({
		source: cfg.name,
		apiUrl: cfg.github.api_url,
		token: cfg.token,
		observe: (outcome) => deps.metrics.upstreamRequests.inc({ source: cfg.name, outcome })
	});
	const poller = startRunnerSource(
		{
			name: cfg.name,
			kind: 'github',
			url: cfg.github.api_url,
			simulated: cfg.simulated,
			intervalMs: cfg.github.poll_interval_seconds * 1000,
			read: async () => {
				const { runners, requests } = await listGithubRunners(client, cfg.name, cfg.github.scope, cfg.simulated);
				const scaleSets = deps.scaleSetsByRunnerId();
				return { runners: runners.map((r): Runner => ({ ...r, scale_set: scaleSets.get(r.upstream_id) ?? null })), requests };
			}
		},
		deps
	);
	return { name: cfg.name, client, poller };
}
