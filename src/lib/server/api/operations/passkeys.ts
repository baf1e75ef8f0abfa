// Passkeys: one's own (register, list, remove) and signing in with one alone.
import { z } from 'zod';
import { relyingParty } from '../../auth/passkeys';
import { errorSchema } from '../errors';
import { op, Reply } from '../operation';
import { cookiesOf, dashboardOrigin, numericId, passkeyAssertion, setCookie } from './accounts';

const passkeySchema = z
	.object({
		id: z.number().int(),
		name: z.string(),
		created_at: z.string(),
		last_used_at: z.string().nullable(),
		synced: z.boolean().meta({ description: 'A multi-device (synced) passkey.' }),
		backed_up: z.boolean()
	})
	.meta({ id: 'Passkey' });

/** WebAuthn options as @simplewebauthn/browser takes them (`optionsJSON`). */
const webauthnOptions = z.record(z.string(), z.unknown()).meta({ description: 'PublicKeyCredential options in their JSON form, for @simplewebauthn/browser.' });

const registration = z.looseObject({
	id: z.string().max(1000),
	rawId: z.string().max(1000),
	type: z.literal('public-key'),
	response: z.looseObject({ clientDataJSON: z.string().max(10_000), attestationObject: z.string().max(100_000) })
});

export const listPasskeys = op({
	id: 'listPasskeys',
	method: 'GET',
	path: '/api/v1/me/passkeys',
	access: 'viewer',
	tag: 'Accounts',
	summary: "The signed-in user's passkeys (never their key material).",
	responses: { 200: z.object({ items: z.array(passkeySchema) }), 400: errorSchema },
	handler: async ({ app, actor }) => ({ items: await app.passkeys.list(actor) })
});

export const passkeyRegistrationOptions = op({
	id: 'passkeyRegistrationOptions',
	method: 'POST',
	path: '/api/v1/me/passkeys/options',
	access: 'viewer',
	tag: 'Accounts',
	summary: 'Starts registering a passkey: creation options (a one-time challenge, 5 minutes; a discoverable credential with user verification; the relying party is the dashboard origin).',
	responses: { 200: webauthnOptions, 400: errorSchema, 409: errorSchema, 429: errorSchema },
	handler: async ({ app, actor, headers }) => (await app.passkeys.registrationOptions(actor, relyingParty(dashboardOrigin(app, headers)))) as unknown as Record<string, unknown>
});

export const registerPasskey = op({
	id: 'registerPasskey',
	method: 'POST',
	path: '/api/v1/me/passkeys',
	access: 'viewer',
	tag: 'Accounts',
	summary: "Registers a passkey: the authenticator's answer to the options' challenge, and a name to tell it from the others.",
	body: z.strictObject({ name: z.string().trim().min(1).max(60), response: registration }),
	responses: { 201: passkeySchema, 400: errorSchema, 409: errorSchema },
	handler: ({ app, actor, headers, body }) => app.passkeys.register(actor, relyingParty(dashboardOrigin(app, headers)), body.name, body.response as never)
});

export const removePasskey = op({
	id: 'removePasskey',
	method: 'DELETE',
	path: '/api/v1/me/passkeys/{id}',
	access: 'viewer',
	tag: 'Accounts',
	summary: 'Removes one of your passkeys; it signs nobody in from now on.',
	params: numericId,
	responses: { 204: null, 400: errorSchema, 404: errorSchema },
	handler: async ({ app, actor, params }) => {
		await app.passkeys.remove(actor, params.id);
		return undefined;
	}
});

export const passkeySignInOptions = op({
	id: 'passkeySignInOptions',
	method: 'POST',
	path: '/api/v1/passkey-sign-in/options',
	access: 'public',
	tag: 'Accounts',
	summary: 'A one-time challenge (5 minutes) for signing in with a passkey, or for the passkey a local account needs with its password (`auth.passkeys.required_for_local`).',
	responses: { 200: webauthnOptions, 429: errorSchema },
	handler: async ({ app, headers }) => (await app.passkeys.signInOptions(relyingParty(dashboardOrigin(app, headers)))) as unknown as Record<string, unknown>
});

export const passkeySignIn = op({
	id: 'passkeySignIn',
	method: 'POST',
	path: '/api/v1/passkey-sign-in',
	access: 'public',
	tag: 'Accounts',
	summary:
		'Signs in with a passkey alone: sets the session cookie. Refused (401): a challenge not issued here or used, an unknown passkey, a failed signature, origin or RP ID check, no user verification, a signature counter that did not go up (a copied credential).',
	body: z.strictObject({ response: passkeyAssertion }),
	responses: { 204: null, 400: errorSchema, 401: errorSchema },
	handler: async ({ app, actor, headers, body }) => {
		const session = await app.passkeys.signIn(body.response as never, relyingParty(dashboardOrigin(app, headers)), actor);
		return new Reply(204, null, { 'set-cookie': setCookie(cookiesOf(app).session, session.sessionId, { expires: session.expiresAt }) });
	}
});

export const PASSKEY_OPERATIONS = [listPasskeys, passkeyRegistrationOptions, registerPasskey, removePasskey, passkeySignInOptions, passkeySignIn];
