// The YAML configuration file: sources and settings. Strict objects: an unknown key
// is an error, so a typo never silently falls back to a default.
import { z } from 'zod';
import { ROLES } from '$lib/core/access';
import { DEFAULT_READ_LIMITS } from '$lib/sources/gitops/limits';

const MIB = 2 ** 20;

const nonEmpty = z.string().min(1, 'a non-empty string');
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

/**
 * The dashboard's public origin, in the one spelling browsers send in `Origin`
 * (lower-case host, default port dropped), so the same-origin check compares like with
 * like however it was written. A path, query or credentials would be silently ignored
 * by that check, so they are refused.
 */
export const originUrl = httpUrl
	.refine((u) => {
		const url = new URL(u);
		return (url.pathname === '/' || url.pathname === '') && !url.search && !url.hash && !url.username && !url.password;
	}, 'an origin: scheme://host[:port], without a path, query or credentials')
	.transform((u) => new URL(u).origin);

/** A secret is given by reference — a file (mounted Secret) or an env var name — never inline. */
export const secretRef = z
	.strictObject({ file: nonEmpty.optional(), env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).optional() })
	.refine((s) => (s.file ? 1 : 0) + (s.env ? 1 : 0) === 1, 'exactly one of "file" or "env"');

const pollSeconds = z.number().int().min(5).max(3600);

const sourceName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes');

export const gitlabSource = z.strictObject({
	name: sourceName,
	url: httpUrl,
	token: secretRef,
	scope: z
		.union([
			z.literal('all'),
			z.strictObject({ groups: z.array(z.union([z.number().int().positive(), nonEmpty])).min(1) }),
			z.strictObject({ projects: z.array(z.union([z.number().int().positive(), nonEmpty])).min(1) })
		])
		.default('all'),
	poll_interval_seconds: pollSeconds.default(15)
});

