// An API operation, declared once: method, path, the role it needs, zod schemas for
// its params, query, body and every response, and its handler. The server, the
// OpenAPI document (and from it the typed client) and the route policy the security
// tests walk all come from these declarations.
import type { ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { AppContext } from '../app';
import type { Access } from '$lib/core/access';
import type { Actor } from '../services/actor';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type { Access };

type Schema = z.ZodType;

/** Responses by status; `null` is a status without a body (204). */
export type Responses = { [status: number]: Schema | null };

/** The first 2xx status an operation declares: what a plain returned value is sent with. */
type SuccessStatus<R extends Responses> = Extract<keyof R, 200 | 201 | 202 | 204>;

type Body<R extends Responses, S extends keyof R> = R[S] extends Schema ? z.input<R[S]> : undefined;

/** A JSON body serialised ahead of time (a cached answer): sent as it is. */
export class PreSerialised {
	/** JSON text, or its UTF-8 bytes where the bytes themselves are kept between requests. */
	constructor(readonly json: string | Buffer) {}
}

/** An answer with an explicit status and headers. */
export class Reply<R extends Responses = Responses> {
	constructor(
		readonly status: keyof R & number,
		readonly body: unknown,
		readonly headers: Record<string, string | string[]> = {}
	) {}
}

export type Answer<R extends Responses> = Body<R, SuccessStatus<R>> | PreSerialised | Reply<R>;

export interface OpRequest<P, Q, B> {
	actor: Actor;
	params: P;
	query: Q;
	body: B;
	app: AppContext;
	/** Request headers (lower-case names), for the few operations that read one (Last-Event-ID, webhook signatures). */
	headers: Record<string, string | string[] | undefined>;
	/** The JSON body's bytes as sent (a webhook's signature covers exactly these); undefined without a body. */
	rawBody: Buffer | undefined;
	/** Aborted when the client goes away. */
	signal: AbortSignal;
}

interface Base<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> {
	/** Unique, camelCase; the typed client and the OpenAPI document name the operation by it. */
	id: string;
	method: Method;
	/** OpenAPI path template, e.g. `/api/v1/runners/{id}`. */
	path: string;
	access: Access;
	/**
	 * `servers`: called by other servers that prove themselves in the request (a forge's
	 * webhook with its secret), which send no Origin; a request that does carry a browser's
	 * Origin or Sec-Fetch-Site is still held to the same-origin check.
	 */
	callers?: 'servers';
	summary: string;
	description?: string;
	/** Groups operations in the document: Fleet, Capacity, Drift, Accounts, Meta. */
	tag: string;
	params?: P;
	query?: Q;
	body?: B;
}

type Input<S extends Schema | undefined> = S extends Schema ? z.output<S> : undefined;

/** A JSON operation. */
export interface JsonOperation<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined, R extends Responses> extends Base<P, Q, B> {
	kind?: 'json';
	responses: R;
	/**
	 * A read whose answers are built from views that are replaced, never changed in place:
	 * its JSON is reused while the answer to the same request equals the last one
	 * (api/answer-reuse.ts).
	 */
	reuse?: boolean;
	handler: (req: OpRequest<Input<P>, Input<Q>, Input<B>>) => Promise<Answer<R>> | Answer<R>;
}

/** An operation that writes its own response (the SSE stream, the Prometheus exposition). */
export interface RawOperation<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> extends Base<P, Q, B> {
	kind: 'raw';
	/** The content type of a successful answer, for the document. */
	produces: string;
	/** Error answers it can give before it starts writing (the JSON error shape). */
	errors?: number[];
	handler: (req: OpRequest<Input<P>, Input<Q>, Input<B>>, res: ServerResponse) => Promise<void> | void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Operation = JsonOperation<any, any, any, Responses> | RawOperation<any, any, any>;

/** Declares a JSON operation; the handler's inputs and answer are typed from its schemas. */
export function op<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined, R extends Responses = Responses>(
	def: JsonOperation<P, Q, B, R>
): Operation {
	return def as Operation;
}

/** Declares an operation that writes its own response. */
export function rawOp<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
	def: Omit<RawOperation<P, Q, B>, 'kind'>
): Operation {
	return { ...def, kind: 'raw' } as Operation;
}

/** The statuses a JSON operation declares as successes, lowest first. */
export function successStatus(o: Operation): number {
	if (o.kind === 'raw') return 200;
	const ok = Object.keys(o.responses)
		.map(Number)
		.filter((s) => s >= 200 && s < 300)
		.sort((a, b) => a - b);
	return ok[0] ?? 200;
}
