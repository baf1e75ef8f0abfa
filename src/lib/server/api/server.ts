// The one HTTP server: Fastify answers the JSON API from the operation declarations;
// every other path goes to the SvelteKit pages. Both pass the same guard first
// (request id, security headers, body framing, principal, Origin), and the API adds
// each operation's role; the pages apply their own role table with the same checks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../app';
import type { Principal } from '../auth/principal';
import { clientAddress } from '../http/client-address';
import { SESSION_COOKIE, dashboardCookies } from '../http/cookies';
import type { Actor } from '../services/actor';
import { audit } from '../services/audit';
import { buildInfo } from '../build-info';
import { errorBody, errorSchema, failureOf, internalFailure, zodMessage, type Failure } from './errors';
import {
	BAD_TOKEN,
	InProcessChannel,
	MAX_BODY_BYTES,
	MUTATING,
	SECURITY_HEADERS,
	UNAUTHENTICATED,
	accessRefusal,
	expectedOrigins,
	framingRefusal,
	identify,
	originRefusal,
	passwordChangeRefusal,
	requestIdFrom,
	cookieNamed,
	type Refusal
} from './guard';
import { AnswerReuse } from './answer-reuse';
import { PreSerialised, Reply, successStatus, type Operation } from './operation';

/** What the pages receive with each request (SvelteKit's `platform.req.dashboard`). */
export interface PageContext {
	principal: Pick<Principal, 'kind' | 'name' | 'role' | 'mustChangePassword'> | null;
	requestId: string;
	/** Calls the JSON API in-process on behalf of this request's client. */
	api(request: Request): Promise<Response>;
}

export type PagesHandler = (req: IncomingMessage & { dashboard?: PageContext }, res: ServerResponse) => void;

declare module 'fastify' {
	interface FastifyRequest {
		actor: Actor;
		startedAt: number;
		rawBody?: Buffer;
	}
	interface FastifyContextConfig {
		operation?: Operation;
	}
}

/** Paths the API server answers; everything else is a page (or a static asset of the pages). */
export function isApiPath(url: string, operations: readonly Operation[]): boolean {
	const q = url.indexOf('?');
	const path = q < 0 ? url : url.slice(0, q);
	return path === '/api' || path.startsWith('/api/') || operations.some((o) => !o.path.startsWith('/api/') && o.path === path);
}

const fastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

function send(reply: FastifyReply, f: Failure | Refusal) {
	return reply
		.code(f.status)
		.headers(f.headers ?? {})
		.type('application/json')
		.send(errorBody(f.code, f.message, 'details' in f ? f.details : undefined));
}

/** Validation failures name the input they are about: the query, the path or the body. */
const VALIDATION_CODES: Record<string, string> = { querystring: 'invalid_query', params: 'invalid_id', body: 'invalid_request' };

export interface ServerOptions {
	operations: readonly Operation[];
	pages?: PagesHandler;
}

