// The whole simulated world: one clock, one seeded random stream, and the parts
// (GitLab today; GitHub, Kubernetes and exporters later) that advance with it.

import { SimClock } from './clock.js';
import { GitLabSim } from './gitlab/sim.js';
import { Rng, mix32 } from './rng.js';

export interface WorldOptions {
	seed: number;
	gitlabRunners: number;
	jobsPerMinute?: number;
}

export const DEFAULT_JOBS_PER_MINUTE = 30;

export class World {
	readonly seed: number;
	readonly clock = new SimClock();
	/** The event stream; fleet generation uses per-runner streams instead (see fleet.ts). */
	readonly rng: Rng;
	readonly gitlab: GitLabSim;
	/** Job arrivals per simulated minute, across the fleet. */
	jobsPerMinute: number;

	constructor(opts: WorldOptions) {
		this.seed = opts.seed;
		this.rng = new Rng(mix32(opts.seed, 0x5eed));
		this.jobsPerMinute = opts.jobsPerMinute ?? DEFAULT_JOBS_PER_MINUTE;
		this.gitlab = new GitLabSim(opts.seed, this.rng, opts.gitlabRunners, this.clock.now());
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
		});
	}
}
