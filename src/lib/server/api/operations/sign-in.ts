// Signing in through a provider: what the login page offers, the redirect to the
// provider, and the callback the provider sends the browser back to.
import { z } from 'zod';
import type { AppContext } from '../../app';
import { FLOW_TTL_S } from '../../auth/sso/service';
import { DomainError } from '../../services/errors';
import { safeNext } from '../../http/safe-next';
import { errorSchema } from '../errors';
import { op, Reply } from '../operation';
import { cookieValue, cookiesOf, dashboardOrigin, setCookie } from './accounts';

const providerParam = z.strictObject({ provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'a provider name') });

const providerOf = (app: AppContext, name: string) => {
	const p = app.sso.providers.get(name);
	if (!p) throw new DomainError('not_found', 'not_found', `No sign-in provider "${name}" is configured.`);
	return p;
};

const noticeSchema = z
	.discriminatedUnion('kind', [
		z.object({ kind: z.literal('refused'), provider: z.string(), username: z.string(), email: z.string().nullable(), groups: z.array(z.string()), reason: z.enum(['no_rule', 'disabled']) }),
		z.object({ kind: z.literal('error'), provider: z.string(), message: z.string() }),
		z.object({ kind: z.literal('signed_out'), provider: z.string(), end_session_url: z.string() })
	])
	.meta({ id: 'SignInNotice' });

/** What the sandbox's sign-in does, said where a newcomer looks for it. */
const SANDBOX_NOTE =
	'Simulated sign-in: sandbox users alice (group platform/sre → admin), bob (platform → operator) and carol (no group: refused), password "sandbox".';

export const signInOptions = op({
	id: 'signInOptions',
	method: 'GET',
	path: '/api/v1/sign-in',
	access: 'public',
	tag: 'Accounts',
	summary: 'How one signs in here: the configured providers, whether local passwords and passkeys are on, and (with `notice`) what a provider sign-in that ended without a session saw.',
	query: z.strictObject({ notice: z.string().max(8000).optional() }),
	responses: {
		200: z.object({
			local: z.boolean(),
			passkeys: z.boolean(),
			passkey_with_password: z.boolean().meta({ description: 'A local account needs one of its passkeys with its password (auth.passkeys.required_for_local).' }),
			providers: z.array(z.object({ name: z.string(), label: z.string(), type: z.enum(['oidc', 'gitlab', 'github']), start: z.string() })),
			note: z.string().nullable(),
			notice: noticeSchema.nullable()
		}),
		400: errorSchema
	},
	handler: ({ app, query }) => {
		const providers = [...app.sso.providers.values()];
		return {
			local: app.auth.localSignIn,
			passkeys: true,
			passkey_with_password: app.config.auth.passkeys.required_for_local,
			providers: providers.map((p) => ({ name: p.name, label: p.label, type: p.config.type, start: `/api/v1/sign-in/${p.name}` })),
			note: providers.some((p) => p.config.simulated) ? SANDBOX_NOTE : null,
			notice: app.sso.readNotice(query.notice)
		};
	}
});

export const startSignIn = op({
	id: 'startSignIn',
	method: 'GET',
	path: '/api/v1/sign-in/{provider}',
	access: 'public',
	tag: 'Accounts',
	summary:
		'Starts a sign-in at a provider: 302 to its authorization endpoint (authorization code with PKCE, `state` and, for OpenID Connect, `nonce`), with a short-lived cookie that binds the sign-in to this browser. `next`: where to go once signed in (a path on this dashboard).',
	params: providerParam,
	query: z.strictObject({ next: z.string().max(2000).optional() }),
	responses: { 302: null, 400: errorSchema, 404: errorSchema },
	handler: async ({ app, params, query, headers }) => {
		providerOf(app, params.provider);
		const origin = dashboardOrigin(app, headers);
		const started = await app.sso.start(params.provider, origin, safeNext(query.next, origin, '/fleet'));
		// The provider could not be reached (discovery): the login page says so.
		if ('notice' in started) return new Reply(302, null, { location: `/login?notice=${encodeURIComponent(started.notice)}` });
		const { url, state } = started;
		return new Reply(302, null, { location: url, 'set-cookie': setCookie(cookiesOf(app).signInFlow, state, { maxAge: FLOW_TTL_S }) });
	}
});

export const finishSignIn = op({
	id: 'finishSignIn',
	method: 'GET',
	path: '/api/v1/sign-in/{provider}/callback',
	access: 'public',
	tag: 'Accounts',
	summary:
		"Where the provider sends the browser back (register `<origin>/api/v1/sign-in/<provider>/callback` there). Signed in: the session cookie and 302 to `next`. Anything else — a state this browser did not start or already used, the provider's error, an ID token that fails its checks, an identity no role rule matches — signs nobody in: 302 to the login page, which says why.",
	params: providerParam,
	// The provider's answer; a provider may add parameters of its own (Keycloak's session_state), which go to openid-client as sent.
	query: z.looseObject({
		code: z.string().max(4000).optional(),
		state: z.string().max(1000).optional(),
		iss: z.string().max(2000).optional(),
		error: z.string().max(200).optional(),
		error_description: z.string().max(2000).optional()
	}),
	responses: { 302: null, 400: errorSchema, 404: errorSchema },
	handler: async ({ app, actor, params, query, headers }) => {
		providerOf(app, params.provider);
		const cookies = cookiesOf(app);
		const result = await app.sso.finish(params.provider, new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string')), cookieValue(cookies.signInFlow, headers), actor);
		const clearFlow = setCookie(cookies.signInFlow, '', { maxAge: 0 });
		if (!result.ok) return new Reply(302, null, { location: `/login?notice=${encodeURIComponent(result.notice)}`, 'set-cookie': clearFlow });
		return new Reply(302, null, { location: result.next, 'set-cookie': [clearFlow, setCookie(cookies.session, result.session.sessionId, { expires: result.session.expiresAt })] });
	}
});

export const SIGN_IN_OPERATIONS = [signInOptions, startSignIn, finishSignIn];
