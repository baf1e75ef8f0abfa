// The sandbox fleet: one loopback HTTP server that simulates the upstream systems a
// runner dashboard talks to, each under its own path prefix, plus /_sandbox control.
// It is a simulator of other systems' APIs; the dashboard only knows it as a
// configured source (labelled simulated).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createControl } from './control.js';
import { Faults, type FaultTarget } from './faults.js';
import { createGitLabMount } from './gitlab/api.js';
import { sendJson } from './http/respond.js';
import { Ticker } from './sim/ticker.js';
import { World } from './sim/world.js';

export interface SandboxOptions {
	port: number;
	/** Default 127.0.0.1. */
	host?: string;
	/** Default 1. */
	seed?: number;
	/** Default 160. */
	gitlabRunners?: number;
	/** Real ms between simulation ticks; default 1000. 0 disables ticking (time moves only via /_sandbox/clock). */
	tickMs?: number;
	/** Default 'sandbox-gitlab-token'. */
	gitlabToken?: string;
	log?: (msg: string) => void;
}

export interface Sandbox {
	url: string;
	port: number;
	close(): Promise<void>;
}

type Handle = (req: IncomingMessage, res: ServerResponse, url: URL, path: string) => void | Promise<void>;

interface Mount {
	prefix: string;
	/** Upstream the prefix stands for; faults apply to it. Control has none. */
	target?: FaultTarget;
	prepare?: (res: ServerResponse) => void;
	handle: Handle;
}

/** Upstreams not simulated yet still honour faults, then answer 404. */
const notYet: Handle = (_req, res, url) => sendJson(res, 404, { message: `not simulated yet: ${url.pathname}` });

function validate(opts: SandboxOptions): Required<Omit<SandboxOptions, 'log'>> {
	const o = {
		port: opts.port,
		host: opts.host ?? '127.0.0.1',
		seed: opts.seed ?? 1,
		gitlabRunners: opts.gitlabRunners ?? 160,
		tickMs: opts.tickMs ?? 1000,
		gitlabToken: opts.gitlabToken ?? 'sandbox-gitlab-token'
	};
	if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`sandbox: port must be 0..65535, got ${opts.port}`);
	if (!Number.isSafeInteger(o.seed)) throw new Error(`sandbox: seed must be an integer, got ${opts.seed}`);
	if (!Number.isInteger(o.gitlabRunners) || o.gitlabRunners < 0) throw new Error(`sandbox: gitlabRunners must be a whole number, got ${opts.gitlabRunners}`);
	if (!(o.tickMs >= 0)) throw new Error(`sandbox: tickMs must be >= 0, got ${opts.tickMs}`);
	if (!o.gitlabToken) throw new Error('sandbox: gitlabToken must not be empty');
	return o;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
	const o = validate(opts);
	const log = opts.log ?? (() => {});
	const world = new World({ seed: o.seed, gitlabRunners: o.gitlabRunners });
	const faults = new Faults();
	let baseUrl = '';

	const gitlab = createGitLabMount({ world, token: o.gitlabToken, webBase: () => `${baseUrl}/gitlab`, log });
	faults.setStyle('gitlab', gitlab.faultStyle);
	const mounts: Mount[] = [
		{ prefix: '/_sandbox', handle: createControl(world, faults, log) },
		{ prefix: '/gitlab', target: 'gitlab', prepare: gitlab.prepare, handle: gitlab.handle },
		{ prefix: '/github', target: 'github', handle: notYet },
		{ prefix: '/k8s', target: 'k8s', handle: notYet },
		{ prefix: '/exporters', target: 'exporters', handle: notYet }
	];

	const server = createServer((req, res) => {
		// Prefixing the base keeps a target like `//x` a path instead of a host.
		const url = new URL(`${baseUrl || 'http://127.0.0.1'}${req.url ?? '/'}`);
		const mount = mounts.find((m) => url.pathname === m.prefix || url.pathname.startsWith(`${m.prefix}/`));
		if (!mount) return sendJson(res, 404, { error: `no such path ${url.pathname}; mounts: ${mounts.map((m) => m.prefix).join(', ')}` });
		const path = url.pathname.slice(mount.prefix.length);
		const run = () => {
			Promise.resolve(mount.handle(req, res, url, path)).catch((err: unknown) => {
				log(`sandbox: ${req.method} ${url.pathname} failed: ${err instanceof Error ? err.stack : String(err)}`);
				if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
				else res.destroy();
			});
		};
		mount.prepare?.(res);
		if (mount.target) faults.apply(mount.target, req, res, run);
		else run();
	});
	// A client that sends garbage should not produce an unhandled error.
	server.on('clientError', (_err, socket) => socket.destroy());

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(o.port, o.host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
	baseUrl = `http://${hostForUrl}:${port}`;

	const ticker = new Ticker(world, o.tickMs, (err) => log(`sandbox: tick failed: ${err instanceof Error ? err.stack : String(err)}`));
	ticker.start();
	log(`sandbox: listening on ${baseUrl} (seed ${o.seed}, ${o.gitlabRunners} GitLab runners)`);

	let closing: Promise<void> | undefined;
	return {
		url: baseUrl,
		port,
		close() {
			closing ??= new Promise<void>((resolve) => {
				ticker.stop();
				faults.destroyHeld();
				server.close(() => resolve());
				server.closeAllConnections();
			});
			return closing;
		}
	};
}
