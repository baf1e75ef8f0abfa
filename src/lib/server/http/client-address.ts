// The client's address as the dashboard keys it: sign-in throttling by address and the
// audit log. Framework-neutral: the caller passes the socket's peer address and the
// request headers, whatever server received them.
import { isIP } from 'node:net';

/**
 * The key for a client whose address cannot be told: the configured header is missing,
 * X-Forwarded-For has fewer hops than XFF_DEPTH, or a value is not an IP address. Such
 * clients share one throttle bucket: a missing address never skips the check.
 */
export const UNKNOWN_PEER = 'unknown-peer';

export interface ClientAddressSettings {
	/** Lower-case header name (ADDRESS_HEADER); undefined: the socket's peer is the client. */
	header: string | undefined;
	/** With X-Forwarded-For: how many trusted proxies append to it (XFF_DEPTH, ≥ 1). */
	xffDepth: number;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderSource, name: string): string | undefined {
	if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
	const v = (headers as Record<string, string | string[] | undefined>)[name];
	// Node keeps repeated headers as an array; for X-Forwarded-For they form one list.
	return Array.isArray(v) ? v.join(',') : v;
}

/** An IP address in one spelling: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as plain IPv4. */
function normalise(raw: string | undefined | null): string | null {
	const a = raw?.trim();
	if (!a) return null;
	const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
	if (v4) return v4[1]!;
	return isIP(a) ? a.toLowerCase() : null;
}

/**
 * The client address, or UNKNOWN_PEER. Behind proxies only the header is trusted (the
 * socket is the proxy); with X-Forwarded-For the address `xffDepth` hops from the right
 * is taken, since everything left of the trusted proxies can be forged by the client.
 */
export function clientAddress(socketAddress: string | undefined | null, headers: HeaderSource, settings: ClientAddressSettings): string {
	if (!settings.header) return normalise(socketAddress) ?? UNKNOWN_PEER;
	const value = headerValue(headers, settings.header);
	if (value === undefined) return UNKNOWN_PEER;
	if (settings.header !== 'x-forwarded-for') return normalise(value) ?? UNKNOWN_PEER;
	const hops = value.split(',');
	if (settings.xffDepth < 1 || settings.xffDepth > hops.length) return UNKNOWN_PEER;
	return normalise(hops[hops.length - settings.xffDepth]) ?? UNKNOWN_PEER;
}
