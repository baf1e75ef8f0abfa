// The live streams (SSE) of every client: bounded in number (per principal and in
// all), in memory (a client that stops reading is sent `reset` and closed once its
// unsent data passes a bound) and in time (a maximum lifetime; the browser reconnects
// and is authenticated again). The principal is checked again on every heartbeat, so
// a stream ends within one heartbeat of sign-out, revocation or a role change.
import type { ServerResponse } from 'node:http';
import type { Principal } from '../auth/principal';
import { frameOf, type BusEvent, type EventBus } from './bus';

export interface LiveLimits {
	/** Streams one principal (a user's sessions together, or one token) may hold open. */
	perPrincipal: number;
	/** Streams the whole process holds open. */
	total: number;
	/** After this a stream ends; EventSource reconnects with Last-Event-ID and loses nothing. */
	maxLifetimeMs: number;
	/** Unsent bytes a stream may queue before it is reset and closed. */
	maxBufferedBytes: number;
	heartbeatMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = {
	perPrincipal: 10,
	total: 2_000,
	maxLifetimeMs: 15 * 60_000,
	maxBufferedBytes: 1024 * 1024,
	heartbeatMs: 15_000
};

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(': heartbeat\n\n');

/** Why a stream ended, for the metrics and the tests. */
export type EndReason = 'client' | 'overflow' | 'lifetime' | 'revoked' | 'shutdown';

interface Stream {
	res: ServerResponse;
	owner: string;
	/** Checks the principal now (as a heartbeat does) and ends the stream when it no longer holds. */
	check(): void;
	end(reason: EndReason): void;
}

const ownerOf = (p: Principal) => `${p.kind}:${p.id}`;

export class LiveStreams {
	private streams = new Set<Stream>();
	private perOwner = new Map<string, number>();

	constructor(
		private bus: EventBus,
		private limits: LiveLimits,
		/** Whether the principal still holds: session or token alive, same role, user enabled. */
		private stillValid: (p: Principal) => Promise<boolean>,
		private observe: { opened(): void; closed(reason: EndReason): void } = { opened() {}, closed() {} }
	) {}

	get size(): number {
		return this.streams.size;
	}

	/** The refusal for one more stream of this principal, or null when there is room. */
	refusal(p: Principal): string | null {
		if (this.streams.size >= this.limits.total) return `the dashboard holds its maximum of ${this.limits.total} live streams; try again later`;
		if ((this.perOwner.get(ownerOf(p)) ?? 0) >= this.limits.perPrincipal) return `at most ${this.limits.perPrincipal} live streams per user or token; close a tab`;
		return null;
	}

	/** Starts a stream on `res` (headers not yet sent); check `refusal` first. */
	open(res: ServerResponse, principal: Principal, lastEventId: string | undefined, headers: Record<string, string>): void {
		const { bus, limits } = this;
		const owner = ownerOf(principal);
		let ended = false;
		const started = Date.now();
		const send = (chunk: Uint8Array) => {
			if (ended) return;
			// Whatever the socket has not taken yet sits in this process: past the bound the client is too slow to follow.
			if (res.writableLength + chunk.byteLength > limits.maxBufferedBytes) return stream.end('overflow');
			res.write(chunk);
		};
		const unsubscribe = bus.subscribe((e: BusEvent) => send(frameOf(e)));
		let checking = false;
		const check = (beat: boolean) => {
			if (checking) return;
			checking = true;
			this.stillValid(principal)
				.then((ok) => (!ok ? stream.end('revoked') : beat ? send(HEARTBEAT) : undefined))
				.catch(() => (beat ? send(HEARTBEAT) : undefined))
				.finally(() => (checking = false));
		};
		const heartbeat = setInterval(() => {
			if (Date.now() - started >= limits.maxLifetimeMs) return stream.end('lifetime');
			check(true);
		}, limits.heartbeatMs);
		const stream: Stream = {
			res,
			owner,
			check: () => check(false),
			end: (reason) => {
				if (ended) return;
				ended = true;
				clearInterval(heartbeat);
				unsubscribe();
				this.streams.delete(stream);
				const left = (this.perOwner.get(owner) ?? 1) - 1;
				if (left > 0) this.perOwner.set(owner, left);
				else this.perOwner.delete(owner);
				this.observe.closed(reason);
				if (reason === 'client') return;
				if (reason === 'overflow' || reason === 'revoked') {
					// A reset tells a client that does read again to re-load everything; one that does not
					// read never takes it, so the socket goes once the grace is over either way.
					res.end(encoder.encode(`id: ${bus.lastId}\nevent: reset\ndata: {"reason":"${reason}"}\n\n`));
					setTimeout(() => res.destroy(), 1_000).unref();
				} else {
					res.end();
				}
			}
		};
		this.streams.add(stream);
		this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
		this.observe.opened();
		res.on('close', () => stream.end('client'));

		res.writeHead(200, {
			...headers,
			'content-type': 'text/event-stream',
			'cache-control': 'no-store',
			connection: 'keep-alive',
			'x-accel-buffering': 'no'
		});
		res.write(`retry: 3000\n: connected ${bus.lastId}\n\n`);
		const last = Number(lastEventId);
		if (lastEventId && Number.isInteger(last) && last >= 0) {
			const missed = bus.since(last);
			if (missed === null) send(encoder.encode(`id: ${bus.lastId}\nevent: reset\ndata: {}\n\n`));
			else for (const e of missed) send(frameOf(e));
		}
	}

	/** Checks every stream's principal now: a session ended or a token revoked (on any replica) ends its streams. */
	recheck(): void {
		for (const s of this.streams) s.check();
	}

	/** Ends every stream (shutdown): clients reconnect elsewhere or when the process is back. */
	closeAll(): void {
		for (const s of [...this.streams]) s.end('shutdown');
	}
}
