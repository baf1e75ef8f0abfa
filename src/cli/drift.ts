// `runner-dashboard drift`: drift for pipelines. By itself it reads the configuration,
// reads each stack's files, state and cluster once and exits (no server, no store);
// with --server it asks a running dashboard (its token from --token-file,
// RUNNER_DASHBOARD_TOKEN or --token). Exit 0 no drift, 1 drift (with --exit-code),
// 2 error (configuration, upstream or parse error).
import { loadConfig, type Config } from '$lib/server/config';
import { checkDrift, liveObjects, loadDriftMap, WATCHED_KINDS, type LiveSide } from '$lib/server/drift/check';
import { configuredClients, stackReaders } from '$lib/server/drift/readers';
import type { DriftSnapshot } from '$lib/server/drift/service';
import { driftAnswer, type DriftAnswer } from '$lib/server/drift/view';
import { kubeConfigFor } from '$lib/sources/kubernetes/client';
import { lister, namespacesOf, RESOURCES } from '$lib/sources/kubernetes/resources';
import { readFileSync } from 'node:fs';
import { messageOf } from '$lib/core/errors';
import { parseFlags, UsageError } from './args';
import { displayValue as show } from '$lib/core/drift/diff';

type Flags = { json: boolean; exitCode: boolean; config?: string; server?: string; token?: string };

/**
 * The API token for --server: a file (--token-file), the RUNNER_DASHBOARD_TOKEN variable,
 * or --token. The first two keep it out of argv, which `ps`, shell history and CI logs show.
 */
export function serverToken(f: { token?: string; tokenFile?: string }, env: Record<string, string | undefined>): string | undefined {
	if (f.token && f.tokenFile) throw new UsageError('give the token once: --token-file or --token');
	if (f.tokenFile) {
		let text: string;
		try {
			text = readFileSync(f.tokenFile, 'utf8');
		} catch (e) {
			throw new UsageError(`--token-file ${f.tokenFile} cannot be read: ${messageOf(e)}`);
		}
		const token = text.trim();
		if (!token) throw new UsageError(`--token-file ${f.tokenFile} is empty`);
		return token;
	}
	return f.token ?? (env.RUNNER_DASHBOARD_TOKEN || undefined);
}

