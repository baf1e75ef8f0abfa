// Three `runner-dashboard serve` processes on one PostgreSQL and one sandbox: one leader
// polls, every replica serves; actions and revocations on one show on all; the leader's
// death hands over within the lease; a rolling restart under load answers every read.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/app';
import { startReplicas, type ReplicaSet } from './helpers/replicas';

const LEASE_S = 3;
let set: ReplicaSet;
let admin: string;
let viewer: string;

interface ReplicaItem {
	id: string;
	leader: boolean;
	term: number;
	lag_s: number;
	last_seen: string;
}

const url = (i: number) => set.replicas[i]!.url;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function get(i: number, path: string, token = viewer): Promise<Response> {
	return fetch(`${url(i)}${path}`, { headers: auth(token) });
}

async function replicasSeenBy(i: number): Promise<ReplicaItem[]> {
	const r = await get(i, '/api/v1/replicas');
	return r.ok ? ((await r.json()) as { items: ReplicaItem[] }).items : [];
}

async function ready(i: number): Promise<boolean> {
	return fetch(`${url(i)}/readyz`)
		.then((r) => r.status === 200)
		.catch(() => false);
}

/** Runner-listing requests the sandbox's forges answered so far. */
async function listingRequests(): Promise<number> {
	const counts = (await (await fetch(`${set.sandboxUrl}/_sandbox/requests`)).json()) as Record<string, Record<string, number>>;
	return Object.values(counts)
		.flatMap((byRoute) => Object.entries(byRoute))
		.filter(([route]) => /runners/.test(route))
		.reduce((n, [, c]) => n + c, 0);
}

async function requestsOver(ms: number): Promise<number> {
	const before = await listingRequests();
	await new Promise((r) => setTimeout(r, ms));
	return (await listingRequests()) - before;
}

async function oneLeader(indexes: number[]): Promise<ReplicaItem> {
	const views = await eventually(
		() => Promise.all(indexes.map(replicasSeenBy)),
		(vs) => vs.every((v) => v.length === indexes.length && v.filter((r) => r.leader).length === 1) && new Set(vs.map((v) => v.find((r) => r.leader)!.id)).size === 1,
		60_000,
		`every replica listing ${indexes.length} replicas with the same single leader`
	);
	return views[0]!.find((r) => r.leader)!;
}

function createToken(name: string, role: string): string {
	const r = set.cli(['token', 'create', '--name', name, '--role', role]);
	if (r.status !== 0) throw new Error(`token create failed: ${r.stderr}`);
	return r.stdout.trim();
}

