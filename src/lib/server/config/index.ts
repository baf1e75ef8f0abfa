// Start-up configuration: environment variables (ENV_VARS) over the YAML file.
// Any invalid value, unknown key or empty string stops start-up with one message
// that names the key and what was expected.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fieldPath } from '$lib/core/errors';
import type { ReadLimits } from '$lib/sources/gitops/limits';
import { ENV_VARS, type EnvName } from './env';
import { configFile, driftStack, kubernetesSource, ssoProvider, type ConfigFile, type DriftStackConfig, type GithubSourceConfig, type GitlabSourceConfig, type KubernetesSourceConfig, type SsoProviderConfig } from './file';

export class ConfigError extends Error {
	override name = 'ConfigError';
}

interface SourceBase {
	name: string;
	simulated: boolean;
}

/** A configured source with its secret resolved; the secret stays on the server. */
export type SourceConfig =
	| (SourceBase & { kind: 'gitlab'; gitlab: GitlabSourceConfig; token: string })
	| (SourceBase & { kind: 'github'; github: GithubSourceConfig; token: string })
	| (SourceBase & { kind: 'kubernetes'; kubernetes: KubernetesSourceConfig });

export interface Config {
	port: number;
	host: string;
	origin: string | undefined;
	databaseUrl: string | undefined;
	sessionSecret: string | undefined;
	dataDir: string;
	logLevel: string;
	sandboxPort: number;
	metricsPort: number | undefined;
	configPath: string | undefined;
	auth: ConfigFile['auth'];
	/** Single sign-on providers with their client secrets resolved (server-side only). */
	sso: SsoProvider[];
	/** Bounds of the live (SSE) streams. */
	live: { perPrincipal: number; total: number; maxLifetimeMs: number };
	/** Several replicas on PostgreSQL: the leader's lease, and the feed lag past which a replica is not ready. */
	replicas: { leaseMs: number; readyLagMs: number };
	/** How the client address is read (ADDRESS_HEADER, XFF_DEPTH). */
	clientAddress: { header: string | undefined; xffDepth: number };
	/** Audit records older than this are deleted by the store's housekeeping. */
	auditRetentionDays: number;
	sources: SourceConfig[];
	/** Metrics endpoints the built-in scraper reads (runner managers, ARC listeners); it keeps `windowMs` of capacity history. */
	scrape: { targets: string[]; httpSd: string[]; intervalMs: number; windowMs: number; simulated: boolean };
	/** Prometheus for the capacity panels; null: the built-in scraper's window answers them. */
	prometheus: { url: string; authorization: string | undefined; timeoutMs: number } | null;
	/** Labels naming a GitLab runner type and an ARC scale set on metric series. */
	groupLabels: { gitlab: string; arc: string };
	drift: DriftConfig;
	changes: ChangesConfig;
	/** Jobs waiting longer than `thresholdMs` are listed with their reason; the forges are asked every `intervalMs`. */
	waitingJobs: { thresholdMs: number; intervalMs: number };
	/** Runners offline or never contacted for longer than this are dead weight (the default of the preview). */
	deadWeightDays: number;
	/** GitHub runners older than this are outdated when the server does not say its current release. */
	githubMinimumRunner: string | null;
}

/** A configured sign-in provider; `simulated`: the sandbox's, wired by `npm start`. */
export type SsoProvider = SsoProviderConfig & { clientSecret: string; simulated: boolean };

export interface ChangesConfig {
	/** Labels put on every merge/pull request. */
	labels: string[];
	/** Branches are named `<prefix><stack>-<env>-<id>`. */
	branchPrefix: string;
	/** How often open changes are followed on their forge (webhooks also trigger a poll). */
	intervalMs: number;
	/** The secret each forge's webhook must carry; a forge without one has its webhook refused. */
	webhookSecrets: { gitlab?: string; github?: string };
	/** The GitHub Actions workflow a re-apply dispatches. */
	githubWorkflow: string;
}

/** A drift stack with local paths made absolute and the state backend's password resolved (server-side only). */
export type DriftStack = DriftStackConfig & { simulated: boolean; statePassword?: string };

