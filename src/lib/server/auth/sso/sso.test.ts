// Single sign-on against an OpenID Connect provider served from memory (its discovery,
// JWKS and token endpoint answer a replaced fetch; keys made here with jose; no network).
// Every tampered answer signs nobody in and makes no account.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigFile, type SsoProvider } from '../../config';
import { ssoProvider } from '../../config/file';
import type { Actor } from '../../services/actor';
import { Store } from '../../store';
import { Auth } from '../service';
import { SingleSignOn, type Finished } from './service';
import { openNotice } from './notice';

const ISSUER = 'https://idp.example.test/realms/platform';
const ORIGIN = 'https://dash.example.test';
const PEPPER = 'test-pepper';
const actor: Actor = { principal: null, ip: '10.0.0.9', requestId: 'r1', userAgent: 'vitest' };

interface Tamper {
	/** Sign with a key the provider's JWKS does not hold (same kid). */
	foreignKey?: boolean;
	aud?: string;
	iss?: string;
	nonce?: string;
	expiresInS?: number;
}

/** The provider: discovery, JWKS, a token endpoint with single-use codes bound to PKCE. */
class MemoryProvider {
	codes = new Map<string, { nonce: string; challenge: string; sub: string; groups: string[] }>();
	tamper: Tamper = {};
	groups = new Map<string, string[]>([['201', ['platform/sre']], ['203', []]]);
	refreshes = new Map<string, string>();
	private constructor(
		private key: CryptoKey,
		private foreign: CryptoKey,
		private jwk: JWK
	) {}

	static async create() {
		const { privateKey, publicKey } = await generateKeyPair('RS256');
		const other = await generateKeyPair('RS256');
		return new MemoryProvider(privateKey, other.privateKey, { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' });
	}

	authorize(url: URL, sub: string): string {
		const code = `code-${this.codes.size + 1}-${sub}`;
		this.codes.set(code, { nonce: url.searchParams.get('nonce')!, challenge: url.searchParams.get('code_challenge')!, sub, groups: this.groups.get(sub) ?? [] });
		return code;
	}

	private async idToken(sub: string, nonce: string | undefined) {
		const t = this.tamper;
		const now = Math.floor(Date.now() / 1000);
		const jwt = new SignJWT({ nonce: t.nonce ?? nonce, preferred_username: sub === '201' ? 'alice' : 'carol', email: `${sub}@example.test`, email_verified: true, groups: this.groups.get(sub) ?? [] })
			.setProtectedHeader({ alg: 'RS256', kid: 'k1' })
			.setIssuer(t.iss ?? ISSUER)
			.setAudience(t.aud ?? 'runner-dashboard')
			.setSubject(sub)
			.setIssuedAt(now - (t.expiresInS !== undefined && t.expiresInS < 0 ? 600 : 0))
			.setExpirationTime(now + (t.expiresInS ?? 120));
		return jwt.sign(t.foreignKey ? this.foreign : this.key);
	}

	fetch: typeof fetch = async (input, init) => {
		const url = new URL(input instanceof Request ? input.url : String(input));
		const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
		if (url.href === `${ISSUER}/.well-known/openid-configuration`) {
			return json({
				issuer: ISSUER,
				authorization_endpoint: `${ISSUER}/authorize`,
				token_endpoint: `${ISSUER}/token`,
				jwks_uri: `${ISSUER}/jwks`,
				end_session_endpoint: `${ISSUER}/logout`,
				id_token_signing_alg_values_supported: ['RS256'],
				code_challenge_methods_supported: ['S256']
			});
		}
		if (url.href === `${ISSUER}/jwks`) return json({ keys: [this.jwk] });
		if (url.href === `${ISSUER}/token`) {
			const form = new URLSearchParams(String(init?.body));
			if (form.get('grant_type') === 'refresh_token') {
				const sub = this.refreshes.get(form.get('refresh_token')!);
				if (!sub) return json({ error: 'invalid_grant', error_description: 'spent' }, 400);
				this.refreshes.delete(form.get('refresh_token')!);
				const refresh = `refresh-${Math.random()}`;
				this.refreshes.set(refresh, sub);
				return json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: refresh, id_token: await this.idToken(sub, undefined) });
			}
			const code = this.codes.get(form.get('code')!);
			this.codes.delete(form.get('code')!);
			const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
			if (!code || code.challenge !== challenge) return json({ error: 'invalid_grant', error_description: 'The provided authorization grant is invalid.' }, 400);
			const refresh = `refresh-${Math.random()}`;
			this.refreshes.set(refresh, code.sub);
			return json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: refresh, id_token: await this.idToken(code.sub, code.nonce) });
		}
		return json({ error: 'not_found' }, 404);
	};
}