function readFlags(argv: string[], env: Record<string, string | undefined> = process.env): Flags {
	const f = parseFlags(argv, { json: 'boolean', 'exit-code': 'boolean', config: 'string', server: 'string', token: 'string', 'token-file': 'string' });
	const explicit = { token: f.token as string | undefined, tokenFile: f['token-file'] as string | undefined };
	const flags: Flags = { json: f.json === true, exitCode: f['exit-code'] === true, config: f.config as string, server: f.server as string };
	if (flags.server && flags.config) throw new UsageError('--config and --server exclude each other: the server uses its own configuration');
	for (const [flag, given] of [['--token', explicit.token], ['--token-file', explicit.tokenFile]] as const) {
		if (given && !flags.server) throw new UsageError(`${flag} goes with --server`);
	}
	if (flags.server && !/^https?:\/\//.test(flags.server)) throw new UsageError('--server must be an http(s) URL');
	if (flags.server) flags.token = serverToken(explicit, env);
	return flags;
}

/** Reads one cluster's watched kinds once, as the server's informers would list them. */
async function listCluster(config: Config, name: string): Promise<LiveSide> {
	const source = config.sources.find((s) => s.name === name);
	if (!source || source.kind !== 'kubernetes') return { ok: false, message: `no Kubernetes source "${name}"` };
	const k = source.kubernetes;
	const kc = kubeConfigFor(k);
	try {
		const lists = await Promise.all(
			RESOURCES.filter((r) => (WATCHED_KINDS as readonly string[]).includes(r.kind)).flatMap((r) => {
				const namespaces = namespacesOf(r, k);
				return [...new Set(namespaces)].map(async (ns) => liveObjects(r.kind, r.apiVersion, (await lister(kc, r, ns)()).items));
			})
		);
		return { ok: true, objects: lists.flat() };
	} catch (e) {
		const err = e as { code?: number; message?: string };
		return { ok: false, message: `cluster not readable: ${err.code ? `${err.code} ` : ''}${err.message ?? String(e)}` };
	}
}

async function computeLocally(flags: Flags): Promise<DriftAnswer> {
	const config = loadConfig(flags.config ? { ...process.env, RUNNER_DASHBOARD_CONFIG: flags.config } : process.env);
	if (config.drift.stacks.length === 0) throw new UsageError('no drift stacks are configured (drift.stacks in the file named by RUNNER_DASHBOARD_CONFIG or --config; see docs/configuration.md)');
	const clients = configuredClients(config.sources);
	const readers = config.drift.stacks.map((s) => stackReaders(s, clients, config.drift.limits));
	const clusters = new Map<string, LiveSide>();
	for (const name of new Set(config.drift.stacks.map((s) => s.cluster))) clusters.set(name, await listCluster(config, name));
	const check = await checkDrift(readers, (name) => clusters.get(name)!, await loadDriftMap(config.drift.mapFile));
	// A single run has no history: an item is first seen now.
	const snapshot: DriftSnapshot = {
		items: check.items.map((i) => ({ ...i, first_seen: check.checkedAt, age_s: 0, stale: false })),
		errors: check.errors,
		checked_at: check.checkedAt,
		read_at: check.checkedAt,
		stale: false,
		stacks: config.drift.stacks.map((s) => ({ name: s.name, envs: s.envs, revision: check.revisions[s.name] ?? null, simulated: s.simulated })),
		checked: check.checked
	};
	return driftAnswer(snapshot, {});
}

async function askServer(flags: Flags): Promise<DriftAnswer> {
	const url = `${flags.server!.replace(/\/$/, '')}/api/v1/drift`;
	let res: Response;
	try {
		res = await fetch(url, { headers: { accept: 'application/json', ...(flags.token ? { authorization: `Bearer ${flags.token}` } : {}) }, signal: AbortSignal.timeout(30_000) });
	} catch (e) {
		throw new Error(`${url} unreachable: ${((e as Error).cause as Error)?.message ?? (e as Error).message}`);
	}
	const body = (await res.json().catch(() => null)) as (DriftAnswer & { error?: { message: string } }) | null;
	if (!res.ok || !body) throw new Error(`${url} answered ${res.status}${body?.error ? `: ${body.error.message}` : ''}`);
	return body;
}


/** The readable form: stack/env → object → one line per field, then the errors. */
export function formatDrift(a: DriftAnswer): string {
	const out: string[] = [];
	const rows: string[][] = [];
	let lastScope = '';
	let lastObject = '';
	const flush = () => {
		if (!rows.length) return;
		const widths = rows[0]!.map((_, c) => rows.reduce((w, r) => Math.max(w, r[c]!.length), 0));
		for (const r of rows) out.push(`    ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
		rows.length = 0;
	};
	for (const i of a.items) {
		const scope = `${i.stack}/${i.env}`;
		if (scope !== lastScope) {
			flush();
			out.push(`${scope}`);
			lastScope = scope;
			lastObject = '';
		}
		if (i.object !== lastObject) {
			flush();
			out.push(`  ${i.object}`);
			lastObject = i.object;
		}
		const where = i.location ? `${i.location.file}:${i.location.line}` : '';
		rows.push([i.field, `declared ${show(i.field, i.declared)}`, `applied ${show(i.field, i.applied)}`, `live ${show(i.field, i.live)}`, `${i.class} (${i.severity})`, where]);
	}
	flush();
	const stacks = a.stacks.map((s) => `${s.name} (${s.envs.join(', ')})`).join(', ');
	if (a.items.length === 0) out.push(`No drift in ${stacks}; checked ${a.checked_at ?? 'never'}.`);
	else out.push(`${a.items.length} drift item${a.items.length === 1 ? '' : 's'} in ${stacks}; checked ${a.checked_at ?? 'never'}.`);
	for (const e of a.errors) out.push(`error: ${e.stack}/${e.env}: ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`);
	return out.join('\n');
}

export async function drift(argv: string[]): Promise<number> {
	const flags = readFlags(argv);
	let answer: DriftAnswer;
	try {
		answer = flags.server ? await askServer(flags) : await computeLocally(flags);
	} catch (e) {
		if (e instanceof UsageError) throw e;
		if ((e as Error).name === 'ConfigError') throw e;
		console.error(`runner-dashboard drift: ${(e as Error).message}`);
		return 2;
	}
	console.log(flags.json ? JSON.stringify(answer, null, 2) : formatDrift(answer));
	if (answer.errors.length) return 2;
	return flags.exitCode && answer.items.length > 0 ? 1 : 0;
}
