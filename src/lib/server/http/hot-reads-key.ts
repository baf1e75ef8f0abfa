// The hand-over between the app (inside the SvelteKit server bundle) and `serve`
// (the CLI bundle): a registry symbol both bundles resolve to the same value.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const HOT_READS = Symbol.for('runner-dashboard.hot-reads');

/** Answers the request and returns true, or returns false to leave it to SvelteKit. */
export type HotReads = (req: IncomingMessage, res: ServerResponse) => boolean;

export function hotReads(): HotReads | undefined {
	return (globalThis as Record<symbol, HotReads | undefined>)[HOT_READS];
}
