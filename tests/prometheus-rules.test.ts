// The shipped alerting rules: promtool accepts them and their unit tests pass, every
// alert has a case that fires and one that stays quiet, and the dashboard's /metrics
// carries every series the rules read — the drift series moving after a kubectl patch.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, root, startApp, type RunningApp } from './helpers/app';

const dir = join(root, 'deploy/prometheus');
const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

interface Rule {
	alert: string;
	expr: string;
}
const rules: Rule[] = parse(readFileSync(join(dir, 'rules.yaml'), 'utf8')).groups.flatMap((g: { rules: Rule[] }) => g.rules);
const tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] = parse(readFileSync(join(dir, 'rules.test.yaml'), 'utf8')).tests;

const promtool = (args: string[]) => spawnSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });

describe('deploy/prometheus/rules.yaml', () => {
	it('passes promtool check rules', () => {
		const r = promtool(['check', 'rules', 'rules.yaml']);
		expect(r.stdout + r.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
		expect(r.status).toBe(0);
	});

	it('passes its promtool unit tests', () => {
		const r = promtool(['test', 'rules', 'rules.test.yaml']);
		expect({ status: r.status, out: r.stdout + r.stderr }).toMatchObject({ status: 0, out: expect.stringContaining('SUCCESS') });
	});

	it('tests every alert both firing and quiet', () => {
		const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
		expect(rules.length).toBeGreaterThanOrEqual(6);
		for (const { alert } of rules) {
			expect({ alert, fires: cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0) }).toEqual({ alert, fires: true });
			expect({ alert, quiet: cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0) }).toEqual({ alert, quiet: true });
		}
	});

	it('fails promtool when a rule is broken (the check can fail)', () => {
		const r = spawnSync(PROMTOOL, ['check', 'rules', '/dev/stdin'], { input: 'groups:\n  - name: x\n    rules:\n      - alert: Bad\n        expr: sum by (\n', encoding: 'utf8' });
		expect(r.status).not.toBe(0);
	});
});

