// Passkeys (WebAuthn) through @simplewebauthn/server: a signed-in user registers
// discoverable credentials (user verification required) and later signs in with one
// alone. The relying party is the dashboard's origin. Each challenge is a one-time flow
// in the store; the signature counter and the backup flags are stored and checked, so a
// cloned credential that goes back in count is refused.
import { randomBytes } from 'node:crypto';
import {
	generateAuthenticationOptions,
	generateRegistrationOptions,
	verifyAuthenticationResponse,
	verifyRegistrationResponse,
	type AuthenticationResponseJSON,
	type AuthenticatorTransport,
	type RegistrationResponseJSON
} from '@simplewebauthn/server';
import type { Actor } from '../services/actor';
import { auditTarget, writeAudit } from '../services/audit';
import { DomainError } from '../services/errors';
import type { Store } from '../store';
import type { Passkey } from '../store/passkeys';
import type { User } from '../store/users';
import type { Auth, NewSession } from './service';
import { FLOWS_FULL, SignInFlows } from './sign-in-flows';

const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_PASSKEYS = 20;

/** The relying party: the origin's host is the RP ID, the origin itself what clientDataJSON must name. */
export interface RelyingParty {
	origin: string;
	id: string;
}

export const relyingParty = (origin: string): RelyingParty => ({ origin, id: new URL(origin).hostname });

/** A passkey as the owner sees it: never the key material. */
export const passkeyView = (p: Passkey) => ({
	id: p.id,
	name: p.name,
	created_at: p.created_at,
	last_used_at: p.last_used_at,
	synced: p.device_type === 'multiDevice',
	backed_up: p.backed_up
});

/** The challenge clientDataJSON carries: the key its flow is stored under. */
function challengeOf(clientDataJSON: string): string {
	try {
		const c = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
		return typeof c.challenge === 'string' ? c.challenge : '';
	} catch {
		return '';
	}
}

export interface PasskeyDeps {
	store: Store;
	auth: Auth;
	pepper: string;
	/** When a provider's account may still sign in with a passkey (the provider confirmed its role this recently). */
	roleRefreshSeconds: number;
	now?: () => Date;
}

export class Passkeys {
	private store: Store;
	private auth: Auth;
	private now: () => Date;
	private flows: SignInFlows;
	private refreshMs: number;

	constructor(deps: PasskeyDeps) {
		this.store = deps.store;
		this.auth = deps.auth;
		this.now = deps.now ?? (() => new Date());
		this.flows = new SignInFlows(deps.store, deps.pepper, this.now);
		this.refreshMs = deps.roleRefreshSeconds * 1000;
	}

	private userOf(actor: Actor) {
		const p = actor.principal;
		if (p?.kind !== 'user') throw new DomainError('invalid', 'not_a_user', 'Passkeys belong to users; an API token has none.');
		return p;
	}

	/** Keeps a challenge's flow until it is answered or expires. */
	private async keep(challenge: string, kind: string, data: { userId?: number }): Promise<void> {
		if (!(await this.flows.put(challenge, kind, data, CHALLENGE_TTL_MS))) throw new DomainError('throttled', 'throttled', FLOWS_FULL, { retryAfterS: 60 });
	}

	async list(actor: Actor) {
		return (await this.store.passkeys.forUser(this.userOf(actor).id)).map(passkeyView);
	}

