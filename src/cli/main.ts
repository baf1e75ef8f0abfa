// The `runner-dashboard` command.
import { ConfigError, loadConfig } from '$lib/server/config';
import { Store } from '$lib/server/store';
import { originFor, startSandbox } from '../../sandbox/index';
import { messageOf } from '$lib/core/errors';
import { parseFlags, UsageError } from './args';
import { check } from './check';
import { change } from './change';
import { drift } from './drift';
import { serve } from './serve';
import { token } from './token';

const USAGE = `usage: runner-dashboard <command>

  serve                              start the dashboard (PORT, HOST, RUNNER_DASHBOARD_CONFIG, ...)
  sandbox [--port P] [--seed S] [--host H] [--gitlab-runners N] [--github-runners N] [--scale-sets N] [--tick-ms MS]
          [--epoch ISO]              start the sandbox fleet (simulated GitLab, GitHub, Kubernetes/ARC; control API);
                                     its clock starts at the real time, or at --epoch (e.g. 2026-01-01T00:00:00Z)
  token create --name N --role R [--expires-in 30d]
                                     create an API token (viewer|operator|admin); prints it once
  token list | token revoke --id ID
  drift [--json] [--exit-code] [--config FILE] [--server URL [--token-file F]]
                                     drift between git, OpenTofu state and the cluster, computed from the
                                     configuration (or asked of a running dashboard); with --exit-code:
                                     0 no drift, 1 drift; 2 on any error
  check [--json] [--config FILE]     ask every configured source what it lets the dashboard do: reachable, who the
                                     token is, and whether it covers each feature (with the fix when not);
                                     0 all well, 1 something missing or failing, 2 configuration error
  change --stack S --env E --set name=value [--set …] [--title T] [--base COMMIT] [--json] [--server URL [--token-file F]]
                                     propose values for a stack's environment: a branch, one commit to
                                     <env>.tfvars and a merge/pull request (on the configured forges and
                                     store as "cli", or through a running dashboard with an operator token);
                                     0 opened, 1 refused, 2 on any other error
  migrate                            bring the store's schema up to date
  openapi                            print the API's OpenAPI document
  version                            print version and git revision

Configuration: docs/configuration.md`;

async function sandbox(argv: string[]): Promise<void> {
	const f = parseFlags(argv, { port: 'string', seed: 'string', host: 'string', 'gitlab-runners': 'string', 'github-runners': 'string', 'scale-sets': 'string', 'tick-ms': 'string', epoch: 'string' });
	const int = (name: string, value: unknown, fallback: number, min: number, max: number) => {
		const n = Number(value ?? fallback);
		if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
		return n;
	};
	const port = int('port', f.port ?? process.env.SANDBOX_PORT, 3001, 0, 65535);
	const seed = int('seed', f.seed, 1, -(2 ** 31), 2 ** 31 - 1);
	const gitlabRunners = int('gitlab-runners', f['gitlab-runners'], 160, 0, 200_000);
	const githubRunners = int('github-runners', f['github-runners'], 40, 0, 10_000);
	const scaleSets = int('scale-sets', f['scale-sets'], 3, 0, 200);
	const tickMs = int('tick-ms', f['tick-ms'], 1000, 0, 60_000);
	const host = typeof f.host === 'string' ? f.host : '127.0.0.1';
	const epoch = typeof f.epoch === 'string' ? f.epoch : undefined;
	if (epoch !== undefined) {
		try {
			originFor(epoch);
		} catch (e) {
			throw new UsageError(`--${messageOf(e)}`);
		}
	}
	const sb = await startSandbox({ port, seed, host, gitlabRunners, githubRunners, scaleSets, tickMs, epoch });
	// Scripts read the URL as the text after `listening on ` up to the next space: keep a space after it.
	console.log(`sandbox fleet (seed ${seed}) listening on ${sb.url} (simulated time from ${epoch ?? 'now, the wall clock'})`);
	const stop = () => void sb.close().then(() => process.exit(0));
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

export async function main(argv: string[]): Promise<void> {
	const [command = 'serve', ...rest] = argv;
	try {
		switch (command) {
			case 'serve':
				if (rest.length) throw new UsageError('serve takes no arguments; configure it with environment variables and RUNNER_DASHBOARD_CONFIG');
				return await serve();
			case 'sandbox':
				return await sandbox(rest);
			case 'token':
				process.exitCode = await token(rest);
				return;
			case 'drift':
				process.exitCode = await drift(rest);
				return;
			case 'check':
				process.exitCode = await check(rest);
				return;
			case 'change':
				process.exitCode = await change(rest);
				return;
			case 'migrate': {
				const config = loadConfig();
				const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: false });
				const applied = await store.migrate();
				await store.close();
				console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
				return;
			}
			case 'openapi': {
				const { openApiDocument } = await import('$lib/server/api/document');
				console.log(JSON.stringify(await openApiDocument(), null, 2));
				return;
			}
			case 'version': {
				const info = typeof __BUILD_INFO__ === 'undefined' ? { version: 'dev', revision: 'unknown' } : __BUILD_INFO__;
				console.log(`runner-dashboard ${info.version} (${info.revision})`);
				return;
			}
			case 'help':
			case '--help':
			case '-h':
				console.log(USAGE);
				return;
			default:
				throw new UsageError(`unknown command "${command}"`);
		}
	} catch (e) {
		if (e instanceof ConfigError) {
			console.error(`runner-dashboard: configuration error: ${e.message}`);
			process.exit(2);
		}
		if (e instanceof UsageError) {
			console.error(`runner-dashboard: ${e.message}\n\n${USAGE}`);
			process.exit(2);
		}
		console.error(`runner-dashboard: ${e instanceof Error ? e.message : String(e)}`);
		process.exit(1);
	}
}
