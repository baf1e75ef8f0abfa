// The contract check itself: what it accepts and what it refuses, on a small document.
import { describe, expect, it } from 'vitest';
import { closeObjects, contractChecker, describeFailures, type OpenApiDoc } from './responses';
import type { RecordedAnswer } from './recording';

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const doc: OpenApiDoc = {
	paths: {
		'/api/v1/things/{id}': {
			get: {
				responses: {
					200: json({ $ref: '#/components/schemas/Thing' }),
					404: json({ $ref: '#/components/schemas/Error' })
				}
			},
			delete: { responses: { 204: { description: 'gone' } } as never }
		},
		'/api/v1/things/count': { get: { responses: { 200: json({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }) } } },
		'/metrics': { get: { responses: { 200: { content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } } } } }
	},
	components: {
		schemas: {
			Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } }, required: ['error'] },
			Thing: {
				type: 'object',
				properties: {
					id: { type: 'integer' },
					owner: { anyOf: [{ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, { type: 'null' }] },
					shape: {
						anyOf: [
							{ type: 'object', properties: { kind: { const: 'circle' }, r: { type: 'number' } }, required: ['kind', 'r'] },
							{ type: 'object', properties: { kind: { const: 'square' }, side: { type: 'number' } }, required: ['kind', 'side'] }
						]
					},
					labels: { type: 'object', additionalProperties: { type: 'string' } },
					base: { type: 'object', properties: { a: { type: 'string' } }, allOf: [{ type: 'object', properties: { b: { type: 'string' } } }] }
				},
				required: ['id', 'owner']
			}
		}
	}
};

const answer = (over: Partial<RecordedAnswer>): RecordedAnswer => ({ method: 'GET', path: '/api/v1/things/7', status: 200, type: 'application/json', body: { id: 7, owner: null }, seenIn: 'a test', ...over });
const problems = (a: Partial<RecordedAnswer>) => contractChecker(doc).check([answer(a)]).failures.map((f) => `${f.operation} ${f.status}: ${f.problem}`);

describe('closing objects', () => {
	it('closes plain objects, each alternative of a union, and leaves maps and explicit choices alone', () => {
		const thing = closeObjects((doc.components!.schemas as Record<string, unknown>).Thing) as Record<string, any>;
		expect(thing.additionalProperties).toBe(false);
		expect(thing.properties.owner.anyOf[0].additionalProperties).toBe(false);
		expect(thing.properties.owner.anyOf[1]).toEqual({ type: 'null' });
		expect(thing.properties.shape.anyOf.map((s: any) => s.additionalProperties)).toEqual([false, false]);
		expect(thing.properties.labels.additionalProperties).toEqual({ type: 'string' });
		// Properties spread over a node and its allOf: the node closes, its parts stay open.
		expect(thing.properties.base.unevaluatedProperties).toBe(false);
		expect(thing.properties.base.additionalProperties).toBeUndefined();
		expect(thing.properties.base.allOf[0].additionalProperties).toBeUndefined();
	});

	it('refuses an allOf over a component it would have to open everywhere', () => {
		expect(() => closeObjects({ allOf: [{ $ref: '#/components/schemas/Thing' }, { type: 'object', properties: { x: {} } }] })).toThrow(/cannot be closed/);
	});
});

describe('the contract check', () => {
	it('accepts answers the document describes, nullable and union members included', () => {
		expect(problems({})).toEqual([]);
		expect(problems({ body: { id: 7, owner: { name: 'ann' }, shape: { kind: 'square', side: 2 }, labels: { a: 'b' }, base: { a: 'x', b: 'y' } } })).toEqual([]);
		expect(problems({ status: 404, body: { error: { code: 'not_found', message: 'no thing 7' } } })).toEqual([]);
		expect(problems({ method: 'DELETE', status: 204, type: null, body: null })).toEqual([]);
		expect(problems({ path: '/metrics', type: 'text/plain', body: null })).toEqual([]);
		// A fixed path is its own operation, not the template's.
		expect(problems({ path: '/api/v1/things/count', body: { n: 3 } })).toEqual([]);
	});

	it('refuses a property the document does not name, at any depth and in any union member', () => {
		expect(problems({ body: { id: 7, owner: null, secret: 'x' } })).toEqual(['GET /api/v1/things/{id} 200: (body): undocumented property "secret"']);
		expect(problems({ body: { id: 7, owner: { name: 'ann', email: 'a@b' } } })).toContain('GET /api/v1/things/{id} 200: /owner: undocumented property "email"');
		expect(problems({ body: { id: 7, owner: null, shape: { kind: 'circle', r: 1, side: 2 } } }).join('\n')).toMatch(/\/shape: undocumented property "side"/);
		expect(problems({ body: { id: 7, owner: null, base: { a: 'x', c: 'z' } } })).toContain('GET /api/v1/things/{id} 200: /base: undocumented property "c"');
	});

	it('refuses wrong types, missing fields, undocumented statuses and media types', () => {
		expect(problems({ body: { id: '7', owner: null } })).toEqual(['GET /api/v1/things/{id} 200: /id: must be integer']);
		expect(problems({ body: { id: 7 } })).toEqual(["GET /api/v1/things/{id} 200: (body): must have required property 'owner'"]);
		expect(problems({ status: 409, body: { error: { code: 'conflict', message: 'x' } } })).toEqual(['GET /api/v1/things/{id} 409: status 409 is not documented (documented: 200, 404)']);
		expect(problems({ type: 'text/html', body: null })).toEqual(['GET /api/v1/things/{id} 200: answered text/html; documented: application/json']);
		expect(problems({ method: 'DELETE', status: 204, type: 'application/json', body: {} })).toEqual(['DELETE /api/v1/things/{id} 204: documented without a body, answered application/json']);
	});

	it('holds answers no operation documents to the error shape, and refuses their successes', () => {
		expect(problems({ path: '/api/v1/nothing', status: 401, body: { error: { code: 'unauthenticated', message: 'sign in' } } })).toEqual([]);
		expect(problems({ method: 'PUT', status: 405, body: { error: { code: 'method_not_allowed', message: 'no' } } })).toEqual([]);
		expect(problems({ path: '/api/v1/nothing', status: 404, body: { message: 'not found' } }).join('\n')).toMatch(/GET \/api\/v1\/nothing \(no operation\) 404: .*undocumented property "message"/);
		expect(problems({ path: '/api/v1/nothing', status: 200, body: {} })).toEqual(['GET /api/v1/nothing (no operation) 200: answered 200 but no operation is documented for it']);
	});

	it('counts answers by operation and status, lists what no answer exercised, and groups failures readably', () => {
		const v = contractChecker(doc).check([answer({}), answer({ path: '/api/v1/things/8' }), answer({ body: { id: 1, owner: null, x: 1 }, seenIn: 'tests/a.test.ts > one' })]);
		expect(v).toMatchObject({ answers: 3, validatedBodies: 3, byOperation: { 'GET /api/v1/things/{id} 200': 3 } });
		expect(v.unexercised.sort()).toEqual(['DELETE /api/v1/things/{id}', 'GET /api/v1/things/count', 'GET /metrics']);
		expect(describeFailures(v.failures)).toBe('GET /api/v1/things/{id} → 200: (body): undocumented property "x" (1×)\n    e.g. GET /api/v1/things/7 in tests/a.test.ts > one');
	});
});
