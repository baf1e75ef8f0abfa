// The GitOps side of the world: the `platform/gitops` GitLab project (a git history
// whose head declares exactly what the cluster runs) and its GitLab-managed OpenTofu
// states, one per stack and environment, recorded from the live objects at install.

import type { ObjectStore } from '../k8s/store.js';
import { DAY, HOUR, iso } from '../sim/clock.js';
import type { Project } from '../sim/catalog.js';
import { GITLAB_RUNNER_STACK, RUNNER_TYPES, installedAt, scaleSetSpec } from '../sim/cluster/stacks.js';
import { Repo, RepoError, type Commit, type FileAction, type Person } from './repo.js';
import { ENVIRONMENTS, STACKS, repositoryFiles, type StackName } from './stacks.js';
import { arcRunnersState, gitlabRunnersState, lineageOf, stateName, type ManagedRunner } from './state.js';

/** The GitOps project as the GitLab API lists it (group `platform`, id 10). */
export const GITOPS_PROJECT: Project = {
	id: 42,
	name: 'gitops',
	path: 'gitops',
	groupId: 10,
	description: 'OpenTofu stacks of the CI runner platform',
	defaultBranch: 'main',
	createdAt: '2025-10-20T09:30:00.000Z'
};
export const GITOPS_PATH = 'platform/gitops';

/** Who the API token belongs to: commits made through the API are theirs. */
export const API_AUTHOR: Person = { name: 'Sandbox Admin', email: 'sandbox-admin@sandbox.invalid' };
const PLATFORM_TEAM: Person[] = [
	{ name: 'Priya Natarajan', email: 'priya.natarajan@sandbox.invalid' },
	{ name: 'Tomás Ferreira', email: 'tomas.ferreira@sandbox.invalid' }
];

/** The lock the http backend takes (Terraform/OpenTofu LockInfo). */
export interface LockInfo {
	ID: string;
	Operation: string;
	Info: string;
	Who: string;
	Version: string;
	Created: string;
	Path: string;
}

interface StoredState {
	text: string;
	lock: LockInfo | null;
	updatedAt: number;
}

/** A refused GitOps request (status + message), rendered by whichever API asked. */
export class GitOpsError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

/** Serials the states start at: the stacks have been applied a few times already. */
const INITIAL_SERIAL: Record<StackName, number> = { 'gitlab-runners': 14, 'arc-runners': 9 };

export interface GitOpsOptions {
	seed: number;
	cluster: ObjectStore;
	/** AutoscalingRunnerSets installed (the arc-runners stack declares them). */
	scaleSets: number;
	now: () => number;
}

export class GitOps {
	readonly project = GITOPS_PROJECT;
	readonly repo = new Repo(GITOPS_PROJECT.defaultBranch);
	private readonly states = new Map<string, StoredState>();
	/** What the last apply of gitlab-runners created, per runner type. */
	managedRunners: ManagedRunner[] = RUNNER_TYPES.map((type) => ({ type, name: GITLAB_RUNNER_STACK[type].name, hpa: true }));
	/** Names of the AutoscalingRunnerSets the last apply of arc-runners created. */
	managedScaleSets: string[];

	/** When the stacks were applied, relative to the simulation's start (`now()` at construction). */
	private readonly installedAt: number;

	constructor(private readonly opts: GitOpsOptions) {
		this.installedAt = installedAt(opts.now());
		this.managedScaleSets = Array.from({ length: opts.scaleSets }, (_, i) => scaleSetSpec(i).name);
		this.writeHistory();
		for (const stack of STACKS) for (const env of ENVIRONMENTS) this.recordState(stack, env, INITIAL_SERIAL[stack], this.installedAt);
	}

	/** The repo's history: the stacks added, then tuned, the last change an hour before install. */
	private writeHistory(): void {
		const files = repositoryFiles(this.opts.scaleSets);
		const pick = (prefix: string) => [...files].filter(([p]) => p.startsWith(prefix) || p === 'README.md');
		const gl = 'tofu/stacks/gitlab-runners/';
		const tfvars = files.get(`${gl}dev.tfvars`) as string;
		// Before the last commit the docker runners topped out at 6 managers.
		const earlier = tfvars.replace(/^(docker_hpa_max_replicas\s*=\s*)8$/m, '$16');
		if (earlier === tfvars) throw new Error('gitops: docker_hpa_max_replicas = 8 not found in the generated dev.tfvars');
		const [a, b] = PLATFORM_TEAM as [Person, Person];
		const create = (entries: [string, string][]): FileAction[] => entries.map(([filePath, content]) => ({ action: 'create', filePath, content }));
		this.repo.write({
			branch: 'main',
			message: 'Add the gitlab-runners stack\n\nDocker, dind and nix runner managers with HPAs on the GitLab job count.',
			actions: create(pick(gl).map(([p, c]) => [p, p === `${gl}dev.tfvars` ? earlier : c])),
			author: a,
			at: this.installedAt - 40 * DAY
		});
		this.repo.write({
			branch: 'main',
			message: 'Add the arc-runners stack',
			actions: create(pick('tofu/stacks/arc-runners/').filter(([p]) => p !== 'README.md')),
			author: b,
			at: this.installedAt - 33 * DAY
		});
		this.repo.write({
			branch: 'main',
			message: 'gitlab-runners: let docker scale to 8 managers\n\nQueues backed up during the Monday release train.',
			actions: [{ action: 'update', filePath: `${gl}dev.tfvars`, content: tfvars }],
			author: a,
			at: this.installedAt - HOUR
		});
	}

