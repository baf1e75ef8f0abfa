// The one adapter from a SvelteKit request to a service's Actor; the services never see the event.
import type { RequestEvent } from '@sveltejs/kit';
import type { IncomingMessage } from 'node:http';
import type { Actor } from '../services/actor';
import type { ClientAddressSettings } from './client-address';
import { clientAddress } from './client-address';
import { dashboardCookies } from './cookies';

/**
 * The client address of a SvelteKit request: the Node adapter hands over the raw request
 * as `platform.req`, so its socket peer is read directly and the configured header applied
 * by clientAddress (the adapter's own getClientAddress throws when the header is missing).
 * Under `vite dev` there is no platform; the dev server's peer address stands in.
 */
export function requestAddress(event: RequestEvent, settings: ClientAddressSettings): string {
	const req = (event.platform as { req?: IncomingMessage } | undefined)?.req;
	let socket = req?.socket?.remoteAddress;
	if (!req) {
		try {
			socket = event.getClientAddress();
		} catch {
			socket = undefined;
		}
	}
	return clientAddress(socket, event.request.headers, settings);
}

export function actorOf(event: RequestEvent): Actor {
	return {
		principal: event.locals.principal,
		ip: event.locals.clientAddress,
		requestId: event.locals.requestId,
		userAgent: event.request.headers.get('user-agent')
	};
}

/** Sets the session cookie for a session the services started (sign-in, a password change's rotation). */
export function setSessionCookie(event: RequestEvent, origin: string | undefined, session: { sessionId: string; expiresAt: Date }): void {
	const { session: spec } = dashboardCookies(origin);
	event.cookies.set(spec.name, session.sessionId, { ...spec.options, expires: session.expiresAt });
}

/** The device cookie's value, if the browser sent one (auth/device.ts). */
export function deviceCookie(event: RequestEvent, origin: string | undefined): string | undefined {
	return event.cookies.get(dashboardCookies(origin).device.name);
}
