// One drift check: read every stack's declared files and state (through its readers),
// parse them, take the live objects of its cluster and run the pure engine. A stack or
// environment whose inputs fail — unreadable, too large, malformed, too deep, or anything
// its parse or comparison throws — becomes an error for that stack; the others are checked.
import { readFile } from 'node:fs/promises';
import { computeDrift } from '$lib/core/drift/engine';
import { declaredValues } from '$lib/core/drift/declared';
import { expandMap } from '$lib/core/drift/expand';
import { effectiveDriftMap, isParseError, parseDriftMap, parseState, type DriftError, type DriftItem, type DriftMap, type LiveObject, type ObjectRef, type StackInput } from '$lib/core/drift';
import { builtinDriftMap } from '$lib/core/drift/profile';
import { loadHcl, type ParseError, type ParseResult, type VariablesFile } from '$lib/core/hcl';
import { messageOf } from '$lib/core/errors';
import { maskText } from '$lib/core/drift/secrets';
import { DeclaredReadError, type DeclaredFile, type DeclaredSnapshot } from '$lib/sources/gitops/declared';
import { TooLargeError } from '$lib/sources/gitops/limits';
import { StateReadError } from '$lib/sources/gitops/state';
import { UpstreamError } from '$lib/sources/errors';
import { scopeKey } from '../store/drift';
import type { StackReaders } from './readers';

/** The kinds whose live objects drift compares (what the Kubernetes sources watch for the stacks). */
export const WATCHED_KINDS = ['Deployment', 'HorizontalPodAutoscaler', 'ConfigMap', 'AutoscalingRunnerSet'] as const;

/** Live objects of a cluster, or why there are none yet. */
export type LiveSide = { ok: true; objects: LiveObject[] } | { ok: false; message: string };

export interface DriftCheck {
	items: DriftItem[];
	errors: DriftError[];
	/** Stack/env scopes (scopeKey) whose declared side, state and cluster were all read: their items are complete. */
	scopes: Set<string>;
	/** Every configured stack/env scope. */
	configured: Set<string>;
	checked: { stacks: number; objects: number; fields: number };
	checkedAt: string;
	/** Commit each stack's declared files were read at. */
	revisions: Record<string, string | null>;
}

const VARIABLES = 'variables.tf';
const tfvarsName = (env: string) => `${env}.tfvars`;

const waitOf = (e: unknown) => (e instanceof UpstreamError ? (e.retryAfterMs ?? 0) : e instanceof Error && e.cause instanceof UpstreamError ? (e.cause.retryAfterMs ?? 0) : 0);

// The configuration key an operator raises when a file is refused for its size.
const LIMIT_KEY: Record<TooLargeError['what'], string> = { state: 'drift.max_state_mib', 'declared file': 'drift.max_declared_file_mib' };

function failure(file: string, e: unknown): ParseError {
	const message = e instanceof TooLargeError ? `${e.message} (${LIMIT_KEY[e.what]})` : messageOf(e);
	return { file, line: null, message };
}

/** Reads and merges the drift map file over the built-in profile; a broken file is an error for every check. */
export async function loadDriftMap(mapFile: string | undefined): Promise<{ map: DriftMap; error: ParseError | null }> {
	if (!mapFile) return { map: builtinDriftMap, error: null };
	let text: string;
	try {
		text = await readFile(mapFile, 'utf8');
	} catch (e) {
		return { map: builtinDriftMap, error: failure(mapFile, e) };
	}
	const parsed = parseDriftMap(text, mapFile);
	if (!parsed.ok) return { map: builtinDriftMap, error: parsed.error };
	return { map: effectiveDriftMap(builtinDriftMap, parsed.value), error: null };
}

/** Upstream failures (forge down, 5xx, timeouts) are reported against the stack's directory or state. */
async function readDeclared(r: StackReaders): Promise<{ ok: true; snapshot: DeclaredSnapshot } | { ok: false; error: ParseError; wait: number }> {
	const names = [VARIABLES, ...r.stack.envs.map(tfvarsName)];
	try {
		return { ok: true, snapshot: await r.declared.read(names) };
	} catch (e) {
		if (e instanceof DeclaredReadError || e instanceof TooLargeError) return { ok: false, error: failure(e.file, e), wait: waitOf(e) };
		return { ok: false, error: failure(dirOf(r), new Error(`${r.declared.where}: ${messageOf(e)}`)), wait: waitOf(e) };
	}
}

