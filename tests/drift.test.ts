// Drift end to end: the built dashboard against its own sandbox fleet. Out-of-band changes
// go through the real kubectl, git changes through the sandbox GitLab's commits API, and
// the CLI runs from build/cli.js both standalone (its own configuration) and against the
// running server.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, createToken, eventually, root, startApp, type RunningApp } from './helpers/app';

interface Item {
	key: string;
	stack: string;
	env: string;
	object: string;
	field: string;
	declared: unknown;
	applied: unknown;
	live: unknown;
	class: string;
	severity: string;
	first_seen: string;
	age_s: number;
	stale: boolean;
	location: { file: string; line: number; url: string | null } | null;
}
interface Answer {
	items: Item[];
	errors: { stack: string; env: string; file: string; line: number | null; message: string }[];
	checked_at: string | null;
	stale: boolean;
	summary: { by_class: Record<string, number> };
}

const GITLAB_TOKEN = 'sandbox-gitlab-token';
const TFVARS = 'tofu/stacks/gitlab-runners/dev.tfvars';
const HPA = 'HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa';

let app: RunningApp;
let token: string;
let dir: string;
let configFile: string;

beforeAll(async () => {
	app = await startApp();
	token = createToken(app, 'drift-test', 'viewer');
	dir = mkdtempSync(join(tmpdir(), 'rd-drift-'));
	configFile = join(dir, 'config.yaml');
	// The CLI's own configuration, as an operator writes it: sources with tokens by reference, stacks naming them.
	writeFileSync(
		configFile,
		`sources:
  gitlab:
    - name: gitops
      url: ${app.sandboxUrl}/gitlab
      token: { env: GITOPS_TOKEN }
  kubernetes:
    - name: cluster
      server: ${app.sandboxUrl}/k8s
drift:
  stacks:
    - name: gitlab-runners
      envs: [dev]
      declared: { gitlab: { source: gitops, project: platform/gitops, ref: main, path: tofu/stacks/gitlab-runners } }
      state: { gitlab: { source: gitops, project: 42, name: "gitlab-runners-{env}" } }
      cluster: cluster
    - name: arc-runners
      envs: [dev]
      declared: { gitlab: { source: gitops, project: 42, path: tofu/stacks/arc-runners } }
      state: { gitlab: { source: gitops, project: 42 } }
      cluster: cluster
`
	);
}, 60_000);

