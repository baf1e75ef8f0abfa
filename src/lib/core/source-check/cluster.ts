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
	/** The rule that grants it: every verb the dashboard uses on the resource there. */
	rule: Rule;
	grantedBy: AccessReview['grantedBy'];
	/** Both: `cannot watch pods in arc-runners: grant it with …` */
	sentence: string;
}

const qualified = (group: string, resource: string) => (group ? `${resource}.${group}` : resource);
const quoted = (xs: string[]) => `[${xs.map((x) => `"${x}"`).join(', ')}]`;

interface Rule {
	group: string;
	resource: string;
	verbs: string[];
}

/** What grants the rules in a namespace: the module's Role for that namespace class, or the RBAC rules themselves (one per API group and verb set). */
export function grantText(namespace: string, rules: Rule[], grantedBy: AccessReview['grantedBy'], identity?: string): string {
	const merged = new Map<string, { group: string; resources: string[]; verbs: string[] }>();
	for (const r of rules) {
		const key = `${r.group}\u0000${r.verbs.join(',')}`;
		const m = merged.get(key) ?? { group: r.group, resources: [], verbs: r.verbs };
		m.resources.push(r.resource);
		merged.set(key, m);
	}
	const text = [...merged.values()].map((m) => `apiGroups: ${quoted([m.group])}, resources: ${quoted(m.resources)}, verbs: ${quoted(m.verbs)}`);
	return (
		`grant it with the module's Role (rbac.tf: kubernetes_role_v1.${grantedBy.moduleRole}, one per entry of var.${grantedBy.moduleVariable} — list "${namespace}" there) ` +
		`or a Role in ${namespace} bound to ${identity ?? "the dashboard's identity"} with the ${text.length > 1 ? 'rules' : 'rule'} ${text.join('; ')}`
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
			const fix = grantText(r.namespace, [{ group: r.group, resource: r.resource, verbs: [...new Set(used)].sort() }], r.grantedBy, identity);
			const rule = { group: r.group, resource: r.resource, verbs: [...new Set(used)].sort() };
			return { ...d, cannot, fix, rule, grantedBy: r.grantedBy, sentence: `${cannot}: ${fix}` };
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
		// One fix per namespace class: the module's Role, or all the rules it would hold.
		const byRole = new Map<string, DeniedAccess[]>();
		for (const d of denied) byRole.set(`${d.namespace}\u0000${d.grantedBy.moduleRole}`, [...(byRole.get(`${d.namespace}\u0000${d.grantedBy.moduleRole}`) ?? []), d]);
		const fixes = [...byRole.values()].map((ds) => grantText(ds[0]!.namespace, ds.map((d) => d.rule), ds[0]!.grantedBy, identity));
		rows.push(row(check, 'missing', `${denied.map((d) => d.cannot).join('; ')} (needed for: ${needs.join('; ')})`, fixes.join('; ')));
	}
	return rows;
}
