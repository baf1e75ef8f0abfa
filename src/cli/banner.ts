// What `serve` prints on a terminal once it listens: where to sign in, as whom, where the
// first admin's password is while it is still the generated one, and how to stop.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AppContext } from '$lib/server/app';

export interface BannerFacts {
	version: string;
	/** The address a browser opens. */
	url: string;
	/** Who can sign in: the admin users, `admin` first. */
	admins: string[];
	/** The first admin's password file, while the password in it still signs `admin` in. */
	passwordFile: string | null;
	sources: { name: string; simulated: boolean }[];
}

/** The address to open: the configured origin, else where the server listens (a wildcard bind as localhost). */
export function signInUrl(origin: string | undefined, host: string, port: number): string {
	if (origin) return origin;
	const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
	return `http://${shown}:${port}`;
}

export function formatBanner(f: BannerFacts): string {
	const user =
		f.admins.length === 0
			? 'no enabled admin user: an admin API token (`runner-dashboard token create --name setup --role admin`) can add one through the users API'
			: f.admins.length === 1
				? f.admins[0]!
				: `${f.admins[0]} (admins: ${f.admins.join(', ')})`;
	const rows: [string, string][] = [
		['Sign in', `${f.url}/login`],
		['User', user],
		...(f.passwordFile ? [['Password', `in ${f.passwordFile} (you choose your own at first sign-in)`] as [string, string]] : []),
		['Sources', f.sources.length ? f.sources.map((s) => `${s.name}${s.simulated ? ' (simulated)' : ''}`).join(', ') : 'none configured (docs/connect.md)'],
		['Check', '`runner-dashboard check` says what each source can and cannot do'],
		['Stop', 'Ctrl+C']
	];
	const width = Math.max(...rows.map(([k]) => k.length)) + 1;
	return ['', `  runner-dashboard ${f.version} is running`, ...rows.map(([k, v]) => `  ${`${k}:`.padEnd(width)} ${v}`), ''].join('\n');
}

/** The facts for the banner, from the running dashboard. */
export async function bannerFacts(app: AppContext, version: string, cwd = process.cwd()): Promise<BannerFacts> {
	const { config } = app;
	const admins = (await app.store.users.list()).filter((u) => u.role === 'admin' && !u.disabled).map((u) => u.username);
	admins.sort((a, b) => (a === 'admin' ? -1 : b === 'admin' ? 1 : a.localeCompare(b)));
	const file = join(config.dataDir, 'initial-admin-password');
	let passwordFile: string | null = null;
	if (existsSync(file)) {
		const generated = readFileSync(file, 'utf8').trim();
		if (generated && (await app.auth.stillHasPassword('admin', generated))) {
			const rel = relative(cwd, file);
			passwordFile = rel && !rel.startsWith('..') ? rel : file;
		}
	}
	return {
		version,
		url: signInUrl(config.origin, config.host, config.port),
		admins,
		passwordFile,
		sources: config.sources.map((s) => ({ name: s.name, simulated: s.simulated }))
	};
}
