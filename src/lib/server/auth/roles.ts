export { ROLES, isRole, roleAtLeast, type Role } from '$lib/core/access';
