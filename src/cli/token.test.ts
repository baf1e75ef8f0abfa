// `token create|list|revoke` runs the account service as the CLI: the same validation and
// the same audit records as the API, apart from who acted and from where.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type Backend } from '../../tests/helpers/stores';
import { Auth } from '$lib/server/auth/service';
import { parseConfigFile } from '$lib/server/config';
import { Accounts } from '$lib/server/services/accounts';
import type { Actor } from '$lib/server/services/actor';
import { Store } from '$lib/server/store';
import { UsageError } from './args';
import { parseDays, parseTokenArgs, runToken } from './token';

const NOW = new Date('2025-03-01T12:00:00Z');
const settings = parseConfigFile('', 'test.yaml').auth;

/** An admin API token made with the CLI, calling POST /api/v1/tokens. */
const API_ACTOR: Actor = {
	principal: { kind: 'token', id: 41, name: 'token:deployer', role: 'admin', ownerId: null },
	ip: '203.0.113.7',
	requestId: 'req-7',
	userAgent: 'curl/8'
};

function io() {
	const out: string[] = [];
	const err: string[] = [];
	return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('token arguments', () => {
	it('parses create, list and revoke', () => {
		expect(parseTokenArgs(['create', '--name', 'ci', '--role', 'viewer'])).toEqual({ verb: 'create', name: 'ci', role: 'viewer' });
		expect(parseTokenArgs(['create', '--name=ci', '--role=admin', '--expires-in', '12w'])).toEqual({ verb: 'create', name: 'ci', role: 'admin', expiresInDays: 84 });
		expect(parseTokenArgs(['list'])).toEqual({ verb: 'list' });
		expect(parseTokenArgs(['revoke', '--id', '7'])).toEqual({ verb: 'revoke', id: 7 });
	});

	it.each([
		[['create', '--name', 'x', '--role', 'root'], /--role must be one of viewer, operator, admin/],
		[['create', '--role', 'viewer'], /--name is required/],
		[['create', '--name', 'x', '--role', 'viewer', '--expires-in', '30'], /--expires-in takes days or weeks/],
		[['revoke', '--id', 'seven'], /--id is required/],
		[['rotate'], /usage: runner-dashboard token/]
	])('refuses %j', (argv, message) => {
		expect(() => parseTokenArgs(argv)).toThrow(UsageError);
		expect(() => parseTokenArgs(argv)).toThrow(message);
	});

	it('reads durations in days and weeks, within ten years', () => {
		expect(parseDays('30d')).toBe(30);
		expect(parseDays('2w')).toBe(14);
		for (const bad of ['0d', '3651d', '1y', '12h', 'd', '-3d']) expect(() => parseDays(bad)).toThrow(UsageError);
	});
});

describe.each(BACKENDS)('token via the CLI on %s', (_dialect, makeBackend) => {
	let backend: Backend;
	const stores: Store[] = [];

	beforeAll(async () => {
		backend = await makeBackend();
	});

	afterAll(async () => {
		for (const s of stores) await s.close();
		await backend?.stop();
	});

	async function freshAccounts() {
		const store = await Store.open(await backend.fresh());
		stores.push(store);
		const now = () => NOW;
		const auth = new Auth({ store, pepper: 'pepper', settings, now });
		return { store, auth, accounts: new Accounts({ store, auth, now }) };
	}

	it('writes the same audit record as the API, apart from principal, ip and request id', async () => {
		// Two fresh stores, so both tokens get the same id and the records can be compared whole.
		const cli = await freshAccounts();
		const api = await freshAccounts();
		const out = io();
		expect(await runToken(parseTokenArgs(['create', '--name', 'ci runner', '--role', 'operator', '--expires-in', '30d']), cli.accounts, out.io)).toBe(0);
		await api.accounts.createToken(API_ACTOR, { name: 'ci runner', role: 'operator', expires_in_days: 30 });

		const [fromCli] = (await cli.store.audit.list({ page: 1, perPage: 10 })).items;
		const [fromApi] = (await api.store.audit.list({ page: 1, perPage: 10 })).items;
		expect(fromCli).toMatchObject({ principal: 'cli', principal_kind: 'cli', ip: null, request_id: null });
		expect(fromApi).toMatchObject({ principal: 'token:deployer', principal_kind: 'token', ip: '203.0.113.7', request_id: 'req-7' });
		const rest = ({ principal: _p, principal_kind: _k, ip: _i, request_id: _r, ...r }: typeof fromCli & {}) => r;
		expect(rest(fromCli!)).toEqual(rest(fromApi!));
		expect(rest(fromCli!)).toEqual({
			id: 1,
			at: NOW.toISOString(),
			action: 'token.create',
			target: 'token:1',
			outcome: 'success',
			detail: { name: 'ci runner', role: 'operator', owner_id: null, expires_at: new Date(NOW.getTime() + 30 * 86_400_000).toISOString() },
			count: 1
		});
		// The secret alone on stdout; it works.
		expect(out.out).toHaveLength(1);
		expect(await cli.auth.token(out.out[0]!)).toMatchObject({ name: 'token:ci runner', role: 'operator' });
	});

	it('lists and revokes through the service, and reports an unknown id with exit code 1', async () => {
		const { store, accounts } = await freshAccounts();
		const created = io();
		await runToken({ verb: 'create', name: 'ci', role: 'viewer' }, accounts, created.io);
		const listed = io();
		expect(await runToken({ verb: 'list' }, accounts, listed.io)).toBe(0);
		expect(listed.out).toEqual([expect.stringMatching(/^1\tci\tviewer\trdt_\S{6}…\tactive\texpires never\tlast used never$/)]);
		const revoked = io();
		expect(await runToken({ verb: 'revoke', id: 1 }, accounts, revoked.io)).toBe(0);
		expect(revoked.err).toEqual(['Revoked token #1 "ci".']);
		const again = io();
		expect(await runToken({ verb: 'revoke', id: 1 }, accounts, again.io)).toBe(1);
		expect(again.err).toEqual(['no active token 1']);
		expect((await store.audit.list({ page: 1, perPage: 10, action: 'token.revoke' })).items.map((e) => [e.target, e.outcome])).toEqual([
			['token:1', 'failure'],
			['token:1', 'success']
		]);
	});

	it('refuses a bad name as a usage error, creating nothing', async () => {
		const { store, accounts } = await freshAccounts();
		await expect(runToken({ verb: 'create', name: 'bad/name', role: 'viewer' }, accounts, io().io)).rejects.toThrow(/--name: letters, digits/);
		expect(await store.tokens.list()).toEqual([]);
	});
});
