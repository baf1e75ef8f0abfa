import { describe, expect, it } from 'vitest';
import { EventBus, type BusEvent } from './bus';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiveStreams, DEFAULT_LIVE_LIMITS, type EndReason, type LiveLimits } from './live';
import type { Principal } from '../auth/principal';


/** The `id`, `event` and `data` of every event frame in a piece of SSE text (comments skipped). */
function frames(text: string): { id: number; event: string; data: unknown }[] {
	return text
		.split('\n\n')
		.filter((block) => block.startsWith('id: '))
		.map((block) => {
			const f = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
			return { id: Number(f.id), event: f.event!, data: JSON.parse(f.data!) };
		});
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('EventBus', () => {
	it('delivers to subscribers until they unsubscribe', () => {
		const bus = new EventBus();
		const a: BusEvent[] = [];
		const b: BusEvent[] = [];
		const offA = bus.subscribe((e) => a.push(e));
		bus.subscribe((e) => b.push(e));
		expect(bus.listenerCount).toBe(2);
		const first = bus.publish('drift', { items: 1, errors: 0, checked_at: 'x' });
		expect(first).toMatchObject({ id: 1, type: 'drift', data: { items: 1 } });
		expect(new Date(first!.at).toISOString()).toBe(first!.at);
		offA();
		expect(bus.listenerCount).toBe(1);
		bus.publish('drift', { items: 2, errors: 0, checked_at: 'x' });
		expect(a.map((e) => e.id)).toEqual([1]);
		expect(b.map((e) => e.id)).toEqual([1, 2]);
		expect(bus.lastId).toBe(2);
	});

	it('keeps delivering when one listener throws', () => {
		const bus = new EventBus();
		const got: string[] = [];
		bus.subscribe(() => got.push('before'));
		bus.subscribe(() => {
			throw new Error('broken subscriber');
		});
		bus.subscribe(() => got.push('after'));
		expect(() => bus.publish('runners.reset', { source: 'a' })).not.toThrow();
		bus.publish('runners.reset', { source: 'a' });
		expect(got).toEqual(['before', 'after', 'before', 'after']);
	});

	it('keeps at most `capacity` events for replay', () => {
		const bus = new EventBus(3);
		for (let i = 1; i <= 5; i++) bus.publish('runners.reset', { source: String(i) });
		expect(bus.since(2)!.map((e) => e.id)).toEqual([3, 4, 5]);
		expect(bus.since(4)!.map((e) => e.id)).toEqual([5]);
		expect(bus.since(5)).toEqual([]);
		expect(bus.since(1)).toBeNull();
		expect(bus.since(0)).toBeNull();
	});

	it('replays everything while nothing has been evicted', () => {
		const bus = new EventBus(10);
		expect(bus.since(0)).toEqual([]);
		for (let i = 1; i <= 4; i++) bus.publish('runners.reset', { source: String(i) });
		expect(bus.since(0)!.map((e) => e.id)).toEqual([1, 2, 3, 4]);
	});

	it('cannot replay for an id it never issued (e.g. from before a restart)', () => {
		const bus = new EventBus(10);
		bus.publish('runners.reset', { source: String(1) });
		expect(bus.since(500)).toBeNull();
	});
});

const alice: Principal = { kind: 'user', id: 1, name: 'alice', role: 'viewer' } as unknown as Principal;
const bob: Principal = { kind: 'user', id: 2, name: 'bob', role: 'viewer' } as unknown as Principal;

/** A live-stream server on a random port: each GET opens a stream for the principal named by ?as=. */
async function harness(limits: Partial<LiveLimits>, valid: (p: Principal) => boolean = () => true) {
	const bus = new EventBus();
	const ended: EndReason[] = [];
	const live = new LiveStreams(bus, { ...DEFAULT_LIVE_LIMITS, ...limits }, async (p) => valid(p), { opened() {}, closed: (r) => ended.push(r) });
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url!, 'http://x');
		const p = url.searchParams.get('as') === 'bob' ? bob : alice;
		const refusal = live.refusal(p);
		if (refusal) return res.writeHead(429, { 'content-type': 'text/plain' }).end(refusal);
		live.open(res, p, (req.headers['last-event-id'] as string) ?? undefined, {});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const port = (server.address() as AddressInfo).port;
	/** Opens a stream; `read: false` never reads the body (a stalled client). */
	const open = (as = 'alice', headers: Record<string, string> = {}, read = true) =>
		new Promise<{ status: number; text: () => string; close: () => void; done: Promise<void> }>((resolve, reject) => {
			const req = request({ port, path: `/?as=${as}`, headers }, (res) => {
				let text = '';
				// The request's socket closing is the signal: a paused response may never emit its own 'close'.
				const done = new Promise<void>((r) => req.on('close', () => r()));
				if (read) res.on('data', (c) => (text += c));
				else res.pause();
				resolve({ status: res.statusCode!, text: () => text, close: () => req.destroy(), done });
			});
			req.on('error', () => {});
			req.on('error', reject);
			req.end();
		});
	const close = async () => {
		live.closeAll();
		server.closeAllConnections();
		await new Promise((r) => server.close(r));
	};
	return { bus, live, ended, open, close };
}

const until = async (ok: () => boolean, ms = 3000) => {
	const deadline = Date.now() + ms;
	while (!ok()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 10));
	}
};

