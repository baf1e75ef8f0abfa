// `tofu apply` for one stack and environment: read variables.tf and <env>.tfvars at the
// head of main, resolve every variable (tfvars over defaults), make the cluster's
// objects match (create, update the fields the stack declares, delete what it no longer
// declares) and record the state again, one serial on. Deployment replicas are left to
// the HPA (the stack ignores them after creation), as the real module does.

import type { K8sObject, NewObject, ObjectStore } from '../k8s/store.js';
import { APPS_V1, ARC_V1ALPHA1, AUTOSCALING_V2, V1, kubeTime } from '../sim/cluster/meta.js';
import {
	ARC_RUNNER_NAMESPACE,
	GITLAB_RUNNER_NAMESPACE,
	RUNNER_TYPES,
	autoscalingRunnerSet,
	runnerConfigMap,
	runnerDeployment,
	runnerHpa,
	type GitLabRunnerTypeSpec,
	type Resources,
	type ScaleSetSpec
} from '../sim/cluster/stacks.js';
import type { World } from '../sim/world.js';
import { GitOpsError } from './gitops.js';
import type { HclValue } from './hcl.js';
import { HclReadError, loadHclParser, readTfvarsNow, readVariablesNow, type Value } from './hcl-read.js';
import type { Commit } from './repo.js';
import { ARC_TYPES, GITLAB_URL, stackSections, type StackName } from './stacks.js';
import { stateName, type ManagedRunner } from './state.js';

export interface Change {
	action: 'create' | 'update' | 'delete';
	kind: string;
	namespace: string;
	name: string;
}

export interface ApplyResult {
	stack: StackName;
	env: string;
	commit: string;
	serial: number;
	changes: Change[];
}

/** Resolved variables of one stack/env: defaults from variables.tf, then the env's tfvars. */
export async function resolveVariables(files: ReadonlyMap<string, string>, stack: StackName, env: string): Promise<Map<string, Value>> {
	await loadHclParser();
	return resolveVariablesNow(files, stack, env);
}

/** resolveVariables once the HCL parser is loaded. */
export function resolveVariablesNow(files: ReadonlyMap<string, string>, stack: StackName, env: string): Map<string, Value> {
	const dir = `tofu/stacks/${stack}`;
	const varsFile = `${dir}/variables.tf`;
	const tfvarsFile = `${dir}/${env}.tfvars`;
	const varsText = files.get(varsFile);
	if (varsText === undefined) throw new GitOpsError(422, `${varsFile} does not exist on main`);
	const tfvarsText = files.get(tfvarsFile);
	if (tfvarsText === undefined) throw new GitOpsError(422, `${tfvarsFile} does not exist on main`);
	try {
		const decls = readVariablesNow(varsText, varsFile);
		const set = readTfvarsNow(tfvarsText, tfvarsFile);
		const out = new Map<string, Value>();
		for (const [name, d] of decls) {
			const given = set.get(name);
			if (given) out.set(name, given.value);
			else if ('default' in d) out.set(name, d.default as Value);
			else throw new GitOpsError(422, `${varsFile}:${d.line}: no value for the required variable ${name}`);
		}
		for (const [name, s] of set) if (!decls.has(name)) throw new GitOpsError(422, `${tfvarsFile}:${s.line}: value for undeclared variable ${name}`);
		return out;
	} catch (err) {
		if (err instanceof HclReadError) throw new GitOpsError(422, err.message);
		throw err;
	}
}

/** Typed access to resolved variables, failing like `tofu` on a wrong type. */
class Vars {
	constructor(
		private readonly values: Map<string, Value>,
		private readonly file: string
	) {}

	private get(name: string): Value {
		if (!this.values.has(name)) throw new GitOpsError(422, `${this.file}: the stack has no variable ${name}`);
		return this.values.get(name) as Value;
	}

	str(name: string): string {
		const v = this.get(name);
		if (typeof v === 'number' || typeof v === 'boolean') return String(v);
		if (typeof v !== 'string') throw new GitOpsError(422, `${this.file}: ${name} must be a string`);
		return v;
	}

	num(name: string): number {
		const v = this.get(name);
		const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
		if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new GitOpsError(422, `${this.file}: ${name} must be a whole number`);
		return n;
	}

	bool(name: string): boolean {
		const v = this.get(name);
		if (v === 'true' || v === 'false') return v === 'true';
		if (typeof v !== 'boolean') throw new GitOpsError(422, `${this.file}: ${name} must be true or false`);
		return v;
	}

	raw(name: string): Value {
		return this.get(name);
	}
}

const resources = (cpuReq: string, memReq: string, cpuLim: string, memLim: string): Resources => ({
	requests: { cpu: cpuReq, memory: memReq },
	limits: { cpu: cpuLim, memory: memLim }
});

