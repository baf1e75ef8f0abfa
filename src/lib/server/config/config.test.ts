import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigFile, type SourceConfig } from './index';

type GitlabSourceEntry = Extract<SourceConfig, { kind: 'gitlab' }>;
type GithubSourceEntry = Extract<SourceConfig, { kind: 'github' }>;
type KubernetesSourceEntry = Extract<SourceConfig, { kind: 'kubernetes' }>;
import { ENV_VARS } from './env';

/** loadConfig's error, asserting it is a ConfigError. */
function configError(fn: () => unknown): ConfigError {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(ConfigError);
		return e as ConfigError;
	}
	throw new Error('expected a ConfigError, but nothing was thrown');
}

describe('loadConfig from the environment', () => {
	it('uses the documented defaults with an empty environment', () => {
		const c = loadConfig({}, '/srv/app');
		expect(c.port).toBe(3000);
		expect(c.host).toBe('127.0.0.1');
		expect(c.dataDir).toBe('/srv/app/data');
		expect(c.sandboxPort).toBe(3001);
		expect(c.logLevel).toBe('info');
		expect(c.origin).toBeUndefined();
		expect(c.databaseUrl).toBeUndefined();
		expect(c.sessionSecret).toBeUndefined();
		expect(c.metricsPort).toBeUndefined();
		expect(c.configPath).toBeUndefined();
		expect(c.sources).toEqual([]);
		expect(c.auth.session).toEqual({ idle_timeout_minutes: 480, absolute_timeout_hours: 168 });
		expect(c.clientAddress).toEqual({ header: undefined, xffDepth: 1 });
		expect(c.auditRetentionDays).toBe(400);
	});

	it('takes overrides from the environment', () => {
		const c = loadConfig(
			{
				PORT: '8080',
				HOST: '0.0.0.0',
				ORIGIN: 'HTTPS://Dash.Example.com:443/',
				DATABASE_URL: 'postgresql://u:p@db:5432/rd',
				SESSION_SECRET: 'x'.repeat(32),
				RUNNER_DASHBOARD_DATA_DIR: 'var/rd',
				LOG_LEVEL: 'debug',
				METRICS_PORT: '9100'
			},
			'/srv/app'
		);
		expect(c.port).toBe(8080);
		expect(c.host).toBe('0.0.0.0');
		expect(c.origin).toBe('https://dash.example.com');
		expect(c.databaseUrl).toBe('postgresql://u:p@db:5432/rd');
		expect(c.sessionSecret).toBe('x'.repeat(32));
		expect(c.dataDir).toBe('/srv/app/var/rd');
		expect(c.logLevel).toBe('debug');
		expect(c.metricsPort).toBe(9100);
	});

	it('keeps an absolute data dir as given', () => {
		expect(loadConfig({ RUNNER_DASHBOARD_DATA_DIR: '/var/lib/rd' }, '/srv/app').dataDir).toBe('/var/lib/rd');
	});

	it.each(Object.entries(ENV_VARS).filter(([, v]) => !('node' in v)).map(([k]) => k))('rejects %s set to an empty string, naming it', (name) => {
		const e = configError(() => loadConfig({ [name]: '' }, '/srv/app'));
		expect(e.message).toContain(name);
		expect(e.message).toMatch(/empty/);
	});

	it.each(['abc', '70000', '0', '3.5'])('rejects PORT=%s, naming PORT', (value) => {
		const e = configError(() => loadConfig({ PORT: value }, '/srv/app'));
		expect(e.message).toMatch(/^PORT=/);
		expect(e.message).toContain(JSON.stringify(value));
	});

	it('rejects a non-PostgreSQL DATABASE_URL, naming DATABASE_URL', () => {
		const e = configError(() => loadConfig({ DATABASE_URL: 'mysql://u:p@db/rd' }, '/srv/app'));
		expect(e.message).toMatch(/^DATABASE_URL=/);
		expect(e.message).toContain('postgres');
	});

	it('rejects a short SESSION_SECRET and a bad LOG_LEVEL, naming each', () => {
		expect(configError(() => loadConfig({ SESSION_SECRET: 'short' })).message).toMatch(/^SESSION_SECRET=.*32/);
		expect(configError(() => loadConfig({ LOG_LEVEL: 'loud' })).message).toMatch(/^LOG_LEVEL=/);
		expect(configError(() => loadConfig({ ORIGIN: 'ftp://x' })).message).toMatch(/^ORIGIN=/);
	});

	it('refuses an ORIGIN with a path, query or credentials, saying what an origin is', () => {
		for (const origin of ['https://dash.example.com/some/path', 'https://dash.example.com/?x=1', 'https://u:p@dash.example.com']) {
			expect(configError(() => loadConfig({ ORIGIN: origin })).message).toMatch(/^ORIGIN=.* is invalid: an origin: scheme:\/\/host\[:port\], without a path, query or credentials\.$/);
		}
		expect(loadConfig({ ORIGIN: 'http://dash.example.com:8080' }).origin).toBe('http://dash.example.com:8080');
	});

	it('reads the client-address header and XFF depth', () => {
		expect(loadConfig({ ADDRESS_HEADER: 'X-Forwarded-For', XFF_DEPTH: '2' }).clientAddress).toEqual({ header: 'x-forwarded-for', xffDepth: 2 });
		expect(loadConfig({ ADDRESS_HEADER: 'X-Real-IP' }).clientAddress).toEqual({ header: 'x-real-ip', xffDepth: 1 });
		expect(configError(() => loadConfig({ ADDRESS_HEADER: 'X Forwarded' })).message).toMatch(/^ADDRESS_HEADER=.*a header name/);
		expect(configError(() => loadConfig({ ADDRESS_HEADER: 'X-Forwarded-For', XFF_DEPTH: '0' })).message).toMatch(/^XFF_DEPTH=/);
		expect(configError(() => loadConfig({ XFF_DEPTH: '2' })).message).toBe('XFF_DEPTH is set but ADDRESS_HEADER is unset: XFF_DEPTH applies only with ADDRESS_HEADER=X-Forwarded-For.');
		expect(configError(() => loadConfig({ ADDRESS_HEADER: 'X-Real-IP', XFF_DEPTH: '2' })).message).toMatch(/ADDRESS_HEADER is "X-Real-IP"/);
	});

	it('adds the sandbox GitLab, GitHub and Kubernetes sources, simulated, for RUNNER_DASHBOARD_SANDBOX_URL', () => {
		const c = loadConfig({ RUNNER_DASHBOARD_SANDBOX_URL: 'http://127.0.0.1:3001/' }, '/srv/app');
		expect(c.sources.map((s) => [s.kind, s.name, s.simulated])).toEqual([
			['gitlab', 'sandbox-gitlab', true],
			['github', 'sandbox-github', true],
			['kubernetes', 'sandbox-k8s', true]
		]);
		const [gl, gh, k8s] = c.sources as [GitlabSourceEntry, GithubSourceEntry, KubernetesSourceEntry];
		expect(gl.gitlab.url).toBe('http://127.0.0.1:3001/gitlab');
		expect(gh.github).toMatchObject({ api_url: 'http://127.0.0.1:3001/github/api/v3', scope: { org: 'sandbox-org' } });
		expect(k8s.kubernetes).toMatchObject({ server: 'http://127.0.0.1:3001/k8s', gitlab_runner_namespaces: ['gitlab-runners'], arc_runner_namespaces: ['arc-runners'] });
	});
});