	/** Records a stack's state from what is live in the cluster now. */
	private recordState(stack: StackName, env: string, serial: number, at: number): void {
		const name = stateName(stack, env);
		const lineage = lineageOf(this.opts.seed, name);
		const state =
			stack === 'gitlab-runners'
				? gitlabRunnersState(this.opts.cluster, this.opts.seed, this.managedRunners, serial, lineage)
				: arcRunnersState(this.opts.cluster, this.managedScaleSets, serial, lineage);
		const prev = this.states.get(name);
		this.states.set(name, { text: `${JSON.stringify(state, null, 2)}\n`, lock: prev?.lock ?? null, updatedAt: at });
	}

	// --- repository ---

	/** Commits one file on a branch, the default one unless told (created when new). */
	commitFile(filePath: string, content: string, message: string | undefined, author: Person = API_AUTHOR, branch = this.repo.defaultBranch): Commit {
		const head = this.repo.resolve(branch);
		if (!head || !this.repo.branches.has(branch)) throw new GitOpsError(404, `no branch ${branch}`);
		const action = head.files.has(filePath) ? 'update' : 'create';
		return this.repo.write({
			branch,
			message: message ?? `Update ${filePath}`,
			actions: [{ action, filePath, content }],
			author,
			at: this.opts.now()
		});
	}

	// --- states ---

	stateNames(): string[] {
		return [...this.states.keys()];
	}

	/** The stored state text (verbatim, possibly malformed), or undefined when there is none. */
	stateText(name: string): string | undefined {
		return this.states.get(name)?.text;
	}

	/** Serial of a state, or null when the text is not a state. */
	stateSerial(name: string): number | null {
		const text = this.stateText(name);
		if (text === undefined) return null;
		try {
			const s = JSON.parse(text) as { serial?: unknown };
			return typeof s.serial === 'number' ? s.serial : null;
		} catch {
			return null;
		}
	}

	/** The http backend's upload: stores the body as sent (the client bumps the serial); a held lock must be named by `lockId`. */
	putState(name: string, text: string, lockId: string | undefined): void {
		const cur = this.states.get(name);
		if (cur?.lock && cur.lock.ID !== lockId) throw new GitOpsError(409, `state ${name} is locked by ${cur.lock.Who} (lock ${cur.lock.ID})`);
		this.states.set(name, { text, lock: cur?.lock ?? null, updatedAt: this.opts.now() });
	}

	/** Replaces the state text verbatim, lock or not (the control API: to test unreadable states). */
	replaceState(name: string, text: string): void {
		const cur = this.states.get(name);
		this.states.set(name, { text, lock: cur?.lock ?? null, updatedAt: this.opts.now() });
	}

	deleteState(name: string): boolean {
		const cur = this.states.get(name);
		if (!cur) return false;
		if (cur.lock) throw new GitOpsError(409, `state ${name} is locked`);
		this.states.delete(name);
		return true;
	}

	/** Takes the lock; returns the lock now held and whether it is ours. A state that does not exist yet is created empty by locking. */
	lock(name: string, info: Partial<LockInfo>): { ok: boolean; lock: LockInfo } {
		let cur = this.states.get(name);
		if (!cur) {
			cur = { text: '', lock: null, updatedAt: this.opts.now() };
			this.states.set(name, cur);
		}
		if (cur.lock) return { ok: false, lock: cur.lock };
		cur.lock = {
			ID: info.ID || `${name}-${this.opts.now()}`,
			Operation: info.Operation ?? '',
			Info: info.Info ?? '',
			Who: API_AUTHOR.name,
			Version: info.Version ?? '',
			Created: iso(this.opts.now()),
			Path: info.Path ?? ''
		};
		return { ok: true, lock: cur.lock };
	}

	/** Releases the lock; `id`, when given, must name it. Unlocking an unlocked state is fine. */
	unlock(name: string, id: string | undefined): void {
		const cur = this.states.get(name);
		if (!cur) throw new GitOpsError(404, `no state ${name}`);
		if (cur.lock && id !== undefined && id !== '' && cur.lock.ID !== id) throw new GitOpsError(409, `state ${name} is locked by lock ${cur.lock.ID}`);
		cur.lock = null;
	}

	lockOf(name: string): LockInfo | null {
		return this.states.get(name)?.lock ?? null;
	}

	/** After an apply: the state records the live objects again, one serial on. */
	rerecord(stack: StackName, env: string, at = this.opts.now()): number {
		const name = stateName(stack, env);
		const serial = (this.stateSerial(name) ?? INITIAL_SERIAL[stack]) + 1;
		this.recordState(stack, env, serial, at);
		return serial;
	}

	/** Ground truth for /_sandbox/state. */
	truth() {
		const head = this.repo.head();
		return {
			project_id: GITOPS_PROJECT.id,
			path_with_namespace: GITOPS_PATH,
			default_branch: this.repo.defaultBranch,
			head_commit: head.id,
			head_committed_at: iso(head.at),
			states: Object.fromEntries(
				this.stateNames().map((n) => [n, { serial: this.stateSerial(n), locked: this.lockOf(n) !== null, updated_at: iso(this.states.get(n)?.updatedAt ?? 0) }])
			)
		};
	}
}

export { RepoError };
