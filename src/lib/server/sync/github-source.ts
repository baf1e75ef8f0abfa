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
				/** The runner with the scale set the clusters name for it: itself when that is the one it has. */
				const join = (r: Runner): Runner => {
					const scaleSet = scaleSets.get(r.upstream_id) ?? null;
					return scaleSet === r.scale_set ? r : { ...r, scale_set: scaleSet };
				};
				if (changes.kind === 'all') return { changes: { kind: 'all', runners: changes.runners.map(join) }, requests };
				// Runners the forge left unchanged still move when the clusters name their scale set later.
				const read = new Set([...changes.upserted.map((r) => r.id), ...changes.removed]);
				const rejoined: Runner[] = [];
				for (const r of fleet.runnersOf(cfg.name)) {
					const joined = read.has(r.id) ? r : join(r);
					if (joined !== r) rejoined.push(joined);
				}
				return { changes: { kind: 'delta', upserted: [...changes.upserted.map(join), ...rejoined], removed: changes.removed }, requests };
			}
		},
		deps
	);
	return { name: cfg.name, client, poller };
}
