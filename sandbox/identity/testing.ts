// Helpers for the identity tests (not part of the sandbox program): the browser's part of
// a sign-in (read the form, post it back, catch the redirect) done with plain fetch, and
// a gitbeaker client over fetch.

import { Gitlab } from '@gitbeaker/core';
import { createRequesterFn } from '@gitbeaker/requester-utils';

export const CLIENT_ID = 'runner-dashboard';
export const CLIENT_SECRET = 'sandbox-oidc-secret';
export const REDIRECT_URI = 'http://127.0.0.1:5173/auth/callback';

export interface SignInForm {
	action: URL;
	fields: Record<string, string>;
	html: string;
}

/** Loads an authorize URL and reads the sign-in form it shows. */
export async function openSignInForm(authorizeUrl: URL | string): Promise<SignInForm> {
	const res = await fetch(authorizeUrl, { redirect: 'manual' });
	const html = await res.text();
	if (res.status !== 200) throw new Error(`authorize answered ${res.status}: ${html.slice(0, 300)}`);
	return readForm(html, new URL(authorizeUrl));
}

export function readForm(html: string, base: URL): SignInForm {
	const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
	if (action === undefined) throw new Error(`no form in ${html.slice(0, 300)}`);
	const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
	const fields: Record<string, string> = {};
	for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(m[1] as string)] = unescape(m[2] as string);
	return { action: new URL(unescape(action), base), fields, html };
}

/** Posts credentials through the form; answers the raw (unfollowed) response. */
export function submitSignIn(form: SignInForm, login: string, password: string): Promise<Response> {
	return fetch(form.action, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ ...form.fields, login, password }),
		redirect: 'manual'
	});
}

/** The whole browser part: form, credentials, and the URL the forge redirects back to. */
export async function signInAt(authorizeUrl: URL | string, login: string, password = 'sandbox'): Promise<URL> {
	const res = await submitSignIn(await openSignInForm(authorizeUrl), login, password);
	const location = res.headers.get('location');
	if (res.status !== 302 || !location) throw new Error(`sign-in answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
	return new URL(location);
}

export class GitLabHttpError extends Error {
	constructor(
		readonly status: number,
		readonly body: unknown,
		readonly headers: Headers
	) {
		super(`GitLab answered ${status}: ${JSON.stringify(body)}`);
	}
}

/** A gitbeaker client whose requests go through fetch; failures throw GitLabHttpError. */
export function gitbeaker(host: string, token: string) {
	const handler = async (endpoint: string, options: Record<string, any>) => {
		const { prefixUrl, searchParams, method, headers, body } = options;
		const url = new URL(endpoint, prefixUrl.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
		url.search = searchParams || '';
		const res = await fetch(url, { method, headers, body });
		const text = await res.text();
		const parsed = (res.headers.get('content-type') ?? '').startsWith('application/json') && text ? JSON.parse(text) : text;
		if (!res.ok) throw new GitLabHttpError(res.status, parsed, res.headers);
		const out: Record<string, string> = {};
		res.headers.forEach((v, k) => {
			out[k] = v;
		});
		return { body: parsed, headers: out, status: res.status };
	};
	const requesterFn = createRequesterFn(async (_: unknown, reqo: unknown) => reqo as never, handler as never);
	return new Gitlab({ host, token, queryTimeout: null, requesterFn } as never) as InstanceType<typeof Gitlab<false>>;
}
