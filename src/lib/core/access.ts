// Roles and the one rule for who may do what, shared by the API server, the pages'
// role table and the UI (which only hides what the server would refuse anyway).
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who can act: a signed-in user, an API token, or the CLI on the server's own store. */
export const PRINCIPAL_KINDS = ['user', 'token', 'cli'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Who may call: anyone (probes, sign-in, forge webhooks that carry their own secret) or at least a role. */
export type Access = 'public' | Role;

const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when `has` is at least `needs` (admin ⊇ operator ⊇ viewer). */
export function roleAtLeast(has: Role, needs: Role): boolean {
	return rank[has] >= rank[needs];
}

export function isRole(v: unknown): v is Role {
	return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export interface Refusal {
	status: number;
	code: string;
	message: string;
	headers?: Record<string, string>;
}

export const UNAUTHENTICATED: Refusal = { status: 401, code: 'unauthenticated', message: 'sign in or send Authorization: Bearer <token>' };

/** The refusal for a caller (null: anonymous) against what a route needs; null when allowed. */
export function accessRefusal(role: Role | null, access: Access): (Refusal & { needs: Access }) | null {
	if (access === 'public') return null;
	if (!role) return { ...UNAUTHENTICATED, needs: access };
	if (roleAtLeast(role, access)) return null;
	return { status: 403, code: 'forbidden', message: `this needs the ${access} role; you have ${role}`, needs: access };
}
