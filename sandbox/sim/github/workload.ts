// What GitHub Actions work looks like: which repositories run which workflows, with
// which `runs-on` labels (plain runners) or scale set names (ARC). Label mixes mirror
// the plain fleet so most jobs find a runner while some (gpu) can wait a long time.

import { MINUTE } from '../clock.js';
import type { Rng } from '../rng.js';
import { ORG, REPOS, type Repo } from './catalog.js';
import type { GitHubJob, JobTarget } from './model.js';
import { RunRegistry } from './runs.js';

/** `runs-on` label sets of jobs for plain runners (lower-cased, as GitHub matches them). */
const PLAIN_LABELS: readonly (readonly [string[], number])[] = [
	[['self-hosted', 'linux', 'x64'], 45],
	[['self-hosted', 'linux', 'arm64'], 15],
	[['self-hosted', 'docker'], 22],
	[['self-hosted', 'linux', 'x64', 'large'], 10],
	[['self-hosted', 'nix'], 4],
	[['self-hosted', 'gpu'], 4]
];

const WORKFLOWS: Record<string, readonly { file: string; jobs: readonly string[] }[]> = {
	'runner-images': [
		{ file: 'build-images.yml', jobs: ['nix build .#runner-image', 'docker build (amd64)', 'docker build (arm64)', 'push images'] },
		{ file: 'nightly.yml', jobs: ['rebuild cache', 'scan images'] }
	],
	storefront: [
		{ file: 'ci.yml', jobs: ['lint', 'typecheck', 'unit tests (node 22)', 'e2e (chromium)', 'build'] },
		{ file: 'deploy.yml', jobs: ['deploy-staging', 'smoke tests'] }
	]
};

const BRANCHES = ['refs/heads/main', 'refs/heads/main', 'refs/heads/main', 'refs/heads/renovate/node-22.x', 'refs/heads/feature/checkout-v2'];

/** Duration of a job (log-normal, long right tail), 10 s to 1 h. */
export function githubJobDurationMs(rng: Rng): number {
	const s = rng.logNormal(150, 0.9);
	return Math.round(Math.min(3600, Math.max(10, s)) * 1000);
}

export class GitHubWorkload {
	// Ids in the range GitHub hands out today, so clients that assume large ids see them.
	private nextJobId = 40_000_000_001;
	private nextRunId = 13_000_000_001;
	private nextRequestId = 1;
	private lastRun = new Map<string, { id: number; at: number }>();
	/** Every job's workflow run, for the Actions API. */
	readonly runs: RunRegistry;

	constructor(
		private readonly rng: Rng,
		seed: number
	) {
		this.runs = new RunRegistry(seed);
	}

	plainTarget(): JobTarget {
		return { kind: 'labels', labels: [...this.rng.weighted(PLAIN_LABELS)] };
	}

	/** A new queued job created at `at`, often joining a recent run of the same workflow. */
	next(at: number, target: JobTarget): GitHubJob {
		const rng = this.rng;
		const repo: Repo = rng.pick(REPOS);
		const wf = rng.pick(WORKFLOWS[repo.name] ?? [{ file: 'ci.yml', jobs: ['build'] }]);
		const ref = rng.pick(BRANCHES);
		const key = `${repo.name}/${wf.file}`;
		const last = this.lastRun.get(key);
		const fullName = `${ORG.login}/${repo.name}`;
		const path = `.github/workflows/${wf.file}`;
		let run = last && at - last.at < 2 * MINUTE && rng.chance(0.6) ? this.runs.run(last.id) : undefined;
		if (!run) {
			run = this.runs.open(this.nextRunId++, fullName, path, ref, at);
			this.lastRun.set(key, { id: run.id, at });
		}
		const job = this.job(at, run.id, rng.pick(wf.jobs), fullName, `${fullName}/${path}@${ref}`, target);
		this.runs.add(run, job);
		return job;
	}

	/**
	 * A queued job in a run of its own (`ci.yml` on main), drawing nothing from the
	 * workload's stream: jobs added out of band or asking for what no runner offers
	 * leave the regular arrivals as they would have been.
	 */
	custom(at: number, repo: string, name: string, target: JobTarget): GitHubJob {
		const path = '.github/workflows/ci.yml';
		const run = this.runs.open(this.nextRunId++, repo, path, 'refs/heads/main', at);
		const job = this.job(at, run.id, name, repo, `${repo}/${path}@refs/heads/main`, target);
		this.runs.add(run, job);
		return job;
	}

	private job(at: number, runId: number, name: string, repo: string, workflowRef: string, target: JobTarget): GitHubJob {
		return {
			id: this.nextJobId++,
			runId,
			requestId: this.nextRequestId++,
			name,
			repo,
			workflowRef,
			target,
			status: 'queued',
			conclusion: null,
			createdAt: at,
			startedAt: null,
			finishedAt: null,
			endsAt: Infinity,
			runnerId: null,
			runnerName: null,
			runnerGroupId: null
		};
	}
}
