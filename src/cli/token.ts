// `runner-dashboard token create|list|revoke`: works on the same store as a running
// server (SQLite in WAL mode or PostgreSQL), so a token works immediately.
import { Auth } from '$lib/server/auth/service';
import { isRole, ROLES } from '$lib/server/auth/roles';
import { loadConfig } from '$lib/server/config';
import { Store } from '$lib/server/store';
import { parseFlags, UsageError } from './args';

export async function token(argv: string[]): Promise<number> {
	const [verb, ...rest] = argv;
	const config = loadConfig();
	const flags = parseFlags(rest, { name: 'string', role: 'string', id: 'string' });
	if (verb === 'create') {
		if (typeof flags.name !== 'string' || !/^[\w .:-]{1,100}$/.test(flags.name)) throw new UsageError('--name is required (letters, digits, space, dot, colon, dash)');
		if (!isRole(flags.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
	} else if (verb === 'revoke') {
		if (typeof flags.id !== 'string' || !/^\d+$/.test(flags.id)) throw new UsageError('--id is required (a token id from `token list`)');
	} else if (verb !== 'list') {
		throw new UsageError('usage: runner-dashboard token create --name N --role R | token list | token revoke --id ID');
	}
	const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	try {
		const now = new Date().toISOString();
		const actor = { principal: 'cli', principal_kind: 'cli' };
		if (verb === 'create') {
			const auth = new Auth(store, await Auth.pepper(store, config.sessionSecret), config.auth);
			const { token, secret } = await auth.createToken(flags.name as string, flags.role as never, 'cli');
			await store.audit.record({ ...actor, action: 'token.create', target: `token:${token.name}`, outcome: 'success', detail: { role: token.role, id: token.id } }, now);
			// The secret alone on stdout, so `$(runner-dashboard token create ...)` captures it.
			console.error(`Created token #${token.id} "${token.name}" with role ${token.role}. It is shown once:`);
			console.log(secret);
		} else if (verb === 'list') {
			for (const t of await store.tokens.list()) {
				console.log(`${t.id}\t${t.name}\t${t.role}\t${t.prefix}…\t${t.revoked_at ? 'revoked' : 'active'}\tlast used ${t.last_used_at ?? 'never'}`);
			}
		} else {
			const t = await store.tokens.revoke(Number(flags.id), now);
			await store.audit.record({ ...actor, action: 'token.revoke', target: `token #${flags.id}`, outcome: t ? 'success' : 'failure' }, now);
			if (!t) {
				console.error(`no active token with id ${flags.id}`);
				return 1;
			}
			console.error(`Revoked token #${t.id} "${t.name}".`);
		}
		return 0;
	} finally {
		await store.close();
	}
}