export const githubSource = z.strictObject({
	name: sourceName,
	api_url: httpUrl.default('https://api.github.com'),
	token: secretRef,
	scope: z.union([
		z.strictObject({ org: nonEmpty }),
		z.strictObject({ repos: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/repo')).min(1) }),
		z.strictObject({ enterprise: nonEmpty })
	]),
	poll_interval_seconds: pollSeconds.default(30)
});

const namespaces = z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Kubernetes namespace name')).min(1);

export const kubernetesSource = z
	.strictObject({
		name: sourceName,
		kubeconfig: nonEmpty.optional(),
		context: nonEmpty.optional(),
		in_cluster: z.boolean().optional(),
		server: httpUrl.optional(),
		gitlab_runner_namespaces: namespaces.default(['gitlab-runners']),
		arc_runner_namespaces: namespaces.default(['arc-runners']),
		arc_controller_namespaces: namespaces.default(['arc-systems'])
	})
	.refine((k) => [k.kubeconfig, k.in_cluster, k.server].filter(Boolean).length === 1, 'exactly one of "kubeconfig", "in_cluster: true" or "server"')
	.refine((k) => !k.context || k.kubeconfig, '"context" needs "kubeconfig"');

const projectRef = z.union([z.number().int().positive(), nonEmpty]);
const gitRef = nonEmpty.default('main');
const stackPath = nonEmpty.refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path inside the repository');
// `{env}` in a state name, URL or path stands for the environment being checked.
const perEnv = nonEmpty;

/** One OpenTofu stack checked for drift: where its variables and tfvars are declared, where its state is, which cluster runs it. */
export const driftStack = z.strictObject({
	name: sourceName,
	envs: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, dashes and underscores')).min(1),
	declared: z.union([
		z.strictObject({ gitlab: z.strictObject({ source: sourceName, project: projectRef, ref: gitRef, path: stackPath }) }),
		z.strictObject({ github: z.strictObject({ source: sourceName, repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/repo'), ref: gitRef, path: stackPath }) }),
		z.strictObject({ local: z.strictObject({ path: nonEmpty }) })
	]),
	state: z.union([
		z.strictObject({ gitlab: z.strictObject({ source: sourceName, project: projectRef, name: perEnv.optional() }) }),
		z.strictObject({ http: z.strictObject({ url: httpUrl, username: nonEmpty.optional(), password: secretRef.optional() }) }),
		z.strictObject({ file: z.strictObject({ path: perEnv }) })
	]),
	cluster: sourceName
});

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name');

export const prometheusConfig = z
	.strictObject({
		// Shown in the source list: credentials go in bearer_token or basic_auth, by reference.
		url: httpUrl.refine((u) => !new URL(u).username && !new URL(u).password, 'a URL without user or password (use "basic_auth" or "bearer_token")'),
		bearer_token: secretRef.optional(),
		basic_auth: z.strictObject({ username: nonEmpty, password: secretRef }).optional(),
		timeout_seconds: z.number().min(1).max(120).default(10)
	})
	.refine((p) => !(p.bearer_token && p.basic_auth), 'at most one of "bearer_token" or "basic_auth"');

/** Change requests: how merge/pull requests are labelled and named, how they are followed, and the webhooks' secrets. */
export const changesConfig = z
	.strictObject({
		labels: z
			.array(z.string().regex(/^[^,]{1,50}$/, 'a label of 1-50 characters without commas'))
			.max(20)
			.default(['runner-dashboard']),
		branch_prefix: z
			.string()
			.regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,40}$/, 'letters, digits, dot, dash, underscore and slash')
			.refine((p) => !p.includes('..') && !p.includes('//'), 'no ".." or "//"')
			.default('runner-dashboard/'),
		poll_interval_seconds: z.number().int().min(2).max(3600).default(30),
		webhook_secret: secretRef.optional(),
		gitlab: z.strictObject({ webhook_secret: secretRef.optional() }).prefault({}),
		github: z.strictObject({ webhook_secret: secretRef.optional(), workflow: nonEmpty.default('tofu.yml') }).prefault({})
	})
	.prefault({});

const roleName = z.enum(ROLES);

/** One role rule: the first rule whose condition holds for the signed-in identity gives its role. */
export const roleRule = z.union([
	z.strictObject({ group: nonEmpty, role: roleName }),
	z.strictObject({ email_domain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a domain such as example.com'), role: roleName }),
	z.strictObject({ user: nonEmpty, role: roleName })
]);

const providerName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'lowercase letters, digits and dashes (it is part of the callback URL)');

/** What every single sign-on provider has: its name in URLs, the button's words, the app's credentials, the role rules. */
const providerBase = {
	name: providerName,
	label: z.string().min(1).max(60).optional(),
	client_id: nonEmpty,
	client_secret: secretRef,
	roles: z.array(roleRule).max(200).default([]),
	// Off by default: an identity no rule names is refused, so a provider open to everyone does not open the dashboard.
	default_role: roleName.optional()
};

/** Single sign-on: any OpenID Connect provider, GitLab (OIDC, groups from its claims), GitHub (OAuth app, orgs and teams). */
export const ssoProvider = z.discriminatedUnion('type', [
	z.strictObject({
		type: z.literal('oidc'),
		...providerBase,
		issuer: httpUrl,
		scopes: z.array(nonEmpty).default(['openid', 'profile', 'email']),
		groups_claim: nonEmpty.default('groups'),
		username_claim: nonEmpty.default('preferred_username')
	}),
	z.strictObject({
		type: z.literal('gitlab'),
		...providerBase,
		url: httpUrl.default('https://gitlab.com'),
		// groups_direct: the groups the user is a member of; groups adds every subgroup below them (inherited access).
		groups_claim: z.enum(['groups_direct', 'groups']).default('groups_direct')
	}),
	z.strictObject({
		type: z.literal('github'),
		...providerBase,
		url: httpUrl.default('https://github.com'),
		api_url: httpUrl.optional()
	})
]);

export const configFile = z.strictObject({
	server: z
		.strictObject({
			origin: originUrl.optional(),
			live: z
				.strictObject({
					max_streams_per_principal: z.number().int().min(1).max(1000).default(10),
					max_streams: z.number().int().min(1).max(100_000).default(2000),
					max_stream_minutes: z.number().int().min(1).max(24 * 60).default(15)
				})
				.prefault({}),
			replicas: z
				.strictObject({
					lease_seconds: z.number().int().min(2).max(300).default(15),
					ready_lag_seconds: z.number().int().min(1).max(600).default(10)
				})
				.prefault({})
		})
		.prefault({}),
	auth: z
		.strictObject({
			local: z.boolean().default(true),
			providers: z.array(ssoProvider).max(20).default([]),
			role_refresh_seconds: z.number().int().min(5).max(86_400).default(3600),
			passkeys: z.strictObject({ required_for_local: z.boolean().default(false) }).prefault({}),
			session: z
				.strictObject({
					idle_timeout_minutes: z.number().int().min(1).max(7 * 24 * 60).default(8 * 60),
					absolute_timeout_hours: z.number().int().min(1).max(90 * 24).default(7 * 24)
				})
				.prefault({}),
			login_throttle: z
				.strictObject({
					max_failures_per_ip: z.number().int().min(1).default(20),
					max_failures_per_user: z.number().int().min(1).default(5),
					max_failures_per_device: z.number().int().min(1).default(5),
					window_minutes: z.number().int().min(1).max(24 * 60).default(15),
					// 0: no browser is remembered, so every attempt draws on the user's and address's budgets.
					device_days: z.number().int().min(0).max(730).default(180)
				})
				.prefault({})
		})
		.prefault({}),
	audit: z
		.strictObject({
			retention_days: z.number().int().min(1).max(36_500).default(400)
		})
		.prefault({}),
	sandbox: z.strictObject({ url: httpUrl }).optional(),
	metrics: z
		.strictObject({
			scrape: z
				.strictObject({
					targets: z.array(httpUrl).default([]),
					http_sd: z.array(httpUrl).default([]),
					interval_seconds: z.number().int().min(5).max(300).default(15),
					window_minutes: z.number().int().min(10).max(24 * 60).default(360)
				})
				.prefault({}),
			prometheus: prometheusConfig.optional(),
			runner_type_label: labelName.default('runner_type'),
			scale_set_label: labelName.default('scale_set')
		})
		.prefault({}),
	drift: z
		.strictObject({
			interval_seconds: z.number().int().min(10).max(3600).default(60),
			map_file: nonEmpty.optional(),
			// Larger files are refused while read, and reported against their stack.
			max_declared_file_mib: z.number().int().min(1).max(64).default(DEFAULT_READ_LIMITS.declaredFileBytes / MIB),
			max_state_mib: z.number().int().min(1).max(1024).default(DEFAULT_READ_LIMITS.stateBytes / MIB),
			stacks: z.array(driftStack).default([])
		})
		.prefault({}),
	changes: changesConfig,
	waiting_jobs: z
		.strictObject({
			// A job is "stuck" once it has waited this long; shorter waits are the normal pick-up time.
			threshold_seconds: z.number().int().min(0).max(7 * 86400).default(120),
			interval_seconds: z.number().int().min(5).max(3600).default(30)
		})
		.prefault({}),
	dead_weight: z
		.strictObject({
			offline_days: z.number().int().min(1).max(3650).default(30)
		})
		.prefault({}),
	runner_versions: z
		.strictObject({
			github_minimum: z
				.string()
				.regex(/^\d+\.\d+\.\d+$/, 'a version like 2.320.0')
				.optional()
		})
		.prefault({}),
	sources: z
		.strictObject({
			gitlab: z.array(gitlabSource).default([]),
			github: z.array(githubSource).default([]),
			kubernetes: z.array(kubernetesSource).default([])
		})
		.prefault({})
});

export type ConfigFile = z.infer<typeof configFile>;
export type GitlabSourceConfig = z.infer<typeof gitlabSource>;
export type GithubSourceConfig = z.infer<typeof githubSource>;
export type KubernetesSourceConfig = z.infer<typeof kubernetesSource>;
export type DriftStackConfig = z.infer<typeof driftStack>;
export type PrometheusConfig = z.infer<typeof prometheusConfig>;
export type SsoProviderConfig = z.infer<typeof ssoProvider>;