/** One field a plan changes: its path in the object (keys and list indices), and the values before and after (undefined: absent). */
export interface FieldChange {
	path: (string | number)[];
	before: unknown;
	after: unknown;
}

/** A change as `tofu plan` lists it: the resource address and, for updates, the fields that move. */
export interface PlannedChange extends Change {
	address: string;
	fields: FieldChange[];
}

/** Leaf differences between two JSON-like values (objects by key, arrays by index). */
function fieldChanges(before: unknown, after: unknown, path: (string | number)[], out: FieldChange[]): FieldChange[] {
	const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
	if (isObj(before) && isObj(after)) {
		for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) fieldChanges(before[k], after[k], [...path, k], out);
	} else if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
		before.forEach((b, i) => fieldChanges(b, after[i], [...path, i], out));
	} else if (before === undefined && isObj(after)) {
		for (const k of Object.keys(after).sort()) fieldChanges(undefined, after[k], [...path, k], out);
	} else if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, before, after });
	return out;
}

class Applier {
	readonly changes: Change[] = [];
	readonly planned: PlannedChange[] = [];

	/** `dryRun`: compare and record what would change, write nothing (`tofu plan`). */
	constructor(
		private readonly store: ObjectStore,
		private readonly now: number,
		private readonly dryRun = false
	) {}

	private record(change: Change, address: string, fields: FieldChange[]): void {
		this.changes.push(change);
		this.planned.push({ ...change, address, fields });
	}

	/** Creates the object, or updates the parts the stack declares (labels, its annotations, spec, data). */
	put(desired: NewObject, address: string, opts: { keepReplicas?: boolean } = {}): void {
		const m = desired.metadata;
		const cur = this.store.get(desired.apiVersion, desired.kind, m.namespace, m.name);
		if (!cur) {
			if (!this.dryRun) this.store.upsert({ ...desired, metadata: { ...m, creationTimestamp: kubeTime(this.now) } });
			const declared = { metadata: { labels: m.labels, annotations: m.annotations }, spec: desired.spec, data: desired.data };
			this.record({ action: 'create', kind: desired.kind, namespace: m.namespace ?? '', name: m.name }, address, fieldChanges(undefined, JSON.parse(JSON.stringify(declared)), [], []));
			return;
		}
		const spec = desired.spec === undefined ? cur.spec : opts.keepReplicas ? { ...desired.spec, replicas: cur.spec?.replicas } : desired.spec;
		const next: K8sObject = {
			...cur,
			metadata: { ...cur.metadata, labels: m.labels, annotations: m.annotations || cur.metadata.annotations ? { ...(cur.metadata.annotations ?? {}), ...(m.annotations ?? {}) } : undefined },
			...(spec === undefined ? {} : { spec }),
			...(desired.data === undefined ? {} : { data: desired.data })
		};
		if (next.metadata.annotations === undefined) delete next.metadata.annotations;
		const view = (o: K8sObject) => JSON.parse(JSON.stringify({ metadata: { labels: o.metadata.labels, annotations: o.metadata.annotations }, spec: o.spec, data: o.data })) as unknown;
		const fields = fieldChanges(view(cur), view(next), [], []);
		if (fields.length === 0) return;
		if (!this.dryRun) this.store.upsert(next);
		this.record({ action: 'update', kind: desired.kind, namespace: m.namespace ?? '', name: m.name }, address, fields);
	}

	remove(apiVersion: string, kind: string, namespace: string, name: string, address: string): void {
		const gone = this.dryRun ? this.store.get(apiVersion, kind, namespace, name) !== undefined : this.store.delete(apiVersion, kind, namespace, name);
		if (gone) this.record({ action: 'delete', kind, namespace, name }, address, []);
	}
}

