// The drift service in process, over an in-process sandbox, the real Kubernetes source
// (informers) and a SQLite store: a patch is recomputed from the cluster change alone,
// the bus gets a `drift` event, and an item's first_seen survives a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../sandbox/testing';
import type { Sandbox } from '../sandbox/index';
import { eventually } from './helpers/app';
import { startDriftFixture, type DriftFixture } from './helpers/drift';

let sb: Sandbox;
let dataDir: string;
let f: DriftFixture;
const service = () => f.service();
const patchHpaMax = (n: number) => f.patchHpaMax(n);

beforeAll(async () => {
	sb = await start();
	dataDir = mkdtempSync(join(tmpdir(), 'rd-drift-svc-'));
	f = await startDriftFixture(sb, dataDir);
}, 30_000);

afterAll(async () => {
	await f?.stop();
	await sb?.close();
	if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('DriftService', () => {
	it('recomputes on a cluster change, publishes drift, and keeps first_seen across a restart', async () => {
		const first = service();
		try {
			await eventually(async () => first.snapshot(), (s) => s.checked_at !== null && s.errors.length === 0, 20_000, 'a first complete check');
			expect(first.snapshot().items).toEqual([]);
			expect(f.sources.list().find((s) => s.name === 'drift')).toMatchObject({ kind: 'drift', status: 'ok', simulated: true });

			const events: string[] = [];
			const off = f.bus.subscribe((e) => events.push(e.type));
			const readAt = first.snapshot().read_at;
			await patchHpaMax(14);
			const s = await eventually(async () => first.snapshot(), (x) => x.items.length === 1, 10_000, 'the out-of-band item');
			off();
			expect(s.items[0]).toMatchObject({ field: 'spec.maxReplicas', declared: 8, applied: 8, live: 14, class: 'out-of-band', stale: false });
			// From the cluster change, not from re-reading git and state.
			expect(s.read_at).toBe(readAt);
			expect(events).toContain('drift');
			const firstSeen = s.items[0]!.first_seen;
			// Served as one object within a second while nothing changed; a second later the ages move.
			// Seconds well after first_seen, so no age is clamped at 0.
			const s0 = Math.floor((Date.parse(firstSeen) + 3000) / 1000) * 1000;
			const atT = first.snapshot(s0 + 100);
			expect(first.snapshot(s0 + 900)).toBe(atT);
			const later = first.snapshot(s0 + 5100);
			expect(later).not.toBe(atT);
			expect(later.items[0]!.age_s).toBe(atT.items[0]!.age_s + 5);
			await first.stop();

			await new Promise((r) => setTimeout(r, 1100));
			const second = service();
			try {
				const again = await eventually(async () => second.snapshot(), (x) => x.items.length === 1, 20_000, 'the item after the restart');
				expect(again.items[0]!.first_seen).toBe(firstSeen);
				expect(again.items[0]!.age_s).toBeGreaterThanOrEqual(1);
				await patchHpaMax(8);
				await eventually(async () => second.snapshot(), (x) => x.items.length === 0, 10_000, 'the item to clear');
				const h = await second.historyOf().list({ page: 1, perPage: 10 });
				expect(h.total).toBe(1);
				expect(h.items[0]).toMatchObject({ first_seen: firstSeen, resolved_at: expect.any(String), values: { live: 14 } });
			} finally {
				await second.stop();
			}
		} finally {
			await first.stop();
		}
	}, 60_000);
});
