// Helpers for the /k8s tests (not part of the sandbox program): a sandbox with the
// fixture loaded, JSON requests, a reader for watch streams, stock kubectl and
// @kubernetes/client-node pointed at a sandbox.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startSandboxWithWorld, type Sandbox } from '../index.js';
import { FIXED_EPOCH } from '../sim/clock.js';
import type { World } from '../sim/world.js';
import { loadFixture, type Fixture } from './fixtures.js';

export type TestSandbox = Sandbox & { world: World; fx: Fixture };

/** The fixture's timestamps are at the fixed epoch, so the sandbox's clock starts there too (ages print as `0s`). */
export async function startWithFixture(): Promise<TestSandbox> {
	const sb = await startSandboxWithWorld({ port: 0, tickMs: 0, epoch: FIXED_EPOCH });
	return Object.assign(sb, { fx: loadFixture(sb.world.cluster) });
}

export async function k8s(sb: Sandbox, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
	const res = await fetch(`${sb.url}/k8s${path}`, init);
	const text = await res.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// plain text (health endpoints)
	}
	return { status: res.status, headers: res.headers, body };
}

export function patchInit(type: 'merge' | 'strategic' | 'json', body: unknown, extra: Record<string, string> = {}): RequestInit {
	const ct = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json' }[type];
	return { method: 'PATCH', headers: { 'Content-Type': ct, ...extra }, body: JSON.stringify(body) };
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export interface WatchStream {
	status: number;
	/** Resolves with the next `n` events, or rejects after `ms`. */
	next(n?: number, ms?: number): Promise<any[]>;
	/** Resolves true when the server ends the stream within `ms`. */
	ended(ms?: number): Promise<boolean>;
	abort(): void;
}

export async function openWatch(sb: Sandbox, path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
	const ac = new AbortController();
	const res = await fetch(`${sb.url}/k8s${path}`, { signal: ac.signal, headers });
	const reader = res.body!.getReader();
	const decoder = new TextDecoder();
	const events: any[] = [];
	let buffer = '';
	let done = false;
	let pending: Promise<void> | undefined;
	const pump = () =>
		(pending ??= reader.read().then(
			({ value, done: d }) => {
				pending = undefined;
				if (d) done = true;
				else buffer += decoder.decode(value, { stream: true });
				let i: number;
				while ((i = buffer.indexOf('\n')) >= 0) {
					events.push(JSON.parse(buffer.slice(0, i)));
					buffer = buffer.slice(i + 1);
				}
			},
			() => {
				pending = undefined;
				done = true;
			}
		));
	const within = <T>(p: Promise<T>, ms: number) =>
		Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`watch: nothing within ${ms} ms`)), ms).unref())]);
	return {
		status: res.status,
		async next(n = 1, ms = 2000) {
			const until = Date.now() + ms;
			while (events.length < n && !done) await within(pump(), Math.max(1, until - Date.now()));
			if (events.length < n) throw new Error(`watch ended after ${events.length} of ${n} events`);
			return events.splice(0, n);
		},
		async ended(ms = 2000) {
			const until = Date.now() + ms;
			try {
				while (!done) await within(pump(), Math.max(1, until - Date.now()));
				return true;
			} catch {
				return false;
			}
		},
		abort: () => ac.abort()
	};
}

/** Polls `check` until it holds or `ms` pass (handles close a loop turn or two later). */
export async function eventually(check: () => boolean, ms = 2000): Promise<boolean> {
	const until = Date.now() + ms;
	while (!check()) {
		if (Date.now() > until) return false;
		await new Promise((r) => setTimeout(r, 10));
	}
	return true;
}

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
/** Tests that run kubectl are skipped when it is not installed (set KUBECTL to use another binary). */
export const HAS_KUBECTL = existsSync(KUBECTL);

export interface KubectlResult {
	code: number;
	stdout: string;
	stderr: string;
}

export interface Kubectl {
	/** Flags pointing kubectl at the sandbox with its own cache directory. */
	baseArgs(cache?: string): string[];
	run(args: string[], bin?: string): Promise<KubectlResult>;
	/** Runs and returns stdout; throws with stderr when kubectl fails. */
	ok(args: string[]): Promise<string>;
	/** The HOME kubectl runs with. */
	home: string;
	cleanup(): void;
}

/** Stock kubectl against a sandbox, without a kubeconfig. */
export function kubectlFor(sb: Sandbox): Kubectl {
	const home = mkdtempSync(join(tmpdir(), 'sbx-kubectl-'));
	const baseArgs = (cache = 'cache') => [`--server=${sb.url}/k8s`, '--kubeconfig=/dev/null', `--cache-dir=${join(home, cache)}`];
	const run = (args: string[], bin = KUBECTL) =>
		new Promise<KubectlResult>((resolve) => {
			execFile(bin, [...baseArgs(bin === KUBECTL ? 'cache' : 'cache-old'), ...args], { timeout: 20_000, env: { ...process.env, HOME: home } }, (err, stdout, stderr) => {
				const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
				resolve({ code, stdout, stderr });
			});
		});
	return {
		baseArgs,
		run,
		async ok(args) {
			const r = await run(args);
			if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
			return r.stdout;
		},
		home,
		cleanup: () => rmSync(home, { recursive: true, force: true })
	};
}

/** Splits kubectl's aligned table output into rows of cells. */
export const rows = (out: string) =>
	out
		.trim()
		.split('\n')
		.map((l) => l.trim().split(/\s{2,}/));

/** client-node 1.x refuses an http:// server unless skipTLSVerify is set (there is no TLS to verify). */
export function kubeConfig(server: string): KubeConfig {
	const kc = new KubeConfig();
	kc.loadFromOptions({
		clusters: [{ name: 'sandbox', server, skipTLSVerify: true }],
		users: [{ name: 'sandbox' }],
		contexts: [{ name: 'sandbox', cluster: 'sandbox', user: 'sandbox' }],
		currentContext: 'sandbox'
	});
	return kc;
}
