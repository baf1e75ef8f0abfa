// The source check: for every configured source, what it answers now — reachable, who its
// credentials are, whether they cover each feature — evaluated by the pure rules in
// core/source-check. `runner-dashboard check`, GET /api/v1/sources/check and the
// dashboard's start-up check all run this.
import {
	clusterRows,
	deniedAccess,
	driftStackNotRead,
	driftStackRows,
	githubRows,
	gitlabRows,
	prometheusRows,
	report,
	type AccessReview,
	type CheckRow,
	type ClusterFacts,
	type DeniedAccess,
	type DriftStackFacts,
	type ForgeUse,
	type SourceCheck
} from '$lib/core/source-check';
import { messageOf } from '$lib/core/errors';
import { readGithubIdentity } from '$lib/sources/github/identity';
import { readGitlabIdentity } from '$lib/sources/gitlab/identity';
import { accessReviews } from '$lib/sources/kubernetes/access';
import { kubeConfigFor, serverOf } from '$lib/sources/kubernetes/client';
import { reviewCluster } from '$lib/sources/kubernetes/review';
import { prometheusClient } from '$lib/sources/prometheus/client';
import type { Config, DriftStack, SourceConfig } from '../config';
import { configuredClients, stackReaders, type ForgeClients } from '../drift/readers';
import { UpstreamError } from '$lib/sources/errors';

const TIMEOUT_MS = 10_000;

/** What the drift stacks use each forge source for. */
function forgeUse(config: Config, s: Extract<SourceConfig, { kind: 'gitlab' | 'github' }>): ForgeUse {
	const stacks = config.drift.stacks;
	const declared = stacks.filter((d) => ('gitlab' in d.declared && d.declared.gitlab.source === s.name) || ('github' in d.declared && d.declared.github.source === s.name)).map((d) => d.name);
	const state = stacks.filter((d) => 'gitlab' in d.state && d.state.gitlab.source === s.name).map((d) => d.name);
	const scope = s.kind === 'gitlab' ? (s.gitlab.scope === 'all' ? 'all' : 'groups' in s.gitlab.scope ? 'groups' : 'projects') : 'org' in s.github.scope ? 'org' : 'repos' in s.github.scope ? 'repos' : 'enterprise';
	return { scope, declared, state };
}

/** The facts of one cluster, each review joined to why it is needed and what grants it. */
async function clusterFacts(s: Extract<SourceConfig, { kind: 'kubernetes' }>): Promise<ClusterFacts> {
	const kc = kubeConfigFor(s.kubernetes);
	const wanted = accessReviews(s.kubernetes);
	const { version, identity, results } = await reviewCluster(kc, wanted, TIMEOUT_MS);
	return { server: serverOf(kc), version, identity, reviews: wanted.map((w, i): AccessReview => ({ ...w, result: results[i]! })) };
}

async function checkSource(config: Config, clients: ForgeClients, s: SourceConfig, denied: Map<string, DeniedAccess[]>): Promise<CheckRow[]> {
	switch (s.kind) {
		case 'gitlab': {
			return gitlabRows(s.name, await readGitlabIdentity(clients.gitlab(s.name), s.gitlab.url, s.gitlab.scope), forgeUse(config, s));
		}
		case 'github': {
			return githubRows(s.name, await readGithubIdentity(clients.github(s.name), s.name, s.github.api_url, s.github.scope), forgeUse(config, s));
		}
		case 'kubernetes': {
			const facts = await clusterFacts(s);
			denied.set(s.name, deniedAccess(facts.reviews, facts.identity.ok ? facts.identity.username : undefined));
			return clusterRows(s.name, facts);
		}
	}
}

async function checkPrometheus(config: Config): Promise<CheckRow[]> {
	const scraper = { targets: config.scrape.targets.length, discovery: config.scrape.httpSd.length };
	const p = config.prometheus;
	if (!p) return prometheusRows(null, scraper);
	const client = prometheusClient({ source: 'prometheus', url: p.url, timeoutMs: Math.min(p.timeoutMs, TIMEOUT_MS), authorization: p.authorization });
	const fail = (e: unknown) => ({ ok: false as const, error: messageOf(e), status: (e as { status?: number }).status });
	const query = await client.raw('vector(1)').then(() => ({ ok: true as const }), fail);
	const now = Date.now() / 1000;
	const count = async (expr: string) => (await client.query(`count(${expr})`, now))[0]?.value ?? 0;
	const series = query.ok ? await Promise.all([count('gitlab_runner_concurrent'), count('gha_assigned_jobs')]).then(([gitlab, arc]) => ({ ok: true as const, gitlab, arc }), fail) : query;
	const expect = { gitlab: config.sources.some((s) => s.kind === 'gitlab'), arc: config.sources.some((s) => s.kind === 'kubernetes') };
	return prometheusRows({ url: p.url, query, series, expect }, scraper);
}