describe('LiveStreams', () => {
	it('frames published events once for every stream and replays after Last-Event-ID', async () => {
		const h = await harness({});
		try {
			h.bus.publish('runners.reset', { source: 'a' });
			h.bus.publish('runners.reset', { source: 'b' });
			const fresh = await h.open();
			const resumed = await h.open('alice', { 'last-event-id': '1' });
			await until(() => h.live.size === 2);
			h.bus.publish('drift', { items: 3, errors: 0, checked_at: '2026-01-01T00:00:00.000Z' });
			await until(() => frames(fresh.text()).length === 1 && frames(resumed.text()).length === 2);
			expect(fresh.text()).toMatch(/^retry: 3000\n/);
			expect(frames(fresh.text())).toEqual([{ id: 3, event: 'drift', data: { items: 3, errors: 0, checked_at: '2026-01-01T00:00:00.000Z' } }]);
			expect(frames(resumed.text()).map((f) => f.id)).toEqual([2, 3]);
		} finally {
			await h.close();
		}
	});

	it('sends a reset when the missed events are gone or come from before a restart', async () => {
		const h = await harness({});
		try {
			h.bus.publish('runners.reset', { source: 'a' });
			const s = await h.open('alice', { 'last-event-id': '500' });
			await until(() => frames(s.text()).length === 1);
			expect(frames(s.text())).toEqual([{ id: 1, event: 'reset', data: {} }]);
		} finally {
			await h.close();
		}
	});

	it('refuses past the per-principal and total caps, and frees a slot when a client leaves', async () => {
		const h = await harness({ perPrincipal: 2, total: 3 });
		try {
			const a1 = await h.open();
			await h.open();
			const a3 = await h.open();
			expect([a1.status, a3.status]).toEqual([200, 429]);
			const b1 = await h.open('bob');
			const b2 = await h.open('bob');
			expect([b1.status, b2.status]).toEqual([200, 429]);
			a1.close();
			await until(() => h.live.size === 2);
			expect((await h.open()).status).toBe(200);
			expect(h.ended).toEqual(['client']);
		} finally {
			await h.close();
		}
	});

	it('resets and closes a stream that stops reading once its unsent data passes the bound', async () => {
		const h = await harness({ maxBufferedBytes: 64 * 1024 });
		try {
			const stalled = await h.open('alice', {}, false);
			const reading = await h.open('bob');
			await until(() => h.live.size === 2);
			const big = Array.from({ length: 200 }, (_, i) => `runner-${i}-${'x'.repeat(100)}`);
			// Loopback sockets buffer megabytes in the kernel before the server's own queue grows.
			for (let i = 0; i < 5000 && h.live.size === 2; i++) {
				h.bus.publish('runners.delta', { source: 's', upserted: [], removed: big });
				await new Promise((r) => setImmediate(r));
			}
			await until(() => h.live.size === 1);
			expect(h.ended).toEqual(['overflow']);
			// (The stalled client reads nothing, so it never sees its socket end: the server's side is what counts.)
			stalled.close();
			expect(frames(reading.text()).length).toBeGreaterThan(10);
		} finally {
			await h.close();
		}
	});

	it('holds 20 streams that stop reading through 200 fleet deltas: each is reset and closed, memory stays bounded', async () => {
		const h = await harness({ perPrincipal: 100, maxBufferedBytes: 1024 * 1024 });
		try {
			const stalled = await Promise.all(Array.from({ length: 20 }, () => h.open('alice', {}, false)));
			const reading = await h.open('bob');
			await until(() => h.live.size === 21);
			const heapBefore = process.memoryUsage().heapUsed;
			// ~200 KB per delta: 40 MB per client if nothing bounded what waits for it, 800 MB for all twenty.
			const ids = Array.from({ length: 2000 }, (_, i) => `gitlab:sandbox-gitlab:${i}-${'x'.repeat(80)}`);
			for (let i = 0; i < 200; i++) {
				h.bus.publish('runners.delta', { source: 's', upserted: [], removed: ids });
				await new Promise((r) => setImmediate(r));
			}
			await until(() => h.live.size === 1, 10_000);
			expect(h.ended.filter((r) => r === 'overflow').length).toBe(20);
			await until(() => frames(reading.text()).length === 200, 10_000);
			expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 2 ** 20);
			for (const s of stalled) s.close();
		} finally {
			await h.close();
		}
	}, 60_000);

	it('ends a stream within a heartbeat of its principal losing access, and at its maximum lifetime', async () => {
		let aliceValid = true;
		const h = await harness({ heartbeatMs: 20, maxLifetimeMs: 400 }, (p) => p.name !== 'alice' || aliceValid);
		try {
			const a = await h.open();
			const b = await h.open('bob');
			await until(() => (a.text().match(/^: heartbeat$/gm) ?? []).length >= 2);
			aliceValid = false;
			await a.done;
			expect(frames(a.text()).at(-1)).toMatchObject({ event: 'reset', data: { reason: 'revoked' } });
			await b.done;
			expect(h.ended).toEqual(['revoked', 'lifetime']);
			expect(h.live.size).toBe(0);
		} finally {
			await h.close();
		}
	});

	it('releases every subscription and timer when 200 clients go away', async () => {
		const h = await harness({ perPrincipal: 1000, total: 1000 });
		try {
			const before = timeouts();
			const clients = await Promise.all(Array.from({ length: 200 }, () => h.open()));
			await until(() => h.live.size === 200);
			expect(h.bus.listenerCount).toBe(200);
			for (const c of clients) c.close();
			await until(() => h.live.size === 0);
			expect(h.bus.listenerCount).toBe(0);
			expect(h.ended.length).toBe(200);
			expect(timeouts()).toBeLessThanOrEqual(before);
		} finally {
			await h.close();
		}
	});
});
