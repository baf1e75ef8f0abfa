// `runner-dashboard serve`: validate configuration, start the dashboard, and serve the
// JSON API and the pages on one port. On SIGTERM: readiness fails first, live streams
// close, in-flight requests finish, then pollers stop and the store closes.
import { pathToFileURL } from 'node:url';
import { OPERATIONS } from '$lib/server/api/operations';
import { createServer, type PagesHandler } from '$lib/server/api/server';
import { initApp } from '$lib/server/app';
import { loadConfig } from '$lib/server/config';

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
	process.on('unhandledRejection', (reason) => {
		console.error(JSON.stringify({ level: 50, msg: 'unhandled rejection', err: reason instanceof Error ? reason.stack : String(reason) }));
	});
	if (config.origin) process.env.ORIGIN = config.origin;
	const app = await initApp();
	const server = await createServer(app, { operations: OPERATIONS, pages: await loadPages() });
	await server.listen({ port: config.port, host: config.host });
	console.log(`runner-dashboard listening on http://${config.host}:${config.port}`);

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