function dirOf(r: StackReaders): string {
	const d = r.stack.declared;
	return 'gitlab' in d ? d.gitlab.path : 'github' in d ? d.github.path : d.local.path;
}

/**
 * A parser call that must not take the check down: parsers report bad input as a
 * ParseError, and anything they throw all the same (a limit of the runtime) becomes one.
 */
function parsed<T>(file: string, parse: () => ParseResult<T>): ParseResult<T> {
	try {
		return parse();
	} catch (e) {
		return { ok: false, error: { file, line: null, message: `cannot be read: ${messageOf(e)}` } };
	}
}

/** One stack's inputs as read: declared side and state per environment (the live side is added at compute time). */
export interface StackRead {
	stack: StackReaders['stack'];
	inputs: Omit<StackInput, 'live'>[];
	revision: string | null;
	/** The longest wait an upstream asked for (rate limits), so the next read honours it. */
	retryAfterMs: number;
}

/**
 * Reads and parses one stack's declared files and each environment's state; failures
 * become that side's ParseError. Never rejects: whatever goes wrong stays with this stack.
 */
export async function readStack(r: StackReaders): Promise<StackRead> {
	try {
		return await readStackInputs(r);
	} catch (e) {
		const error = failure(dirOf(r), e);
		return { stack: r.stack, inputs: r.stack.envs.map((env) => ({ stack: r.stack.name, env, declared: error, state: error })), revision: null, retryAfterMs: 0 };
	}
}

async function readStackInputs(r: StackReaders): Promise<StackRead> {
	const hcl = await loadHcl();
	const read = await readDeclared(r);
	let retryAfterMs = read.ok ? 0 : read.wait;
	let variables: ParseResult<VariablesFile> | null = null;
	const inputs: StackRead['inputs'] = [];
	for (const env of r.stack.envs) {
		let declared: StackInput['declared'];
		let webUrl: StackInput['webUrl'];
		if (!read.ok) {
			declared = read.error;
		} else {
			const files = read.snapshot.files;
			const byPath = new Map([...files.values()].filter((f): f is DeclaredFile => f !== null).map((f) => [f.path, f]));
			webUrl = (file, line) => {
				const f = byPath.get(file);
				return f?.webUrl ? `${f.webUrl}#L${line}` : null;
			};
			const varsFile = files.get(VARIABLES);
			if (!varsFile) {
				declared = { file: `${dirOf(r)}/${VARIABLES}`, line: null, message: `${VARIABLES} not found in ${r.declared.where}` };
			} else {
				variables ??= parsed(varsFile.path, () => hcl.parseVariables(varsFile.text, varsFile.path));
				const tfFile = files.get(tfvarsName(env));
				const tfvars = tfFile ? parsed(tfFile.path, () => hcl.parseTfvars(tfFile.text, tfFile.path)) : null;
				if (!variables.ok) declared = variables.error;
				else if (tfvars && !tfvars.ok) declared = tfvars.error;
				else declared = { variables: variables.value, tfvars: tfvars ? tfvars.value : null };
			}
		}
		let state: StackInput['state'];
		const reader = r.state(env);
		try {
			const { file, text } = await reader.read();
			const p = parsed(file, () => parseState(text, file));
			state = p.ok ? p.value : p.error;
		} catch (e) {
			state = failure(e instanceof StateReadError || e instanceof TooLargeError ? e.file : reader.file, e);
			retryAfterMs = Math.max(retryAfterMs, waitOf(e));
		}
		inputs.push({ stack: r.stack.name, env, declared, state, webUrl });
	}
	return { stack: r.stack, inputs, revision: read.ok ? read.snapshot.revision : null, retryAfterMs };
}

