// One configured GitHub organization, repository set or enterprise: its client on this
// thread, its runner list read in the background reader, joined here with the ARC
// scale sets the watched clusters know.
import type { Runner } from '$lib/core/runner';
import type { SourceConfig } from '../config';
import { createGithubClient, type GithubClient } from '$lib/sources/github/client';
import type { Poller } from './poller';
import type { ReaderThread } from './reader-thread';
import { startRunnerSource, type SourceDeps } from './runner-source';

export interface GithubSource {
	name: string;
	client: GithubClient;
	poller: Poller;
}

/** `scaleSetsByRunnerId` maps GitHub runner ids to their ARC scale set, from the watched clusters. */
export function startGithubSource(
	cfg: Extract<SourceConfig, { kind: 'github' }>,
	deps: SourceDeps & { reader: ReaderThread; scaleSetsByRunnerId: () => Map<number, string> }
): GithubSource {
	const client = createGithubClient({
		source: cfg.name,
		apiUrl: cfg.github.api_url,
		token: cfg.token,
		observe: (outcome) => deps.metrics.upstreamRequests.inc({ source: cfg.name, outcome })
	});
	const { reader, fleet } = deps;
	reader.open({ kind: 'github', name: cfg.name, apiUrl: cfg.github.api_url, token: cfg.token, scope: cfg.github.scope, simulated: cfg.simulated });
	const poller = startRunnerSource(
		{
			name: cfg.name,
			kind: 'github',
			url: cfg.github.api_url,
			simulated: cfg.simulated,
			intervalMs: cfg.github.poll_interval_seconds * 1000,
			read: async (all) => {
				const { changes, requests } = await reader.runners(cfg.name, all);
				const scaleSets = deps.scaleSetsByRunnerId();
				const scaleSetOf = (r: Runner) => scaleSets.get(r.upstream_id) ?? null;
				const join = (r: Runner): Runner => (scaleSetOf(r) === r.scale_set ? r : { ...r, scale_set: scaleSetOf(r) });
				if (changes.kind === 'all') return { changes: { kind: 'all', runners: changes.runners.map(join) }, requests };
				// Runners the forge left unchanged still move when the clusters name their scale set later.
				const read = new Set([...changes.upserted.map((r) => r.id), ...changes.removed]);
				const rejoined = fleet.runnersOf(cfg.name).filter((r) => !read.has(r.id) && scaleSetOf(r) !== r.scale_set);
				return { changes: { kind: 'delta', upserted: [...changes.upserted, ...rejoined].map(join), removed: changes.removed }, requests };
			}
		},
		deps
	);
	return { name: cfg.name, client, poller };
}
