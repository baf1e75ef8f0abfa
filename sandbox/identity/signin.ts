// The forge's sign-in page: a plain HTML form that posts the credentials back to the
// authorize URL together with the authorization request, so no server-side state is
// kept between showing the form and answering it.

import type { ServerResponse } from 'node:http';
import { sendText } from '../http/respond.js';
import type { Forge } from './apps.js';

const TITLES: Record<Forge, { product: string; loginLabel: string }> = {
	gitlab: { product: 'GitLab', loginLabel: 'Username or primary email' },
	github: { product: 'GitHub', loginLabel: 'Username or email address' }
};

/** How many user names the page lists as a hint. */
const HINT_USERS = 20;

export const escapeHtml = (s: string): string =>
	s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export interface SignInPage {
	forge: Forge;
	/** Absolute path the form posts to. */
	action: string;
	/** The authorization request, carried in hidden fields. */
	request: Record<string, string>;
	clientId: string;
	error?: string;
	login?: string;
	users: string[];
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
	sendText(res, status, html, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY' });
}

function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; color: #1f2328; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; }
button { margin-top: 1.5rem; padding: .5rem 1.5rem; }
.error { background: #ffebe9; border: 1px solid #ff8182; padding: .5rem; }
.hint { color: #59636e; font-size: .875rem; margin-top: 2rem; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function signInPage(p: SignInPage): string {
	const t = TITLES[p.forge];
	const hidden = Object.entries(p.request)
		.map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
		.join('\n');
	const error = p.error ? `<p class="error" role="alert">${escapeHtml(p.error)}</p>\n` : '';
	const users = p.users.slice(0, HINT_USERS).map(escapeHtml).join(', ');
	return page(
		`Sign in · ${t.product} (sandbox)`,
		`<h1>Sign in to ${t.product}</h1>
<p>to continue to <strong>${escapeHtml(p.clientId)}</strong></p>
${error}<form method="post" action="${escapeHtml(p.action)}">
${hidden}
<label for="login_field">${t.loginLabel}</label>
<input type="text" id="login_field" name="login" autocomplete="username" autofocus required value="${escapeHtml(p.login ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Simulated ${t.product} of the runner-dashboard sandbox. Users: ${users || 'none'}.</p>`
	);
}

/** An error page for requests that cannot be sent back to the client (unknown app, bad redirect_uri). */
export function errorPage(forge: Forge, heading: string, detail: string): string {
	return page(`${heading} · ${TITLES[forge].product} (sandbox)`, `<h1>${escapeHtml(heading)}</h1>\n<p role="alert">${escapeHtml(detail)}</p>`);
}

/** The page end-session shows when no post_logout_redirect_uri was given. */
export function signedOutPage(forge: Forge): string {
	return page(`Signed out · ${TITLES[forge].product} (sandbox)`, `<h1>Signed out</h1>\n<p>You have signed out of the ${TITLES[forge].product} sandbox.</p>`);
}
