import { roleAtLeast, type Role } from '$lib/core/access';

/** Whether the signed-in user may pause, resume and drain (the server decides; this only hides what it would refuse). */
export const canOperate = (user: { role: Role } | null | undefined) => Boolean(user && roleAtLeast(user.role, 'operator'));
