import { describe, expect, it } from 'vitest';
import { dashboardCookies } from './cookies';

describe('dashboardCookies', () => {
	it('uses __Host- names with Secure, Path=/ and no Domain on an https origin', () => {
		const c = dashboardCookies('https://dash.example.com');
		expect(c.session).toEqual({ name: '__Host-rd_session', options: { path: '/', httpOnly: true, sameSite: 'lax', secure: true } });
		expect(c.device).toEqual({ name: '__Host-rd_device', options: { path: '/', httpOnly: true, sameSite: 'strict', secure: true } });
		expect(c.session.options).not.toHaveProperty('domain');
	});

	it('uses plain names without Secure on http or without a configured origin', () => {
		for (const origin of ['http://127.0.0.1:3000', undefined]) {
			const c = dashboardCookies(origin);
			expect(c.session).toEqual({ name: 'rd_session', options: { path: '/', httpOnly: true, sameSite: 'lax', secure: false } });
			expect(c.device.name).toBe('rd_device');
			expect(c.device.options.secure).toBe(false);
		}
	});
});
