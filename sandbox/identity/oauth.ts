// Pieces both forges' OAuth endpoints share: reading parameters, client credentials
// (HTTP Basic or in the body), and redirects back to the client.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyError, readFields } from '../http/body.js';

export type Fields = Record<string, unknown>;

/** A parameter's value when it was sent once as a non-empty string. */
export function param(fields: Fields, name: string): string | undefined {
	const v = fields[name];
	return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The query's parameters merged with a form or JSON body's (the body wins). */
export async function requestFields(req: IncomingMessage, url: URL): Promise<Fields> {
	const fields: Fields = Object.fromEntries(url.searchParams);
	if (req.method === 'GET' || req.method === 'HEAD') return fields;
	return { ...fields, ...(await readFields(req)) };
}

export { BodyError };

export interface ClientCredentials {
	id: string;
	secret: string;
	method: 'client_secret_basic' | 'client_secret_post';
}

/** RFC 6749 §2.3.1: Basic credentials are form-url-encoded before base64. */
function formDecode(s: string): string {
	try {
		return decodeURIComponent(s.replace(/\+/g, ' '));
	} catch {
		return s;
	}
}

/** The client's credentials from an `Authorization: Basic` header, else from the body. */
export function clientCredentials(req: IncomingMessage, fields: Fields): ClientCredentials | undefined {
	const auth = req.headers.authorization;
	if (auth?.toLowerCase().startsWith('basic ')) {
		const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		if (colon < 0) return undefined;
		return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)), method: 'client_secret_basic' };
	}
	const id = param(fields, 'client_id');
	const secret = param(fields, 'client_secret');
	return id !== undefined && secret !== undefined ? { id, secret, method: 'client_secret_post' } : undefined;
}

/** 302 to `uri` with `params` added to its query (undefined values left out). */
export function redirectTo(res: ServerResponse, uri: string, params: Record<string, string | undefined>): void {
	const target = new URL(uri);
	for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.append(k, v);
	res.statusCode = 302;
	res.setHeader('Location', target.toString());
	res.setHeader('Cache-Control', 'no-store');
	res.setHeader('Content-Length', 0);
	res.end();
}

/** The scopes in a `scope` parameter: space-separated (OAuth) or comma-separated (GitHub also takes those). */
export function splitScopes(raw: string | undefined): string[] {
	return [...new Set((raw ?? '').split(/[\s,]+/).filter((s) => s !== ''))];
}

export const nowS = (): number => Math.floor(Date.now() / 1000);
