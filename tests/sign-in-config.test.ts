// Sign-in configuration: the providers' examples in docs/configuration.md are valid as
// written, a provider needs the origin its callback URL is built from, and with
// `auth.local: false` no password signs anybody in.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigFile } from '../src/lib/server/config';
import { root, startApp, type RunningApp } from './helpers/app';

const dir = mkdtempSync(join(tmpdir(), 'rd-sign-in-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
	const p = join(dir, name);
	writeFileSync(p, text);
	return p;
}

/** The YAML example under "### Sign-in providers" in docs/configuration.md. */
function docExample(): string {
	const doc = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
	const section = doc.slice(doc.indexOf('### Sign-in providers'));
	return section.slice(section.indexOf('```yaml\n') + 8, section.indexOf('\n```', section.indexOf('```yaml')));
}

describe('sign-in providers in the configuration', () => {
	it('takes the documented GitLab, GitHub and Keycloak example as written', () => {
		const example = docExample().replace('client_id: 3f1c…', 'client_id: 3f1c').replace('client_id: Iv1.8a…', 'client_id: Iv1.8a');
		const secretFile = write('github-secret', 'gh-secret\n');
		const path = write('providers.yaml', example.replace('/var/run/secrets/github-oauth/secret', secretFile));
		const c = loadConfig({ RUNNER_DASHBOARD_CONFIG: path, GITLAB_OIDC_SECRET: 'gl-secret', KEYCLOAK_CLIENT_SECRET: 'kc-secret' }, dir);
		expect(c.sso.map((p) => [p.type, p.name, p.clientSecret])).toEqual([
			['gitlab', 'gitlab', 'gl-secret'],
			['github', 'github', 'gh-secret'],
			['oidc', 'keycloak', 'kc-secret']
		]);
		expect(c.sso[0]).toMatchObject({ url: 'https://gitlab.example.com', groups_claim: 'groups_direct', roles: [{ group: 'platform/sre', role: 'admin' }, { group: 'platform', role: 'operator' }] });
		expect(c.sso[2]).toMatchObject({ issuer: 'https://sso.example.com/realms/platform', scopes: ['openid', 'profile', 'email'], roles: [{ group: 'sre', role: 'admin' }, { email_domain: 'example.com', role: 'viewer' }, { user: 'oncall-bot', role: 'operator' }] });
		expect(c.auth.local).toBe(true);
		expect(c.auth.role_refresh_seconds).toBe(3600);
	});

	it('needs server.origin for a provider, and unique provider names', () => {
		const one = 'auth:\n  providers:\n    - { type: oidc, name: idp, issuer: "https://idp.example.com", client_id: rd, client_secret: { env: S } }\n';
		expect(() => loadConfig({ RUNNER_DASHBOARD_CONFIG: write('no-origin.yaml', one), S: 's' }, dir)).toThrow(ConfigError);
		expect(() => loadConfig({ RUNNER_DASHBOARD_CONFIG: write('no-origin.yaml', one), S: 's' }, dir)).toThrow(/auth.providers needs server.origin/);
		const twice = `server: { origin: "https://dash.example.com" }\n${one}    - { type: github, name: idp, client_id: x, client_secret: { env: S } }\n`;
		expect(() => loadConfig({ RUNNER_DASHBOARD_CONFIG: write('twice.yaml', twice), S: 's' }, dir)).toThrow(/"idp" is used twice/);
	});

	it('refuses an inline secret, an unknown role and a rule with two conditions, naming the key', () => {
		const bad = (rule: string) => () => parseConfigFile(`auth:\n  providers:\n    - { type: gitlab, name: gl, client_id: x, client_secret: { env: S }, roles: [${rule}] }\n`, 'x.yaml');
		expect(bad('{ group: a, role: root }')).toThrow(/auth\.providers\[0\]\.roles\[0\]/);
		expect(bad('{ group: a, user: b, role: admin }')).toThrow(/auth\.providers\[0\]\.roles\[0\]/);
		expect(() => parseConfigFile('auth:\n  providers:\n    - { type: gitlab, name: gl, client_id: x, client_secret: "inline" }\n', 'x.yaml')).toThrow(/client_secret/);
	});

	it('wires the sandbox\'s GitLab and GitHub when the sandbox is configured and no provider is', () => {
		const c = loadConfig({ RUNNER_DASHBOARD_SANDBOX_URL: 'http://127.0.0.1:3001' }, dir);
		expect(c.sso.map((p) => [p.name, p.type, p.simulated])).toEqual([
			['sandbox-gitlab', 'gitlab', true],
			['sandbox-github', 'github', true]
		]);
		expect(c.sso[0]).toMatchObject({ url: 'http://127.0.0.1:3001/gitlab', client_id: 'runner-dashboard', clientSecret: 'sandbox-oidc-secret' });
	});
});

describe('with auth.local: false', () => {
	let app: RunningApp;
	let initial: string;
	beforeAll(async () => {
		app = await startApp({ initialPassword: true, env: { RUNNER_DASHBOARD_CONFIG: write('local-off.yaml', 'auth:\n  local: false\n') } });
		initial = app.adminPassword;
	});
	afterAll(async () => {
		await app?.stop();
	});

	it('shows the providers and no password form', async () => {
		const html = await (await fetch(`${app.url}/login`)).text();
		expect(html).toContain('Sign in with GitLab');
		expect(html).toContain('Sign in with a passkey');
		expect(html).not.toMatch(/name="password"/);
		const options = await (await fetch(`${app.url}/api/v1/sign-in`)).json();
		expect(options).toMatchObject({ local: false, passkeys: true });
	});

	it('refuses a password at POST /login and at the API, with the right password, and starts no session', async () => {
		const form = await fetch(`${app.url}/login`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: app.origin, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ username: 'admin', password: initial, next: '/fleet' })
		});
		expect(form.status).toBe(403);
		expect(form.headers.getSetCookie().some((c) => c.startsWith('rd_session='))).toBe(false);
		const api = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { origin: app.origin, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: initial }) });
		expect(api.status).toBe(403);
		expect(await api.json()).toEqual({ error: { code: 'local_sign_in_off', message: expect.stringContaining('switched off') } });
		expect(api.headers.getSetCookie()).toEqual([]);
	});
});

describe('with auth.passkeys.required_for_local: true', () => {
	let app: RunningApp;
	beforeAll(async () => {
		app = await startApp({ sandbox: false, initialPassword: true, env: { RUNNER_DASHBOARD_CONFIG: write('passkey-2fa.yaml', 'auth:\n  passkeys:\n    required_for_local: true\n') } });
	});
	afterAll(async () => {
		await app?.stop();
	});

	it('refuses the right password without a passkey, and one with an assertion for a challenge never issued', async () => {
		const signIn = (body: unknown) => fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { origin: app.origin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
		const bare = await signIn({ username: 'admin', password: app.adminPassword });
		expect(bare.status).toBe(401);
		expect((await bare.json()).error.code).toBe('passkey_required');
		const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'never-issued', origin: app.origin })).toString('base64url');
		const forged = await signIn({
			username: 'admin',
			password: app.adminPassword,
			passkey: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: clientData, authenticatorData: 'AA', signature: 'AA' } }
		});
		expect(forged.status).toBe(401);
		expect((await forged.json()).error).toMatchObject({ code: 'passkey_refused', message: expect.stringContaining('challenge was not issued here') });
		expect(forged.headers.getSetCookie().some((c) => c.startsWith('rd_session='))).toBe(false);
		const options = await (await fetch(`${app.url}/api/v1/sign-in`)).json();
		expect(options).toMatchObject({ local: true, passkey_with_password: true, providers: [] });
	});
});
