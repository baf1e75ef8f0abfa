import type { Role } from '../store/schema';

export type { Role };
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
const rank: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** True when `has` is at least `needs` (admin ⊇ operator ⊇ viewer). */
export function roleAtLeast(has: Role, needs: Role): boolean {
	return rank[has] >= rank[needs];
}

export function isRole(v: unknown): v is Role {
	return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}
