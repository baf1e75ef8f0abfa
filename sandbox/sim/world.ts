// The whole simulated world: one clock, seeded random streams, and the parts that
// advance with it: GitLab, GitHub (plain runners, scale sets, jobs) and the Kubernetes
// cluster (its object store and the controllers acting on it: HPAs, Deployments, ARC).

import { FIXED_EPOCH_MS, SimClock } from './clock.js';
import { KubeSim, DEFAULT_SCALE_SETS } from './cluster/sim.js';
import { DEFAULT_GITHUB_JOBS_PER_MINUTE, GitHubSim } from './github/sim.js';
import { GitLabSim } from './gitlab/sim.js';
import { Rng, mix32 } from './rng.js';
import { ObjectStore } from '../k8s/store.js';
import { GitOps } from '../gitops/gitops.js';
import { ChangeFlow } from '../gitops/flow.js';

export interface WorldOptions {
	seed: number;
	gitlabRunners: number;
	jobsPerMinute?: number;
	/** Plain self-hosted GitHub runners; default 40. */
	githubRunners?: number;
	/** AutoscalingRunnerSets; default 3 (gh-nix, gh-docker, gh-dind), more are gh-extra-N. */
	scaleSets?: number;
	githubJobsPerMinute?: number;
	/** Simulated start time (ms since the Unix epoch); default the fixed epoch. startSandbox passes the wall clock. */
	origin?: number;
	/** Start mid-day, with GitLab jobs already running (default); false: an idle fleet whose autoscalers start from their minimum. */
	warmStart?: boolean;
}

export const DEFAULT_JOBS_PER_MINUTE = 30;
export const DEFAULT_GITHUB_RUNNERS = 40;

export class World {
	readonly seed: number;
	readonly clock: SimClock;
	/** The GitLab event stream; fleet generation uses per-runner streams instead (see fleet.ts). */
	readonly rng: Rng;
	readonly gitlab: GitLabSim;
	/** GitHub: plain self-hosted runners, runner scale sets and Actions jobs. */
	readonly github: GitHubSim;
	/** The simulated Kubernetes cluster's objects, served under /k8s. */
	readonly cluster: ObjectStore;
	/** The controllers acting on `cluster` (HPA, Deployment/ReplicaSet, ARC). */
	readonly kube: KubeSim;
	/** The GitOps project (stacks in git, OpenTofu states) that declares what `cluster` runs. */
	readonly gitops: GitOps;
	/** Merge/pull requests on the GitOps repository, their pipelines (plan, apply) and webhooks. */
	readonly changes: ChangeFlow;
	/** GitLab job arrivals per simulated minute, across the fleet. */
	jobsPerMinute: number;
	/** GitHub Actions job arrivals per simulated minute (plain runners and scale sets). */
	githubJobsPerMinute: number;

	constructor(opts: WorldOptions) {
		this.seed = opts.seed;
		this.clock = new SimClock(opts.origin ?? FIXED_EPOCH_MS);
		this.rng = new Rng(mix32(opts.seed, 0x5eed));
		this.jobsPerMinute = opts.jobsPerMinute ?? DEFAULT_JOBS_PER_MINUTE;
		this.githubJobsPerMinute = opts.githubJobsPerMinute ?? DEFAULT_GITHUB_JOBS_PER_MINUTE;
		const now = this.clock.now();
		this.gitlab = new GitLabSim(opts.seed, this.rng, opts.gitlabRunners, now, opts.warmStart ?? true);
		// Separate streams: adding GitHub or Kubernetes behaviour never changes GitLab's events.
		this.github = new GitHubSim(opts.seed, new Rng(mix32(opts.seed, 0x617b)), opts.githubRunners ?? DEFAULT_GITHUB_RUNNERS, now);
		this.cluster = new ObjectStore(() => this.clock.now());
		this.kube = new KubeSim(this.cluster, new Rng(mix32(opts.seed, 0xc1a5)), this.gitlab, this.github, opts.scaleSets ?? DEFAULT_SCALE_SETS, now);
		// After install: the states record the objects as the stacks created them.
		this.gitops = new GitOps({ seed: opts.seed, cluster: this.cluster, scaleSets: opts.scaleSets ?? DEFAULT_SCALE_SETS, now: () => this.now() });
		this.changes = new ChangeFlow(this);
	}

	now(): number {
		return this.clock.now();
	}

	/** Simulated time at which connected runners last contacted (the last step boundary). */
	stepTime(): number {
		return this.clock.stepMs;
	}

	/** Runs the simulation forward by `ms` of simulated time. */
	advance(ms: number): void {
		this.clock.advance(ms, (t0, t1) => {
			this.gitlab.step(t0, t1, this.jobsPerMinute);
			this.github.step(t0, t1, this.githubJobsPerMinute);
			// Before the controllers: an apply job's changes are picked up in the same step.
			this.changes.step(t0, t1);
			this.kube.step(t0, t1);
		});
	}
}
