// Every environment variable the app reads, with its schema and documentation.
// docs/configuration.md mirrors this list; a test fails when code reads a variable
// that is not documented, and the deploy module's contract test reads this list.
import { z } from 'zod';
import { originUrl } from './file';

const port = z.coerce.number().int().min(1).max(65535);

export interface EnvVar {
	schema: z.ZodType;
	description: string;
	default?: string;
	secret?: boolean;
	/** Read by Node, not by the dashboard: documented for the deploy contract, not validated here. */
	node?: boolean;
}

export const ENV_VARS = {
	PORT: { schema: port, default: '3000', description: 'TCP port the dashboard listens on.' },
	HOST: {
		schema: z.string().min(1),
		default: '127.0.0.1',
		description: 'Address the dashboard binds to. The image sets 0.0.0.0.'
	},
	ORIGIN: {
		schema: originUrl,
		description:
			'Public origin of the dashboard (scheme://host[:port], no path). Used for the same-origin check on mutations and for the cookies: Secure and __Host- names when it is https. Set it behind a reverse proxy.'
	},
	ADDRESS_HEADER: {
		schema: z
			.string()
			.regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name such as X-Forwarded-For')
			.transform((h) => h.toLowerCase()),
		description:
			'Header holding the client address behind a proxy (e.g. X-Forwarded-For, X-Real-IP), for sign-in throttling by address and the audit log. Set it only behind a proxy that overwrites or appends to the header. A request without it counts as the "unknown-peer" address.'
	},
	XFF_DEPTH: {
		schema: z.coerce.number().int().min(1).max(20),
		default: '1',
		description:
			'With ADDRESS_HEADER=X-Forwarded-For: how many trusted proxies append to the header; the address that many entries from the right is the client. Fewer entries than this: "unknown-peer".'
	},
	DATABASE_URL: {
		schema: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL'),
		secret: true,
		description: 'PostgreSQL connection URL. When unset the store is SQLite in the data dir.'
	},
	SESSION_SECRET: {
		schema: z.string().min(32, 'at least 32 characters'),
		secret: true,
		description:
			'Key that peppers stored session and API-token hashes. When unset a random key is generated once and kept in the store.'
	},
	RUNNER_DASHBOARD_CONFIG: {
		schema: z.string().min(1),
		description: 'Path to the YAML configuration file (sources, auth settings).'
	},
	RUNNER_DASHBOARD_DATA_DIR: {
		schema: z.string().min(1),
		default: './data',
		description: 'Directory for the SQLite database and the initial admin password file.'
	},
	RUNNER_DASHBOARD_SANDBOX_URL: {
		schema: z.url({ protocol: /^https?$/ }),
		description:
			'Base URL of a sandbox fleet. Adds its GitLab (and later GitHub and Kubernetes) surfaces as sources labelled "simulated". `npm start` sets it.'
	},
	SANDBOX_PORT: {
		schema: port,
		default: '3001',
		description: 'Port of the sandbox fleet that `npm start` and `runner-dashboard sandbox` start.'
	},
	METRICS_PORT: {
		schema: port,
		description:
			'When set, a second listener on this port serves only GET /metrics without authentication, for Prometheus scrapes by annotation. On the main port /metrics needs a principal (an API token).'
	},
	LOG_LEVEL: {
		schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
		default: 'info',
		description: 'pino log level.'
	},
	NODE_OPTIONS: {
		schema: z.string(),
		node: true,
		description:
			"Read by Node itself, not by the dashboard. The deploy module sets `--max-old-space-size=<max_heap_mb>` so the heaps stay within a budget instead of growing lazily towards the memory limit (docs/performance.md); Node applies it to each thread's old space, the background readers' included."
	}
} satisfies Record<string, EnvVar>;

export type EnvName = keyof typeof ENV_VARS;