export async function createServer(app: AppContext, options: ServerOptions): Promise<FastifyInstance> {
	const { operations } = options;
	const channel = new InProcessChannel();
	const fastify = Fastify({
		bodyLimit: MAX_BODY_BYTES,
		// Slow clients may not hold connections forever (slowloris); long-lived streams (SSE) are hijacked and exempt.
		connectionTimeout: 0,
		requestTimeout: 30_000,
		keepAliveTimeout: 65_000,
		return503OnClosing: true,
		routerOptions: { maxParamLength: 500 },
		forceCloseConnections: 'idle'
	});

	// An empty JSON body is no body: clients (and curl -X POST -H 'content-type: application/json')
	// send one for operations whose body is optional (pause's note, undrain's count).
	fastify.removeContentTypeParser('application/json');
	// JSON only: a text/plain body is 415, not a string that fails validation.
	fastify.removeContentTypeParser('text/plain');
	fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
		// Kept as sent: a webhook's signature is over these bytes, not over a re-encoding.
		req.rawBody = body as Buffer;
		const text = (body as Buffer).toString('utf8');
		if (text === '') return done(null, undefined);
		try {
			done(null, JSON.parse(text));
		} catch (e) {
			done(Object.assign(new Error((e as Error).message), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
		}
	});
	fastify.setValidatorCompiler<z.ZodType>(({ schema, httpPart }) => (data) => {
		// Fastify hands a request without a body over as null; the schemas say "absent".
		const r = schema.safeParse(httpPart === 'body' && data === null ? undefined : data);
		return r.success ? { value: r.data } : { error: new Error(zodMessage(r.error)) };
	});
	// Answers are plain JSON; their schemas are held to the document by the tests, not checked per request.
	fastify.setSerializerCompiler(() => (data) => JSON.stringify(data));

	await fastify.register(swagger, {
		openapi: {
			openapi: '3.1.0',
			info: {
				title: 'runner-dashboard',
				version: buildInfo().version,
				description:
					'One dashboard for self-hosted CI runner fleets. Every operation names the role it needs in `x-required-role` (public, viewer, operator, admin). Errors are `{ "error": { "code", "message" } }`.'
			},
			components: {
				securitySchemes: {
					bearer: { type: 'http', scheme: 'bearer', description: 'An API token (`runner-dashboard token create`).' },
					session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'A signed-in browser session (named `__Host-rd_session` when the dashboard is served over https).' }
				}
			}
		},
		transform: jsonSchemaTransform,
		transformObject: (doc) => polish(jsonSchemaTransformObject(doc) as OpenApiDoc, operations)
	});
	app.openapi = () => fastify.swagger() as unknown as Record<string, unknown>;

	fastify.decorateRequest('actor', null as unknown as Actor);
	fastify.decorateRequest('startedAt', 0);

	const cookies = dashboardCookies(app.config.origin);
	const auditDenied = (actor: Actor, method: string, route: string, detail: Record<string, unknown>) =>
		actor.principal ? audit(app.store, actor, `${method} ${route}`, null, 'denied', detail).catch((e) => app.logger.warn({ err: e }, 'audit failed')) : undefined;

	fastify.addHook('onRequest', async (req, reply) => {
		req.startedAt = performance.now();
		const requestId = requestIdFrom(req.headers['x-request-id'], randomUUID);
		reply.headers(SECURITY_HEADERS).header('x-request-id', requestId);
		const framing = framingRefusal(req.method, req.headers);
		if (framing) return send(reply, framing);
		const who = await identify(app.auth, req.headers.authorization, cookieNamed(req.headers.cookie, cookies.session.name));
		if (who === 'bad_token') return send(reply, BAD_TOKEN);
		// A page's own call to the API: the outer request already passed the Origin check below.
		const forClient = channel.clientOf(req.headers);
		const ip = forClient ?? clientAddress(req.socket.remoteAddress, req.headers, app.config.clientAddress);
		const userAgent = (req.headers['user-agent'] ?? '').slice(0, 300) || null;
		req.actor = { principal: who, ip, requestId, userAgent };
		const api = isApiPath(req.url, operations);

		// Anonymous API calls get 401 even on paths that do not exist: nothing about the API is told before sign-in.
		if (api && req.is404) return who ? undefined : send(reply, UNAUTHENTICATED);
		// A forge's webhook is a server calling: no Origin to check, its secret is checked by the operation.
		const fromServer = api && req.routeOptions.config?.operation?.callers === 'servers' && !req.headers.origin && !req.headers['sec-fetch-site'];
		const crossOrigin = forClient !== null || fromServer ? null : originRefusal(req.method, req.headers, who, expectedOrigins(app.config.origin ?? null, req.headers.host));
		if (crossOrigin) {
			const route = api ? (req.routeOptions.url ?? req.url.split('?')[0]!) : req.url.split('?')[0]!;
			await auditDenied(req.actor, req.method, route, { reason: 'cross-origin', origin: req.headers.origin ?? null });
			return send(reply, crossOrigin);
		}
		if (!api) return handToPages(req, reply);
		const operation = req.routeOptions.config.operation!;
		const refused = accessRefusal(who?.role ?? null, operation.access) ?? passwordChangeRefusal(who, operation.id);
		if (refused) {
			if (MUTATING.has(req.method)) await auditDenied(req.actor, req.method, operation.path, { reason: 'role', needs: refused.needs });
			return send(reply, refused);
		}
	});

	function handToPages(req: FastifyRequest, reply: FastifyReply) {
		if (!options.pages) return send(reply, { status: 404, code: 'not_found', message: 'this server has no pages' });
		reply.hijack();
		const raw = req.raw as IncomingMessage & { dashboard?: PageContext };
		const { principal, ip } = req.actor;
		const requestId = req.actor.requestId ?? randomUUID();
		raw.dashboard = {
			principal: principal && { kind: principal.kind, name: principal.name, role: principal.role, ...(principal.mustChangePassword ? { mustChangePassword: true } : {}) },
			requestId,
			api: (request) => injectApi(request, { ...channel.headersFor(ip ?? 'unknown'), 'x-request-id': requestId })
		};
		for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) reply.raw.setHeader(k, v as string);
		reply.raw.once('finish', () => observe('pages', req.method, reply.raw.statusCode, req.startedAt));
		options.pages(raw, reply.raw);
		return reply;
	}

	/** The API called from inside the process (the pages' server-side loads): no socket, same guard. */
	async function injectApi(request: Request, extra: Record<string, string>): Promise<Response> {
		const url = new URL(request.url);
		const headers: Record<string, string> = {};
		request.headers.forEach((v, k) => (headers[k] = v));
		const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : Buffer.from(await request.arrayBuffer());
		// A Request carries no Host header; the page's origin is the host the browser asked for.
		const res = await fastify.inject({ method: request.method as 'GET', url: url.pathname + url.search, headers: { host: url.host, ...headers, ...extra }, payload: body });
		const out = new Headers();
		for (const [k, v] of Object.entries(res.headers)) {
			if (v === undefined) continue;
			for (const one of Array.isArray(v) ? v : [String(v)]) out.append(k, one);
		}
		return new Response(res.statusCode === 204 || res.statusCode === 304 ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers: out });
	}

	function observe(route: string, method: string, status: number, startedAt: number) {
		app.metrics.httpDuration.observe({ route, method, status: String(status) }, (performance.now() - startedAt) / 1000);
	}

	fastify.addHook('onResponse', async (req, reply) => {
		observe(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, req.startedAt);
	});

	fastify.setErrorHandler((err, req, reply) => {
		const requestId = req.actor?.requestId ?? 'unknown';
		const validation = (err as { validationContext?: string }).validationContext;
		if ((err as { code?: string }).code === 'FST_ERR_VALIDATION' && validation) {
			return send(reply, { status: 400, code: VALIDATION_CODES[validation] ?? 'invalid_request', message: (err as Error).message });
		}
		const f = failureOf(err, requestId);
		if (f) return send(reply, f);
		app.logger.error({ err, request_id: requestId, route: req.routeOptions.url }, 'request failed');
		return send(reply, internalFailure(requestId));
	});

	// A path that exists under other methods answers 405 with Allow, as HTTP says.
	const shapes = operations.map((o) => ({ method: o.method, re: new RegExp(`^${o.path.replace(/\{\w+\}/g, '[^/]+')}$`) }));
	fastify.setNotFoundHandler((req, reply) => {
		const path = req.url.split('?')[0]!;
		const allowed = shapes.filter((s) => s.re.test(path)).map((s) => s.method);
		if (allowed.length) return send(reply, { status: 405, code: 'method_not_allowed', message: `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}`, headers: { allow: allowed.join(', ') } });
		return send(reply, { status: 404, code: 'not_found', message: `no API route ${req.method} ${path}` });
	});

	const reuse = new AnswerReuse();
	for (const o of operations) register(fastify, app, o, reuse);
	return fastify;
}

