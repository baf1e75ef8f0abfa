import { describe, expect, it } from 'vitest';
import { formatBanner, signInUrl } from './banner';

describe('the start banner', () => {
	it('points at the address a browser can open', () => {
		expect(signInUrl(undefined, '127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
		expect(signInUrl(undefined, '0.0.0.0', 3000)).toBe('http://localhost:3000');
		expect(signInUrl(undefined, '::1', 8080)).toBe('http://[::1]:8080');
		expect(signInUrl('https://runners.example.com', '0.0.0.0', 3000)).toBe('https://runners.example.com');
	});

	it('names the password file only when given one, and every admin', () => {
		const base = { version: '1.2.3', url: 'http://127.0.0.1:3000', sources: [{ name: 'gl', simulated: false }] };
		const first = formatBanner({ ...base, admins: ['admin'], passwordFile: 'data/initial-admin-password' });
		expect(first).toContain('  runner-dashboard 1.2.3 is running');
		expect(first).toMatch(/^ {2}Sign in: +http:\/\/127\.0\.0\.1:3000\/login$/m);
		expect(first).toMatch(/^ {2}Password: in data\/initial-admin-password \(you choose your own at first sign-in\)$/m);
		expect(first).toMatch(/^ {2}Sources: +gl$/m);
		const later = formatBanner({ ...base, admins: ['admin', 'ops'], passwordFile: null });
		expect(later).not.toContain('Password');
		expect(later).toMatch(/^ {2}User: +admin \(admins: admin, ops\)$/m);
		expect(later).toMatch(/^ {2}Stop: +Ctrl\+C$/m);
	});
});
