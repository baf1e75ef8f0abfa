// Starts Debian's Prometheus (/usr/bin/prometheus) on a free loopback port with its
// config and TSDB in a temp dir, scraping every second the targets an http_sd URL
// lists (Prometheus takes __scheme__ and __metrics_path__ from the SD labels).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForUrl } from './app';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface RunningPrometheus {
	url: string;
	port: number;
	dir: string;
	output: () => string;
	/** An instant query's result vector (throws on anything else). */
	query(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
	/** Stops the process (SIGTERM), keeping the TSDB for a restart. */
	stop(): Promise<void>;
	/** Starts it again on the same port and TSDB. */
	restart(): Promise<void>;
	/** Stops it and removes its directory. */
	remove(): Promise<void>;
}

/**
 * Starts Prometheus scraping the targets `sdUrl` lists, or (without it) scraping nothing,
 * e.g. over a TSDB made with `promtool tsdb create-blocks-from` in `tsdbPath`.
 */
export async function startPrometheus(opts: { sdUrl?: string; port?: number; tsdbPath?: string }): Promise<RunningPrometheus> {
	const dir = mkdtempSync(join(tmpdir(), 'rd-prometheus-'));
	const tsdb = opts.tsdbPath ?? join(dir, 'data');
	const port = opts.port ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	writeFileSync(
		join(dir, 'prometheus.yml'),
		[
			'global:',
			'  scrape_interval: 1s',
			'  scrape_timeout: 1s',
			'  evaluation_interval: 1s',
			...(opts.sdUrl
				? ['scrape_configs:', '  - job_name: sandbox', '    http_sd_configs:', `      - url: ${JSON.stringify(opts.sdUrl)}`, '        refresh_interval: 1s']
				: ['scrape_configs: []']),
			''
		].join('\n')
	);
	let child: ChildProcess | undefined;
	let out = '';
	const launch = async () => {
		child = spawn(
			PROMETHEUS_BIN,
			[
				`--config.file=${join(dir, 'prometheus.yml')}`,
				`--storage.tsdb.path=${tsdb}`,
				`--web.listen-address=127.0.0.1:${port}`,
				'--log.level=warn'
			],
			{ stdio: ['ignore', 'pipe', 'pipe'] }
		);
		child.stdout!.on('data', (d) => (out += d));
		child.stderr!.on('data', (d) => (out += d));
		try {
			await waitForUrl(`${url}/-/ready`, 30_000);
		} catch (e) {
			throw new Error(`${(e as Error).message}\n${out}`);
		}
	};
	const stop = async () => {
		const c = child;
		if (!c || c.exitCode !== null || c.signalCode !== null) return;
		const exited = new Promise((r) => c.once('exit', r));
		c.kill('SIGTERM');
		const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
		await exited;
		clearTimeout(t);
	};
	await launch();
	return {
		url,
		port,
		dir,
		output: () => out,
		async query(expr, time) {
			const body = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) });
			const r = await fetch(`${url}/api/v1/query`, { method: 'POST', body });
			const j = (await r.json()) as { status: string; error?: string; data: { resultType: string; result: never[] } };
			if (j.status !== 'success' || j.data.resultType !== 'vector') throw new Error(`${expr}: ${j.error ?? j.data.resultType}`);
			return j.data.result;
		},
		stop,
		restart: launch,
		async remove() {
			await stop();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