type OpenApiDoc = { paths?: Record<string, Record<string, { requestBody?: { required?: boolean } }>>; components?: { schemas?: Record<string, unknown> } };

/**
 * The finishing touches the generic transform cannot know: a body an operation may
 * omit is not required, and schemas nothing refers to (the transform registers each
 * named schema for input and output alike) are left out.
 */
function polish(doc: OpenApiDoc, operations: readonly Operation[]): OpenApiDoc {
	for (const o of operations) {
		const body = doc.paths?.[o.path]?.[o.method.toLowerCase()]?.requestBody;
		if (body && o.body?.safeParse(undefined).success) body.required = false;
	}
	const schemas = doc.components?.schemas;
	if (schemas) {
		const used = new Set<string>();
		const walk = (v: unknown): void => {
			if (Array.isArray(v)) v.forEach(walk);
			else if (v && typeof v === 'object') {
				for (const [k, x] of Object.entries(v)) {
					if (k === '$ref' && typeof x === 'string' && x.startsWith('#/components/schemas/')) {
						const name = x.slice('#/components/schemas/'.length);
						if (!used.has(name)) {
							used.add(name);
							walk(schemas[name]);
						}
					} else walk(x);
				}
			}
		};
		walk(doc.paths);
		for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
	}
	return doc;
}

const DESCRIBED: Record<number, string> = {
	200: 'OK',
	201: 'Created',
	204: 'Done; no content',
	400: 'The input is invalid; the message names the field',
	401: 'Not signed in, or the API token is unknown, expired or revoked',
	403: 'The role does not allow it, or a cross-origin mutation',
	404: 'No such object',
	409: 'The current state does not allow it',
	413: 'The body is larger than 1 MiB',
	415: 'The body is not JSON',
	429: 'Too many requests; Retry-After says when to try again',
	500: 'An internal error; the message names the request id',
	502: 'The upstream system failed',
	503: 'Not ready',
	504: 'The upstream system timed out'
};