afterAll(async () => {
	await app?.stop();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${token}` });

async function drift(query = ''): Promise<Answer> {
	const r = await fetch(`${app.url}/api/v1/drift${query}`, { headers: auth() });
	expect(r.status).toBe(200);
	return (await r.json()) as Answer;
}

/** Waits for a check after `since` whose answer satisfies `ok`. */
function driftUntil(ok: (a: Answer) => boolean, what: string, since = 0, ms = 25_000): Promise<Answer> {
	return eventually(() => drift(), (a) => a.checked_at !== null && Date.parse(a.checked_at) >= since && ok(a), ms, what);
}

/** `runner-dashboard drift` with a clean environment: only what the flags and GITOPS_TOKEN say. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
	// Asynchronous, so the test's own HTTP connections stay serviced while the CLI runs.
	return new Promise((resolve) => {
		execFile(process.execPath, [cliPath, 'drift', ...args], { cwd: root, env: { PATH: process.env.PATH!, GITOPS_TOKEN: GITLAB_TOKEN, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
			resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr })
		);
	});
}

function kubectl(args: string[]): string {
	return execFileSync('kubectl', [`--server=${app.sandboxUrl}/k8s`, ...args], { encoding: 'utf8', timeout: 30_000 });
}

const patchHpaMax = (n: number) => kubectl(['patch', 'hpa', 'docker-runner-hpa', '-n', 'gitlab-runners', '--type', 'merge', '-p', JSON.stringify({ spec: { maxReplicas: n } })]);
const patchArsMax = (n: number) => kubectl(['patch', 'autoscalingrunnerset', 'gh-docker', '-n', 'arc-runners', '--type', 'merge', '-p', JSON.stringify({ spec: { maxRunners: n } })]);

async function gitlab(path: string, init: RequestInit = {}) {
	const r = await fetch(`${app.sandboxUrl}/gitlab/api/v4${path}`, { ...init, headers: { 'private-token': GITLAB_TOKEN, 'content-type': 'application/json', ...(init.headers ?? {}) } });
	if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
	return r;
}

async function readFile(path: string): Promise<string> {
	const f = (await (await gitlab(`/projects/42/repository/files/${encodeURIComponent(path)}?ref=main`)).json()) as { content: string };
	return Buffer.from(f.content, 'base64').toString('utf8');
}

/** Commits one file to main through the GitLab commits API, as a merge would. */
async function commitFile(path: string, content: string, message: string): Promise<string> {
	const c = (await (await gitlab('/projects/42/repository/commits', { method: 'POST', body: JSON.stringify({ branch: 'main', commit_message: message, actions: [{ action: 'update', file_path: path, content }] }) })).json()) as { id: string };
	return c.id;
}

async function control(path: string, body: unknown) {
	const r = await fetch(`${app.sandboxUrl}/_sandbox${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
}

const lineOf = (text: string, re: RegExp) => text.split('\n').findIndex((l) => re.test(l)) + 1;

// Each test runs the CLI as its own processes beside the app and the sandbox: minutes on a busy two-core machine.
describe('drift against the sandbox fleet', { timeout: 240_000 }, () => {
	it('reports no drift on a fresh start, and the CLI exits 0 both ways', async () => {
		const a = await driftUntil((x) => x.errors.length === 0, 'a first complete check');
		expect(a.items).toEqual([]);
		expect(a.stale).toBe(false);
		expect(a.summary.by_class).toEqual({ unapplied: 0, 'out-of-band': 0, missing: 0, unmanaged: 0 });

		const standalone = (await cli(['--exit-code', '--config', configFile]));
		expect(standalone.stderr).toBe('');
		expect(standalone.stdout).toMatch(/^No drift in gitlab-runners \(dev\), arc-runners \(dev\); checked /m);
		expect(standalone.status).toBe(0);

		const asked = (await cli(['--exit-code', '--json', '--server', app.url, '--token', token]));
		expect(asked.status).toBe(0);
		expect(JSON.parse(asked.stdout)).toMatchObject({ items: [], errors: [] });
		// The token kept out of argv: from a file, or from RUNNER_DASHBOARD_TOKEN.
		const tokenFile = join(mkdtempSync(join(tmpdir(), 'rd-token-')), 'token');
		writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
		expect((await cli(['--exit-code', '--server', app.url, '--token-file', tokenFile])).status).toBe(0);
		expect((await cli(['--exit-code', '--server', app.url], { RUNNER_DASHBOARD_TOKEN: token })).status).toBe(0);
		expect((await cli(['--server', app.url])).stderr).toMatch(/answered 401/);

		const denied = (await cli(['--server', app.url, '--token', 'rdt_not-a-token']));
		expect(denied.status).toBe(2);
		expect(denied.stderr).toMatch(/answered 401/);
		const usage = (await cli(['--token', token]));
		expect(usage.status).toBe(2);
		expect(usage.stderr).toContain('--token goes with --server');
		const unconfigured = spawnSync(process.execPath, [cliPath, 'drift'], { cwd: root, env: { PATH: process.env.PATH! }, encoding: 'utf8' });
		expect(unconfigured.status).toBe(2);
		expect(unconfigured.stderr).toContain('no drift stacks are configured');
		// Eight CLI runs, each a process reading every stack: minutes on a busy two-core machine.
	}, 240_000);

	it('answers 400 for bad query parameters', async () => {
		for (const q of ['?class=sideways', '?stack=Not%20A%20Name', '?bogus=1']) {
			const r = await fetch(`${app.url}/api/v1/drift${q}`, { headers: auth() });
			expect(r.status).toBe(400);
			expect((await r.json()).error.code).toBe('invalid_query');
		}
		const h = await fetch(`${app.url}/api/v1/drift/history?per_page=1000`, { headers: auth() });
		expect(h.status).toBe(400);
		expect((await fetch(`${app.url}/api/v1/drift`)).status).toBe(401);
	});

	it('shows a kubectl patch as exactly one out-of-band item within one sync; the CLI exits 1 and prints it', async () => {
		const events = sseEvents();
		const before = Date.now();
		patchHpaMax(11);
		const a = await driftUntil((x) => x.items.length > 0, 'the out-of-band item', before, 10_000);
		expect(a.items).toHaveLength(1);
		expect(a.items[0]).toMatchObject({ stack: 'gitlab-runners', env: 'dev', object: HPA, field: 'spec.maxReplicas', declared: 8, applied: 8, live: 11, class: 'out-of-band', stale: false });
		expect(a.items[0]!.location?.file).toBe(TFVARS);
		expect(a.summary.by_class['out-of-band']).toBe(1);
		expect(await events.waitFor('drift')).toBe(true);
		events.close();
		expect((await drift('?class=out-of-band&stack=gitlab-runners&env=dev&q=maxreplicas')).items).toHaveLength(1);
		expect((await drift('?class=unapplied')).items).toHaveLength(0);
		expect((await drift('?stack=arc-runners')).items).toHaveLength(0);

		const standalone = (await cli(['--exit-code', '--config', configFile]));
		expect(standalone.status).toBe(1);
		expect(standalone.stdout).toContain('gitlab-runners/dev');
		expect(standalone.stdout).toContain(HPA);
		expect(standalone.stdout).toMatch(/spec\.maxReplicas\s+declared 8\s+applied 8\s+live 11\s+out-of-band \(\w+\)\s+tofu\/stacks\/gitlab-runners\/dev\.tfvars:\d+/);
		expect(standalone.stdout).toMatch(/^1 drift item in /m);
		// Without --exit-code drift is not a failure.
		expect((await cli(['--config', configFile])).status).toBe(0);
		const asked = (await cli(['--exit-code', '--server', app.url, '--token', token]));
		expect(asked.status).toBe(1);
		expect(asked.stdout).toContain('live 11');

		// A user drift map is read with the configuration; a broken one is an error, with its line, for every stack.
		const withMap = async (map: string) => {
			writeFileSync(join(dir, 'map.yaml'), map);
			const file = join(dir, 'with-map.yaml');
			writeFileSync(file, readFileSync(configFile, 'utf8').replace('drift:\n', 'drift:\n  map_file: map.yaml\n'));
			return cli(['--exit-code', '--config', file]);
		};
		const valid = await withMap('ignore:\n  - kind: Deployment\n    paths: [/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt]\n');
		expect(valid.stdout).toMatch(/^1 drift item in /m);
		expect(valid.status).toBe(1);
		const broken = await withMap('ignore:\n  - kind: HorizontalPodAutoscaler\n    pathz: [spec.maxReplicas]\n');
		expect(broken.status).toBe(2);
		expect(broken.stdout).toMatch(new RegExp(`^error: gitlab-runners/dev: ${join(dir, 'map.yaml')}:\\d+: `, 'm'));
		expect(broken.stdout).toMatch(new RegExp(`^error: arc-runners/dev: ${join(dir, 'map.yaml')}:\\d+: `, 'm'));
	});

	it('keeps the last good items, marked stale, while GitLab fails, and recovers by itself', async () => {
		await control('/faults', { target: 'gitlab', mode: 'error' });
		try {
			const a = await driftUntil((x) => x.errors.length === 4, 'errors for both stacks', Date.now(), 30_000);
			expect(a.errors.map((e) => `${e.stack} ${e.file}`).sort()).toEqual([
				'arc-runners terraform/state/arc-runners-dev',
				'arc-runners tofu/stacks/arc-runners',
				'gitlab-runners terraform/state/gitlab-runners-dev',
				'gitlab-runners tofu/stacks/gitlab-runners'
			]);
			expect(a.stale).toBe(true);
			expect(a.items).toHaveLength(1);
			expect(a.items[0]).toMatchObject({ live: 11, stale: true });
			const sources = (await (await fetch(`${app.url}/api/v1/sources`, { headers: auth() })).json()) as { items: { name: string; status: string; last_error: string }[] };
			expect(sources.items.find((x) => x.name === 'drift')).toMatchObject({ status: 'down', last_error: expect.stringMatching(/GitLab answered 5\d\d/) });
			expect((await cli(['--config', configFile])).status).toBe(2);
		} finally {
			await control('/faults', { target: 'gitlab', mode: 'none' });
		}
		const b = await driftUntil((x) => x.errors.length === 0, 'recovery', Date.now(), 30_000);
		expect(b.items[0]).toMatchObject({ live: 11, stale: false });
		expect(b.stale).toBe(false);
	});

	it('resolves the item in history when the patch is undone', async () => {
		const before = Date.now();
		patchHpaMax(8);
		await driftUntil((x) => x.items.length === 0 && x.errors.length === 0, 'the item to clear', before, 10_000);
		const h = (await (await fetch(`${app.url}/api/v1/drift/history?stack=gitlab-runners`, { headers: auth() })).json()) as {
			items: { key: string; class: string; field: string; first_seen: string; resolved_at: string | null; values: Record<string, unknown> }[];
			total: number;
			page: number;
			per_page: number;
		};
		expect(h).toMatchObject({ total: 1, page: 1, per_page: 50 });
		expect(h.items[0]).toMatchObject({ class: 'out-of-band', field: 'spec.maxReplicas', values: { declared: 8, applied: 8, live: 11 } });
		expect(Date.parse(h.items[0]!.resolved_at!)).toBeGreaterThanOrEqual(Date.parse(h.items[0]!.first_seen));
		expect((await (await fetch(`${app.url}/api/v1/drift/history?state=open`, { headers: auth() })).json()).total).toBe(0);
	});

	it('shows a committed but unapplied tfvars change as unapplied, at its line', async () => {
		const original = await readFile(TFVARS);
		const changed = original.replace(/^(docker_hpa_max_replicas\s*=\s*)8$/m, '$19');
		expect(changed).not.toBe(original);
		const line = lineOf(changed, /^docker_hpa_max_replicas\s*=/);
		const sha = await commitFile(TFVARS, changed, 'Raise docker runner max replicas');
		try {
			const a = await driftUntil((x) => x.items.length > 0, 'the unapplied item', 0, 30_000);
			expect(a.items).toHaveLength(1);
			expect(a.items[0]).toMatchObject({ object: HPA, field: 'spec.maxReplicas', declared: 9, applied: 8, live: 8, class: 'unapplied' });
			expect(a.items[0]!.location).toMatchObject({ file: TFVARS, line });
			expect(a.items[0]!.location!.url).toMatch(new RegExp(`/platform/gitops/-/blob/${sha}/tofu/stacks/gitlab-runners/dev\\.tfvars#L${line}$`));
			const standalone = (await cli(['--exit-code', '--config', configFile]));
			expect(standalone.status).toBe(1);
			expect(standalone.stdout).toContain(`unapplied`);
			expect(standalone.stdout).toContain(`${TFVARS}:${line}`);
		} finally {
			await commitFile(TFVARS, original, 'Revert max replicas');
		}
		await driftUntil((x) => x.items.length === 0 && x.errors.length === 0, 'the revert to clear it', 0, 30_000);
	});

	it('reports a malformed tfvars for its stack with file and line, and still checks the other stack', async () => {
		const original = await readFile(TFVARS);
		const broken = `${original.trimEnd()}\nnix_hpa_max_replicas = [\n`;
		await commitFile(TFVARS, broken, 'Break the tfvars');
		try {
			const a = await driftUntil((x) => x.errors.length > 0, 'the parse error', 0, 30_000);
			expect(a.errors.map((e) => e.stack)).toEqual(['gitlab-runners']);
			expect(a.errors[0]).toMatchObject({ env: 'dev', file: TFVARS });
			expect(a.errors[0]!.line).toBeGreaterThanOrEqual(broken.trimEnd().split('\n').length - 1);
			expect(a.stale).toBe(true);
			// One stack broken, the other checked: the drift source is degraded, not down.
			const sources = (await (await fetch(`${app.url}/api/v1/sources`, { headers: auth() })).json()) as { items: { name: string; status: string; last_error: string }[] };
			expect(sources.items.find((x) => x.name === 'drift')).toMatchObject({ status: 'degraded', last_error: expect.stringContaining(TFVARS) });
			// The arc-runners stack is still compared: an out-of-band change there shows.
			const before = Date.now();
			patchArsMax(25);
			const b = await driftUntil((x) => x.items.some((i) => i.stack === 'arc-runners'), 'the arc-runners item', before, 10_000);
			expect(b.items.filter((i) => i.stack === 'arc-runners')).toMatchObject([{ object: 'AutoscalingRunnerSet arc-runners/gh-docker', field: 'spec.maxRunners', declared: 20, applied: 20, live: 25, class: 'out-of-band' }]);
			const standalone = (await cli(['--exit-code', '--config', configFile]));
			expect(standalone.status).toBe(2);
			expect(standalone.stdout).toMatch(new RegExp(`^error: gitlab-runners/dev: ${TFVARS.replaceAll('.', '\\.')}:\\d+: `, 'm'));
			expect(standalone.stdout).toContain('live 25');
		} finally {
			patchArsMax(20);
			await commitFile(TFVARS, original, 'Repair the tfvars');
		}
		await driftUntil((x) => x.items.length === 0 && x.errors.length === 0, 'recovery', 0, 30_000);
	});

	it('reports a malformed state for its stack with file and line, and still checks the other stack', async () => {
		const name = 'arc-runners-dev';
		const original = await (await gitlab(`/projects/42/terraform/state/${name}`)).text();
		const broken = '{\n  "version": 4,\n  "serial": 99,\n  "resources": [\n    { "type": "kubernetes_manifest" \n  ]\n}\n';
		await control('/gitops/state', { name, content: broken });
		try {
			const a = await driftUntil((x) => x.errors.length > 0, 'the state parse error', 0, 30_000);
			expect(a.errors).toHaveLength(1);
			expect(a.errors[0]).toMatchObject({ stack: 'arc-runners', env: 'dev', file: `terraform/state/${name}` });
			expect(a.errors[0]!.line).toBeGreaterThanOrEqual(5);
			const before = Date.now();
			patchHpaMax(12);
			const b = await driftUntil((x) => x.items.some((i) => i.stack === 'gitlab-runners'), 'the gitlab-runners item', before, 10_000);
			expect(b.items.filter((i) => i.stack === 'gitlab-runners')).toMatchObject([{ object: HPA, field: 'spec.maxReplicas', live: 12, class: 'out-of-band' }]);
			const standalone = (await cli(['--config', configFile]));
			expect(standalone.status).toBe(2);
			expect(standalone.stdout).toMatch(/^error: arc-runners\/dev: terraform\/state\/arc-runners-dev:\d+: /m);
		} finally {
			patchHpaMax(8);
			await control('/gitops/state', { name, content: original });
		}
		await driftUntil((x) => x.items.length === 0 && x.errors.length === 0, 'recovery', 0, 30_000);
	});

	it('never shows a runner token: not in the API, the page, the CLI or the history', async () => {
		const cm = JSON.parse(kubectl(['get', 'configmap', 'docker-runner-config', '-n', 'gitlab-runners', '-o', 'json'])) as { data: Record<string, string> };
		const original = cm.data['config.toml']!;
		const withToken = original.replace(/^(\s*url = .*)$/m, '$1\n  token = "glrt-E2E-SECRET-LIVE"').replace('check_interval = 3', 'check_interval = 4');
		expect(withToken).toContain('glrt-E2E-SECRET-LIVE');
		const patchToml = (text: string) => kubectl(['patch', 'configmap', 'docker-runner-config', '-n', 'gitlab-runners', '--type', 'merge', '-p', JSON.stringify({ data: { 'config.toml': text } })]);
		const before = Date.now();
		patchToml(withToken);
		try {
			const a = await driftUntil((x) => x.items.some((i) => i.field === 'data["config.toml"]'), 'the config.toml item', before, 15_000);
			const item = a.items.find((i) => i.field === 'data["config.toml"]')!;
			expect(item).toMatchObject({ object: 'ConfigMap gitlab-runners/docker-runner-config', class: 'out-of-band' });
			expect(item.applied).toContain('check_interval = 3');
			expect(item.live).toContain('check_interval = 4');
			expect(item.live).toContain('token = "(sensitive)"');
			expect(JSON.stringify(a)).not.toContain('glrt-');

			const page = await fetch(`${app.url}/drift`, { headers: auth() });
			expect(page.status).toBe(200);
			const html = await page.text();
			expect(html).toContain('config.toml');
			expect(html).not.toContain('glrt-');

			for (const args of [['--config', configFile], ['--json', '--config', configFile], ['--server', app.url, '--token', token]]) {
				const out = await cli(args);
				expect(out.stdout).toContain('check_interval');
				expect(out.stdout + out.stderr).not.toContain('glrt-');
			}
		} finally {
			patchToml(original);
		}
		await driftUntil((x) => x.items.length === 0 && x.errors.length === 0, 'the item to clear', Date.now(), 15_000);
		const h = await (await fetch(`${app.url}/api/v1/drift/history?stack=gitlab-runners`, { headers: auth() })).text();
		expect(h).toContain('config.toml');
		expect(h).not.toContain('glrt-');
	});
});

/** Reads the SSE stream in the background and records event types. */
function sseEvents() {
	const seen = new Set<string>();
	const ctrl = new AbortController();
	void (async () => {
		try {
			const r = await fetch(`${app.url}/api/v1/events`, { headers: { ...auth(), accept: 'text/event-stream' }, signal: ctrl.signal });
			const decoder = new TextDecoder();
			for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
				for (const m of decoder.decode(chunk).matchAll(/^event: (.+)$/gm)) seen.add(m[1]!);
			}
		} catch {
			/* aborted */
		}
	})();
	return {
		waitFor: (type: string) => eventually(async () => seen.has(type), (v) => v, 10_000, `an SSE ${type} event`),
		close: () => ctrl.abort()
	};
}
