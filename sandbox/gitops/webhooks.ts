// Webhook delivery for the GitOps repository, one registration per forge. Each flow
// event is rendered at once (the payload says what was true then) and queued; a queue
// per forge delivers in order, one request at a time, retrying a failed delivery (no
// answer, or not 2xx) after 0.5 s, 2 s and 8 s of real time. GitLab signs with
// `X-Gitlab-Token: <secret>`, GitHub with `X-Hub-Signature-256: sha256=<HMAC>`. The log
// keeps the last deliveries with their exact headers and body, so a delivery can be
// sent again unchanged (a replay, same delivery id and signature).

import { createHash, createHmac } from 'node:crypto';
import { iso } from '../sim/clock.js';
import { GHES_VERSION } from '../sim/github/catalog.js';
import type { ChangeFlow, FlowEvent } from './flow.js';
import { GITOPS_REPO } from './github-entities.js';
import { githubHookPayloads } from './github-hooks.js';
import { gitlabHookPayloads, type HookPayload } from './gitlab-hooks.js';
import type { Forge } from './pipelines.js';

/** Hook kinds each forge sends, the default for a registration. */
export const HOOK_KINDS: Record<Forge, readonly string[]> = {
	gitlab: ['merge_request', 'pipeline', 'job'],
	github: ['pull_request', 'check_run', 'workflow_run']
};
const DEFAULT_KINDS: Record<Forge, readonly string[]> = { gitlab: ['merge_request', 'pipeline'], github: ['pull_request', 'check_run', 'workflow_run'] };

export const RETRY_DELAYS_MS = [500, 2000, 8000] as const;
export const ATTEMPT_TIMEOUT_MS = 5000;
export const MAX_DELIVERIES = 500;
export const MAX_QUEUED = 200;

export interface HookConfig {
	url: string;
	secret: string;
	kinds: string[];
}

export interface Attempt {
	/** Real time of the attempt. */
	at: string;
	status: number | null;
	error: string | null;
	duration_ms: number;
}

export interface Delivery {
	id: number;
	forge: Forge;
	event: string;
	kind: string;
	action: string | null;
	/** X-Gitlab-Event-UUID / X-GitHub-Delivery. */
	guid: string;
	url: string;
	headers: Record<string, string>;
	body: string;
	/** Simulated time of the event. */
	createdAt: number;
	status: 'queued' | 'delivering' | 'delivered' | 'failed' | 'dropped';
	attempts: Attempt[];
	redeliveryOf: number | null;
}