/** Wraps a schema in a response object with its description. */
const described = (status: number, schema: z.ZodType, contentType = 'application/json') => ({
	description: DESCRIBED[status] ?? 'Answer',
	content: { [contentType]: { schema } }
});

/** Documented alongside each operation's own answers: what the guard and the server may answer for any. */
function commonErrors(o: Operation): Record<number, z.ZodType> {
	const out: Record<number, z.ZodType> = { 500: errorSchema };
	if (o.access !== 'public') Object.assign(out, { 401: errorSchema, 403: errorSchema });
	if (MUTATING.has(o.method)) Object.assign(out, { 403: errorSchema, 413: errorSchema, 415: errorSchema });
	return out;
}

/** What an operation's handler is given; one per request. */
class OperationInput {
	readonly actor: Actor;
	readonly params: unknown;
	readonly query: unknown;
	readonly body: unknown;
	readonly headers: FastifyRequest['headers'];
	readonly rawBody: Buffer | undefined;
	private controller: AbortController | undefined;

	constructor(
		private readonly req: FastifyRequest,
		private readonly reply: FastifyReply,
		readonly app: AppContext
	) {
		this.actor = req.actor;
		this.params = req.params;
		this.query = req.query;
		this.body = req.body;
		this.headers = req.headers;
		this.rawBody = req.rawBody;
	}

	/**
	 * Aborted when the client goes away before its answer: stop the work done for it. Made
	 * when a handler asks for it (a controller and a close listener per request were a
	 * measurable share of a cached read); an answered request closes too, and aborting those
	 * would cost each a DOMException with its stack trace.
	 */
	get signal(): AbortSignal {
		if (!this.controller) {
			const c = (this.controller = new AbortController());
			this.req.raw.once('close', () => !this.reply.raw.writableEnded && c.abort());
		}
		return this.controller.signal;
	}
}

function register(fastify: FastifyInstance, app: AppContext, o: Operation, reuse: AnswerReuse) {
	const own: Record<number, z.ZodType | null> =
		o.kind === 'raw' ? { ...Object.fromEntries((o.errors ?? []).map((s) => [s, errorSchema])) } : (o.responses as Record<number, z.ZodType | null>);
	const all = { ...commonErrors(o), ...own };
	const response: Record<string, unknown> = Object.fromEntries(
		Object.entries(all).map(([s, schema]) => [s, schema ? described(Number(s), schema) : z.null().meta({ description: DESCRIBED[Number(s)] ?? 'No content' })])
	);
	if (o.kind === 'raw') response[200] = described(200, z.string(), o.produces);
	const status = successStatus(o);
	fastify.route({
		method: o.method,
		url: fastifyPath(o.path),
		schema: {
			operationId: o.id,
			summary: o.summary,
			...(o.description ? { description: o.description } : {}),
			tags: [o.tag],
			...(o.params ? { params: o.params } : {}),
			...(o.query ? { querystring: o.query } : {}),
			...(o.body ? { body: o.body } : {}),
			response,
			...(o.access === 'public' ? { security: [] } : { security: [{ bearer: [] }, { session: [] }] }),
			'x-required-role': o.access
		},
		config: { operation: o },
		handler: async (req, reply) => {
			const input = new OperationInput(req, reply, app);
			if (o.kind === 'raw') {
				// The operation writes its own answer (a stream, the exposition); the guard's headers go with it.
				reply.hijack();
				for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) reply.raw.setHeader(k, v as string);
				try {
					await o.handler(input as never, reply.raw);
				} catch (e) {
					if (reply.raw.headersSent) return reply.raw.destroy();
					const requestId = req.actor.requestId ?? 'unknown';
					const f = failureOf(e, requestId) ?? (app.logger.error({ err: e, request_id: requestId }, 'request failed'), internalFailure(requestId));
					reply.raw.writeHead(f.status, { ...f.headers, 'content-type': 'application/json' });
					reply.raw.end(errorBody(f.code, f.message, f.details));
				}
				return;
			}
			const answer = await o.handler(input as never);
			if (answer instanceof Reply) {
				reply.code(answer.status).headers(answer.headers);
				// 204 and redirects carry no body.
				return answer.status === 204 || (answer.status >= 300 && answer.status < 400) ? reply.send() : reply.type('application/json').send(answer.body instanceof PreSerialised ? answer.body.json : JSON.stringify(answer.body));
			}
			if (status === 204) return reply.code(204).send();
			const json = answer instanceof PreSerialised ? answer.json : o.reuse ? reuse.bytes(`${o.id} ${req.url}`, answer) : JSON.stringify(answer);
			return reply.code(status).type('application/json').send(json);
		}
	});
}