function gitlabRunners(v: Vars, a: Applier, previous: readonly ManagedRunner[]): ManagedRunner[] {
	const managed: ManagedRunner[] = [];
	const url = v.str('gitlab_url');
	const image = v.str('runner_image');
	const manager = resources(v.str('manager_cpu_request'), v.str('manager_memory_request'), v.str('manager_cpu_limit'), v.str('manager_memory_limit'));
	const policies = v.raw('hpa_scale_up_policies');
	if (!Array.isArray(policies)) throw new GitOpsError(422, 'hpa_scale_up_policies must be a list');
	const scaleUpPolicies = (policies as HclValue[]).map((p, i) => {
		const o = p as Record<string, HclValue>;
		if (typeof o !== 'object' || typeof o.type !== 'string' || typeof o.value !== 'number' || typeof o.period_seconds !== 'number') {
			throw new GitOpsError(422, `hpa_scale_up_policies[${i}] needs type (string), value and period_seconds (numbers)`);
		}
		return { type: o.type, value: o.value, periodSeconds: o.period_seconds };
	});
	const downWindow = v.num('hpa_scale_down_stabilization_seconds');
	for (const t of RUNNER_TYPES) {
		if (!v.bool(`deploy_${t}_runner`)) continue;
		const spec: GitLabRunnerTypeSpec = {
			type: t,
			name: v.str(`${t}_runner_name`),
			concurrent: v.num(`${t}_concurrent_jobs`),
			job: resources(v.str(`${t}_job_cpu_request`), v.str(`${t}_job_memory_request`), v.str(`${t}_job_cpu_limit`), v.str(`${t}_job_memory_limit`)),
			jobImage: v.str(`${t}_job_image`),
			privileged: v.bool(`${t}_privileged`),
			hpa: { min: v.num(`${t}_hpa_min_replicas`), max: v.num(`${t}_hpa_max_replicas`) }
		};
		if (spec.hpa.max < spec.hpa.min) throw new GitOpsError(422, `${t}_hpa_max_replicas (${spec.hpa.max}) is below ${t}_hpa_min_replicas (${spec.hpa.min})`);
		const cm = runnerConfigMap(spec);
		cm.data = { 'config.toml': (cm.data?.['config.toml'] ?? '').replace(`url = "${GITLAB_URL}"`, `url = ${JSON.stringify(url)}`) };
		const at = (resource: string) => `${resource}.runner["${t}"]`;
		a.put(cm, at('kubernetes_config_map_v1'));
		const dep = runnerDeployment(spec);
		const container = dep.spec.template.spec.containers[0];
		container.image = image;
		container.resources = manager;
		a.put(dep, at('kubernetes_deployment_v1'), { keepReplicas: true });
		const hpaEnabled = v.bool(`${t}_hpa_enabled`);
		if (hpaEnabled) {
			const hpa = runnerHpa(spec);
			hpa.spec.behavior.scaleUp.policies = scaleUpPolicies;
			hpa.spec.behavior.scaleDown.stabilizationWindowSeconds = downWindow;
			a.put(hpa, at('kubernetes_horizontal_pod_autoscaler_v2'));
		} else a.remove(AUTOSCALING_V2, 'HorizontalPodAutoscaler', GITLAB_RUNNER_NAMESPACE, `${spec.name}-hpa`, at('kubernetes_horizontal_pod_autoscaler_v2'));
		managed.push({ type: t, name: spec.name, hpa: hpaEnabled });
	}
	for (const old of previous) {
		const now = managed.find((m) => m.type === old.type);
		if (now?.name === old.name) continue;
		const at = (resource: string) => `${resource}.runner["${old.type}"]`;
		a.remove(AUTOSCALING_V2, 'HorizontalPodAutoscaler', GITLAB_RUNNER_NAMESPACE, `${old.name}-hpa`, at('kubernetes_horizontal_pod_autoscaler_v2'));
		a.remove(APPS_V1, 'Deployment', GITLAB_RUNNER_NAMESPACE, old.name, at('kubernetes_deployment_v1'));
		a.remove(V1, 'ConfigMap', GITLAB_RUNNER_NAMESPACE, `${old.name}-config`, at('kubernetes_config_map_v1'));
	}
	return managed;
}

function arcRunners(v: Vars, a: Applier, previous: readonly string[]): string[] {
	const sets: ScaleSetSpec[] = [];
	for (const t of ARC_TYPES) {
		if (!v.bool(`deploy_${t}_runner`)) continue;
		sets.push({
			name: v.str(`${t}_runner_name`),
			minRunners: v.num(`${t}_min_runners`),
			maxRunners: v.num(`${t}_max_runners`),
			resources: resources(v.str(`${t}_cpu_request`), v.str(`${t}_memory_request`), v.str(`${t}_cpu_limit`), v.str(`${t}_memory_limit`))
		});
	}
	const extras = v.raw('extra_runner_sets');
	if (typeof extras !== 'object' || extras === null || Array.isArray(extras)) throw new GitOpsError(422, 'extra_runner_sets must be a map');
	for (const [name, raw] of Object.entries(extras as Record<string, HclValue>)) {
		const e = raw as Record<string, HclValue>;
		const n = (k: string) => (typeof e[k] === 'number' ? (e[k] as number) : NaN);
		const s = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : '');
		if (!Number.isInteger(n('min_runners')) || !Number.isInteger(n('max_runners'))) throw new GitOpsError(422, `extra_runner_sets["${name}"] needs min_runners and max_runners`);
		sets.push({ name, minRunners: n('min_runners'), maxRunners: n('max_runners'), resources: resources(s('cpu_request'), s('memory_request'), s('cpu_limit'), s('memory_limit')) });
	}
	const seen = new Set<string>();
	for (const s of sets) {
		if (seen.has(s.name)) throw new GitOpsError(422, `two scale sets are named ${s.name}`);
		seen.add(s.name);
		if (s.maxRunners < s.minRunners) throw new GitOpsError(422, `${s.name}: max_runners (${s.maxRunners}) is below min_runners (${s.minRunners})`);
		const ars = autoscalingRunnerSet(s);
		ars.metadata.labels = { ...ars.metadata.labels, 'app.kubernetes.io/version': v.str('arc_version') };
		ars.metadata.annotations = { ...ars.metadata.annotations, 'actions.github.com/runner-group-name': v.str('runner_group') };
		ars.spec = {
			...ars.spec,
			githubConfigUrl: v.str('github_config_url'),
			githubConfigSecret: v.str('github_config_secret'),
			runnerGroup: v.str('runner_group')
		};
		ars.spec.template.spec.containers[0].image = v.str('runner_image');
		a.put(ars, `kubernetes_manifest.runner_set["${s.name}"]`);
	}
	for (const name of previous) if (!seen.has(name)) a.remove(ARC_V1ALPHA1, 'AutoscalingRunnerSet', ARC_RUNNER_NAMESPACE, name, `kubernetes_manifest.runner_set["${name}"]`);
	return [...seen];
}