function uuidOf(text: string): string {
	const h = createHash('sha256').update(text).digest('hex');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class Webhooks {
	private readonly hooks: Partial<Record<Forge, HookConfig>> = {};
	private readonly log: Delivery[] = [];
	private readonly queues: Record<Forge, Delivery[]> = { gitlab: [], github: [] };
	private readonly busy: Record<Forge, boolean> = { gitlab: false, github: false };
	private readonly seq: Record<Forge, number> = { gitlab: 0, github: 0 };
	private nextId = 1;
	private base = 'http://127.0.0.1';
	private closed = false;
	private readonly waits = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
	private readonly inflight = new Set<AbortController>();
	/** Real ms between attempts (tests shorten them). */
	retryDelaysMs: readonly number[] = RETRY_DELAYS_MS;

	constructor(private readonly flow: ChangeFlow) {
		flow.onEvent((e) => this.onEvent(e));
	}

	/** The sandbox's own URL (payloads link back to it). */
	setBaseUrl(url: string): void {
		this.base = url;
	}

	register(forge: Forge, url: string, secret: string, kinds?: string[]): HookConfig {
		const cfg = { url, secret, kinds: [...(kinds ?? DEFAULT_KINDS[forge])] };
		this.hooks[forge] = cfg;
		return cfg;
	}

	unregister(forge: Forge): boolean {
		const had = this.hooks[forge] !== undefined;
		delete this.hooks[forge];
		return had;
	}

	config(forge: Forge): HookConfig | undefined {
		return this.hooks[forge];
	}

	deliveries(): readonly Delivery[] {
		return this.log;
	}

	delivery(id: number): Delivery | undefined {
		return this.log.find((d) => d.id === id);
	}

	/** Sends a past delivery again, byte for byte (same headers, same delivery id), to the URL it went to. */
	redeliver(id: number): Delivery | undefined {
		const d = this.delivery(id);
		if (!d) return undefined;
		const copy: Delivery = { ...d, id: this.nextId++, headers: { ...d.headers }, status: 'queued', attempts: [], redeliveryOf: d.id, createdAt: this.flow.now() };
		this.enqueue(copy);
		return copy;
	}

	summary() {
		const of = (forge: Forge) => {
			const list = this.log.filter((d) => d.forge === forge);
			const count = (s: Delivery['status']) => list.filter((d) => d.status === s).length;
			const cfg = this.hooks[forge];
			return {
				url: cfg?.url ?? null,
				kinds: cfg?.kinds ?? [],
				delivered: count('delivered'),
				failed: count('failed'),
				pending: count('queued') + count('delivering'),
				dropped: count('dropped')
			};
		};
		return { gitlab: of('gitlab'), github: of('github') };
	}

	/** Stops delivering: pending retries end, requests in flight are aborted. */
	close(): void {
		this.closed = true;
		for (const w of this.waits) {
			clearTimeout(w.timer);
			w.resolve();
		}
		this.waits.clear();
		for (const a of this.inflight) a.abort();
	}

	private onEvent(e: FlowEvent): void {
		const forge: Forge = e.kind === 'proposal' ? e.forge : e.pipeline.forge;
		const cfg = this.hooks[forge];
		if (!cfg || this.closed) return;
		const payloads =
			forge === 'gitlab'
				? gitlabHookPayloads(this.flow, e, `${this.base}/gitlab`)
				: githubHookPayloads(this.flow, e, { web: `${this.base}/github`, api: `${this.base}/github/api/v3` });
		const at = e.at;
		for (const p of payloads) if (cfg.kinds.includes(p.kind)) this.enqueue(this.render(forge, cfg, p, at));
	}

	private render(forge: Forge, cfg: HookConfig, p: HookPayload, at: number): Delivery {
		const body = JSON.stringify(p.payload);
		const n = ++this.seq[forge];
		const guid = uuidOf(`${forge}|${n}|${body}`);
		const headers: Record<string, string> =
			forge === 'gitlab'
				? {
						'Content-Type': 'application/json',
						'User-Agent': 'GitLab/17.5.2',
						'X-Gitlab-Event': p.event,
						'X-Gitlab-Token': cfg.secret,
						'X-Gitlab-Event-UUID': guid,
						'X-Gitlab-Webhook-UUID': uuidOf(`hook|gitlab|${cfg.url}`),
						'X-Gitlab-Instance': new URL(this.base).origin,
						'Idempotency-Key': guid
					}
				: {
						'Content-Type': 'application/json',
						'User-Agent': 'GitHub-Hookshot/5a4d8b0',
						'X-GitHub-Event': p.event,
						'X-GitHub-Delivery': guid,
						'X-GitHub-Hook-ID': '1',
						'X-GitHub-Hook-Installation-Target-Type': 'repository',
						'X-GitHub-Hook-Installation-Target-ID': String(GITOPS_REPO.id),
						'X-GitHub-Enterprise-Version': GHES_VERSION,
						'X-GitHub-Enterprise-Host': new URL(this.base).host,
						'X-Hub-Signature': `sha1=${createHmac('sha1', cfg.secret).update(body).digest('hex')}`,
						'X-Hub-Signature-256': `sha256=${createHmac('sha256', cfg.secret).update(body).digest('hex')}`
					};
		return { id: this.nextId++, forge, event: p.event, kind: p.kind, action: p.action, guid, url: cfg.url, headers, body, createdAt: at, status: 'queued', attempts: [], redeliveryOf: null };
	}

	private enqueue(d: Delivery): void {
		this.log.push(d);
		if (this.log.length > MAX_DELIVERIES) this.log.splice(0, this.log.length - MAX_DELIVERIES);
		const q = this.queues[d.forge];
		q.push(d);
		while (q.length > MAX_QUEUED) (q.shift() as Delivery).status = 'dropped';
		this.pump(d.forge);
	}

	private pump(forge: Forge): void {
		if (this.busy[forge] || this.closed) return;
		const d = this.queues[forge].shift();
		if (!d) return;
		this.busy[forge] = true;
		void this.deliver(d).finally(() => {
			this.busy[forge] = false;
			this.pump(forge);
		});
	}

	private async deliver(d: Delivery): Promise<void> {
		d.status = 'delivering';
		for (let i = 0; ; i++) {
			if (this.closed) return;
			if (await this.attempt(d)) {
				d.status = 'delivered';
				return;
			}
			const delay = this.retryDelaysMs[i];
			if (delay === undefined || this.closed) {
				d.status = 'failed';
				return;
			}
			await this.sleep(delay);
		}
	}

	private async attempt(d: Delivery): Promise<boolean> {
		const abort = new AbortController();
		this.inflight.add(abort);
		const started = performance.now();
		const record = (status: number | null, error: string | null) =>
			d.attempts.push({ at: new Date().toISOString(), status, error, duration_ms: Math.round(performance.now() - started) });
		try {
			const res = await fetch(d.url, {
				method: 'POST',
				headers: d.headers,
				body: d.body,
				redirect: 'manual',
				signal: AbortSignal.any([abort.signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)])
			});
			await res.arrayBuffer().catch(() => undefined);
			const ok = res.status >= 200 && res.status < 300;
			record(res.status, ok ? null : `answered ${res.status}`);
			return ok;
		} catch (err) {
			record(null, err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err));
			return false;
		} finally {
			this.inflight.delete(abort);
		}
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const w = { timer: setTimeout(() => (this.waits.delete(w), resolve()), ms), resolve };
			this.waits.add(w);
		});
	}
}

/** A delivery as the control API lists it. */
export function deliveryView(d: Delivery) {
	let payload: unknown = d.body;
	try {
		payload = JSON.parse(d.body);
	} catch {
		/* keep the text */
	}
	return {
		id: d.id,
		forge: d.forge,
		event: d.event,
		kind: d.kind,
		action: d.action,
		guid: d.guid,
		url: d.url,
		status: d.status,
		created_at: iso(d.createdAt),
		redelivery_of: d.redeliveryOf,
		attempts: d.attempts,
		headers: d.headers,
		payload
	};
}
