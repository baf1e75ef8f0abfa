import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type BusEvent } from './bus';
import { sseStream } from './sse';

const decoder = new TextDecoder();

/** Reads from an SSE stream until the text so far satisfies `done`, or fails after `ms`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean, ms = 2000): Promise<string> {
	let text = '';
	const deadline = Date.now() + ms;
	while (!done(text)) {
		const left = deadline - Date.now();
		if (left <= 0) throw new Error(`timed out; read so far: ${JSON.stringify(text)}`);
		let timer: NodeJS.Timeout | undefined;
		const chunk = await Promise.race([
			reader.read(),
			new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out; read so far: ${JSON.stringify(text)}`)), left)))
		]).finally(() => clearTimeout(timer));
		if (chunk.done) throw new Error(`stream ended; read so far: ${JSON.stringify(text)}`);
		text += decoder.decode(chunk.value);
	}
	return text;
}

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
		const first = bus.publish('runners', { n: 1 });
		expect(first).toMatchObject({ id: 1, type: 'runners', data: { n: 1 } });
		expect(new Date(first.at).toISOString()).toBe(first.at);
		offA();
		expect(bus.listenerCount).toBe(1);
		bus.publish('runners', { n: 2 });
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
		expect(() => bus.publish('x', null)).not.toThrow();
		bus.publish('x', null);
		expect(got).toEqual(['before', 'after', 'before', 'after']);
	});

	it('keeps at most `capacity` events for replay', () => {
		const bus = new EventBus(3);
		for (let i = 1; i <= 5; i++) bus.publish('t', i);
		expect(bus.since(2)!.map((e) => e.data)).toEqual([3, 4, 5]);
		expect(bus.since(4)!.map((e) => e.data)).toEqual([5]);
		expect(bus.since(5)).toEqual([]);
		expect(bus.since(1)).toBeNull();
		expect(bus.since(0)).toBeNull();
	});

	it('replays everything while nothing has been evicted', () => {
		const bus = new EventBus(10);
		expect(bus.since(0)).toEqual([]);
		for (let i = 1; i <= 4; i++) bus.publish('t', i);
		expect(bus.since(0)!.map((e) => e.id)).toEqual([1, 2, 3, 4]);
	});

	it('cannot replay for an id it never issued (e.g. from before a restart)', () => {
		const bus = new EventBus(10);
		bus.publish('t', 1);
		expect(bus.since(500)).toBeNull();
	});
});

describe('sseStream', () => {
	afterEach(() => {
		vi.restoreAllMocks();
	});

	it('starts with a retry hint and frames published events', async () => {
		const bus = new EventBus();
		const reader = sseStream(bus).getReader();
		const hello = await readUntil(reader, (t) => t.endsWith('\n\n'));
		expect(hello).toMatch(/^retry: \d+\n/);
		expect(frames(hello)).toEqual([]);

		bus.publish('runners', { upserted: ['gitlab:a:1'] });
		bus.publish('sources', { name: 'a' });
		const text = await readUntil(reader, (t) => frames(t).length === 2);
		expect(text).toBe('id: 1\nevent: runners\ndata: {"upserted":["gitlab:a:1"]}\n\nid: 2\nevent: sources\ndata: {"name":"a"}\n\n');
		await reader.cancel();
	});

	it('replays exactly the events after Last-Event-ID', async () => {
		const bus = new EventBus();
		for (let i = 1; i <= 5; i++) bus.publish('t', { i });
		const reader = sseStream(bus, { lastEventId: '3' }).getReader();
		const replay = await readUntil(reader, (t) => frames(t).length >= 2);
		expect(frames(replay)).toEqual([
			{ id: 4, event: 't', data: { i: 4 } },
			{ id: 5, event: 't', data: { i: 5 } }
		]);
		bus.publish('t', { i: 6 });
		const live = await readUntil(reader, (t) => frames(t).length >= 1);
		expect(frames(live)).toEqual([{ id: 6, event: 't', data: { i: 6 } }]);
		await reader.cancel();
	});

	it('sends nothing to replay when the client is up to date', async () => {
		const bus = new EventBus();
		bus.publish('t', 1);
		const reader = sseStream(bus, { lastEventId: '1' }).getReader();
		const hello = await readUntil(reader, (t) => t.endsWith('\n\n'));
		bus.publish('t', 2);
		const next = await readUntil(reader, (t) => frames(t).length >= 1);
		expect(frames(hello + next).map((f) => f.id)).toEqual([2]);
		await reader.cancel();
	});

	it('sends a reset when the missed events have been evicted', async () => {
		const bus = new EventBus(2);
		for (let i = 1; i <= 5; i++) bus.publish('t', i);
		const reader = sseStream(bus, { lastEventId: '1' }).getReader();
		const text = await readUntil(reader, (t) => frames(t).length >= 1);
		expect(frames(text)).toEqual([{ id: 5, event: 'reset', data: {} }]);
		await reader.cancel();
	});

	it('sends a reset to a client that reconnects with an id from before a restart', async () => {
		const bus = new EventBus();
		bus.publish('t', 1);
		const reader = sseStream(bus, { lastEventId: '500' }).getReader();
		const text = await readUntil(reader, (t) => frames(t).length >= 1);
		expect(frames(text)).toEqual([{ id: 1, event: 'reset', data: {} }]);
		await reader.cancel();
	});

	it('ignores a malformed Last-Event-ID', async () => {
		const bus = new EventBus();
		bus.publish('t', 1);
		const reader = sseStream(bus, { lastEventId: 'abc' }).getReader();
		const hello = await readUntil(reader, (t) => t.endsWith('\n\n'));
		bus.publish('t', 2);
		const next = await readUntil(reader, (t) => frames(t).length >= 1);
		expect(frames(hello + next).map((f) => f.id)).toEqual([2]);
		await reader.cancel();
	});

	it('sends heartbeat comments', async () => {
		const bus = new EventBus();
		const reader = sseStream(bus, { heartbeatMs: 10 }).getReader();
		const text = await readUntil(reader, (t) => (t.match(/^: heartbeat$/gm) ?? []).length >= 2);
		expect(frames(text)).toEqual([]);
		await reader.cancel();
	});

	it('calls onOpen once and onClose once, whichever side ends it', async () => {
		const bus = new EventBus();
		const onOpen = vi.fn();
		const onClose = vi.fn();
		const ac = new AbortController();
		const reader = sseStream(bus, { signal: ac.signal, onOpen, onClose }).getReader();
		await reader.read();
		expect(onOpen).toHaveBeenCalledTimes(1);
		ac.abort();
		expect(onClose).toHaveBeenCalledTimes(1);
		expect(await reader.read()).toEqual({ done: true, value: undefined });
		await reader.cancel();
		expect(onClose).toHaveBeenCalledTimes(1);
		expect(bus.listenerCount).toBe(0);
	});

	it('releases at once when the signal is already aborted', async () => {
		const bus = new EventBus();
		const onClose = vi.fn();
		const before = timeouts();
		const reader = sseStream(bus, { signal: AbortSignal.abort(), onClose }).getReader();
		expect(decoder.decode((await reader.read()).value)).toMatch(/^retry:/);
		expect((await reader.read()).done).toBe(true);
		expect(onClose).toHaveBeenCalledTimes(1);
		expect(bus.listenerCount).toBe(0);
		expect(timeouts()).toBe(before);
	});

	it('releases every subscription and timer when 1,000 clients go away', async () => {
		const bus = new EventBus();
		const baselineListeners = bus.listenerCount;
		const baselineTimeouts = timeouts();
		const N = 1000;
		const onClose = vi.fn();
		const closesPerStream = new Map<number, number>();

		const clients = Array.from({ length: N }, (_, i) => {
			const ac = i % 2 === 1 ? new AbortController() : undefined;
			const stream = sseStream(bus, {
				signal: ac?.signal,
				onClose: () => {
					onClose();
					closesPerStream.set(i, (closesPerStream.get(i) ?? 0) + 1);
				}
			});
			return { reader: stream.getReader(), ac };
		});
		for (const c of clients) {
			const first = await c.reader.read();
			expect(decoder.decode(first.value)).toMatch(/^retry:/);
		}
		expect(bus.listenerCount).toBe(baselineListeners + N);
		expect(timeouts()).toBeGreaterThanOrEqual(baselineTimeouts + N);

		bus.publish('t', 'while open');
		for (const c of clients) expect(frames(decoder.decode((await c.reader.read()).value)).map((f) => f.id)).toEqual([1]);

		for (const c of clients) {
			if (c.ac) c.ac.abort();
			else await c.reader.cancel();
		}
		expect(bus.listenerCount).toBe(baselineListeners);
		expect(onClose).toHaveBeenCalledTimes(N);
		expect([...closesPerStream.values()].every((n) => n === 1)).toBe(true);
		expect(closesPerStream.size).toBe(N);

		// Publishing after everyone left must not resurrect anything.
		bus.publish('t', 'after close');
		for (const c of clients.filter((c) => c.ac)) expect((await c.reader.read()).done).toBe(true);
		expect(onClose).toHaveBeenCalledTimes(N);
		expect(timeouts()).toBe(baselineTimeouts);
	});
});