let dir: string;
let store: Store;
let idp: MemoryProvider;
let sso: SingleSignOn;
let auth: Auth;
let clock: number;

const provider = (): SsoProvider => ({
	...ssoProvider.parse({ type: 'oidc', name: 'keycloak', label: 'Keycloak', issuer: ISSUER, client_id: 'runner-dashboard', client_secret: { env: 'UNUSED' }, roles: [{ group: 'platform/sre', role: 'admin' }] }),
	clientSecret: 'secret',
	simulated: false
});

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), 'rd-sso-'));
	store = await Store.open({ dataDir: dir });
	idp = await MemoryProvider.create();
	clock = Date.now();
	const settings = parseConfigFile('auth:\n  role_refresh_seconds: 60\n', 'test.yaml').auth;
	auth = new Auth({ store, pepper: PEPPER, settings, now: () => new Date(clock) });
	sso = new SingleSignOn({ store, auth, pepper: PEPPER, providers: [provider()], roleRefreshSeconds: 60, now: () => new Date(clock), providerOptions: { fetch: idp.fetch } });
});
afterEach(async () => {
	await store.close();
	await rm(dir, { recursive: true, force: true });
});

/** Starts a sign-in and lets `sub` sign in at the provider: the callback's query and the browser's state cookie. */
async function authorized(sub = '201') {
	const started = await sso.start('keycloak', ORIGIN, '/fleet');
	if ('notice' in started) throw new Error('start failed');
	const url = new URL(started.url);
	expect(url.searchParams.get('code_challenge_method')).toBe('S256');
	expect(url.searchParams.get('redirect_uri')).toBe(`${ORIGIN}/api/v1/sign-in/keycloak/callback`);
	return { query: new URLSearchParams({ code: idp.authorize(url, sub), state: started.state }), state: started.state };
}

/** What a refused sign-in left behind: nobody signed in, no account, its reason in words. */
async function expectRefused(r: Finished, words: RegExp) {
	expect(r.ok).toBe(false);
	if (r.ok) return;
	const notice = openNotice(r.notice, PEPPER, new Date(clock));
	expect(notice && 'message' in notice ? notice.message : JSON.stringify(notice)).toMatch(words);
	expect((await store.users.list()).filter((u) => u.provider)).toEqual([]);
}

