// Helpers shared by the sandbox's own tests (not part of the sandbox program).

import { startSandbox, type Sandbox, type SandboxOptions } from './index.js';

export const TOKEN = 'sandbox-gitlab-token';

/** A sandbox on an ephemeral port with the background ticker off unless asked for. */
export function start(opts: Partial<SandboxOptions> = {}): Promise<Sandbox> {
	return startSandbox({ port: 0, tickMs: 0, ...opts });
}

/** GET/PUT against the simulated GitLab API with the sandbox token. */
export function gitlab(sb: Sandbox, path: string, init: RequestInit = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (!headers.has('PRIVATE-TOKEN') && !headers.has('Authorization')) headers.set('PRIVATE-TOKEN', TOKEN);
	return fetch(`${sb.url}/gitlab/api/v4${path}`, { ...init, headers });
}

export async function gitlabJson<T = any>(sb: Sandbox, path: string, init: RequestInit = {}): Promise<T> {
	const res = await gitlab(sb, path, init);
	if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

/** POSTs a JSON body to the control API; returns the raw response. */
export function control(sb: Sandbox, path: string, body?: unknown): Promise<Response> {
	return fetch(`${sb.url}/_sandbox${path}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
	});
}

export async function controlOk<T = any>(sb: Sandbox, path: string, body?: unknown): Promise<T> {
	const res = await control(sb, path, body);
	if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

export async function state(sb: Sandbox): Promise<any> {
	const res = await fetch(`${sb.url}/_sandbox/state`);
	return res.json();
}

/** Every runner list item of an endpoint, following Link rel="next" like a real client. */
export async function walk(sb: Sandbox, path: string): Promise<any[]> {
	const out: any[] = [];
	let next: string | undefined = `${sb.url}/gitlab/api/v4${path}`;
	for (let guard = 0; next && guard < 1000; guard++) {
		const res: Response = await fetch(next, { headers: { 'PRIVATE-TOKEN': TOKEN } });
		if (!res.ok) throw new Error(`${next}: ${res.status}`);
		out.push(...((await res.json()) as any[]));
		next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
	}
	return out;
}
