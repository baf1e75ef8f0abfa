// Who the API server thinks the caller is, and what that caller may do. The sandbox
// has no authentication (like `kubectl proxy`): every request is the dashboard's
// ServiceAccount. By default it may use every verb on every resource the server
// serves; deny rules (set through the control API) take permissions away, and then
// both the API itself (a 403 Forbidden Status, worded as the RBAC authorizer's) and
// the self-subject reviews agree, as on a cluster whose Role lacks the rule.

import { RESOURCES, STATUS_VERBS, resourcesNamed, type ResourceType } from './resources.js';
import { StatusError } from './status.js';

export const SANDBOX_SERVICE_ACCOUNT = { namespace: 'runner-dashboard', name: 'runner-dashboard' };

export const SANDBOX_USER = {
	username: `system:serviceaccount:${SANDBOX_SERVICE_ACCOUNT.namespace}:${SANDBOX_SERVICE_ACCOUNT.name}`,
	uid: '5a4db0c5-5e71-4ce0-8000-000000000001',
	groups: ['system:serviceaccounts', `system:serviceaccounts:${SANDBOX_SERVICE_ACCOUNT.namespace}`, 'system:authenticated']
};

/** What one request does, in the authorizer's terms (resource requests only). */
export interface Attributes {
	verb: string;
	group: string;
	resource: string;
	subresource: string;
	/** '' for cluster-scoped objects and for lists across namespaces. */
	namespace: string;
	name: string;
}

/** Fields left out match anything. A rule with a namespace also denies the cluster-wide request (a list of every namespace includes it). */
export interface DenyRule {
	verb?: string;
	group?: string;
	resource?: string;
	subresource?: string;
	namespace?: string;
	name?: string;
}

/** Non-resource paths every authenticated user may GET (system:discovery, system:public-info-viewer). */
export const DISCOVERY_PATHS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/version', '/version/'];

const RBAC_REASON = `RBAC: allowed by ClusterRoleBinding "${SANDBOX_SERVICE_ACCOUNT.name}" of ClusterRole "${SANDBOX_SERVICE_ACCOUNT.name}" to ServiceAccount "${SANDBOX_SERVICE_ACCOUNT.name}/${SANDBOX_SERVICE_ACCOUNT.namespace}"`;

/** A rule field matches an attribute when unset, equal, or either side is the wildcard. */
const fieldMatches = (rule: string | undefined, value: string) => rule === undefined || rule === '*' || value === '*' || rule === value;

function verbsOf(rt: ResourceType, subresource: string): readonly string[] {
	if (subresource === '') return rt.verbs;
	return subresource === 'status' && rt.statusSubresource ? STATUS_VERBS : [];
}

export class AccessPolicy {
	private deny: DenyRule[] = [];

	get rules(): readonly DenyRule[] {
		return this.deny;
	}

	/** Replaces the deny rules (an empty list restores full access). */
	setDeny(rules: DenyRule[]): void {
		this.deny = rules.map((r) => ({ ...r }));
	}

	/** Whether the resource exists here with that verb (a wildcard verb or resource asks about all of them). */
	private served(a: Attributes): boolean {
		const candidates = a.resource === '*' ? RESOURCES.filter((r) => fieldMatches(a.group, r.group)) : a.group === '*' ? RESOURCES.filter((r) => r.plural === a.resource) : resourcesNamed(a.group, a.resource);
		return candidates.some((rt) => {
			const verbs = verbsOf(rt, a.subresource);
			return a.verb === '*' ? verbs.length > 0 : verbs.includes(a.verb);
		});
	}

	denyingRule(a: Attributes): DenyRule | undefined {
		return this.deny.find(
			(r) =>
				fieldMatches(r.verb, a.verb) &&
				fieldMatches(r.group, a.group) &&
				fieldMatches(r.resource, a.resource) &&
				fieldMatches(r.subresource, a.subresource) &&
				fieldMatches(r.name, a.name) &&
				(r.namespace === undefined || r.namespace === a.namespace || a.namespace === '' || a.namespace === '*')
		);
	}

	allowed(a: Attributes): boolean {
		return this.served(a) && this.denyingRule(a) === undefined;
	}

	/** `403 Forbidden` for a request the caller may not make, as the API server words it. */
	check(a: Attributes): void {
		if (this.denyingRule(a)) throw forbidden(a);
	}

	/** SelfSubjectAccessReview status for resource attributes. */
	review(a: Attributes): { allowed: boolean; reason?: string } {
		return this.allowed(a) ? { allowed: true, reason: RBAC_REASON } : { allowed: false };
	}

	/** SelfSubjectRulesReview: what the caller may do in `namespace`, one rule per group and verb set. */
	rulesIn(namespace: string) {
		const byKey = new Map<string, { verbs: string[]; apiGroups: string[]; resources: string[] }>();
		for (const rt of RESOURCES) {
			if (rt.review) continue;
			for (const sub of rt.statusSubresource ? ['', 'status'] : ['']) {
				const ns = rt.namespaced ? namespace : '';
				const verbs = verbsOf(rt, sub).filter((verb) => this.allowed({ verb, group: rt.group, resource: rt.plural, subresource: sub, namespace: ns, name: '' }));
				if (verbs.length === 0) continue;
				const resource = sub ? `${rt.plural}/${sub}` : rt.plural;
				const key = `${rt.group}|${verbs.join(',')}`;
				const rule = byKey.get(key);
				if (rule) {
					if (!rule.resources.includes(resource)) rule.resources.push(resource);
				} else byKey.set(key, { verbs, apiGroups: [rt.group], resources: [resource] });
			}
		}
		return {
			resourceRules: [
				{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
				{ verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
				...byKey.values()
			],
			nonResourceRules: [{ verbs: ['get'], nonResourceURLs: DISCOVERY_PATHS }],
			incomplete: false
		};
	}
}

/** pkg/endpoints/handlers/responsewriters forbiddenMessage + apierrors.NewForbidden. */
export function forbidden(a: Attributes): StatusError {
	const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
	const scope = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
	const why = `User ${JSON.stringify(SANDBOX_USER.username)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.group)} ${scope}`;
	const qualified = a.group ? `${a.resource}.${a.group}` : a.resource;
	const message = a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
	return new StatusError(403, 'Forbidden', message, { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: a.resource });
}