describe('loadConfig with a YAML file (RUNNER_DASHBOARD_CONFIG)', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'rd-config-'));
	});
	afterEach(() => {
		rmSync(dir, { recursive: true, force: true });
	});

	const withFile = (yaml: string, env: Record<string, string> = {}) => {
		const path = join(dir, 'config.yaml');
		writeFileSync(path, yaml);
		return () => loadConfig({ RUNNER_DASHBOARD_CONFIG: path, ...env }, dir);
	};

	const gitlab = (token: string, name = 'corp') => `
sources:
  gitlab:
    - name: ${name}
      url: https://gitlab.example.com
      token: ${token}
`;

	it('reads sources, resolving a token from a file relative to the config file', () => {
		writeFileSync(join(dir, 'gl-token'), '  glpat-from-file\n');
		const c = withFile(gitlab('{ file: gl-token }'))();
		expect(c.configPath).toBe(resolve(dir, 'config.yaml'));
		expect(c.sources).toHaveLength(1);
		expect(c.sources[0]).toMatchObject({ kind: 'gitlab', name: 'corp', simulated: false, token: 'glpat-from-file' });
		expect((c.sources[0] as GitlabSourceEntry).gitlab).toMatchObject({ url: 'https://gitlab.example.com', scope: 'all', poll_interval_seconds: 15 });
	});

	it('resolves a token from an environment variable', () => {
		const c = withFile(gitlab('{ env: GL_TOKEN }'), { GL_TOKEN: 'glpat-from-env' })();
		expect((c.sources[0] as GitlabSourceEntry).token).toBe('glpat-from-env');
	});

	it('names the key when a token env var is unset', () => {
		const e = configError(withFile(gitlab('{ env: GL_TOKEN }')));
		expect(e.message).toContain('sources.gitlab[0].token');
		expect(e.message).toContain('GL_TOKEN');
	});

	it('names the key when a token file is missing or empty', () => {
		expect(configError(withFile(gitlab('{ file: nope }'))).message).toContain('sources.gitlab[0].token.file');
		writeFileSync(join(dir, 'empty'), '\n');
		expect(configError(withFile(gitlab('{ file: empty }'))).message).toMatch(/sources\.gitlab\[0\]\.token\.file .*empty/);
	});

	it('requires exactly one of file or env for a secret', () => {
		const both = configError(withFile(gitlab('{ file: a, env: B }')));
		expect(both.message).toContain('sources.gitlab[0].token');
		expect(both.message).toContain('exactly one of');
		const neither = configError(withFile(gitlab('{}')));
		expect(neither.message).toContain('sources.gitlab[0].token');
		expect(neither.message).toContain('exactly one of');
	});

	it('names an unknown top-level key', () => {
		const e = configError(withFile('sourcez: {}\n'));
		expect(e.message).toContain('sourcez is not a known key');
	});

	it('names the full path of an unknown nested key', () => {
		const yaml = `
sources:
  gitlab:
    - name: corp
      url: https://gitlab.example.com
      tokn: { env: GL_TOKEN }
`;
		const e = configError(withFile(yaml, { GL_TOKEN: 't' }));
		expect(e.message).toContain('sources.gitlab[0].tokn is not a known key');
		const extra = configError(withFile(gitlab('{ env: GL_TOKEN, fiel: x }'), { GL_TOKEN: 't' }));
		expect(extra.message).toContain('sources.gitlab[0].token.fiel is not a known key');
	});

	it('names the path of an empty string', () => {
		const e = configError(withFile(gitlab('{ env: GL_TOKEN }').replace('https://gitlab.example.com', '""'), { GL_TOKEN: 't' }));
		expect(e.message).toContain('sources.gitlab[0].url is an empty string');
	});

	it('names the path of an invalid value', () => {
		const e = configError(withFile('auth:\n  session:\n    idle_timeout_minutes: 0\n'));
		expect(e.message).toContain('auth.session.idle_timeout_minutes');
	});

	it('reads the change settings: labels, prefix, interval, a shared webhook secret and a forge’s own', () => {
		writeFileSync(join(dir, 'gh-hook'), 'gh-secret\n');
		const c = withFile(
			`changes:\n  labels: [gitops, runners]\n  branch_prefix: ops/\n  poll_interval_seconds: 60\n  webhook_secret: { env: HOOK }\n  github: { webhook_secret: { file: gh-hook }, workflow: apply.yml }\n`,
			{ HOOK: 'shared-secret' }
		)();
		expect(c.changes).toEqual({ labels: ['gitops', 'runners'], branchPrefix: 'ops/', intervalMs: 60_000, webhookSecrets: { gitlab: 'shared-secret', github: 'gh-secret' }, githubWorkflow: 'apply.yml' });
		const d = loadConfig({}, dir);
		expect(d.changes).toEqual({ labels: ['runner-dashboard'], branchPrefix: 'runner-dashboard/', intervalMs: 30_000, webhookSecrets: { gitlab: undefined, github: undefined }, githubWorkflow: 'tofu.yml' });
		expect(loadConfig({ RUNNER_DASHBOARD_SANDBOX_URL: 'http://127.0.0.1:3001' }, dir).changes.intervalMs).toBe(5000);
	});

	it('names a bad change setting', () => {
		expect(configError(withFile(`changes:\n  labels: ["a,b"]\n`)).message).toMatch(/changes\.labels\[0\]: a label of 1-50 characters without commas/);
		expect(configError(withFile(`changes:\n  branch_prefix: ../x\n`)).message).toMatch(/changes\.branch_prefix/);
		expect(configError(withFile(`changes:\n  gitlab: { webhook_secret: { env: NOPE } }\n`)).message).toMatch(/changes\.gitlab\.webhook_secret\.env names NOPE/);
	});

	it('reports invalid YAML clearly', () => {
		const e = configError(withFile('sources: [unclosed\n'));
		expect(e.message).toContain('config.yaml');
		expect(e.message).toContain('not valid YAML');
	});

	it('reports an unreadable config file, naming RUNNER_DASHBOARD_CONFIG', () => {
		const e = configError(() => loadConfig({ RUNNER_DASHBOARD_CONFIG: 'missing.yaml' }, dir));
		expect(e.message).toMatch(/^RUNNER_DASHBOARD_CONFIG=missing\.yaml cannot be read/);
	});

	it('rejects duplicate source names', () => {
		const yaml = `${gitlab('{ env: GL_TOKEN }')}    - name: corp
      url: https://other.example.com
      token: { env: GL_TOKEN }
`;
		const e = configError(withFile(yaml, { GL_TOKEN: 't' }));
		expect(e.message).toContain('"corp" is used twice');
	});

	it('rejects a configured source named like the sandbox source', () => {
		const e = configError(withFile(gitlab('{ env: GL_TOKEN }', 'sandbox-gitlab'), { GL_TOKEN: 't', RUNNER_DASHBOARD_SANDBOX_URL: 'http://127.0.0.1:3001' }));
		expect(e.message).toContain('"sandbox-gitlab" is used twice');
	});

	it('takes the sandbox URL and server origin from the file, the origin normalised as from the environment', () => {
		const c = withFile('server:\n  origin: HTTPS://Dash.example.com:443/\nsandbox:\n  url: http://127.0.0.1:4001\n')();
		expect(c.origin).toBe('https://dash.example.com');
		expect(configError(withFile('server:\n  origin: https://dash.example.com/app\n')).message).toMatch(/server\.origin: an origin: scheme:\/\/host\[:port\], without a path/);
		expect(withFile('audit:\n  retention_days: 30\n')().auditRetentionDays).toBe(30);
		expect((c.sources as GitlabSourceEntry[]).filter((s) => s.kind === 'gitlab').map((s) => [s.name, s.simulated, s.gitlab.url])).toEqual([['sandbox-gitlab', true, 'http://127.0.0.1:4001/gitlab']]);
	});
});

