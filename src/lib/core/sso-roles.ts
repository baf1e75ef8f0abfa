// Which role a single sign-on identity gets: the provider's rules in order, the first
// that holds wins. No rule: the default role when one is configured, else refused.
import type { Role } from './access';

export type RoleRule = { group: string; role: Role } | { email_domain: string; role: Role } | { user: string; role: Role };

/** What a provider told us about who signed in (after its signature and claims were checked). */
export interface SsoIdentity {
	provider: string;
	/** The provider's stable id for the user (`sub`, GitHub's numeric id): accounts are linked by it, never by email. */
	subject: string;
	/** The login name at the provider (preferred_username, GitHub login). */
	username: string;
	name?: string;
	/** Only a verified email: an unverified one would let anybody claim a domain. */
	email?: string;
	/** Group paths (GitLab), org and `org/team` slugs (GitHub), or the configured claim's values. */
	groups: string[];
}

export type RoleDecision = { role: Role; rule: string } | { role: null; rule: null };

/** How a rule reads in the audit log and on the refusal page. */
export function describeRule(r: RoleRule): string {
	if ('group' in r) return `group ${r.group}`;
	if ('email_domain' in r) return `email domain ${r.email_domain}`;
	return `user ${r.user}`;
}

function holds(r: RoleRule, id: SsoIdentity): boolean {
	// Group paths and slugs are case-insensitive at both forges.
	if ('group' in r) return id.groups.some((g) => g.toLowerCase() === r.group.toLowerCase());
	if ('email_domain' in r) return id.email !== undefined && id.email.toLowerCase().endsWith(`@${r.email_domain.toLowerCase()}`);
	return id.username.toLowerCase() === r.user.toLowerCase();
}

export function decideRole(rules: readonly RoleRule[], defaultRole: Role | undefined, id: SsoIdentity): RoleDecision {
	const rule = rules.find((r) => holds(r, id));
	if (rule) return { role: rule.role, rule: describeRule(rule) };
	return defaultRole ? { role: defaultRole, rule: 'default role' } : { role: null, rule: null };
}
