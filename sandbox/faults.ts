// Fault injection per upstream. A fault sits in front of a whole path prefix, so a
// client sees what it would see if that upstream misbehaved: 5xx answers, requests
// that hang, throttling with Retry-After, or connections dropped without an answer.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http/respond.js';

export const FAULT_TARGETS = ['gitlab', 'github', 'k8s', 'exporters'] as const;
export const FAULT_MODES = ['none', 'error', 'timeout', 'rate_limit', 'refuse'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];
export type FaultMode = (typeof FAULT_MODES)[number];

export const DEFAULT_RETRY_AFTER_S = 2;

/** How an upstream phrases its error and throttling answers. */
export interface FaultStyle {
	error(res: ServerResponse): void;
	rateLimited(res: ServerResponse, retryAfterS: number): void;
}

/** Generic style; each upstream mount may register its own. */
export const plainStyle: FaultStyle = {
	error: (res) => sendJson(res, 500, { message: '500 Internal Server Error' }),
	rateLimited: (res, s) => sendJson(res, 429, { message: '429 Too Many Requests' }, { 'Retry-After': s })
};

interface Fault {
	mode: FaultMode;
	retryAfterS: number;
}

interface Held {
	target: FaultTarget;
	req: IncomingMessage;
	res: ServerResponse;
	resume: () => void;
}

export class Faults {
	private faults = new Map<FaultTarget, Fault>(FAULT_TARGETS.map((t) => [t, { mode: 'none', retryAfterS: DEFAULT_RETRY_AFTER_S }]));
	private styles = new Map<FaultTarget, FaultStyle>();
	private held = new Set<Held>();

	setStyle(target: FaultTarget, style: FaultStyle): void {
		this.styles.set(target, style);
	}

	set(target: FaultTarget, mode: FaultMode, retryAfterS = DEFAULT_RETRY_AFTER_S): void {
		this.faults.set(target, { mode, retryAfterS });
		if (mode !== 'timeout') this.releaseHeld(target);
	}

	modes(): Record<FaultTarget, FaultMode> {
		return Object.fromEntries(FAULT_TARGETS.map((t) => [t, this.faults.get(t)?.mode ?? 'none'])) as Record<FaultTarget, FaultMode>;
	}

	/** Number of requests currently held open by a `timeout` fault. */
	heldCount(): number {
		return this.held.size;
	}

	/** Either answers as the fault dictates or calls `proceed` to serve normally. */
	apply(target: FaultTarget, req: IncomingMessage, res: ServerResponse, proceed: () => void): void {
		const fault = this.faults.get(target) ?? { mode: 'none', retryAfterS: DEFAULT_RETRY_AFTER_S };
		const style = this.styles.get(target) ?? plainStyle;
		switch (fault.mode) {
			case 'none':
				return proceed();
			case 'error':
				return style.error(res);
			case 'rate_limit':
				return style.rateLimited(res, fault.retryAfterS);
			case 'refuse':
				// On a shared port we cannot refuse the TCP connection itself; destroying the
				// socket before any byte of response is the closest a client can observe.
				req.socket.destroy();
				return;
			case 'timeout': {
				// Held until the fault changes (then served under the new mode), the client
				// gives up, or the sandbox closes.
				const held: Held = { target, req, res, resume: () => this.apply(target, req, res, proceed) };
				this.held.add(held);
				res.once('close', () => this.held.delete(held));
				return;
			}
		}
	}

	private releaseHeld(target: FaultTarget): void {
		for (const h of [...this.held]) {
			if (h.target !== target) continue;
			this.held.delete(h);
			if (!h.res.destroyed) h.resume();
		}
	}

	/** Drops every held request (used on close). */
	destroyHeld(): void {
		for (const h of this.held) h.req.socket.destroy();
		this.held.clear();
	}
}

