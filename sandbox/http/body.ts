// Request bodies: JSON or form-encoded, bounded in size. Form fields named `x[]`
// become arrays, matching how Rails/Grape clients send lists.

import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 1 << 20;

export class BodyError extends Error {
	constructor(
		message: string,
		readonly status = 400
	) {
		super(message);
	}
}

export async function readText(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buf = chunk as Buffer;
		size += buf.length;
		if (size > limit) throw new BodyError(`request body exceeds ${limit} bytes`, 413);
		chunks.push(buf);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; an empty body is `undefined`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
	const text = await readText(req);
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new BodyError('request body is not valid JSON');
	}
}

/** Parses a JSON or form-encoded body into a plain object of fields. */
export async function readFields(req: IncomingMessage): Promise<Record<string, unknown>> {
	const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
	if (type === 'application/x-www-form-urlencoded') return formFields(new URLSearchParams(await readText(req)));
	const body = await readJson(req);
	if (body === undefined) return {};
	if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BodyError('request body must be a JSON object');
	return body as Record<string, unknown>;
}

export function formFields(params: URLSearchParams): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of params) {
		if (key.endsWith('[]')) {
			const k = key.slice(0, -2);
			const list = Array.isArray(out[k]) ? (out[k] as string[]) : [];
			list.push(value);
			out[k] = list;
		} else out[key] = value;
	}
	return out;
}