	async registrationOptions(actor: Actor, rp: RelyingParty) {
		const p = this.userOf(actor);
		const existing = await this.store.passkeys.forUser(p.id);
		if (existing.length >= MAX_PASSKEYS) throw new DomainError('conflict', 'too_many_passkeys', `At most ${MAX_PASSKEYS} passkeys per user; remove one first.`);
		const options = await generateRegistrationOptions({
			rpName: 'runner-dashboard',
			rpID: rp.id,
			userName: p.name,
			userID: randomBytes(32),
			attestationType: 'none',
			// The same authenticator twice would be one credential under two names.
			excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: c.transports as AuthenticatorTransport[] })),
			// Discoverable: the passkey alone names the account; verified: it proves a person, not just a device.
			authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' }
		});
		await this.keep(options.challenge, 'passkey-register', { userId: p.id });
		return options;
	}

	async register(actor: Actor, rp: RelyingParty, name: string, response: RegistrationResponseJSON) {
		const p = this.userOf(actor);
		const flow = await this.flows.take<{ userId: number }>(challengeOf(response?.response?.clientDataJSON ?? ''), 'passkey-register');
		if (!flow || flow.userId !== p.id) throw new DomainError('invalid', 'passkey_challenge', 'This passkey registration was not started here, was already used or is older than 5 minutes. Try again.');
		let verified;
		try {
			verified = await verifyRegistrationResponse({ response, expectedChallenge: () => true, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true });
		} catch (e) {
			throw new DomainError('invalid', 'passkey_refused', `The passkey was not accepted: ${(e as Error).message}`);
		}
		if (!verified.verified) throw new DomainError('invalid', 'passkey_refused', 'The passkey was not accepted.');
		const info = verified.registrationInfo;
		if (await this.store.passkeys.byCredentialId(info.credential.id)) throw new DomainError('conflict', 'passkey_known', 'This passkey is already registered.');
		const added = await this.store.passkeys.add({
			user_id: p.id,
			credential_id: info.credential.id,
			public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
			counter: info.credential.counter,
			transports: info.credential.transports ?? [],
			device_type: info.credentialDeviceType,
			backed_up: info.credentialBackedUp,
			name,
			created_at: this.now().toISOString()
		});
		await writeAudit(this.store, this.now(), actor, { action: 'passkey.register', target: auditTarget.user(p.name), outcome: 'success', detail: { passkey: added.id, name, synced: info.credentialDeviceType === 'multiDevice' } });
		return passkeyView(added);
	}

	async remove(actor: Actor, id: number): Promise<void> {
		const p = this.userOf(actor);
		if (!(await this.store.passkeys.remove(p.id, id))) throw new DomainError('not_found', 'not_found', `You have no passkey ${id}.`);
		await writeAudit(this.store, this.now(), actor, { action: 'passkey.remove', target: auditTarget.user(p.name), outcome: 'success', detail: { passkey: id } });
	}

	/** A challenge for signing in: no credentials listed, the authenticator offers the discoverable ones it holds. */
	async signInOptions(rp: RelyingParty) {
		const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', allowCredentials: [] });
		await this.keep(options.challenge, 'passkey-sign-in', {});
		return options;
	}

	/**
	 * Checks an assertion for `purpose`: a sign-in with the passkey alone, or the second factor
	 * of a local account's password sign-in (`forUser`). Refused: a challenge not issued or
	 * used, an unknown credential, a failed signature or origin/RP check, no user
	 * verification, a counter that did not go up (a clone), a backup eligibility that changed.
	 * Returns the passkey with its owner's account as read for the audit record.
	 */
	async verifyAssertion(response: AuthenticationResponseJSON, rp: RelyingParty, actor: Actor, forUser?: number): Promise<{ passkey: Passkey; user: User | undefined }> {
		const refuse = async (reason: string, userName: string | null = null) => {
			await writeAudit(this.store, this.now(), actor, { action: 'login', target: userName && auditTarget.user(userName), outcome: 'failure', detail: { method: 'passkey', reason } });
			return new DomainError('unauthenticated', 'passkey_refused', `The passkey sign-in was refused: ${reason}.`);
		};
		const flow = await this.flows.take(challengeOf(response?.response?.clientDataJSON ?? ''), 'passkey-sign-in');
		if (!flow) throw await refuse('the challenge was not issued here, was already used or expired');
		const stored = typeof response?.id === 'string' ? await this.store.passkeys.byCredentialId(response.id) : undefined;
		if (!stored || (forUser !== undefined && stored.user_id !== forUser)) throw await refuse('this passkey is not registered here');
		const user = await this.store.users.byId(stored.user_id);
		let verified;
		try {
			verified = await verifyAuthenticationResponse({
				response,
				expectedChallenge: () => true,
				expectedOrigin: rp.origin,
				expectedRPID: rp.id,
				requireUserVerification: true,
				credential: { id: stored.credential_id, publicKey: Buffer.from(stored.public_key, 'base64url'), counter: stored.counter, transports: stored.transports as AuthenticatorTransport[] }
			});
		} catch (e) {
			const message = (e as Error).message;
			throw await refuse(/counter/i.test(message) ? `the signature counter went back (${message}); the credential may have been copied` : message, user?.username ?? null);
		}
		const info = verified.authenticationInfo;
		if (!verified.verified) throw await refuse('the signature did not verify', user?.username ?? null);
		// Backup eligibility is fixed when the credential is made; a change means another credential source.
		if (info.credentialDeviceType !== stored.device_type) throw await refuse('the passkey changed its backup eligibility', user?.username ?? null);
		if (!(await this.store.passkeys.used(stored.id, stored.counter, { counter: info.newCounter, backedUp: info.credentialBackedUp }, this.now().toISOString()))) {
			throw await refuse('the passkey was used at the same moment elsewhere', user?.username ?? null);
		}
		return { passkey: stored, user };
	}

	/** Signs in with a passkey alone. A provider's account: only while its provider confirmed the role within the re-check interval. */
	async signIn(response: AuthenticationResponseJSON, rp: RelyingParty, actor: Actor): Promise<NewSession> {
		const { passkey, user } = await this.verifyAssertion(response, rp, actor);
		const refused = async (reason: string, message: string) => {
			await writeAudit(this.store, this.now(), actor, { action: 'login', target: user ? auditTarget.user(user.username) : null, outcome: 'denied', detail: { method: 'passkey', reason } });
			return new DomainError('unauthenticated', 'passkey_refused', message);
		};
		if (!user || user.disabled) throw await refused('account disabled', 'This account is disabled.');
		const now = this.now();
		let sso;
		if (user.provider) {
			const confirmed = await this.store.users.roleConfirmedAt(user.id);
			if (!confirmed || now.getTime() - new Date(confirmed).getTime() >= this.refreshMs) {
				throw await refused('role not confirmed recently', `Sign in through ${user.provider} again: the passkey of an account from a provider works while the provider confirmed its role recently.`);
			}
			// No token: when the role is due for its re-check, this session ends.
			sso = { provider: user.provider, providerToken: null, idToken: null, roleCheckedAt: confirmed };
		}
		return this.auth.signedIn(
			{ id: user.id, username: user.username, role: user.role, must_change_password: user.must_change_password ? 1 : 0 },
			actor,
			{ method: 'passkey', passkey: passkey.id, ...(user.provider ? { provider: user.provider, subject: user.subject } : {}) },
			sso
		);
	}
}
