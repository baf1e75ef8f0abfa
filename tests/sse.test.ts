// The live stream over real HTTP: delivery, resume, and complete cleanup when clients drop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, eventually, login, startApp, type RunningApp } from './helpers/app';

let app: RunningApp;
let token: string;

async function gauge(name: string): Promise<number> {
	const text = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
	const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
	return Number(line?.split(' ').at(-1));
}

async function openStream(lastEventId?: string, as = token) {
	const ac = new AbortController();
	const res = await fetch(`${app.url}/api/v1/events`, { headers: { authorization: `Bearer ${as}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: ac.signal });
	const reader = res.body!.getReader();
	const first = new TextDecoder().decode((await reader.read()).value);
	return { res, reader, first, ac };
}

beforeAll(async () => {
	app = await startApp();
	token = createToken(app, 'sse', 'viewer');
});
afterAll(() => app?.stop());

describe('GET /api/v1/events', () => {
	it('streams text/event-stream with a retry hint, then runner deltas from the sync', async () => {
		const s = await openStream();
		expect(s.res.headers.get('content-type')).toBe('text/event-stream');
		expect(s.first).toMatch(/^retry: 3000/);
		let text = s.first;
		const until = Date.now() + 20_000;
		const gitlabStatus = /id: \d+\nevent: sources\ndata: \{"name":"sandbox-gitlab"/;
		while (!gitlabStatus.test(text) && Date.now() < until) text += new TextDecoder().decode((await s.reader.read()).value);
		expect(text).toMatch(gitlabStatus);
		s.ac.abort();
	});

	it('resumes from Last-Event-ID with the events missed', async () => {
		const s = await openStream('1');
		let text = s.first;
		const until = Date.now() + 5000;
		while (!/id: 2\n/.test(text) && Date.now() < until) text += new TextDecoder().decode((await s.reader.read()).value);
		expect(text).toMatch(/id: 2\nevent: /);
		expect(text).not.toMatch(/id: 1\n/);
		s.ac.abort();
	});

	it('refuses an eleventh stream of one principal with 429, and takes it once one closes', async () => {
		const mine = createToken(app, 'sse-cap', 'viewer');
		const open = await Promise.all(Array.from({ length: 10 }, () => openStream(undefined, mine)));
		expect(open.map((s) => s.res.status)).toEqual(Array(10).fill(200));
		const refused = await fetch(`${app.url}/api/v1/events`, { headers: { authorization: `Bearer ${mine}` } });
		expect(refused.status).toBe(429);
		expect((await refused.json()).error.message).toMatch(/at most 10 live streams/);
		// Another principal is not held back by this one.
		const other = await openStream();
		expect(other.res.status).toBe(200);
		other.ac.abort();
		open[0]!.ac.abort();
		await new Promise((r) => setTimeout(r, 200));
		const again = await openStream(undefined, mine);
		expect(again.res.status).toBe(200);
		for (const s of [again, ...open.slice(1)]) s.ac.abort();
	});

	it('ends a session’s stream within a heartbeat of signing out, and a token’s when it is revoked', async () => {
		const cookie = await login(app, 'admin', app.adminPassword);
		const mine = createToken(app, 'sse-revoke', 'viewer');
		const read = async (headers: Record<string, string>) => {
			const res = await fetch(`${app.url}/api/v1/events`, { headers });
			expect(res.status).toBe(200);
			const reader = res.body!.getReader();
			let text = '';
			const ended = (async () => {
				for (;;) {
					const { done, value } = await reader.read();
					if (done) return text;
					text += new TextDecoder().decode(value);
				}
			})();
			return { ended };
		};
		const session = await read({ cookie });
		const token = await read({ authorization: `Bearer ${mine}` });
		const started = Date.now();
		const out = await fetch(`${app.url}/api/v1/session`, { method: 'DELETE', headers: { cookie, origin: app.origin } });
		// Signing out answers 200 with a notice (a provider's end-session link, when there is one).
		expect(out.status).toBe(200);
		const list = await (await fetch(`${app.url}/api/v1/tokens`, { headers: { authorization: `Bearer ${createToken(app, 'sse-admin', 'admin')}` } })).json();
		const id = list.items.find((t: { name: string }) => t.name === 'sse-revoke').id;
		expect(app.cli(['token', 'revoke', '--id', String(id)]).status).toBe(0);
		const [s, t] = await Promise.all([session.ended, token.ended]);
		// One heartbeat is 15 s: both end within it (plus the check's own round trip).
		expect(Date.now() - started).toBeLessThan(20_000);
		expect(s).toMatch(/event: reset\ndata: \{"reason":"revoked"\}/);
		expect(t).toMatch(/event: reset\ndata: \{"reason":"revoked"\}/);
	}, 40_000);

	it('opening and dropping 1,000 connections returns the client gauge to its baseline', async () => {
		const baseline = await gauge('runner_dashboard_sse_clients');
		// Ten principals, ten streams each: the per-principal cap is 10.
		const tokens = Array.from({ length: 10 }, (_, i) => createToken(app, `sse-load-${i}`, 'viewer'));
		// The server learns of a dropped stream when its socket closes, a moment after the client
		// drops it; each principal may hold 10, so the next batch waits for the last one's release.
		const settled = () => eventually(() => gauge('runner_dashboard_sse_clients'), (n) => n === baseline, 15_000, 'the streams released', 100);
		for (let batch = 0; batch < 10; batch++) {
			const streams = await Promise.all(Array.from({ length: 100 }, (_, i) => openStream(undefined, tokens[i % 10])));
			expect(streams.map((s) => s.res.status)).toEqual(Array(100).fill(200));
			expect(await gauge('runner_dashboard_sse_clients')).toBe(baseline + 100);
			for (const [i, s] of streams.entries()) (i % 2 ? s.ac.abort() : void s.reader.cancel());
			expect(await settled()).toBe(baseline);
		}
		// The process is healthy afterwards.
		expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
	});
});