describe('an OpenID Connect sign-in', () => {
	it('signs in with a verified ID token: the account is linked by provider and subject, the audit names both', async () => {
		const { query, state } = await authorized();
		const r = await sso.finish('keycloak', query, state, actor);
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.next).toBe('/fleet');
		expect(r.session.principal).toMatchObject({ name: 'alice', role: 'admin' });
		expect(await auth.session(r.session.sessionId)).toMatchObject({ name: 'alice', role: 'admin' });
		expect(await store.users.bySubject('keycloak', '201')).toMatchObject({ username: 'alice', role: 'admin', provider: 'keycloak', subject: '201', last_sign_in_at: new Date(clock).toISOString() });
		const [login] = (await store.audit.list({ page: 1, perPage: 10, action: 'login' })).items;
		expect(login).toMatchObject({ principal: 'alice', outcome: 'success', detail: { provider: 'keycloak', subject: '201', role: 'admin', rule: 'group platform/sre' } });
	});

	it('refuses a state this browser did not start, and one never issued', async () => {
		const { query } = await authorized();
		await expectRefused(await sso.finish('keycloak', query, 'another-browsers-state', actor), /another browser/);
		await expectRefused(await sso.finish('keycloak', new URLSearchParams({ code: 'x', state: 'never-issued' }), 'never-issued', actor), /not one this dashboard started/);
	});

	it('refuses a replayed callback (the flow is spent) and a replayed code (the provider refuses it)', async () => {
		const { query, state } = await authorized();
		expect((await sso.finish('keycloak', query, state, actor)).ok).toBe(true);
		const before = await store.users.list();
		const replay = await sso.finish('keycloak', query, state, actor);
		expect(replay.ok).toBe(false);
		// A new sign-in carrying the code already used.
		const fresh = await sso.start('keycloak', ORIGIN, '/fleet');
		if ('notice' in fresh) throw new Error('start failed');
		const r = await sso.finish('keycloak', new URLSearchParams({ code: query.get('code')!, state: fresh.state }), fresh.state, actor);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(openNotice(r.notice, PEPPER, new Date(clock))).toMatchObject({ kind: 'error', message: expect.stringMatching(/Keycloak refused the sign-in: invalid_grant/) });
		expect(await store.users.list()).toEqual(before);
	});

	it.each<[string, Tamper, RegExp]>([
		['a wrong signature', { foreignKey: true }, /signature/i],
		['a wrong aud', { aud: 'another-client' }, /aud/],
		['an expired token', { expiresInS: -300 }, /exp/],
		['a wrong nonce', { nonce: 'not-the-nonce' }, /nonce/],
		['an iss mismatch', { iss: 'https://evil.example.test' }, /iss/]
	])('refuses an ID token with %s', async (_what, tamper, words) => {
		idp.tamper = tamper;
		const { query, state } = await authorized();
		await expectRefused(await sso.finish('keycloak', query, state, actor), words);
		expect((await store.audit.list({ page: 1, perPage: 10, action: 'login' })).items[0]).toMatchObject({ outcome: 'failure', detail: { provider: 'keycloak', reason: 'provider_answer' } });
	});

	it('refuses an identity no rule matches, naming it, with no account', async () => {
		const { query, state } = await authorized('203');
		const r = await sso.finish('keycloak', query, state, actor);
		expect(r.ok).toBe(false);
		if (r.ok) return;
		expect(openNotice(r.notice, PEPPER, new Date(clock))).toEqual({ kind: 'refused', provider: 'Keycloak', username: 'carol', email: '203@example.test', groups: [], reason: 'no_rule' });
		expect(await store.users.bySubject('keycloak', '203')).toBeUndefined();
	});

	it('shows the provider\'s own error in words', async () => {
		const { state } = await authorized();
		const r = await sso.finish('keycloak', new URLSearchParams({ error: 'access_denied', error_description: 'The user cancelled', state }), state, actor);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(openNotice(r.notice, PEPPER, new Date(clock))).toMatchObject({ message: 'Keycloak did not sign you in: access_denied (The user cancelled).' });
	});

	it('re-checks the role with the refresh token once the interval has passed: out of the group, the session ends and it is audited', async () => {
		const { query, state } = await authorized();
		const r = await sso.finish('keycloak', query, state, actor);
		if (!r.ok) throw new Error('sign-in failed');
		clock += 30_000;
		expect(await auth.session(r.session.sessionId)).toMatchObject({ role: 'admin' });
		idp.groups.set('201', ['platform']);
		expect(await auth.session(r.session.sessionId)).toMatchObject({ role: 'admin' });
		clock += 31_000;
		expect(await auth.session(r.session.sessionId)).toBeNull();
		const [recheck] = (await store.audit.list({ page: 1, perPage: 10, action: 'login.recheck' })).items;
		expect(recheck).toMatchObject({ principal: 'alice', outcome: 'denied', detail: { provider: 'keycloak', subject: '201', from: 'admin', to: null, reason: 'no role rule matched' } });
		// Her account is disabled (its API tokens with it) until a rule matches again.
		expect(await store.users.bySubject('keycloak', '201')).toMatchObject({ disabled: true });
		idp.groups.set('201', ['platform/sre']);
		const again = await authorized();
		expect((await sso.finish('keycloak', again.query, again.state, actor)).ok).toBe(true);
		expect(await store.users.bySubject('keycloak', '201')).toMatchObject({ disabled: false, role: 'admin' });
	});

	it('keeps an account an admin disabled refused, whatever the rules say', async () => {
		const first = await authorized();
		expect((await sso.finish('keycloak', first.query, first.state, actor)).ok).toBe(true);
		const alice = (await store.users.bySubject('keycloak', '201'))!;
		await store.users.update(alice.id, { disabled: true }, new Date(clock).toISOString());
		clock += 5_000;
		const { query, state } = await authorized();
		const r = await sso.finish('keycloak', query, state, actor);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(openNotice(r.notice, PEPPER, new Date(clock))).toMatchObject({ kind: 'refused', reason: 'disabled', username: 'alice' });
		// A refused sign-in is no sign-in: the users page keeps the last one that was.
		expect((await store.users.bySubject('keycloak', '201'))?.last_sign_in_at).toBe(alice.last_sign_in_at);
	});

	it('a tampered or stale notice says nothing', () => {
		expect(openNotice('eyJ9.forged', PEPPER, new Date(clock))).toBeNull();
	});
});
