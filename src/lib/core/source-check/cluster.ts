// A Kubernetes source: reachable, who the dashboard is to the API server, and a
// SelfSubjectAccessReview for every (resource, verb, namespace) it uses. A denied one is
// said in words with what grants it: the deploy module's Role or the RBAC rule itself.
import { listing, rowsFor, type CheckRow, type Outcome } from './report';

/** One SelfSubjectAccessReview of an access the dashboard uses, with what grants it. */
export interface AccessReview {
	namespace: string;
	/** API group; '' is the core group. */
	group: string;
	resource: string;
	verb: string;
	/** The feature that needs it. */
	why: string;
	/** The deploy module's variable listing such namespaces, and its Role (rbac.tf) for them. */
	grantedBy: { moduleVariable: string; moduleRole: string };
	result: Outcome<{ allowed: boolean; reason: string }>;
}

export interface ClusterFacts {
	server: string;
	/** GET /version */
	version: Outcome<{ gitVersion: string }>;
	/** A SelfSubjectReview (Kubernetes 1.28+): the username the API server sees. */
	identity: Outcome<{ username: string }>;
	reviews: AccessReview[];
}

/** A permission the identity lacks, in words: what it cannot do and what grants it. */
export interface DeniedAccess {
	namespace: string;
	group: string;
	resource: string;
	verbs: string[];
	/** `cannot watch pods in arc-runners` */
	cannot: string;
	/** `grant it with the module's Role (rbac.tf: …) or a Role in arc-runners …` */
	fix: string;
	/** Both: `cannot watch pods in arc-runners: grant it with …` */
	sentence: string;
}

const qualified = (group: string, resource: string) => (group ? `${resource}.${group}` : resource);
const quoted = (xs: string[]) => `[${xs.map((x) => `"${x}"`).join(', ')}]`;

/** What grants `verbs` on a resource in a namespace: the module's Role for that namespace class, or the rule itself. */
export function grantText(d: { namespace: string; group: string; resource: string; verbs: string[] }, grantedBy: AccessReview['grantedBy'], identity?: string): string {
	return (
		`grant it with the module's Role (rbac.tf: kubernetes_role_v1.${grantedBy.moduleRole}, one per entry of var.${grantedBy.moduleVariable} — list "${d.namespace}" there) ` +
		`or a Role in ${d.namespace} bound to ${identity ?? "the dashboard's identity"} with the rule apiGroups: ${quoted([d.group])}, resources: ${quoted([d.resource])}, verbs: ${quoted(d.verbs)}`
	);
}

/**
 * The denied reviews, one entry per (namespace, group, resource) with its denied verbs;
 * the rule it suggests holds every verb the dashboard uses there, as the module's Role does.
 */
export function deniedAccess(reviews: readonly AccessReview[], identity?: string): DeniedAccess[] {
	const byKey = new Map<string, { r: AccessReview; used: string[]; verbs: string[] }>();
	for (const r of reviews) {
		const key = `${r.namespace}\u0000${r.group}\u0000${r.resource}`;
		const entry = byKey.get(key) ?? { r, used: [], verbs: [] };
		entry.used.push(r.verb);
		if (r.result.ok && !r.result.allowed) entry.verbs.push(r.verb);
		byKey.set(key, entry);
	}
	return [...byKey.values()]
		.filter((e) => e.verbs.length > 0)
		.map(({ r, used, verbs }) => {
			const d = { namespace: r.namespace, group: r.group, resource: r.resource, verbs };
			const cannot = `cannot ${verbs.join(' or ')} ${qualified(r.group, r.resource)} in ${r.namespace}`;
			const fix = grantText({ ...d, verbs: [...new Set(used)].sort() }, r.grantedBy, identity);
			return { ...d, cannot, fix, sentence: `${cannot}: ${fix}` };
		});
}

export function clusterRows(source: string, f: ClusterFacts): CheckRow[] {
	const row = rowsFor(source, 'kubernetes');
	if (!f.version.ok) {
		return [
			row(
				'connection',
				'error',
				`cannot reach the API server at ${f.server}: ${f.version.error}`,
				'check sources.kubernetes[] (kubeconfig and context, in_cluster, or server) and that the dashboard can reach the API server'
			)
		];
	}
	const rows = [row('connection', 'ok', `Kubernetes ${f.version.gitVersion} at ${f.server}`)];
	const identity = f.identity.ok ? f.identity.username : undefined;
	rows.push(
		f.identity.ok
			? row('identity', 'ok', `the API server sees ${f.identity.username}`)
			: row('identity', 'unknown', `the API server did not say who the dashboard is (SelfSubjectReview, Kubernetes 1.28+: ${f.identity.error}); the reviews below still hold`)
	);
	// One row per namespace and feature: watching its objects, and (ARC namespaces) draining scale sets.
	const groups = new Map<string, AccessReview[]>();
	for (const r of f.reviews) {
		const check = r.verb === 'patch' ? `drain scale sets in ${r.namespace}` : `watch ${r.namespace}`;
		groups.set(check, [...(groups.get(check) ?? []), r]);
	}
	for (const [check, reviews] of groups) {
		const failed = reviews.filter((r) => !r.result.ok);
		if (failed.length) {
			const e = failed[0]!.result as { error: string };
			rows.push(
				row(check, 'error', `${failed.length} of ${reviews.length} access reviews failed: ${e.error}`, 'the identity must be allowed to create selfsubjectaccessreviews (Kubernetes grants it to every authenticated user: ClusterRole system:basic-user)')
			);
			continue;
		}
		const denied = deniedAccess(reviews, identity);
		if (denied.length === 0) {
			const verbs = [...new Set(reviews.map((r) => r.verb))];
			const resources = [...new Set(reviews.map((r) => qualified(r.group, r.resource)))];
			rows.push(row(check, 'ok', `may ${listing(verbs)} ${listing(resources)}`));
			continue;
		}
		const needs = [...new Set(reviews.filter((r) => r.result.ok && !r.result.allowed).map((r) => r.why))];
		rows.push(row(check, 'missing', `${denied.map((d) => d.cannot).join('; ')} (needed for: ${needs.join('; ')})`, denied.map((d) => d.fix).join('; ')));
	}
	return rows;
}