export interface DriftConfig {
	intervalMs: number;
	/** Absolute path of a YAML drift map added to the built-in profile. */
	mapFile: string | undefined;
	stacks: DriftStack[];
	/** Size caps on declared files and state, in bytes. */
	limits: ReadLimits;
}

type Env = Record<string, string | undefined>;

function readEnv<N extends EnvName>(env: Env, name: N): z.output<(typeof ENV_VARS)[N]['schema']> | undefined {
	const spec = ENV_VARS[name] as { schema: z.ZodType; default?: string };
	const raw = env[name];
	if (raw === '') {
		throw new ConfigError(`${name} is set but empty: unset it or give ${describe(spec.schema)}.`);
	}
	const value = raw ?? spec.default;
	if (value === undefined) return undefined;
	const parsed = spec.schema.safeParse(value);
	if (!parsed.success) {
		throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: ${parsed.error.issues[0]?.message ?? 'bad value'}.`);
	}
	return parsed.data as never;
}

function describe(schema: z.ZodType): string {
	const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { type?: string };
	return json.type === 'number' || json.type === 'integer' ? 'a number' : 'a value';
}

/** Reject empty strings anywhere in the file: an empty value is never a meaningful setting. */
function findEmptyString(value: unknown, path: PropertyKey[] = []): PropertyKey[] | null {
	if (value === '') return path;
	if (Array.isArray(value)) {
		for (const [i, v] of value.entries()) {
			const found = findEmptyString(v, [...path, i]);
			if (found) return found;
		}
	} else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			const found = findEmptyString(v, [...path, k]);
			if (found) return found;
		}
	}
	return null;
}

export function parseConfigFile(text: string, where: string): ConfigFile {
	let raw: unknown;
	try {
		raw = parseYaml(text) ?? {};
	} catch (e) {
		throw new ConfigError(`${where}: not valid YAML: ${(e as Error).message}`);
	}
	const empty = findEmptyString(raw);
	if (empty) throw new ConfigError(`${where}: ${fieldPath(empty)} is an empty string: remove the key or give a value.`);
	const parsed = configFile.safeParse(raw);
	if (!parsed.success) {
		// A typo'd key also makes the real key missing; name the typo, it is the actual mistake.
		const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
		if (issue.code === 'unrecognized_keys') {
			const key = fieldPath([...issue.path, issue.keys[0]!]);
			throw new ConfigError(`${where}: ${key} is not a known key (see docs/configuration.md).`);
		}
		throw new ConfigError(`${where}: ${fieldPath(issue.path) || '(top level)'}: ${issue.message}.`);
	}
	return parsed.data;
}

function resolveSecret(ref: { file?: string; env?: string }, key: string, env: Env, baseDir: string): string {
	if (ref.file) {
		try {
			const value = readFileSync(resolve(baseDir, ref.file), 'utf8').trim();
			if (!value) throw new ConfigError(`${key}.file ${ref.file} is empty.`);
			return value;
		} catch (e) {
			if (e instanceof ConfigError) throw e;
			throw new ConfigError(`${key}.file ${ref.file} cannot be read: ${(e as Error).message}`);
		}
	}
	const value = env[ref.env!];
	if (value === undefined || value === '') throw new ConfigError(`${key}.env names ${ref.env}, which is unset or empty.`);
	return value;
}

/** Sandbox sources: the sandbox's upstream surfaces, configured like any other source but labelled simulated. */
function sandboxSources(url: string): SourceConfig[] {
	const base = url.replace(/\/$/, '');
	const k8s = kubernetesSource.parse({ name: 'sandbox-k8s', server: `${base}/k8s` });
	return [
		{
			kind: 'gitlab',
			name: 'sandbox-gitlab',
			simulated: true,
			token: 'sandbox-gitlab-token',
			gitlab: {
				name: 'sandbox-gitlab',
				url: `${base}/gitlab`,
				token: { env: 'UNUSED' },
				scope: 'all',
				// A local simulator: a short interval keeps the open pages within seconds of it.
				poll_interval_seconds: 2
			}
		},
		{
			kind: 'github',
			name: 'sandbox-github',
			simulated: true,
			token: 'sandbox-github-token',
			github: { name: 'sandbox-github', api_url: `${base}/github/api/v3`, token: { env: 'UNUSED' }, scope: { org: 'sandbox-org' }, poll_interval_seconds: 2 }
		},
		{ kind: 'kubernetes', name: 'sandbox-k8s', simulated: true, kubernetes: k8s }
	];
}

/**
 * The sandbox's sign-in: its GitLab as an OpenID Connect provider and its GitHub's OAuth
 * app, with the rules `npm start` promises on the login page (platform/sre: admin,
 * platform: operator; anyone else is refused).
 */
export function sandboxSsoProviders(url: string): SsoProvider[] {
	const base = url.replace(/\/$/, '');
	const roles = [
		{ group: 'platform/sre', role: 'admin' },
		{ group: 'platform', role: 'operator' }
	];
	const app = { client_id: 'runner-dashboard', client_secret: { env: 'UNUSED' }, roles };
	return [
		{ ...ssoProvider.parse({ type: 'gitlab', name: 'sandbox-gitlab', label: 'GitLab', url: `${base}/gitlab`, ...app }), clientSecret: 'sandbox-oidc-secret', simulated: true },
		{
			...ssoProvider.parse({ type: 'github', name: 'sandbox-github', label: 'GitHub', url: `${base}/github`, api_url: `${base}/github/api/v3`, ...app }),
			clientSecret: 'sandbox-oidc-secret',
			simulated: true
		}
	];
}

/** The sandbox's GitOps project: both runner stacks, environment dev, state `<stack>-dev`, the sandbox cluster. */
function sandboxDriftStacks(): DriftStack[] {
	return ['gitlab-runners', 'arc-runners'].map((name) => ({
		...driftStack.parse({
			name,
			envs: ['dev'],
			declared: { gitlab: { source: 'sandbox-gitlab', project: 42, ref: 'main', path: `tofu/stacks/${name}` } },
			state: { gitlab: { source: 'sandbox-gitlab', project: 42, name: `${name}-{env}` } },
			cluster: 'sandbox-k8s'
		}),
		simulated: true
	}));
}

/** Drift stacks must name configured sources of the right kind, once each. */
function checkDriftStacks(stacks: DriftStack[], sources: SourceConfig[]): DriftStack[] {
	const kinds = new Map(sources.map((s) => [s.name, s.kind]));
	const want = (i: number, key: string, name: string, kind: string) => {
		if (kinds.get(name) !== kind) throw new ConfigError(`drift.stacks[${i}].${key}: "${name}" is not a configured ${kind} source (sources.${kind}[].name).`);
	};
	uniqueNames(stacks, 'drift.stacks', 'stack');
	stacks.forEach((s, i) => {
		if ('gitlab' in s.declared) want(i, 'declared.gitlab.source', s.declared.gitlab.source, 'gitlab');
		if ('github' in s.declared) want(i, 'declared.github.source', s.declared.github.source, 'github');
		if ('gitlab' in s.state) want(i, 'state.gitlab.source', s.state.gitlab.source, 'gitlab');
		want(i, 'cluster', s.cluster, 'kubernetes');
	});
	return stacks;
}

/** Names are how URLs, metrics and the audit log tell items apart: one name, one item. */
function uniqueNames(items: readonly { name: string }[], where: string, what: string): void {
	const names = new Set<string>();
	for (const { name } of items) {
		if (names.has(name)) throw new ConfigError(`${where}: the name "${name}" is used twice; ${what} names must be unique.`);
		names.add(name);
	}
}

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
	const configPath = readEnv(env, 'RUNNER_DASHBOARD_CONFIG');
	let file: ConfigFile = configFile.parse({});
	let baseDir = cwd;
	if (configPath) {
		const abs = resolve(cwd, configPath);
		let text: string;
		try {
			text = readFileSync(abs, 'utf8');
		} catch (e) {
			throw new ConfigError(`RUNNER_DASHBOARD_CONFIG=${configPath} cannot be read: ${(e as Error).message}`);
		}
		file = parseConfigFile(text, abs);
		baseDir = resolve(abs, '..');
	}
	const sources: SourceConfig[] = [
		...file.sources.gitlab.map((g, i): SourceConfig => ({
			kind: 'gitlab',
			name: g.name,
			simulated: false,
			gitlab: g,
			token: resolveSecret(g.token, `sources.gitlab[${i}].token`, env, baseDir)
		})),
		...file.sources.github.map((g, i): SourceConfig => ({
			kind: 'github',
			name: g.name,
			simulated: false,
			github: g,
			token: resolveSecret(g.token, `sources.github[${i}].token`, env, baseDir)
		})),
		...file.sources.kubernetes.map((k): SourceConfig => ({
			kind: 'kubernetes',
			name: k.name,
			simulated: false,
			kubernetes: { ...k, kubeconfig: k.kubeconfig && resolve(baseDir, k.kubeconfig) }
		}))
	];
	const sandboxUrl = readEnv(env, 'RUNNER_DASHBOARD_SANDBOX_URL') ?? file.sandbox?.url;
	const scrape = {
		targets: file.metrics.scrape.targets,
		httpSd: file.metrics.scrape.http_sd,
		intervalMs: file.metrics.scrape.interval_seconds * 1000,
		windowMs: file.metrics.scrape.window_minutes * 60_000,
		simulated: false
	};
	const prom = file.metrics.prometheus;
	let authorization: string | undefined;
	if (prom?.bearer_token) authorization = `Bearer ${resolveSecret(prom.bearer_token, 'metrics.prometheus.bearer_token', env, baseDir)}`;
	if (prom?.basic_auth) {
		const password = resolveSecret(prom.basic_auth.password, 'metrics.prometheus.basic_auth.password', env, baseDir);
		authorization = `Basic ${Buffer.from(`${prom.basic_auth.username}:${password}`).toString('base64')}`;
	}
	const prometheus = prom ? { url: prom.url.replace(/\/$/, ''), authorization, timeoutMs: prom.timeout_seconds * 1000 } : null;
	if (sandboxUrl) {
		sources.push(...sandboxSources(sandboxUrl));
		// The sandbox lists its exporters in Prometheus's HTTP service-discovery format.
		scrape.httpSd = [...scrape.httpSd, `${sandboxUrl.replace(/\/$/, '')}/exporters/http_sd`];
		scrape.intervalMs = Math.min(scrape.intervalMs, 5000);
		scrape.simulated = scrape.targets.length === 0 && file.metrics.scrape.http_sd.length === 0;
	}
	const driftStacks: DriftStack[] = file.drift.stacks.map((s, i) => ({
		...s,
		declared: 'local' in s.declared ? { local: { path: resolve(baseDir, s.declared.local.path) } } : s.declared,
		state: 'file' in s.state ? { file: { path: resolve(baseDir, s.state.file.path) } } : s.state,
		simulated: false,
		statePassword: 'http' in s.state && s.state.http.password ? resolveSecret(s.state.http.password, `drift.stacks[${i}].state.http.password`, env, baseDir) : undefined
	}));
	let driftIntervalMs = file.drift.interval_seconds * 1000;
	// With a sandbox and no stacks of its own, drift is checked against the sandbox's GitOps project,
	// as often as its other sources are polled (a local simulator: a commit shows within seconds).
	if (sandboxUrl && driftStacks.length === 0) {
		driftStacks.push(...sandboxDriftStacks());
		driftIntervalMs = Math.min(driftIntervalMs, 10_000);
	}
	const c = file.changes;
	const webhookSecret = (forge: 'gitlab' | 'github') => {
		const own = c[forge].webhook_secret;
		if (own) return resolveSecret(own, `changes.${forge}.webhook_secret`, env, baseDir);
		return c.webhook_secret ? resolveSecret(c.webhook_secret, 'changes.webhook_secret', env, baseDir) : undefined;
	};
	const changes: ChangesConfig = {
		labels: c.labels,
		branchPrefix: c.branch_prefix,
		// A local simulator: its pipelines finish in seconds of its clock, so follow them as closely.
		intervalMs: (sandboxUrl ? Math.min(c.poll_interval_seconds, 5) : c.poll_interval_seconds) * 1000,
		webhookSecrets: { gitlab: webhookSecret('gitlab'), github: webhookSecret('github') },
		githubWorkflow: c.github.workflow
	};
	const sso: SsoProvider[] = file.auth.providers.map((p, i) => ({
		...p,
		clientSecret: resolveSecret(p.client_secret, `auth.providers[${i}].client_secret`, env, baseDir),
		simulated: false
	}));
	if (sandboxUrl && sso.length === 0) sso.push(...sandboxSsoProviders(sandboxUrl));
	uniqueNames(sso, 'auth.providers', 'provider');
	const origin = readEnv(env, 'ORIGIN') ?? file.server?.origin;
	// The callback URL registered at a provider and a passkey's relying party are built from it; a Host header is no basis for either.
	if (file.auth.providers.length > 0 && !origin) throw new ConfigError('auth.providers needs server.origin (or ORIGIN): the callback URL registered at each provider is built from it.');
	uniqueNames(sources, 'sources', 'source');
	const addressHeader = readEnv(env, 'ADDRESS_HEADER');
	const xffDepth = readEnv(env, 'XFF_DEPTH')!;
	if (env.XFF_DEPTH !== undefined && addressHeader !== 'x-forwarded-for') {
		throw new ConfigError(`XFF_DEPTH is set but ADDRESS_HEADER is ${addressHeader ? `"${env.ADDRESS_HEADER}"` : 'unset'}: XFF_DEPTH applies only with ADDRESS_HEADER=X-Forwarded-For.`);
	}
	return {
		port: readEnv(env, 'PORT')!,
		host: readEnv(env, 'HOST')!,
		origin,
		databaseUrl: readEnv(env, 'DATABASE_URL'),
		sessionSecret: readEnv(env, 'SESSION_SECRET'),
		dataDir: resolve(cwd, readEnv(env, 'RUNNER_DASHBOARD_DATA_DIR')!),
		logLevel: readEnv(env, 'LOG_LEVEL')!,
		sandboxPort: readEnv(env, 'SANDBOX_PORT')!,
		metricsPort: readEnv(env, 'METRICS_PORT'),
		configPath: configPath ? resolve(cwd, configPath) : undefined,
		auth: file.auth,
		sso,
		live: {
			perPrincipal: file.server.live.max_streams_per_principal,
			total: file.server.live.max_streams,
			maxLifetimeMs: file.server.live.max_stream_minutes * 60_000
		},
		replicas: { leaseMs: file.server.replicas.lease_seconds * 1000, readyLagMs: file.server.replicas.ready_lag_seconds * 1000 },
		clientAddress: { header: addressHeader, xffDepth },
		auditRetentionDays: file.audit.retention_days,
		sources,
		scrape,
		drift: {
			intervalMs: driftIntervalMs,
			mapFile: file.drift.map_file && resolve(baseDir, file.drift.map_file),
			stacks: checkDriftStacks(driftStacks, sources),
			limits: { declaredFileBytes: file.drift.max_declared_file_mib * 2 ** 20, stateBytes: file.drift.max_state_mib * 2 ** 20 }
		},
		changes,
		waitingJobs: {
			thresholdMs: file.waiting_jobs.threshold_seconds * 1000,
			// A local simulator: its jobs are listed within seconds.
			intervalMs: (sandboxUrl ? Math.min(file.waiting_jobs.interval_seconds, 5) : file.waiting_jobs.interval_seconds) * 1000
		},
		deadWeightDays: file.dead_weight.offline_days,
		githubMinimumRunner: file.runner_versions.github_minimum ?? null,
		prometheus,
		groupLabels: { gitlab: file.metrics.runner_type_label, arc: file.metrics.scale_set_label }
	};
}
