// `runner-dashboard token create|list|revoke`: the same account service the API uses,
// acting as the CLI on the same store as a running server (SQLite in WAL mode or
// PostgreSQL), so a token works immediately and is audited like one made in the API.
import { Auth } from '$lib/server/auth/service';
import { isRole, ROLES } from '$lib/server/auth/roles';
import { loadConfig } from '$lib/server/config';
import { Accounts, MAX_TOKEN_DAYS, newToken } from '$lib/server/services/accounts';
import { CLI_ACTOR } from '$lib/server/services/actor';
import { DomainError } from '$lib/server/services/errors';
import { Store } from '$lib/server/store';
import { parseFlags, UsageError } from './args';

const USAGE = 'usage: runner-dashboard token create --name N --role R [--expires-in 30d] | token list | token revoke --id ID';

export type TokenCommand = { verb: 'create'; name: string; role: string; expiresInDays?: number } | { verb: 'list' } | { verb: 'revoke'; id: number };

/** `30d` or `12w` as days. */
export function parseDays(text: string): number {
	const m = /^(\d{1,5})([dw])$/.exec(text);
	const days = m ? Number(m[1]) * (m[2] === 'w' ? 7 : 1) : NaN;
	if (!(days >= 1 && days <= MAX_TOKEN_DAYS)) throw new UsageError(`--expires-in takes days or weeks, e.g. 30d or 12w, at most ${MAX_TOKEN_DAYS}d`);
	return days;
}

export function parseTokenArgs(argv: string[]): TokenCommand {
	const [verb, ...rest] = argv;
	const flags = parseFlags(rest, { name: 'string', role: 'string', id: 'string', 'expires-in': 'string' });
	if (verb === 'create') {
		if (typeof flags.name !== 'string') throw new UsageError('--name is required (letters, digits, space, dot, colon, dash)');
		if (!isRole(flags.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
		const expires = flags['expires-in'];
		return { verb, name: flags.name, role: flags.role, ...(typeof expires === 'string' ? { expiresInDays: parseDays(expires) } : {}) };
	}
	if (verb === 'revoke') {
		if (typeof flags.id !== 'string' || !/^\d{1,9}$/.test(flags.id)) throw new UsageError('--id is required (a token id from `token list`)');
		return { verb, id: Number(flags.id) };
	}
	if (verb === 'list') return { verb };
	throw new UsageError(USAGE);
}

/** The flag behind each field of the service's input. */
const FLAG_OF: Record<string, string> = { name: 'name', role: 'role', expires_in_days: 'expires-in' };

export interface Io {
	out(line: string): void;
	err(line: string): void;
}

/** Runs a parsed command against the account service; returns the exit code. */
export async function runToken(cmd: TokenCommand, accounts: Accounts, io: Io): Promise<number> {
	try {
		if (cmd.verb === 'create') {
			const input = newToken.safeParse({ name: cmd.name, role: cmd.role, expires_in_days: cmd.expiresInDays });
			if (!input.success) {
				const issue = input.error.issues[0]!;
				throw new UsageError(`--${FLAG_OF[String(issue.path[0])] ?? 'name'}: ${issue.message}`);
			}
			const { token, secret } = await accounts.createToken(CLI_ACTOR, input.data);
			// The secret alone on stdout, so `$(runner-dashboard token create ...)` captures it.
			io.err(`Created token #${token.id} "${token.name}" with role ${token.role}${token.expires_at ? `, expiring ${token.expires_at}` : ''}. It is shown once:`);
			io.out(secret);
		} else if (cmd.verb === 'list') {
			for (const t of await accounts.listTokens(CLI_ACTOR)) {
				const state = t.revoked_at ? 'revoked' : t.expires_at && new Date(t.expires_at) <= new Date() ? 'expired' : 'active';
				io.out(`${t.id}\t${t.name}\t${t.role}\t${t.prefix}…\t${state}\texpires ${t.expires_at ?? 'never'}\tlast used ${t.last_used_at ?? 'never'}`);
			}
		} else {
			const t = await accounts.revokeToken(CLI_ACTOR, cmd.id);
			io.err(`Revoked token #${t.id} "${t.name}".`);
		}
		return 0;
	} catch (e) {
		if (!(e instanceof DomainError)) throw e;
		io.err(e.message);
		return 1;
	}
}

export async function token(argv: string[]): Promise<number> {
	const config = loadConfig();
	const cmd = parseTokenArgs(argv);
	const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	try {
		const auth = new Auth({ store, pepper: await Auth.pepper(store, config.sessionSecret), settings: config.auth });
		return await runToken(cmd, new Accounts({ store, auth }), { out: (l) => console.log(l), err: (l) => console.error(l) });
	} finally {
		await store.close();
	}
}
