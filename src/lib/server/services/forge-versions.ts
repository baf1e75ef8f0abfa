// What each forge runs, so runners can be held against it: GitLab's own version
// (`GET /metadata`), and for GitHub the newest runner build the server distributes
// (`GET /orgs/{org}/actions/runners/downloads`, or the first repository's) or the
// configured minimum when the server does not say. Read at start and every hour.
import { z } from 'zod';
import { messageOf } from '$lib/core/errors';
import { newest, skewJudge, versionInFilename, type Outdated } from '$lib/core/versions';
import type { Runner } from '$lib/core/runner';
import type { AppContext } from '../app';

const REFRESH_MS = 60 * 60_000;

export interface ForgeVersions {
	/** The version each source's runners are held against (null: not known). */
	reference(source: string): string | null;
	outdated(runner: Runner): Outdated;
	/** Counts up whenever a reference changes: answers that hold `outdated` are kept only while it stays. */
	generation(): number;
	stop(): void;
}

export function startForgeVersions(deps: Pick<AppContext, 'config' | 'gitlab' | 'github' | 'logger'>): ForgeVersions {
	const minimum = deps.config.githubMinimumRunner;
	let generation = 0;
	let refs = new Map<string, string | null>();
	let judge = skewJudge(() => null);
	async function refresh() {
		const next = new Map(refs);
		for (const s of deps.config.sources) {
			try {
				if (s.kind === 'gitlab') {
					const g = deps.gitlab.get(s.name);
					const meta = z.looseObject({ version: z.string() }).parse(await g!.client.Metadata.show());
					next.set(s.name, meta.version);
				} else if (s.kind === 'github') {
					const g = deps.github.get(s.name)!;
					const scope = s.github.scope;
					const route = 'org' in scope ? { route: 'GET /orgs/{org}/actions/runners/downloads', params: { org: scope.org } } : 'repos' in scope ? { route: 'GET /repos/{owner}/{repo}/actions/runners/downloads', params: { owner: scope.repos[0]!.split('/')[0]!, repo: scope.repos[0]!.split('/')[1]! } } : null;
					const files = route ? z.array(z.looseObject({ filename: z.string() })).parse((await g.client.request(route.route, route.params)).data) : [];
					next.set(s.name, newest(files.map((f) => versionInFilename(f.filename)).filter((v): v is string => v !== null)) ?? minimum);
				}
			} catch (e) {
				if (s.kind === 'github') next.set(s.name, next.get(s.name) ?? minimum);
				deps.logger.warn({ source: s.name, err: messageOf(e) }, 'reading the forge’s version failed; runner versions are held against the last one known');
			}
		}
		// A new judge (and generation) only when a reference really changed: hourly re-reads of the same versions keep every cached answer.
		if (next.size === refs.size && [...next].every(([k, v]) => refs.get(k) === v && refs.has(k))) return;
		refs = next;
		generation++;
		judge = skewJudge((source) => next.get(source) ?? null);
	}
	void refresh();
	const timer = setInterval(() => void refresh(), REFRESH_MS);
	timer.unref();
	return {
		reference: (source) => refs.get(source) ?? null,
		outdated: (r) => judge(r),
		generation: () => generation,
		stop: () => clearInterval(timer)
	};
}
