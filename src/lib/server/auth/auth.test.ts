import { describe, expect, it } from 'vitest';
import { isPublic, requiredRole } from './policy';
import { isRole, roleAtLeast, ROLES, type Role } from './roles';
import { hashPassword, hashSecret, newSecret, randomPassword, verifyPassword } from './secrets';

describe('passwords', () => {
	it('verifies the right password and rejects a wrong one', async () => {
		const stored = await hashPassword('correct horse');
		expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
		expect(await verifyPassword('correct horse', stored)).toBe(true);
		expect(await verifyPassword('correct horsE', stored)).toBe(false);
		expect(await verifyPassword('', stored)).toBe(false);
	});

	it('salts each hash', async () => {
		const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
		expect(a).not.toBe(b);
		expect(await verifyPassword('same', a)).toBe(true);
		expect(await verifyPassword('same', b)).toBe(true);
	});

	it('returns false for an unknown user (no stored hash)', async () => {
		expect(await verifyPassword('anything', undefined)).toBe(false);
		expect(await verifyPassword('', undefined)).toBe(false);
	});

	it.each([
		'',
		'plain-text-password',
		'bcrypt$10$abc$def',
		'scrypt$16384$8$1$$',
		'scrypt$16384$8$1$c2FsdA',
		'scrypt$16384$8$1$c2FsdA$!!!',
		'scrypt$16384$8$1$c2FsdA$AA',
		'scrypt$abc$8$1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U',
		'scrypt$16383$8$1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U',
		'scrypt$1048576$64$64$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U'
	])('returns false for the malformed stored hash %j', async (stored) => {
		await expect(verifyPassword('password', stored)).resolves.toBe(false);
	});
});

describe('secrets', () => {
	it('makes prefixed 256-bit secrets that do not repeat', () => {
		const s = newSecret('rdt_');
		expect(s).toMatch(/^rdt_[\w-]{43}$/);
		expect(Buffer.from(s.slice(4), 'base64url')).toHaveLength(32);
		const many = new Set(Array.from({ length: 1000 }, () => newSecret('rdt_')));
		expect(many.size).toBe(1000);
		expect(newSecret('')).toMatch(/^[\w-]{43}$/);
	});

	it('hashes secrets under a key', () => {
		const h = hashSecret('rdt_abc', 'pepper-1');
		expect(h).toBe(hashSecret('rdt_abc', 'pepper-1'));
		expect(h).toMatch(/^[\w-]{43}$/);
		expect(hashSecret('rdt_abc', 'pepper-2')).not.toBe(h);
		expect(hashSecret('rdt_abd', 'pepper-1')).not.toBe(h);
		expect(h).not.toContain('abc');
	});

	it('makes random passwords', () => {
		const p = randomPassword();
		expect(p).toMatch(/^[\w-]{24}$/);
		expect(randomPassword()).not.toBe(p);
	});
});

describe('roles', () => {
	it.each<[Role, Role, boolean]>([
		['viewer', 'viewer', true],
		['viewer', 'operator', false],
		['viewer', 'admin', false],
		['operator', 'viewer', true],
		['operator', 'operator', true],
		['operator', 'admin', false],
		['admin', 'viewer', true],
		['admin', 'operator', true],
		['admin', 'admin', true]
	])('%s at least %s: %s', (has, needs, ok) => {
		expect(roleAtLeast(has, needs)).toBe(ok);
	});

	it('recognises exactly the three roles', () => {
		expect(ROLES).toEqual(['viewer', 'operator', 'admin']);
		for (const r of ROLES) expect(isRole(r)).toBe(true);
		for (const r of ['Admin', 'root', '', null, undefined, 3]) expect(isRole(r)).toBe(false);
	});
});

describe('requiredRole', () => {
	it.each([
		['/api/v1/runners', '/api/v1/runners'],
		['/api/v1/runners/[id]', '/api/v1/runners/gitlab:corp:1'],
		['/api/v1/sources', '/api/v1/sources'],
		['/', '/'],
		['/runners', '/runners']
	])('GET %s needs viewer', (routeId, path) => {
		expect(requiredRole('GET', routeId, path)).toBe('viewer');
		expect(requiredRole('HEAD', routeId, path)).toBe('viewer');
	});

	it.each([
		['/api/v1/audit', '/api/v1/audit'],
		['/api/v1/users', '/api/v1/users'],
		['/api/v1/users/[id]', '/api/v1/users/3'],
		['/api/v1/tokens', '/api/v1/tokens'],
		['/audit', '/audit']
	])('GET %s needs admin', (routeId, path) => {
		expect(requiredRole('GET', routeId, path)).toBe('admin');
	});

	it('judges reads of unmatched routes by path', () => {
		expect(requiredRole('GET', null, '/api/v1/users/1')).toBe('admin');
		expect(requiredRole('GET', null, '/api/v1/usersX')).toBe('viewer');
		expect(requiredRole('GET', null, '/nowhere')).toBe('viewer');
	});

	it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s on an unlisted route needs admin (deny by default)', (method) => {
		expect(requiredRole(method, '/api/v1/something-new', '/api/v1/something-new')).toBe('admin');
		expect(requiredRole(method, '/api/v1/runners', '/api/v1/runners')).toBe('admin');
		expect(requiredRole(method, null, '/api/v1/runners/gitlab:corp:1/pause')).toBe('admin');
	});

	it('lets operators pause, resume and bulk-act on runners', () => {
		expect(requiredRole('POST', '/api/v1/runners/[id]/pause', '/api/v1/runners/gitlab:corp:1/pause')).toBe('operator');
		expect(requiredRole('POST', '/api/v1/runners/[id]/resume', '/api/v1/runners/gitlab:corp:1/resume')).toBe('operator');
		expect(requiredRole('POST', '/api/v1/runners/bulk', '/api/v1/runners/bulk')).toBe('operator');
	});

	it('lets any signed-in user log out and change their own password', () => {
		expect(requiredRole('POST', '/logout', '/logout')).toBe('viewer');
		expect(requiredRole('POST', '/account', '/account')).toBe('viewer');
		expect(requiredRole('PUT', '/api/v1/me/password', '/api/v1/me/password')).toBe('viewer');
	});
});

describe('isPublic', () => {
	it.each(['/healthz', '/readyz', '/login'])('%s is public', (id) => {
		expect(isPublic(id)).toBe(true);
	});

	it.each([null, '/', '/logout', '/api/v1/runners', '/api/v1/events', '/metrics', '/login/extra', '/healthz/', '/Login'])(
		'%s is not public',
		(id) => {
			expect(isPublic(id)).toBe(false);
		}
	);
});