describe('parseConfigFile', () => {
	it('fills auth defaults for an empty file', () => {
		const f = parseConfigFile('', 'config.yaml');
		expect(f.auth.session).toEqual({ idle_timeout_minutes: 8 * 60, absolute_timeout_hours: 7 * 24 });
		expect(f.auth.login_throttle).toEqual({ max_failures_per_ip: 20, max_failures_per_user: 5, max_failures_per_device: 5, window_minutes: 15, device_days: 180 });
		expect(f.audit).toEqual({ retention_days: 400 });
		expect(f.sources.gitlab).toEqual([]);
	});

	it('fills the defaults that a partial auth section leaves out', () => {
		const f = parseConfigFile('auth:\n  session:\n    idle_timeout_minutes: 30\n  login_throttle:\n    window_minutes: 5\n', 'c.yaml');
		expect(f.auth.session).toEqual({ idle_timeout_minutes: 30, absolute_timeout_hours: 168 });
		expect(f.auth.login_throttle).toEqual({ max_failures_per_ip: 20, max_failures_per_user: 5, max_failures_per_device: 5, window_minutes: 5, device_days: 180 });
	});

	it('prefixes errors with where the text came from', () => {
		expect(() => parseConfigFile('nope: 1', '/etc/rd.yaml')).toThrow(/^\/etc\/rd\.yaml: nope is not a known key/);
	});
});
