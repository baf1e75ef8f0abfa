// Reads a GitLab source's runners: every list page at per_page=100, then details
// (tag_list, version, contacted_at) only for runners that are new or whose list
// entry changed, with bounded concurrency.
import { z } from 'zod';
import {
	gitlabRunnerDetails,
	gitlabRunnerListItem,
	listFingerprint,
	normalizeGitlabRunner,
	type GitlabRunnerDetails,
	type GitlabRunnerListItem
} from '$lib/core/gitlab-runner';
import { mapLimit } from '$lib/core/map-limit';
import type { Runner } from '$lib/core/runner';
import { UpstreamError } from '../errors';
import { mapInSlices } from '../slices';
import type { GitlabClient } from './client';

export type GitlabScope = 'all' | { groups: (number | string)[] } | { projects: (number | string)[] };

const PER_PAGE = 100;
const DETAIL_CONCURRENCY = 8;

async function listPages(source: string, fetchPage: (page: number) => Promise<{ data: unknown; paginationInfo: { next: number | null } }>) {
	const items: GitlabRunnerListItem[] = [];
	let requests = 0;
	for (let page: number | null = 1; page !== null; ) {
		const res = await fetchPage(page);
		requests++;
		const parsed = z.array(gitlabRunnerListItem).safeParse(res.data);
		if (!parsed.success) throw new UpstreamError(source, 'invalid_response', `unexpected runner list from GitLab: ${parsed.error.issues[0]?.message}`);
		items.push(...parsed.data);
		page = res.paginationInfo.next;
	}
	return { items, requests };
}

export async function listRunners(client: GitlabClient, source: string, scope: GitlabScope) {
	const opts = { perPage: PER_PAGE, showExpanded: true as const, maxPages: 1 };
	const scopes: Record<string, unknown>[] =
		scope === 'all' ? [{}] : 'groups' in scope ? scope.groups.map((groupId) => ({ groupId })) : scope.projects.map((projectId) => ({ projectId }));
	const byId = new Map<number, GitlabRunnerListItem>();
	let requests = 0;
	for (const s of scopes) {
		const res = await listPages(source, (page) => client.Runners.all({ ...s, ...opts, page } as never) as never);
		requests += res.requests;
		// A runner shared by several groups or projects appears once.
		for (const item of res.items) byId.set(item.id, item);
	}
	return { items: [...byId.values()], requests };
}

interface Known {
	fingerprint: string;
	details: GitlabRunnerDetails;
	/** The runner as last normalised from this list entry and these details: reused while neither changes. */
	runner?: Runner;
}

/** Keeps the details cache between cycles so a steady fleet costs only its list pages. */
export class GitlabRunnerSync {
	private known = new Map<number, Known>();

	constructor(
		private client: GitlabClient,
		private source: string,
		private scope: GitlabScope,
		private simulated: boolean
	) {}

	async cycle(): Promise<{ runners: Runner[]; requests: number; detailsFetched: number }> {
		const { items, requests } = await listRunners(this.client, this.source, this.scope);
		const fingerprints = await mapInSlices(items, listFingerprint);
		const stale = items.filter((i, n) => this.known.get(i.id)?.fingerprint !== fingerprints[n]);
		await mapLimit(stale, DETAIL_CONCURRENCY, async (item) => {
			const raw = await this.client.Runners.show(item.id);
			const parsed = gitlabRunnerDetails.safeParse(raw);
			if (!parsed.success) throw new UpstreamError(this.source, 'invalid_response', `unexpected runner ${item.id} from GitLab: ${parsed.error.issues[0]?.message}`);
			// Keep only what the runner model reads: at tens of thousands of runners the rest adds up.
			const { tag_list, version, contacted_at, ip_address, run_untagged, projects, groups } = parsed.data;
			const scope = { projects: projects?.map((p) => ({ path_with_namespace: p.path_with_namespace })), groups: groups?.map((g) => ({ web_url: g.web_url })) };
			this.known.set(item.id, { fingerprint: listFingerprint(item), details: { ...item, tag_list, version, contacted_at, ip_address, run_untagged, ...scope } });
		});
		const seen = new Set(items.map((i) => i.id));
		for (const id of this.known.keys()) if (!seen.has(id)) this.known.delete(id);
		// A steady fleet's cycle allocates no runners: an unchanged list entry gives back the
		// object it gave last time (everything normalisation reads is in the fingerprint).
		const runnerOf = (i: GitlabRunnerListItem, n: number): Runner => {
			const known = this.known.get(i.id);
			if (known?.runner && known.fingerprint === fingerprints[n]) return known.runner;
			const runner = normalizeGitlabRunner(this.source, this.simulated, i, known?.details);
			if (known) known.runner = runner;
			return runner;
		};
		return {
			runners: await mapInSlices(items, runnerOf),
			requests: requests + stale.length,
			detailsFetched: stale.length
		};
	}

	/** Forget one runner's details so the next cycle refetches them (after we changed it). */
	invalidate(upstreamId: number) {
		this.known.delete(upstreamId);
	}
}
