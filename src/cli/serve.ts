// `runner-dashboard serve`: validate configuration, then serve the built app.
import { createServer } from 'node:http';
import { loadConfig } from '$lib/server/config';
import { hotReads } from '$lib/server/http/hot-reads-key';

export async function serve(): Promise<void> {
	// Fail fast with the configuration's own message before anything starts.
	const config = loadConfig();
	// A stray rejection is a bug to see in the logs, not a reason to take the fleet view down.
	process.on('unhandledRejection', (reason) => {
		console.error(JSON.stringify({ level: 50, msg: 'unhandled rejection', err: reason instanceof Error ? reason.stack : String(reason) }));
	});
	// The app enforces its own 1 MiB body limit with JSON errors; the adapter's
	// plain-text limit would answer first, so it is lifted here.
	process.env.BODY_SIZE_LIMIT = 'Infinity';
	if (config.origin) process.env.ORIGIN = config.origin;
	const { handler } = (await import(new URL('./app/handler.js', import.meta.url).href)) as {
		handler: (req: unknown, res: unknown, next: () => void) => void;
	};
	// Importing the handler has started the app, which offers its hot-read lane (the
	// runners list) to be answered before SvelteKit; see src/lib/server/http/hot-reads.ts.
	const hot = hotReads();
	const server = createServer((req, res) => {
		if (hot?.(req, res)) return;
		handler(req, res, () => {
			res.statusCode = 404;
			res.end('Not found');
		});
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => resolve());
	});
	console.log(`runner-dashboard listening on http://${config.host}:${config.port}`);
	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		server.close();
		server.closeIdleConnections();
		// Lets the app stop pollers and close the store (see app.ts).
		process.emit('sveltekit:shutdown' as never, signal as never);
		setTimeout(() => process.exit(0), 5000).unref();
	};
	process.on('SIGTERM', () => stop('SIGTERM'));
	process.on('SIGINT', () => stop('SIGINT'));
}
