// `runner-dashboard change`: propose values for a stack's environment from a terminal or
// a pipeline. With --server it asks a running dashboard (an operator token from
// --token-file or RUNNER_DASHBOARD_TOKEN); without, it acts through the same change
// service on the configured store and forges, as `cli`, and the running dashboard on
// that store follows the change from there. Exit 0 when a change is open (made now or
// already), 1 when it is refused (a value, a conflict, nothing to change), 2 on bad
// usage, configuration or a forge or server failure.
import { api, errorCode, errorMessage } from '$lib/api/client';
import { changeSummary } from '$lib/core/change-text';
import { proposalRef, proposalWord } from '$lib/core/changes';
import { messageOf } from '$lib/core/errors';
import { ConfigError, loadConfig } from '$lib/server/config';
import { changeTargets } from '$lib/server/changes/targets';
import { configuredClients } from '$lib/server/drift/readers';
import { EventBus } from '$lib/server/events/bus';
import { CLI_ACTOR } from '$lib/server/services/actor';
import { ChangeService, proposeBody, type ProposeInput } from '$lib/server/services/changes';
import { DomainError } from '$lib/server/services/errors';
import { Store } from '$lib/server/store';
import { createLogger } from '$lib/server/telemetry/logger';
import { parseFlags, UsageError } from './args';
import { serverToken } from './drift';

export const CHANGE_USAGE = 'usage: runner-dashboard change --stack S --env E --set name=value [--set …] [--title T] [--base COMMIT] [--json] [--server URL [--token-file F]]';

/** `name=value`: the value as JSON when it is JSON (`10`, `true`, `["a"]`, `"x"`), else the text itself. */
export function parseSet(pairs: string[]): Record<string, unknown> {
	const set: Record<string, unknown> = {};
	for (const pair of pairs) {
		const eq = pair.indexOf('=');
		if (eq <= 0) throw new UsageError(`--set takes name=value, got "${pair}"`);
		const name = pair.slice(0, eq);
		const text = pair.slice(eq + 1);
		if (Object.hasOwn(set, name)) throw new UsageError(`--set ${name} is given twice`);
		let value: unknown = text;
		try {
			value = JSON.parse(text);
		} catch {
			/* plain text */
		}
		set[name] = value;
	}
	return set;
}

interface ChangeFlags {
	input: ProposeInput;
	json: boolean;
	server?: string;
	token?: string;
}

export function parseChangeArgs(argv: string[], env: Record<string, string | undefined> = process.env): ChangeFlags {
	// --set repeats; the other flags are taken once.
	const sets: string[] = [];
	const rest: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i]!;
		if (a === '--set') {
			const v = argv[++i];
			if (v === undefined) throw new UsageError('--set needs name=value');
			sets.push(v);
		} else if (a.startsWith('--set=')) sets.push(a.slice('--set='.length));
		else rest.push(a);
	}
	const f = parseFlags(rest, { stack: 'string', env: 'string', title: 'string', base: 'string', json: 'boolean', server: 'string', token: 'string', 'token-file': 'string' });
	if (typeof f.stack !== 'string' || typeof f.env !== 'string') throw new UsageError('--stack and --env are required');
	if (sets.length === 0) throw new UsageError('give at least one --set name=value');
	const parsed = proposeBody.safeParse({ stack: f.stack, env: f.env, set: parseSet(sets), title: f.title, base: f.base });
	if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid arguments');
	const explicit = { token: f.token as string | undefined, tokenFile: f['token-file'] as string | undefined };
	for (const [flag, given] of [['--token', explicit.token], ['--token-file', explicit.tokenFile]] as const) {
		if (given && typeof f.server !== 'string') throw new UsageError(`${flag} goes with --server`);
	}
	const server = typeof f.server === 'string' ? f.server : undefined;
	if (server && !/^https?:\/\//.test(server)) throw new UsageError('--server must be an http(s) URL');
	return { input: parsed.data, json: f.json === true, server, token: server ? serverToken(explicit, env) : undefined };
}

interface Proposed {
	id: number;
	forge: 'gitlab' | 'github';
	number: number | null;
	url: string | null;
	state: string;
	stack: string;
	env: string;
	diff: string;
	variables: { name: string; old: unknown; old_from: string; new: unknown }[];
}

class Refused extends Error {
	constructor(
		readonly code: string,
		message: string
	) {
		super(message);
	}
}

async function askServer(flags: ChangeFlags): Promise<{ change: Proposed; created: boolean }> {
	const client = api(fetch, flags.server!.replace(/\/$/, ''), flags.token ? { authorization: `Bearer ${flags.token}` } : {});
	let r;
	try {
		r = await client.POST('/api/v1/changes', { body: flags.input, signal: AbortSignal.timeout(60_000) });
	} catch (e) {
		throw new Error(`${flags.server} unreachable: ${((e as Error).cause as Error)?.message ?? messageOf(e)}`);
	}
	if (r.response.ok && r.data) return { change: r.data as Proposed, created: r.response.status === 201 };
	const message = errorMessage(r.error, r.response.status);
	if (r.response.status >= 400 && r.response.status < 500 && r.response.status !== 401) throw new Refused(errorCode(r.error) ?? 'refused', message);
	throw new Error(`${flags.server} answered ${r.response.status}: ${message}`);
}

async function proposeLocally(flags: ChangeFlags): Promise<{ change: Proposed; created: boolean }> {
	const config = loadConfig();
	const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	try {
		const targets = changeTargets(config, configuredClients(config.sources));
		const service = new ChangeService({ store, bus: new EventBus(10), logger: createLogger('warn'), config: config.changes, origin: config.origin, targets, drift: null });
		const { change, created } = await service.propose(CLI_ACTOR, flags.input);
		return { change: change as Proposed, created };
	} catch (e) {
		if (e instanceof DomainError && !['upstream', 'upstream_timeout', 'unavailable'].includes(e.kind)) throw new Refused(e.code, e.message);
		throw e;
	} finally {
		await store.close();
	}
}

/** What a person reads: the change, where to follow it, the values and the diff. */
export function formatChange(c: Proposed, created: boolean): string {
	const ref = proposalRef(c.forge, c.number);
	const head = created ? `change ${c.id} opened` : `change ${c.id} already proposes these values (${c.state})`;
	const where = ref ? `${proposalWord(c.forge)} ${ref}${c.url ? ` ${c.url}` : ''}` : (c.url ?? '');
	return [`${head}: ${where}`.trimEnd(), `${c.stack}/${c.env}: ${changeSummary(c.variables.map((v) => ({ ...v, old_from: v.old_from as 'tfvars' })))}`, '', c.diff.trimEnd()].join('\n');
}

export async function change(argv: string[]): Promise<number> {
	const flags = parseChangeArgs(argv);
	try {
		const { change: c, created } = flags.server ? await askServer(flags) : await proposeLocally(flags);
		console.log(flags.json ? JSON.stringify(c, null, 2) : formatChange(c, created));
		return 0;
	} catch (e) {
		if (e instanceof UsageError || e instanceof ConfigError) throw e;
		if (e instanceof Refused) {
			console.error(`runner-dashboard change: refused (${e.code}): ${e.message}`);
			return 1;
		}
		console.error(`runner-dashboard change: ${messageOf(e)}`);
		return 2;
	}
}
