// The change service and its tracker in process over a running sandbox: the drift
// fixture's configuration, store, bus and cluster; forge clients made from the
// configured sources (or with another token, for a read-only one); a started drift
// service so changes can be verified.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Sandbox } from '../../sandbox/index';
import { start } from '../../sandbox/testing';
import type { Config } from '$lib/server/config';
import { changeTargets } from '$lib/server/changes/targets';
import { ChangeTracker } from '$lib/server/changes/tracker';
import { configuredClients } from '$lib/server/drift/readers';
import type { DriftService } from '$lib/server/drift/service';
import type { Actor } from '$lib/server/services/actor';
import { ChangeService } from '$lib/server/services/changes';
import { createLogger } from '$lib/server/telemetry/logger';
import { startDriftFixture, type DriftFixture } from './drift';

export const actor = (name: string, role: 'viewer' | 'operator' | 'admin' = 'operator'): Actor => ({
	principal: { kind: 'user', id: 1, name, role },
	ip: '127.0.0.1',
	requestId: 'test',
	userAgent: null
});

export interface ChangeFixture {
	service: ChangeService;
	/** How often the service asked the tracker to follow (the tests run its cycles themselves). */
	followed: () => number;
	tracker: ChangeTracker;
	drift: DriftService | null;
	stop(): Promise<void>;
}

/** The service over the fixture's config; `tokens` replaces a source's token (a read-only one); `withDrift` starts drift for verification. */
export function changeFixture(f: DriftFixture, opts: { tokens?: Record<string, string>; withDrift?: boolean; webhookSecrets?: Config['changes']['webhookSecrets'] } = {}): ChangeFixture {
	const config: Config = { ...f.config, changes: { ...f.config.changes, webhookSecrets: opts.webhookSecrets ?? f.config.changes.webhookSecrets } };
	// A replaced token (a read-only one) is the source's token for these clients.
	const sources = config.sources.map((s) => (opts.tokens?.[s.name] ? { ...s, token: opts.tokens[s.name]! } : s));
	const drift = opts.withDrift ? f.service() : null;
	// As the dashboard wires it: through drift's readers, unless another token reads.
	const targets = changeTargets(config, configuredClients(sources), opts.tokens ? undefined : (stack) => drift?.readersOf(stack));
	const logger = createLogger('silent');
	let followed = 0;
	const service = new ChangeService({
		store: f.store,
		bus: f.bus,
		logger,
		config: config.changes,
		origin: 'https://dashboard.example',
		targets,
		drift: drift ? () => drift.snapshot() : null,
		follow: () => void followed++
	});
	// Cycles are run by the tests (interval far away), so each step is observed in order.
	const tracker = new ChangeTracker({
		store: f.store,
		logger,
		targets,
		intervalMs: 3_600_000,
		drift: drift ? () => drift.snapshot() : null,
		refreshDrift: () => void drift?.refresh(),
		serialOf: (t, env) => service.serialOf(t, env),
		publish: (c) => service.publish(c)
	});
	return {
		service,
		followed: () => followed,
		tracker,
		drift,
		async stop() {
			await tracker.stop();
			await drift?.stop();
		}
	};
}

/** The sandbox's ground truth of the change flow. */
export async function flowTruth(sb: Sandbox): Promise<any> {
	const r = await fetch(`${sb.url}/_sandbox/gitops/changes`);
	expect(r.status).toBe(200);
	return r.json();
}

/** POSTs to the sandbox's control API and expects 200. */
export async function sandboxControl(sb: Sandbox, path: string, body: unknown): Promise<any> {
	const r = await fetch(`${sb.url}/_sandbox${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	const text = await r.text();
	expect(r.status, `${path}: ${text}`).toBe(200);
	return JSON.parse(text);
}

export interface ChangeSandbox {
	sb: Sandbox;
	f: DriftFixture;
	cf: ChangeFixture;
	stop(): Promise<void>;
}

/** An in-process sandbox, the drift fixture over it (with `configYaml` as the config file, if given) and the change service with drift. */
export async function startChangeSandbox(opts: { configYaml?: string; webhookSecrets?: Config['changes']['webhookSecrets'] } = {}): Promise<ChangeSandbox> {
	const sb = await start();
	const dataDir = mkdtempSync(join(tmpdir(), 'rd-changes-'));
	let configFile: string | undefined;
	if (opts.configYaml) writeFileSync((configFile = join(dataDir, 'config.yaml')), opts.configYaml);
	const f = await startDriftFixture(sb, dataDir, configFile);
	const cf = changeFixture(f, { withDrift: true, webhookSecrets: opts.webhookSecrets });
	return {
		sb,
		f,
		cf,
		async stop() {
			await cf.stop();
			await f.stop();
			await sb.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}
