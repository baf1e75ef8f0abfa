// Request bodies: JSON only, at most 1 MiB (checked on Content-Length in hooks and
// again while reading), validated with zod. Failures are 4xx, never partial work.
import type { z } from 'zod';
import { ApiError, zodMessage } from './errors';

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	if (type !== 'application/json') throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
	const buf = await request.arrayBuffer();
	if (buf.byteLength > MAX_BODY_BYTES) throw new ApiError(413, 'payload_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`);
	let data: unknown;
	try {
		data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));
	} catch (e) {
		throw new ApiError(400, 'malformed_json', `request body is not valid JSON: ${(e as Error).message}`);
	}
	const parsed = schema.safeParse(data);
	if (!parsed.success) throw new ApiError(400, 'invalid_request', zodMessage(parsed.error));
	return parsed.data;
}

export function readQuery<S extends z.ZodType>(url: URL, schema: S): z.output<S> {
	const raw: Record<string, string> = {};
	for (const [k, v] of url.searchParams) raw[k] = v;
	const parsed = schema.safeParse(raw);
	if (!parsed.success) throw new ApiError(400, 'invalid_query', zodMessage(parsed.error));
	return parsed.data;
}
