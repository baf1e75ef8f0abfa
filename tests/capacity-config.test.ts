// The capacity sources' configuration: metrics.prometheus (with its secrets by
// reference), the scraper's window and the group labels.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/lib/server/config';

const dir = mkdtempSync(join(tmpdir(), 'rd-capacity-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string, env: Record<string, string> = {}) {
	const path = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
	writeFileSync(path, yaml);
	return loadConfig({ RUNNER_DASHBOARD_CONFIG: path, ...env }, dir);
}

describe('capacity configuration', () => {
	it('has no Prometheus by default, a 6 h scraper window and the usual group labels', () => {
		const c = loadConfig({}, dir);
		expect(c.prometheus).toBeNull();
		expect(c.scrape.windowMs).toBe(6 * 3600_000);
		expect(c.groupLabels).toEqual({ gitlab: 'runner_type', arc: 'scale_set' });
	});

	it('reads Prometheus with a bearer token from an env var or basic auth with a password file', () => {
		const bearer = load('metrics:\n  prometheus:\n    url: https://prom.example.com/\n    bearer_token: { env: PROM_TOKEN }\n', { PROM_TOKEN: 't0k' });
		expect(bearer.prometheus).toEqual({ url: 'https://prom.example.com', authorization: 'Bearer t0k', timeoutMs: 10_000 });
		writeFileSync(join(dir, 'pw'), 's3cret\n');
		const basic = load('metrics:\n  prometheus:\n    url: http://prom:9090\n    timeout_seconds: 3\n    basic_auth: { username: rd, password: { file: pw } }\n');
		expect(basic.prometheus).toEqual({ url: 'http://prom:9090', authorization: `Basic ${Buffer.from('rd:s3cret').toString('base64')}`, timeoutMs: 3000 });
		const labels = load('metrics:\n  runner_type_label: kind\n  scale_set_label: arc_set\n  scrape: { window_minutes: 60 }\n');
		expect([labels.groupLabels, labels.scrape.windowMs]).toEqual([{ gitlab: 'kind', arc: 'arc_set' }, 3600_000]);
	});

	it('refuses both credentials, inline secrets, credentials in the URL, bad label names and an unset token variable', () => {
		const bad = [
			['metrics:\n  prometheus:\n    url: http://p\n    bearer_token: { env: A }\n    basic_auth: { username: u, password: { env: A } }\n', /at most one/],
			['metrics:\n  prometheus:\n    url: http://p\n    bearer_token: abc\n', /bearer_token/],
			['metrics:\n  runner_type_label: "runner-type"\n', /label name/],
			['metrics:\n  prometheus:\n    url: http://p\n    bearer_token: { env: NOT_SET_ANYWHERE }\n', /NOT_SET_ANYWHERE/],
			['metrics:\n  prometheus:\n    url: ftp://p\n', /prometheus\.url/],
			['metrics:\n  prometheus:\n    url: https://rd:s3cret@prom.example.com\n', /prometheus\.url.*without user or password/],
			['metrics:\n  scrape: { window_minutes: 5 }\n', /window_minutes/]
		] as const;
		for (const [yaml, message] of bad) {
			let err: unknown;
			try {
				load(yaml, { A: 'x' });
			} catch (e) {
				err = e;
			}
			expect(err, yaml).toBeInstanceOf(ConfigError);
			expect((err as Error).message, yaml).toMatch(message);
		}
	});
});