export interface ApplyOptions {
	/** The commit to apply; default the head of main. A pipeline applies the commit it runs for. */
	commit?: Commit;
	/** When it happens (simulated epoch ms); default now. */
	at?: number;
}

/** Applies one stack/env from the head of main to the cluster and rewrites its state. */
export async function applyStack(world: World, stack: StackName, env: string, opts: ApplyOptions = {}): Promise<ApplyResult> {
	await loadHclParser();
	return applyStackNow(world, stack, env, opts);
}

function checkState(world: World, name: string): string | undefined {
	const g = world.gitops;
	const lock = g.lockOf(name);
	if (lock) throw new GitOpsError(409, `Error acquiring the state lock: ${name} is locked by ${lock.Who} (lock ${lock.ID}, ${lock.Operation || 'no operation'})`);
	const text = g.stateText(name);
	if (text !== undefined && text !== '') {
		try {
			JSON.parse(text);
		} catch {
			throw new GitOpsError(422, `Failed to load state ${name}: it is not valid JSON (restore it with POST /_sandbox/gitops/state)`);
		}
	}
	return text;
}

/** applyStack once the HCL parser is loaded (synchronous: pipelines apply inside a simulation step). */
export function applyStackNow(world: World, stack: StackName, env: string, opts: ApplyOptions = {}): ApplyResult {
	const g = world.gitops;
	const name = stateName(stack, env);
	const text = checkState(world, name);
	const commit = opts.commit ?? g.repo.head();
	const at = opts.at ?? world.now();
	const values = resolveVariablesNow(commit.files, stack, env);
	const v = new Vars(values, `tofu/stacks/${stack}/${env}.tfvars`);
	const applier = new Applier(world.cluster, at);
	if (stack === 'gitlab-runners') g.managedRunners = gitlabRunners(v, applier, g.managedRunners);
	else g.managedScaleSets = arcRunners(v, applier, g.managedScaleSets);
	// Controllers react at once (ARC adopts a new scale set, annotating it), and the
	// provider reads the objects back after applying: the state records them settled.
	if (applier.changes.length > 0) world.kube.step(world.stepTime(), world.stepTime());
	const serial = applier.changes.length > 0 || text === undefined || text === '' ? g.rerecord(stack, env, at) : (g.stateSerial(name) ?? 0);
	return { stack, env, commit: commit.id, serial, changes: applier.changes };
}

export interface PlanResult {
	stack: StackName;
	env: string;
	commit: string;
	changes: PlannedChange[];
}

/**
 * `tofu plan` of one stack/env at `commit`: what applying it would change, compared with
 * the live objects (what tofu's refresh reads back), writing nothing. Needs the parser loaded.
 */
export function planStackNow(world: World, stack: StackName, env: string, commit: Commit): PlanResult {
	const g = world.gitops;
	checkState(world, stateName(stack, env));
	const v = new Vars(resolveVariablesNow(commit.files, stack, env), `tofu/stacks/${stack}/${env}.tfvars`);
	const applier = new Applier(world.cluster, world.now(), true);
	if (stack === 'gitlab-runners') gitlabRunners(v, applier, g.managedRunners);
	else arcRunners(v, applier, g.managedScaleSets);
	return { stack, env, commit: commit.id, changes: applier.planned };
}

/** Every variable a stack declares (for documentation and tests). */
export function declaredVariables(stack: StackName, scaleSets: number): string[] {
	return stackSections(stack, scaleSets).flatMap((s) => s.vars.map((x) => x.name));
}