export interface SourceCheckResult {
	report: SourceCheck;
	/** Per Kubernetes source: the permissions its identity lacks, in words (for the source's status). */
	denied: Map<string, DeniedAccess[]>;
}

/** An upstream failure's status, also when wrapped in a reader's error (DeclaredReadError, StateReadError). */
function failure(e: unknown): { ok: false; error: string; status?: number } {
	const cause = (e as { cause?: unknown }).cause;
	const status = e instanceof UpstreamError ? e.status : cause instanceof UpstreamError ? cause.status : undefined;
	return { ok: false, error: messageOf(e), status };
}

/** Reads one drift stack's files and states once, through the readers the drift check uses. */
async function checkDriftStack(config: Config, clients: ForgeClients, stack: DriftStack): Promise<CheckRow[]> {
	const readers = stackReaders(stack, clients, config.drift.limits);
	const names = ['variables.tf', ...stack.envs.map((e) => `${e}.tfvars`)];
	const declared = await readers.declared.read(names).then((snap): DriftStackFacts['declared'] => {
		const found = names.filter((n) => snap.files.get(n));
		return { ok: true, revision: snap.revision, found, absent: names.filter((n) => !found.includes(n)) };
	}, failure);
	const states = await Promise.all(
		stack.envs.map(async (env) => {
			const reader = readers.state(env);
			const result = await reader.read().then((t): DriftStackFacts['states'][number]['result'] => {
				try {
					const state = JSON.parse(t.text) as { serial?: unknown; resources?: { instances?: unknown[] }[] };
					const instances = Array.isArray(state.resources) ? state.resources.reduce((n, r) => n + (Array.isArray(r?.instances) ? r.instances.length : 0), 0) : null;
					return { ok: true, serial: typeof state.serial === 'number' ? state.serial : null, instances };
				} catch (e) {
					return { ok: false, error: `not a state: ${messageOf(e)}` };
				}
			}, failure);
			return { env, file: reader.file, result };
		})
	);
	const d = stack.declared;
	const forge = 'gitlab' in d ? { source: d.gitlab.source, kind: 'gitlab' as const } : 'github' in d ? { source: d.github.source, kind: 'github' as const } : null;
	return driftStackRows(stack.name, { where: readers.declared.where, forge, declared, states });
}

/** Checks every configured source and Prometheus, all at once; a source that fails to answer is a row, never a throw. */
export async function checkSources(config: Config, now = () => new Date()): Promise<SourceCheckResult> {
	const denied = new Map<string, DeniedAccess[]>();
	const clients = configuredClients(config.sources, { timeoutMs: TIMEOUT_MS });
	const [perSource, metrics] = await Promise.all([
		Promise.all(
			config.sources.map((s) =>
				checkSource(config, clients, s, denied).catch((e: unknown): CheckRow[] => [{ source: s.name, kind: s.kind, check: 'connection', status: 'error', detail: `the check failed: ${messageOf(e)}`, fix: null }])
			)
		),
		checkPrometheus(config).catch((e: unknown): CheckRow[] => [{ source: 'prometheus', kind: 'prometheus', check: 'query', status: 'error', detail: `the check failed: ${messageOf(e)}`, fix: null }])
	]);
	// A stack read through a forge that does not answer says so once, instead of repeating the forge's error.
	const down = new Set(perSource.flat().filter((r) => r.check === 'connection' && r.status === 'error').map((r) => r.source));
	const stacks = await Promise.all(
		config.drift.stacks.map((stack) => {
			const through = [stack.declared, stack.state].flatMap((x) => ('gitlab' in x ? [x.gitlab.source] : 'github' in x ? [x.github.source] : [])).find((s) => down.has(s));
			if (through) return driftStackNotRead(stack.name, through);
			return checkDriftStack(config, clients, stack).catch((e: unknown): CheckRow[] => [
				{ source: `drift/${stack.name}`, kind: 'drift', check: 'declared files', status: 'error', detail: `the check failed: ${messageOf(e)}`, fix: null }
			]);
		})
	);
	return { report: report([...perSource.flat(), ...stacks.flat(), ...metrics], now()), denied };
}

/** Runs the source check for the running dashboard: one at a time (callers during a run share it), each result handed on. */
export class SourceChecks {
	private running: Promise<SourceCheckResult> | null = null;

	constructor(
		private readonly config: Config,
		private readonly onResult: (r: SourceCheckResult) => void
	) {}

	run(): Promise<SourceCheckResult> {
		this.running ??= checkSources(this.config)
			.then((r) => {
				this.onResult(r);
				return r;
			})
			.finally(() => {
				this.running = null;
			});
		return this.running;
	}
}
