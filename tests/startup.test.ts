// Start-up refuses bad configuration with one message naming the key, and exits non-zero.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, root, spawnSync } from './helpers/app';

function serve(env: Record<string, string>) {
	const dataDir = mkdtempSync(join(tmpdir(), 'rd-startup-'));
	const r = spawnSync(process.execPath, [cliPath, 'serve'], { cwd: root, env: { PATH: process.env.PATH, RUNNER_DASHBOARD_DATA_DIR: dataDir, ...env }, encoding: 'utf8', timeout: 20_000 });
	return { status: r.status, stderr: r.stderr };
}

function yamlFile(text: string) {
	const f = join(mkdtempSync(join(tmpdir(), 'rd-yaml-')), 'config.yaml');
	writeFileSync(f, text);
	return f;
}

describe('start-up with bad configuration', () => {
	it.each([
		[{ PORT: 'eighty' }, /PORT="eighty" is invalid/],
		[{ PORT: '' }, /PORT is set but empty/],
		[{ HOST: '' }, /HOST is set but empty/],
		[{ DATABASE_URL: 'mysql://db/x' }, /DATABASE_URL=.* is invalid: .*postgres/],
		[{ SESSION_SECRET: 'short' }, /SESSION_SECRET=.* is invalid: at least 32 characters/],
		[{ LOG_LEVEL: 'loud' }, /LOG_LEVEL=.* is invalid/],
		[{ ORIGIN: 'ftp://x' }, /ORIGIN=.* is invalid/]
	])('%o exits 2 naming the variable', (env, message) => {
		const r = serve(env as Record<string, string>);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/configuration error/);
		expect(r.stderr).toMatch(message);
	});

	it('an unknown key in the YAML file is named with its full path', () => {
		const f = yamlFile('sources:\n  gitlab:\n    - name: main\n      url: https://gitlab.example.com\n      token: { env: GL_TOKEN }\n      tokn: oops\n');
		const r = serve({ RUNNER_DASHBOARD_CONFIG: f, GL_TOKEN: 'x' });
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/sources\.gitlab\[0\]\.tokn is not a known key/);
	});

	it('an empty value in the YAML file is named', () => {
		const f = yamlFile('server:\n  origin: ""\n');
		const r = serve({ RUNNER_DASHBOARD_CONFIG: f });
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/server\.origin is an empty string/);
	});

	it('a secret reference to an unset variable is named', () => {
		const f = yamlFile('sources:\n  gitlab:\n    - name: main\n      url: https://gitlab.example.com\n      token: { env: GL_TOKEN }\n');
		const r = serve({ RUNNER_DASHBOARD_CONFIG: f });
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/sources\.gitlab\[0\]\.token\.env names GL_TOKEN, which is unset or empty/);
	});

	it('a missing config file is named', () => {
		const r = serve({ RUNNER_DASHBOARD_CONFIG: '/nonexistent/config.yaml' });
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/RUNNER_DASHBOARD_CONFIG=\/nonexistent\/config.yaml cannot be read/);
	});

	it('an unreachable PostgreSQL stops start-up with exit 1 and says where', () => {
		const r = serve({ DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db' });
		expect(r.status).toBe(1);
		expect(r.stderr).toMatch(/store at postgresql:\/\/127\.0\.0\.1:1\/db is not usable/);
		expect(r.stderr).not.toContain('secret');
	});
});
