// `runner-dashboard serve`: validate configuration, start the dashboard, and serve the
// JSON API and the pages on one port. On SIGTERM: readiness fails first, live streams
// close, in-flight requests finish, then pollers stop and the store closes.
import { pathToFileURL } from 'node:url';
import { OPERATIONS } from '$lib/server/api/operations';
import { createServer, type PagesHandler } from '$lib/server/api/server';
import { initApp } from '$lib/server/app';
import { buildInfo } from '$lib/server/build-info';
import { loadConfig } from '$lib/server/config';
import type { Logger } from '$lib/server/telemetry/logger';
import { bannerFacts, formatBanner, signInUrl } from './banner';

/** How long in-flight requests may take to finish after a stop signal before the process exits anyway. */
const DRAIN_MS = 10_000;

/** The SvelteKit pages as adapter-node built them, next to this bundle. */
async function loadPages(): Promise<PagesHandler> {
	// The app enforces its own 1 MiB body limit with JSON errors before SvelteKit sees a request.
	process.env.BODY_SIZE_LIMIT = 'Infinity';
	const { handler } = (await import(pathToFileURL(new URL('./app/handler.js', import.meta.url).pathname).href)) as {
		handler: (req: unknown, res: unknown, next: () => void) => void;
	};
	return (req, res) =>
		handler(req, res, () => {
			res.statusCode = 404;
			res.end('Not found');
		});
}

export async function serve(): Promise<void> {
	// Fail fast with the configuration's own message before anything starts.
	const config = loadConfig();
	// A stray rejection is a bug to see in the logs, not a reason to take the fleet view down.
	let logger: Logger | undefined;
	process.on('unhandledRejection', (reason) => {
		const err = reason instanceof Error ? reason.stack : String(reason);
		if (logger) logger.error({ err }, 'unhandled rejection');
		else console.error(JSON.stringify({ level: 50, msg: 'unhandled rejection', err }));
	});
	if (config.origin) process.env.ORIGIN = config.origin;
	const app = await initApp();
	logger = app.logger;
	const server = await createServer(app, { operations: OPERATIONS, pages: await loadPages() });
	await server.listen({ port: config.port, host: config.host });
	app.logger.info({ url: signInUrl(config.origin, config.host, config.port), host: config.host, port: config.port }, 'listening');
	// A person at a terminal is told where to go next; a log pipeline gets only the JSON lines.
	if (process.stdout.isTTY) {
		console.log(formatBanner(await bannerFacts(app, buildInfo().version)));
	}

	let stopping = false;
	const stop = async (signal: string) => {
		if (stopping) return;
		stopping = true;
		app.logger.info({ signal }, 'stopping: readiness fails, live streams close, in-flight requests finish');
		app.stopping = true;
		setTimeout(() => process.exit(0), DRAIN_MS).unref();
		app.live.closeAll();
		await server.close();
		await app.close();
		process.exit(0);
	};
	process.on('SIGTERM', () => void stop('SIGTERM'));
	process.on('SIGINT', () => void stop('SIGINT'));
}