describe('/metrics carries the series the rules read', () => {
	let app: RunningApp;
	let viewer: string;
	beforeAll(async () => {
		app = await startApp();
		viewer = createToken(app, 'prometheus', 'viewer');
	}, 60_000);
	afterAll(async () => {
		await app?.stop();
	});

	const scrape = async () => (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${viewer}` } })).text();
	/** Sample lines of one metric, `name{labels} value`. */
	const samples = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
	const total = (text: string, name: string, match = '') =>
		samples(text, name)
			.filter((l) => l.includes(match))
			.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

	it('exports every metric named in a rule, with the fleet’s values', async () => {
		const names = [...new Set(rules.flatMap((r) => r.expr.match(/runner_dashboard_[a-z_]+/g) ?? []))];
		expect(names.sort()).toEqual([
			'runner_dashboard_arc_controller_up',
			'runner_dashboard_arc_listener_up',
			'runner_dashboard_drift_items',
			'runner_dashboard_phantom_runners',
			'runner_dashboard_runners',
			'runner_dashboard_source_data_age_seconds',
			'runner_dashboard_source_up',
			'runner_dashboard_waiting_jobs'
		]);
		const text = await eventually(
			scrape,
			(t) => names.every((n) => samples(t, n).length > 0) && total(t, 'runner_dashboard_runners', 'forge="gitlab"') === 160,
			60_000,
			'every series the rules read'
		);
		// The sandbox's default GitLab fleet, by status, as the fleet page counts it.
		const sandbox = await (await fetch(`${app.sandboxUrl}/_sandbox/state`)).json();
		expect(total(text, 'runner_dashboard_runners', 'forge="gitlab",status="online"')).toBe(sandbox.gitlab.runners.by_status.online);
		expect(samples(text, 'runner_dashboard_runners').some((l) => l.includes('outdated="true"'))).toBe(true);
		expect(total(text, 'runner_dashboard_waiting_jobs', 'reason="no_runner"')).toBeGreaterThan(0);
		expect(samples(text, 'runner_dashboard_phantom_runners')).toContain('runner_dashboard_phantom_runners{scale_set="gh-docker"} 0');
		expect(samples(text, 'runner_dashboard_arc_listener_up')).toContain('runner_dashboard_arc_listener_up{scale_set="gh-nix"} 1');
		expect(samples(text, 'runner_dashboard_arc_controller_up')).toEqual(['runner_dashboard_arc_controller_up{source="sandbox-k8s"} 1']);
	}, 90_000);

	it('moves the drift series after a kubectl patch', async () => {
		const critical = (t: string) => total(t, 'runner_dashboard_drift_items', 'stack="gitlab-runners",env="dev"');
		const before = critical(await eventually(scrape, (t) => samples(t, 'runner_dashboard_source_up').length > 0, 30_000, 'a scrape'));
		execFileSync('kubectl', [`--server=${app.sandboxUrl}/k8s`, 'patch', 'hpa', 'docker-runner-hpa', '-n', 'gitlab-runners', '--type', 'merge', '-p', JSON.stringify({ spec: { maxReplicas: 13 } })], {
			encoding: 'utf8',
			timeout: 30_000
		});
		const after = await eventually(scrape, (t) => critical(t) > before, 60_000, 'the drift series to count the patched HPA');
		expect(critical(after)).toBe(before + 1);
	}, 90_000);

	type ArcComponent = { pod: string | null; up: boolean | null; detail: string | null };
	type Health = { items: { scale_set: string; healthy: boolean; phantom_runners: { name: string }[]; listener: ArcComponent; controller: ArcComponent }[] };
	const health = async (): Promise<Health> => (await fetch(`${app.url}/api/v1/scale-sets/health`, { headers: { authorization: `Bearer ${viewer}` } })).json();
	const listPage = async () => (await fetch(`${app.url}/fleet/scale-sets`, { headers: { authorization: `Bearer ${viewer}` } })).text();
	const sandbox = (path: string, b: object) => fetch(`${app.sandboxUrl}${path}`, { method: 'POST', body: JSON.stringify(b) });

	it('flags a scale set whose EphemeralRunner lost its pod, naming the runner, and counts it in the phantom series', async () => {
		const orphan = await (await sandbox('/_sandbox/arc/orphan', { scale_set: 'gh-docker' })).json();
		expect(orphan.ephemeral_runner).toMatch(/^gh-docker-/);
		const flagged = await eventually(
			health,
			(h) => h.items.some((i) => i.scale_set === 'gh-docker' && i.phantom_runners.some((p) => p.name === orphan.ephemeral_runner)),
			90_000,
			'the orphaned runner to be named'
		);
		const docker = flagged.items.find((i) => i.scale_set === 'gh-docker');
		expect(docker).toMatchObject({ healthy: false, phantom_runners: [{ name: orphan.ephemeral_runner, detail: expect.stringContaining(`its pod ${orphan.pod} does not exist`) }] });
		expect(flagged.items.filter((i) => !i.healthy).map((i) => i.scale_set)).toEqual(['gh-docker']);
		expect(samples(await scrape(), 'runner_dashboard_phantom_runners')).toContain('runner_dashboard_phantom_runners{scale_set="gh-docker"} 1');
		// The scale set's page names it too.
		const page = await (await fetch(`${app.url}/fleet/scale-sets/${encodeURIComponent('sandbox-k8s:arc-runners:gh-docker')}`, { headers: { authorization: `Bearer ${viewer}` } })).text();
		expect(page).toContain('Runners ARC counts but cannot use');
		expect(page).toContain(`<code>${orphan.ephemeral_runner}</code>`);
	}, 120_000);

	it('flags a stopped listener by its scale set and pod, on the API, the metric and the Scale sets page, and clears it when it runs again', async () => {
		expect((await sandbox('/_sandbox/arc/listeners', { scale_set: 'gh-nix', state: 'stopped' })).status).toBe(200);
		const down = await eventually(health, (h) => h.items.some((i) => i.scale_set === 'gh-nix' && !i.listener.up), 60_000, 'the stopped listener to be flagged');
		const nix = down.items.find((i) => i.scale_set === 'gh-nix')!;
		expect(nix).toMatchObject({ healthy: false, listener: { pod: null, up: false, detail: 'no listener pod for scale set arc-runners/gh-nix in arc-systems' }, controller: { up: true } });
		expect(down.items.filter((i) => !i.listener.up).map((i) => i.scale_set)).toEqual(['gh-nix']);
		expect(samples(await scrape(), 'runner_dashboard_arc_listener_up')).toContain('runner_dashboard_arc_listener_up{scale_set="gh-nix"} 0');
		const page = await listPage();
		expect(page).toContain('listener down');
		expect(page).toContain('no listener pod for scale set arc-runners/gh-nix in arc-systems');

		await sandbox('/_sandbox/arc/listeners', { scale_set: 'gh-nix', state: 'running' });
		const back = await eventually(health, (h) => h.items.find((i) => i.scale_set === 'gh-nix')?.listener.up === true, 60_000, 'the listener to be up again');
		expect(back.items.find((i) => i.scale_set === 'gh-nix')!.listener.pod).toMatch(/^arc-systems\/gh-nix-[0-9a-f]{8}-listener$/);
	}, 150_000);

	it('flags the ARC controller down on every scale set when its Deployment is scaled to zero', async () => {
		const scale = (n: number) =>
			execFileSync('kubectl', [`--server=${app.sandboxUrl}/k8s`, 'patch', 'deploy', 'arc-gha-rs-controller', '-n', 'arc-systems', '--type', 'merge', '-p', JSON.stringify({ spec: { replicas: n } })], {
				encoding: 'utf8',
				timeout: 30_000
			});
		scale(0);
		try {
			const down = await eventually(health, (h) => h.items.length > 0 && h.items.every((i) => !i.controller.up), 60_000, 'the controller to be flagged down');
			expect(down.items[0]!.controller).toEqual({ pod: null, up: false, detail: 'no ARC controller pod (app.kubernetes.io/name=gha-rs-controller) in arc-systems' });
			expect(samples(await scrape(), 'runner_dashboard_arc_controller_up')).toEqual(['runner_dashboard_arc_controller_up{source="sandbox-k8s"} 0']);
			expect(await listPage()).toContain('controller down');
		} finally {
			scale(1);
		}
		await eventually(health, (h) => h.items.every((i) => i.controller.up), 60_000, 'the controller to be up again');
	}, 150_000);
});
