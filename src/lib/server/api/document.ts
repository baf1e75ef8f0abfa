import type { AppContext } from '../app';
import { OPERATIONS } from './operations';
import { createServer } from './server';

/** The OpenAPI document as the server publishes it, without a running dashboard (for generating the typed client). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
	const holder = { openapi: () => ({}), config: {} } as unknown as AppContext;
	const fastify = await createServer(holder, { operations: OPERATIONS });
	await fastify.ready();
	const doc = fastify.swagger() as unknown as Record<string, unknown>;
	await fastify.close();
	return doc;
}
