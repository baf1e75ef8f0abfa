// A failure crossing between threads: an UpstreamError keeps its kind, status and
// Retry-After (the poller backs off by them), anything else keeps its message.
import { UpstreamError, type UpstreamFailure } from '$lib/sources/errors';

export type EncodedFailure = { message: string; upstream?: { source: string; kind: UpstreamFailure; status?: number; retryAfterMs?: number } };

export function encodeFailure(e: unknown): EncodedFailure {
	if (e instanceof UpstreamError) return { message: e.message, upstream: { source: e.source, kind: e.kind, status: e.status, retryAfterMs: e.retryAfterMs } };
	return { message: e instanceof Error ? e.message : String(e) };
}

export function decodeFailure(f: EncodedFailure): Error {
	if (!f.upstream) return new Error(f.message);
	return new UpstreamError(f.upstream.source, f.upstream.kind, f.message, f.upstream.status, f.upstream.retryAfterMs);
}
