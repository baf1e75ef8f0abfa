// Every /api/v1 route and method in src/routes is described in the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, startApp, type RunningApp } from './helpers/app';
import { operationRoutes } from './helpers/routes';

let app: RunningApp;
let doc: { openapi: string; paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
	app = await startApp({ sandbox: false });
	const token = createToken(app, 'openapi', 'viewer');
	doc = await (await fetch(`${app.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } })).json();
});
afterAll(() => app?.stop());

describe('the OpenAPI document', () => {
	it('is OpenAPI 3.1 with an error schema', () => {
		expect(doc.openapi).toBe('3.1.0');
		expect(JSON.stringify(doc)).toContain('"Error"');
	});

	it('describes every API operation (and the probes and /metrics), and nothing that does not exist', () => {
		const routes = operationRoutes();
		const expected = routes.map((r) => `${r.method.toLowerCase()} ${r.id.replace(/\[(\w+)\]/g, '{$1}')}`).sort();
		const documented = Object.entries(doc.paths)
			.flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
			.sort();
		expect(expected.length).toBeGreaterThan(12);
		expect(documented).toEqual(expected);
	});

	it('names the role every operation needs', () => {
		for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(op).toHaveProperty('x-required-role');
	});
});
