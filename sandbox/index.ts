// The sandbox fleet: one loopback HTTP server that simulates the upstream systems a
// runner dashboard talks to, each under its own path prefix, plus /_sandbox control.
// It is a simulator of other systems' APIs; the dashboard only knows it as a
// configured source (labelled simulated).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createControl } from './control.js';
import { createExportersMount } from './exporters/index.js';
import { Faults, type FaultTarget } from './faults.js';
import { createGitHubMount } from './github/api.js';
import { createGitLabMount } from './gitlab/api.js';
import { RequestCounts } from './http/counts.js';
import { sendJson } from './http/respond.js';
import { loadHclParser } from './gitops/hcl-read.js';
import { Identity, type TokenSpec } from './identity/identity.js';
import { createK8sMount } from './k8s/api.js';
import { iso, originFor } from './sim/clock.js';

/** Checks an `epoch` option (throws with the reason); the CLI checks `--epoch` with it. */
export { originFor };
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
	/** Default 'sandbox-github-token'. */
	githubToken?: string;
	/** More personal tokens for either forge, e.g. with narrower scopes than the two above (`api`; `repo, admin:org, workflow`). */
	tokens?: readonly TokenSpec[];
	/** Plain self-hosted GitHub runners; default 40. */
	githubRunners?: number;
	/** ARC AutoscalingRunnerSets; default 3 (gh-nix, gh-docker, gh-dind), more are gh-extra-N. */
	scaleSets?: number;
	/**
	 * Simulated start time, ISO 8601 (e.g. '2026-01-01T00:00:00Z'), for exact, repeatable
	 * timestamps. Default: the real time at start, so the simulated clock tracks the wall
	 * clock (at speed 1) and every age a client computes is real.
	 */
	epoch?: string;
	/**
	 * Default true: the fleet starts mid-day, GitLab runners already running jobs begun
	 * minutes ago. false: no GitLab jobs running at the start, for tests that watch the
	 * autoscalers rise from their minimum.
	 */
	warmStart?: boolean;
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

function validate(opts: SandboxOptions): Required<Omit<SandboxOptions, 'log' | 'tokens' | 'epoch' | 'warmStart'>> & { origin: number } {
	const o = {
		port: opts.port,
		host: opts.host ?? '127.0.0.1',
		seed: opts.seed ?? 1,
		gitlabRunners: opts.gitlabRunners ?? 160,
		tickMs: opts.tickMs ?? 1000,
		gitlabToken: opts.gitlabToken ?? 'sandbox-gitlab-token',
		githubToken: opts.githubToken ?? 'sandbox-github-token',
		githubRunners: opts.githubRunners ?? 40,
		scaleSets: opts.scaleSets ?? 3,
		origin: 0
	};
	if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`sandbox: port must be 0..65535, got ${opts.port}`);
	if (!Number.isSafeInteger(o.seed)) throw new Error(`sandbox: seed must be an integer, got ${opts.seed}`);
	if (!Number.isInteger(o.gitlabRunners) || o.gitlabRunners < 0) throw new Error(`sandbox: gitlabRunners must be a whole number, got ${opts.gitlabRunners}`);
	if (!(o.tickMs >= 0)) throw new Error(`sandbox: tickMs must be >= 0, got ${opts.tickMs}`);
	if (!o.gitlabToken) throw new Error('sandbox: gitlabToken must not be empty');
	if (!o.githubToken) throw new Error('sandbox: githubToken must not be empty');
	if (!Number.isInteger(o.githubRunners) || o.githubRunners < 0 || o.githubRunners > 10_000) throw new Error(`sandbox: githubRunners must be a whole number 0..10000, got ${opts.githubRunners}`);
	if (!Number.isInteger(o.scaleSets) || o.scaleSets < 0 || o.scaleSets > 100) throw new Error(`sandbox: scaleSets must be a whole number 0..100, got ${opts.scaleSets}`);
	try {
		o.origin = originFor(opts.epoch);
	} catch (e) {
		throw new Error(`sandbox: ${e instanceof Error ? e.message : String(e)}`);
	}
	return o;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
	const { url, port, close } = await startSandboxWithWorld(opts);
	return { url, port, close };
}

/** For the sandbox's own tests: a sandbox plus the World behind it (e.g. to put objects into `world.cluster`). */
export async function startSandboxWithWorld(opts: SandboxOptions): Promise<Sandbox & { world: World }> {
	const o = validate(opts);
	const log = opts.log ?? (() => {});
	// Pipelines plan and apply inside simulation steps, which read HCL synchronously.
	await loadHclParser();
	const world = new World({ seed: o.seed, gitlabRunners: o.gitlabRunners, githubRunners: o.githubRunners, scaleSets: o.scaleSets, origin: o.origin, warmStart: opts.warmStart ?? true });
	const faults = new Faults();
	let baseUrl = '';
	const identity = new Identity({ now: () => world.now(), gitlabToken: o.gitlabToken, githubToken: o.githubToken, tokens: opts.tokens });

	const requests = { gitlab: new RequestCounts(), github: new RequestCounts() };
	const gitlab = createGitLabMount({ world, identity, webBase: () => `${baseUrl}/gitlab`, log, counts: requests.gitlab });
	faults.setStyle('gitlab', gitlab.faultStyle);
	const github = createGitHubMount({ world, identity, webBase: () => `${baseUrl}/github`, log, counts: requests.github });
	faults.setStyle('github', github.faultStyle);
	const k8s = createK8sMount({ store: world.cluster, now: () => world.now(), serverAddress: () => new URL(baseUrl).host, log, faultMode: () => faults.modes().k8s });
	faults.setStyle('k8s', k8s.faultStyle);
	const exporters = createExportersMount({ world, baseUrl: () => baseUrl });
	faults.setStyle('exporters', exporters.faultStyle);
	const mounts: Mount[] = [
		{ prefix: '/_sandbox', handle: createControl(world, faults, log, requests, identity) },
		{ prefix: '/gitlab', target: 'gitlab', prepare: gitlab.prepare, handle: gitlab.handle },
		{ prefix: '/github', target: 'github', prepare: github.prepare, handle: github.handle },
		{ prefix: '/k8s', target: 'k8s', handle: k8s.handle },
		{ prefix: '/exporters', target: 'exporters', handle: exporters.handle }
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
	// Idle connections stay open longer than clients keep them (undici: 4 s), as behind the
	// forges' load balancers: with Node's 5 s a busy client could reuse a connection in the
	// moment the server closes it, and the request fails with "other side closed".
	server.keepAliveTimeout = 65_000;
	server.headersTimeout = 66_000;

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
	world.changes.webhooks.setBaseUrl(baseUrl);

	const ticker = new Ticker(world, o.tickMs, (err) => log(`sandbox: tick failed: ${err instanceof Error ? err.stack : String(err)}`));
	ticker.start();
	log(`sandbox: listening on ${baseUrl} (seed ${o.seed}, ${o.gitlabRunners} GitLab runners, simulated time from ${iso(o.origin)}${opts.epoch === undefined ? ', the wall clock' : ''})`);

	let closing: Promise<void> | undefined;
	return {
		url: baseUrl,
		port,
		world,
		close() {
			closing ??= new Promise<void>((resolve) => {
				ticker.stop();
				world.changes.webhooks.close();
				faults.destroyHeld();
				k8s.close();
				server.close(() => resolve());
				server.closeAllConnections();
			});
			return closing;
		}
	};
}