/** Runs the engine over stacks already read, with the clusters' current live objects. Pure apart from `live`. */
export function computeCheck(reads: StackRead[], live: (cluster: string) => LiveSide, map: { map: DriftMap; error: ParseError | null }, now = new Date()): DriftCheck {
	const stacks: StackInput[] = [];
	const errors: DriftError[] = [];
	const scopes = new Set<string>();
	const configured = new Set<string>();
	const revisions: Record<string, string | null> = {};
	const sides = new Map<string, LiveSide>();
	const sideOf = (cluster: string) => {
		let side = sides.get(cluster);
		if (!side) sides.set(cluster, (side = live(cluster)));
		return side;
	};
	for (const read of reads) {
		revisions[read.stack.name] = read.revision;
		const side = sideOf(read.stack.cluster);
		for (const s of read.inputs) {
			configured.add(scopeKey(s.stack, s.env));
			if (map.error) {
				errors.push({ stack: s.stack, env: s.env, ...map.error });
				continue;
			}
			if (!side.ok) {
				// Without the live side the stack's drift is unknown: say why, and compare nothing.
				errors.push({ stack: s.stack, env: s.env, file: `cluster ${read.stack.cluster}`, line: null, message: side.message });
				continue;
			}
			stacks.push({ ...s, live: side.objects });
			if (!isParseError(s.declared) && !isParseError(s.state)) scopes.add(scopeKey(s.stack, s.env));
		}
	}
	if (stacks.length === 0) return { items: [], errors: masked(errors), scopes, configured, checked: { stacks: 0, objects: 0, fields: 0 }, checkedAt: now.toISOString(), revisions };
	// The cluster most stacks run in is the shared live side (where unmanaged objects are looked for).
	const counts = new Map<string, number>();
	for (const r of reads) counts.set(r.stack.cluster, (counts.get(r.stack.cluster) ?? 0) + 1);
	const shared = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
	const sharedSide = sideOf(shared);
	const result = computeDrift({ stacks, live: sharedSide.ok ? sharedSide.objects : [], watchedKinds: [...WATCHED_KINDS], map: map.map });
	for (const f of result.failed) scopes.delete(scopeKey(f.stack, f.env));
	return { items: result.items, errors: masked([...errors, ...result.errors]), scopes, configured, checked: result.checked, checkedAt: now.toISOString(), revisions };
}

// An error quotes what it could not read (an HCL snippet, a backend's answer): never a credential.
const masked = (errors: DriftError[]) => errors.map((e) => ({ ...e, message: maskText(e.message) }));

/** Reads every stack and computes; never throws for upstream or parse failures (they become errors). */
export async function checkDrift(readers: StackReaders[], live: (cluster: string) => LiveSide, map: { map: DriftMap; error: ParseError | null }, now = new Date()): Promise<DriftCheck> {
	const reads = await Promise.all(readers.map(readStack));
	return computeCheck(reads, live, map, now);
}

/** Live objects as plain JSON with their kind and apiVersion (list items carry neither; typed models carry Dates). */
export function liveObjects(kind: string, apiVersion: string, objects: object[]): LiveObject[] {
	return objects.map((o) => ({ ...(JSON.parse(JSON.stringify(o)) as LiveObject), kind, apiVersion }));
}

/** A live field a stack's variable declares (by the drift map): what a change to that variable moves. */
export interface DeclaredField {
	stack: string;
	env: string;
	ref: ObjectRef;
	field: string;
	variable: string;
}

/** Every mapped field of the stacks read, with the variable that declares it. Pure. */
export function declaredFields(reads: StackRead[], map: DriftMap): DeclaredField[] {
	const out: DeclaredField[] = [];
	for (const read of reads) {
		for (const input of read.inputs) {
			if (isParseError(input.declared)) continue;
			const { objects } = expandMap(map, input.stack, declaredValues(input.declared, () => null));
			for (const o of objects) if (o.exists !== false) for (const f of o.fields) out.push({ stack: input.stack, env: input.env, ref: o.ref, field: f.field, variable: f.variable });
		}
	}
	return out;
}
