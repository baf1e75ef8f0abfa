// Helpers for the GitHub-side tests (not part of the sandbox program).

import type { Sandbox } from '../index.js';

export const GITHUB_TOKEN = 'sandbox-github-token';

/** GET against the simulated GitHub API (base /github/api/v3) with the sandbox token. */
export function github(sb: Sandbox, path: string, init: RequestInit = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (!headers.has('Authorization')) headers.set('Authorization', `Bearer ${GITHUB_TOKEN}`);
	return fetch(`${sb.url}/github/api/v3${path}`, { ...init, headers });
}

export async function githubJson<T = any>(sb: Sandbox, path: string): Promise<T> {
	const res = await github(sb, path);
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

/** Every runner of a list endpoint, following Link rel="next" as Octokit's paginate does. */
export async function walkRunners(sb: Sandbox, path: string): Promise<{ runners: any[]; pages: number; totals: number[] }> {
	const runners: any[] = [];
	const totals: number[] = [];
	let next: string | undefined = `${sb.url}/github/api/v3${path}`;
	let pages = 0;
	for (; next && pages < 1000; pages++) {
		const res: Response = await fetch(next, { headers: { Authorization: `token ${GITHUB_TOKEN}` } });
		if (!res.ok) throw new Error(`${next}: ${res.status}`);
		const body = (await res.json()) as { total_count: number; runners: any[] };
		totals.push(body.total_count);
		runners.push(...body.runners);
		next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
	}
	return { runners, pages, totals };
}
