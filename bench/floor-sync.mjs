#!/usr/bin/env node
// The floor of the fleet benchmark's first full sync: the upstream reads a first sync of
// the sandbox's GitLab and GitHub needs, made the way the dashboard makes them, and
// nothing else. GitLab: every runner list page in turn (per_page=100), then every
// runner's details, 8 at a time, through undici's request API as the dashboard's GitLab
// transport does; GitHub, at the same time: every org runner list page in turn, through
// fetch as Octokit does. Each answer is read and parsed as JSON (any client has to),
// nothing is kept. The Kubernetes source is not part of it: the dashboard has it in sync
// long before GitLab.
//
// Usage: node bench/floor-sync.mjs <sandbox url>
// Prints one JSON line: seconds from this process's start, requests made per upstream, CPU seconds used.
import { request } from 'undici';

const PER_PAGE = 100;
const DETAIL_CONCURRENCY = 8; // the dashboard's GitLab detail concurrency (src/lib/sources/gitlab/runners.ts)
const GITLAB_TOKEN = 'sandbox-gitlab-token';
const GITHUB_TOKEN = 'sandbox-github-token';
const GITHUB_ORG = 'sandbox-org';

const base = (process.argv[2] ?? '').replace(/\/$/, '');
if (!base) {
	console.error('usage: node bench/floor-sync.mjs <sandbox url>');
	process.exit(2);
}

async function getJson(url, headers) {
	const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
	if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
	return { body: await res.json(), headers: res.headers };
}

/** GitLab's reads, as the dashboard's transport makes them (src/lib/sources/http.ts, observedRequest). */
async function requestJson(url, headers) {
	const res = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
	if (res.statusCode !== 200) throw new Error(`GET ${url} → ${res.statusCode}`);
	return { body: await res.body.json(), headers: res.headers };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function eachLimit(items, limit, fn) {
	let next = 0;
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
		while (next < items.length) await fn(items[next++]);
	}));
}

async function gitlab() {
	const api = `${base}/gitlab/api/v4`;
	const headers = { 'PRIVATE-TOKEN': GITLAB_TOKEN };
	const ids = [];
	let pages = 0;
	for (let page = 1; page; ) {
		const res = await requestJson(`${api}/runners/all?per_page=${PER_PAGE}&page=${page}`, headers);
		pages++;
		for (const r of res.body) ids.push(r.id);
		page = Number(res.headers['x-next-page']) || 0;
	}
	await eachLimit(ids, DETAIL_CONCURRENCY, (id) => requestJson(`${api}/runners/${id}`, headers));
	return { list_pages: pages, details: ids.length };
}

async function github() {
	const headers = { authorization: `token ${GITHUB_TOKEN}`, accept: 'application/vnd.github+json' };
	let pages = 0;
	let runners = 0;
	for (let url = `${base}/github/api/v3/orgs/${GITHUB_ORG}/actions/runners?per_page=${PER_PAGE}`; url; ) {
		const res = await getJson(url, headers);
		pages++;
		runners += res.body.runners.length;
		url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
	}
	return { list_pages: pages, runners };
}

const [gl, gh] = await Promise.all([gitlab(), github()]);
const cpu = process.cpuUsage();
console.log(JSON.stringify({ seconds: performance.now() / 1000, gitlab: gl, github: gh, cpu_s: (cpu.user + cpu.system) / 1e6 }));
