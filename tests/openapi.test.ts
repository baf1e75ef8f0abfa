// The OpenAPI document the dashboard serves is the API it answers: the same routes and
// methods the Fastify router really holds (not the declarations both come from), a role
// on every operation, and the committed client types generated from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createToken, root, startApp, type RunningApp } from './helpers/app';
import { pageRoutes } from './helpers/routes';
import type { AppContext } from '../src/lib/server/app';
import { OPERATIONS } from '../src/lib/server/api/operations';
import { createServer } from '../src/lib/server/api/server';
import { TYPES_FILE, typesOf } from '../scripts/api-types.mjs';

// Every route any Fastify instance adds, as the router receives it (HEAD included).
const added = vi.hoisted(() => [] as { method: string; url: string }[]);
vi.mock('fastify', async (importOriginal) => {
	const mod = await importOriginal<typeof import('fastify')>();
	const observed = ((opts?: Parameters<typeof mod.default>[0]) => {
		const instance = mod.default(opts);
		instance.addHook('onRoute', (r) => {
			for (const method of [r.method].flat()) added.push({ method: String(method), url: r.url });
		});
		return instance;
	}) as typeof mod.default;
	return { ...mod, default: observed, fastify: observed };
});

let app: RunningApp;
let doc: { openapi: string; paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
	app = await startApp({ sandbox: false });
	const token = createToken(app, 'openapi', 'viewer');
	doc = await (await fetch(`${app.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } })).json();
});
afterAll(() => app?.stop());

const documented = () =>
	Object.entries(doc.paths)
		.flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
		.sort();

describe('the OpenAPI document', () => {
	it('is OpenAPI 3.1 with an error schema', () => {
		expect(doc.openapi).toBe('3.1.0');
		expect(JSON.stringify(doc)).toContain('"Error"');
	});

	it('lists exactly the routes and methods the server answers', async () => {
		// Built as `runner-dashboard serve` builds it: the operations, and a pages handler (which adds no routes).
		const holder = { openapi: () => ({}), config: {} } as unknown as AppContext;
		const fastify = await createServer(holder, { operations: OPERATIONS, pages: () => undefined });
		await fastify.ready();
		await fastify.close();
		const answered = added.map((r) => ({ method: r.method, path: r.url.replace(/:(\w+)/g, '{$1}') }));
		const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
		const heads = answered.filter((r) => r.method === 'HEAD');
		const others = answered.filter((r) => r.method !== 'HEAD');
		expect(others.length).toBeGreaterThan(12);
		expect(others.map(key).sort()).toEqual(documented());
		// Fastify answers HEAD wherever it answers GET, and nowhere else.
		expect(heads.map((r) => r.path).sort()).toEqual(others.filter((r) => r.method === 'GET').map((r) => r.path).sort());
	});

	it('leaves no endpoint to SvelteKit but the door that hands page loads to the API', async () => {
		expect((await pageRoutes()).filter((r) => r.kind === 'endpoint')).toEqual([]);
	});

	it('names the role every operation needs', () => {
		for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(op).toHaveProperty('x-required-role');
	});

	it('is what the committed client types were generated from (npm run api:types)', async () => {
		expect(await typesOf(doc)).toBe(readFileSync(join(root, TYPES_FILE), 'utf8'));
	});
});
