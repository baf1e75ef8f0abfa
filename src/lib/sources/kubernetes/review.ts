// What a cluster says about the dashboard's identity: the server's version, who it takes
// the dashboard to be (SelfSubjectReview), and a SelfSubjectAccessReview per access.
import { AuthenticationV1Api, AuthorizationV1Api, VersionApi, type KubeConfig } from '@kubernetes/client-node';
import type { Outcome } from '$lib/core/source-check';
import { mapLimit } from '$lib/core/map-limit';
import { withTimeout } from './resources';

export interface ResourceAttributes {
	namespace: string;
	group: string;
	resource: string;
	verb: string;
}

/** client-node's ApiException carries the status in `code` and the Status object in `body`. */
function failure(e: unknown): { ok: false; error: string; status?: number } {
	const err = e as { code?: number; message?: string; body?: unknown };
	let message = err.message ?? String(e);
	try {
		const status = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
		if (status && typeof status.message === 'string') message = status.message;
	} catch {
		/* not a Status: keep the message */
	}
	return { ok: false, error: typeof err.code === 'number' ? `${err.code} ${message}` : message, status: typeof err.code === 'number' ? err.code : undefined };
}

export interface ClusterReview {
	version: Outcome<{ gitVersion: string }>;
	identity: Outcome<{ username: string }>;
	/** One per attribute, in order. */
	results: Outcome<{ allowed: boolean; reason: string }>[];
}

export async function reviewCluster(kc: KubeConfig, attributes: readonly ResourceAttributes[], timeoutMs = 10_000): Promise<ClusterReview> {
	const timed = <T>(what: string, call: () => Promise<T>) => withTimeout(call, timeoutMs, what)();
	const version: Outcome<{ gitVersion: string }> = await timed('GET /version', () => kc.makeApiClient(VersionApi).getCode()).then(
		(v) => ({ ok: true as const, gitVersion: v.gitVersion }),
		failure
	);
	// An API server that does not answer is one finding, not one per review.
	if (!version.ok) return { version, identity: version, results: attributes.map(() => version) };
	const authn = kc.makeApiClient(AuthenticationV1Api);
	const authz = kc.makeApiClient(AuthorizationV1Api);
	const [identity, results] = await Promise.all([
		timed('SelfSubjectReview', () => authn.createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } })).then(
			(r): Outcome<{ username: string }> => ({ ok: true, username: r.status?.userInfo?.username ?? 'an unnamed user' }),
			failure
		),
		mapLimit(attributes, 8, (a) =>
			timed('SelfSubjectAccessReview', () =>
				authz.createSelfSubjectAccessReview({
					body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: a.namespace, group: a.group, resource: a.resource, verb: a.verb } } }
				})
			).then((r): Outcome<{ allowed: boolean; reason: string }> => ({ ok: true, allowed: r.status?.allowed === true, reason: r.status?.reason ?? '' }), failure)
		)
	]);
	return { version, identity, results };
}
