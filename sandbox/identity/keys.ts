// The OpenID provider's signing key: one RS256 key per sandbox start, made on first
// use so sandboxes that never sign anyone in do not pay for RSA key generation.
// Random by nature; its `kid` is the key's JWK thumbprint.

import { SignJWT, calculateJwkThumbprint, compactVerify, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';

interface KeyPair {
	privateKey: CryptoKey;
	publicKey: CryptoKey;
	jwk: JWK;
	kid: string;
}

export class SigningKey {
	private pair?: Promise<KeyPair>;

	private load(): Promise<KeyPair> {
		this.pair ??= (async () => {
			const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
			const jwk = await exportJWK(publicKey);
			const kid = await calculateJwkThumbprint(jwk);
			return { privateKey, publicKey, jwk, kid };
		})();
		return this.pair;
	}

	/** The JWK Set for jwks_uri. */
	async jwks(): Promise<{ keys: JWK[] }> {
		const { jwk, kid } = await this.load();
		return { keys: [{ ...jwk, kid, use: 'sig', alg: 'RS256' }] };
	}

	async sign(claims: JWTPayload): Promise<string> {
		const { privateKey, kid } = await this.load();
		return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', kid, alg: 'RS256' }).sign(privateKey);
	}

	/**
	 * The claims of an ID token this key signed, expired or not (an `id_token_hint` may be
	 * expired); undefined when the signature does not verify.
	 */
	async claimsOf(idToken: string): Promise<JWTPayload | undefined> {
		const { publicKey } = await this.load();
		try {
			const { payload } = await compactVerify(idToken, publicKey, { algorithms: ['RS256'] });
			const claims = JSON.parse(new TextDecoder().decode(payload)) as unknown;
			return typeof claims === 'object' && claims !== null ? (claims as JWTPayload) : undefined;
		} catch {
			return undefined;
		}
	}
}