/** Reads an SSE stream until `match` is in it; resolves with the text so far. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, match: RegExp, ms: number, start = ''): Promise<string> {
	let text = start;
	const until = Date.now() + ms;
	const decoder = new TextDecoder();
	while (!match.test(text)) {
		if (Date.now() > until) throw new Error(`stream did not show ${match} within ${ms} ms; got:\n${text.slice(-2000)}`);
		const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 1_000))]);
		if (chunk && !chunk.done) text += decoder.decode(chunk.value);
	}
	return text;
}

async function openStream(i: number, lastEventId?: string) {
	const ac = new AbortController();
	const res = await fetch(`${url(i)}/api/v1/events`, { headers: { ...auth(viewer), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: ac.signal });
	return { res, reader: res.body!.getReader(), close: () => ac.abort() };
}

async function leaderIndex(): Promise<number> {
	const leader = await oneLeader([0, 1, 2]);
	for (let i = 0; i < 3; i++) {
		const text = await (await get(i, '/metrics')).text();
		if (new RegExp(`runner_dashboard_leader\\{replica="${leader.id}"\\} 1`).test(text)) return i;
	}
	throw new Error(`no replica reports itself as the leader ${leader.id} in /metrics`);
}

beforeAll(async () => {
	// A still sandbox clock: what changes upstream is what the tests do, so request counts are the polls'.
	set = await startReplicas(3, { leaseSeconds: LEASE_S, tickMs: 0, initial: 1 });
	admin = createToken('replicas-admin', 'admin');
	viewer = createToken('replicas-viewer', 'viewer');
}, 180_000);

afterAll(async () => {
	await set?.close();
}, 60_000);

describe('many replicas on PostgreSQL', () => {
	it('one replica leads, and three poll the forges no more than one did', async () => {
		await oneLeader([0]);
		await eventually(async () => (await (await get(0, '/api/v1/runners?per_page=1')).json()).total, (n: number) => n > 0, 60_000, 'the first sync');
		const window = 12_000;
		const alone = await requestsOver(window);
		await set.start(1);
		await set.start(2);
		const leader = await oneLeader([0, 1, 2]);
		expect(leader.term).toBeGreaterThanOrEqual(1);
		await eventually(() => Promise.all([0, 1, 2].map(ready)), (r) => r.every(Boolean), 60_000, 'every replica ready');
		const three = await requestsOver(window);
		const perCycle = alone / (window / 2_000);
		console.log(`runner-listing requests over ${window / 1000} s: one replica ${alone}, three replicas ${three} (≈${perCycle.toFixed(1)} per cycle)`);
		expect(alone).toBeGreaterThan(0);
		expect(three).toBeLessThanOrEqual(alone + Math.ceil(perCycle));
		// Only the leader scrapes the exporters; every replica's capacity window takes its scrapes.
		const capacity = async (i: number) => (await (await get(i, '/api/v1/capacity?window=1h')).json()) as { source: string; as_of: string | null; covered_s: number };
		for (const i of [0, 1, 2]) await eventually(() => capacity(i), (c) => c.source === 'scraper' && c.as_of !== null && c.covered_s > 0, 60_000, `replica ${i} serving the scraper's window`);
		// Only the leader reads waiting jobs; every replica serves the leader's reads.
		type Summary = { sources: { source: string; read_at: string | null }[] };
		const reads = async (i: number) => ((await (await get(i, '/api/v1/jobs/waiting/summary')).json()) as Summary).sources.map((s) => `${s.source}@${s.read_at}`).sort();
		await eventually(
			() => Promise.all([0, 1, 2].map(reads)),
			(r) => r[0]!.length > 0 && r[0]!.every((x) => !x.endsWith('@null')) && r.every((x) => JSON.stringify(x) === JSON.stringify(r[0])),
			90_000,
			"every replica serving the leader's waiting-jobs reads"
		);
		// Every replica serves the fleet the leader read.
		const totals = await Promise.all([0, 1, 2].map(async (i) => (await (await get(i, '/api/v1/runners?per_page=1')).json()).total as number));
		expect(new Set(totals).size).toBe(1);
		// Prometheus scrapes every replica: each reports the forges up as the leader found them, not only the one that polls.
		const forgeUp = async (i: number) => [...(await (await get(i, '/metrics')).text()).matchAll(/^runner_dashboard_source_up\{[^}]*kind="(?:gitlab|github)"[^}]*\} (\d+)$/gm)].map((m) => m[1]);
		for (const i of [0, 1, 2]) await eventually(() => forgeUp(i), (v) => v.length > 0 && v.every((x) => x === '1'), 60_000, `replica ${i} reporting the forge sources up`);
		expect(totals[0]).toBeGreaterThan(0);
	}, 240_000);

	it('a pause on one replica reaches a live stream on another and a third one\'s list; a token revoked on one is refused by the others', async () => {
		const stream = await openStream(2);
		expect(stream.res.status).toBe(200);
		const list = await (await get(1, '/api/v1/runners?forge=gitlab&paused=false&per_page=1&sort=id')).json();
		const id = list.items[0].id as string;
		const started = Date.now();
		const pause = await fetch(`${url(0)}/api/v1/runners/${encodeURIComponent(id)}/pause`, {
			method: 'POST',
			headers: { ...auth(admin), 'content-type': 'application/json' },
			body: JSON.stringify({ note: 'replica test' })
		});
		expect(pause.status).toBe(200);
		const escaped = id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
		await readUntil(stream.reader, new RegExp(`event: runners\\.delta\\ndata: [^\\n]*"id":"${escaped}"[^\\n]*"paused":true`), 20_000);
		console.log(`pause on replica 0 seen by a stream on replica 2 after ${Date.now() - started} ms`);
		stream.close();
		const detail = await eventually(async () => (await get(1, `/api/v1/runners/${encodeURIComponent(id)}`)).json(), (r: { paused: boolean }) => r.paused === true, 20_000, 'replica 1 showing the pause');
		expect(detail.paused).toBe(true);

		// A token each replica has just resolved (and reuses for a few seconds) stops working on all of them.
		const made = await fetch(`${url(0)}/api/v1/tokens`, {
			method: 'POST',
			headers: { ...auth(admin), 'content-type': 'application/json' },
			body: JSON.stringify({ name: 'short-lived', role: 'viewer' })
		});
		expect(made.status).toBe(201);
		const { id: tokenId, token } = (await made.json()) as { id: number; token: string };
		for (const i of [0, 1, 2]) expect((await get(i, '/api/v1/me', token)).status).toBe(200);
		const revokedAt = Date.now();
		expect((await fetch(`${url(0)}/api/v1/tokens/${tokenId}`, { method: 'DELETE', headers: auth(admin) })).status).toBe(200);
		for (const i of [1, 2]) {
			await eventually(async () => (await get(i, '/api/v1/me', token)).status, (s) => s === 401, 20_000, `replica ${i} refusing the revoked token`);
		}
		console.log(`revoked token refused by replicas 1 and 2 after ${Date.now() - revokedAt} ms`);
	}, 120_000);

	it('an event id means the same event on every replica (Last-Event-ID resumes on another)', async () => {
		const a = await openStream(0);
		const seen = await readUntil(a.reader, /id: (\d+)\nevent: [^\n]+\ndata: [^\n]+\n\n/, 30_000);
		a.close();
		const first = /id: (\d+)\nevent: ([^\n]+)\ndata: ([^\n]+)\n\n/.exec(seen)!;
		const before = String(Number(first[1]) - 1);
		// Resuming just before it, on each of the others, replays that same event first.
		for (const i of [1, 2]) {
			const s = await openStream(i, before);
			const text = await readUntil(s.reader, /id: \d+\nevent: [^\n]+\ndata: [^\n]+\n\n/, 30_000);
			s.close();
			const replayed = /id: (\d+)\nevent: ([^\n]+)\ndata: ([^\n]+)\n\n/.exec(text)!;
			expect(replayed.slice(1)).toEqual(first.slice(1));
		}
	}, 120_000);

	it('kill -9 of the leader: another leads within the lease, history has no duplicates, audit keeps every row, the old leader follows when back', async () => {
		const old = await leaderIndex();
		const before = (await oneLeader([0, 1, 2])).term;
		// An out-of-band change makes one drift item; every replica serves it, the leader recorded it.
		const patched = await fetch(`${set.sandboxUrl}/k8s/apis/autoscaling/v2/namespaces/gitlab-runners/horizontalpodautoscalers/docker-runner-hpa`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/merge-patch+json' },
			body: JSON.stringify({ spec: { maxReplicas: 11 } })
		});
		expect(patched.status).toBe(200);
		const driftOn = async (i: number) => ((await (await get(i, '/api/v1/drift')).json()) as { items: { key: string; first_seen: string; live: unknown }[] }).items;
		for (const i of [0, 1, 2]) await eventually(() => driftOn(i), (items) => items.some((d) => d.live === 11), 60_000, `replica ${i} serving the drift item`);
		const item = (await driftOn(old)).find((d) => d.live === 11)!;
		const audit = await (await get(0, '/api/v1/audit?action=runner.pause', admin)).json();
		expect(audit.items.length).toBeGreaterThan(0);
		const killedAt = Date.now();
		await set.stop(old, 'SIGKILL');
		const others = [0, 1, 2].filter((i) => i !== old);
		const next = await eventually(
			() => Promise.all(others.map(replicasSeenBy)),
			(vs) => vs.every((v) => v.some((r) => r.leader && r.term > before)),
			(LEASE_S + 30) * 1000,
			'a new leader after the kill'
		);
		const took = Date.now() - killedAt;
		console.log(`leader killed; replica ${next[0]!.find((r) => r.leader)!.id} leads at term ${next[0]!.find((r) => r.leader)!.term} after ${took} ms (lease ${LEASE_S} s)`);
		// The new leader checks drift: its rows continue the old leader's, none twice.
		await eventually(
			async () => ((await (await get(others[0]!, '/api/v1/sources')).json()) as { items: { name: string; last_success: string | null }[] }).items.find((s) => s.name === 'drift')?.last_success ?? '',
			(at) => at !== '' && Date.parse(at) > killedAt,
			60_000,
			'a drift check by the new leader'
		);
		const db = new pg.Client({ connectionString: set.pg.url });
		await db.connect();
		try {
			const dup = await db.query('select item_key, count(*) as n from drift_history where resolved_at is null group by item_key having count(*) > 1');
			expect(dup.rows).toEqual([]);
			const rows = await db.query('select first_seen from drift_history where item_key = $1', [item.key]);
			expect(rows.rows).toEqual([{ first_seen: item.first_seen }]);
			// The replica history goes on in the store: the new leader writes it, with no gap longer than the takeover.
			const tookAtS = (killedAt + took) / 1000;
			const history = await eventually(
				async () => (await db.query<{ autoscaler: string; at_s: number }>('select autoscaler, at_s from autoscaler_history where at_s >= $1 order by autoscaler, at_s', [Math.floor(killedAt / 1000) - 120])).rows,
				(r) => r.some((p) => p.at_s > tookAtS + 1),
				60_000,
				'replica history written by the new leader'
			);
			const one = history.filter((p) => p.autoscaler === history.find((h) => h.at_s > tookAtS + 1)!.autoscaler).map((p) => Number(p.at_s));
			const gap = Math.max(...one.slice(1).map((t, k) => t - one[k]!));
			console.log(`replica history across the takeover: largest gap ${gap} s (sampling every 15 s, lease ${LEASE_S} s)`);
			expect(gap).toBeLessThanOrEqual(2 * 15 + LEASE_S + 20);
		} finally {
			await db.end();
		}
		const after = await (await get(others[0]!, '/api/v1/audit?action=runner.pause', admin)).json();
		expect(after.items.map((a: { id: number }) => a.id)).toEqual(expect.arrayContaining(audit.items.map((a: { id: number }) => a.id)));
		// Back again, the old leader follows.
		await set.start(old);
		const leader = await oneLeader([0, 1, 2]);
		expect(leader.term).toBeGreaterThan(before);
		await eventually(() => ready(old), Boolean, 60_000, 'the restarted replica ready');
		// It starts with the history kept in the store, from before its own start.
		const charts = (await (await get(old, '/api/v1/autoscalers?window=1h')).json()) as { items: { history: [number, number | null][] }[] };
		expect(charts.items.length).toBeGreaterThan(0);
		expect(charts.items.some((a) => a.history.some((p) => p[0] < killedAt / 1000 && p[1] !== null))).toBe(true);
		// And with the capacity window kept in the store, reaching back before the kill.
		const window = (await (await get(old, '/api/v1/capacity?window=1h')).json()) as { as_of: string | null; covered_s: number };
		expect(window.as_of).not.toBeNull();
		expect(window.covered_s).toBeGreaterThan((Date.now() - killedAt) / 1000);
		const metrics = await (await get(old, '/metrics')).text();
		expect(metrics).toMatch(/runner_dashboard_leader\{replica="[^"]+"\} 0/);
	}, 180_000);

	it('a rolling restart under round-robin reads: no 5xx but from the replica being stopped, and those retried succeed', async () => {
		const stopping = new Set<number>();
		const serving = new Set([0, 1, 2]);
		const failures: string[] = [];
		let reads = 0;
		let retried = 0;
		let running = true;
		const load = (async () => {
			let n = 0;
			while (running) {
				const targets = [...serving];
				const i = targets[n++ % targets.length]!;
				const wasStopping = stopping.has(i);
				const r = await get(i, '/api/v1/runners?per_page=20').catch((e: Error) => e);
				reads++;
				if (r instanceof Response && r.status < 500) {
					await r.arrayBuffer();
					continue;
				}
				const what = r instanceof Response ? `HTTP ${r.status}` : r.message;
				if (!wasStopping && !stopping.has(i)) {
					failures.push(`replica ${i}: ${what}`);
					continue;
				}
				// The replica being stopped may refuse; the load balancer's retry goes to another.
				const other = targets.find((t) => t !== i && !stopping.has(t));
				const again = other === undefined ? null : await get(other, '/api/v1/runners?per_page=20').catch(() => null);
				retried++;
				if (!again || again.status >= 500) failures.push(`retry after replica ${i} (${what}) failed: ${again ? `HTTP ${again.status}` : 'no answer'}`);
				else await again.arrayBuffer();
			}
		})();
		for (const i of [0, 1, 2]) {
			stopping.add(i);
			await set.stop(i, 'SIGTERM');
			serving.delete(i);
			stopping.delete(i);
			await set.start(i);
			await eventually(() => ready(i), Boolean, 60_000, `replica ${i} ready after its restart`);
			serving.add(i);
		}
		running = false;
		await load;
		console.log(`rolling restart: ${reads} reads, ${retried} retried after the stopping replica refused`);
		expect(failures).toEqual([]);
		expect(reads).toBeGreaterThan(10);
		await oneLeader([0, 1, 2]);
	}, 300_000);
});
