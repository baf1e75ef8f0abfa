import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next';

const ORIGIN = 'https://dash.example.com';

describe('safeNext', () => {
	it.each([
		['/%09/evil.example'],
		['/\t/evil.example'],
		['//evil'],
		['\\\\evil'],
		['/\\evil'],
		['/\t/x'],
		['/\n/x'],
		['/x\r\nSet-Cookie: a=b'],
		['https://evil'],
		['https://dash.example.com.evil.example/'],
		['http://dash.example.com/fleet'],
		['javascript:alert(1)'],
		['JavaScript:alert(1)'],
		['data:text/html,<script>alert(1)</script>'],
		['/..//evil'],
		['///evil'],
		['/%E0%A4%A'],
		[''],
		[null],
		[undefined]
	])('refuses %j', (next) => {
		expect(safeNext(next, ORIGIN)).toBe('/');
	});

	it.each([
		['/fleet', '/fleet'],
		['/fleet?source=gitlab-main&page=2#top', '/fleet?source=gitlab-main&page=2#top'],
		['/fleet/gitlab:main:42', '/fleet/gitlab:main:42'],
		['/./drift/../capacity', '/capacity'],
		['https://dash.example.com/audit?page=3', '/audit?page=3'],
		['HTTPS://DASH.EXAMPLE.COM:443/settings', '/settings'],
		['fleet', '/fleet'],
		['/%2F%2Fevil', '/%2F%2Fevil']
	])('keeps %j on the dashboard as %j', (next, path) => {
		expect(safeNext(next, ORIGIN)).toBe(path);
	});

	it('uses the given fallback, and refuses everything when the origin is unusable', () => {
		expect(safeNext('//evil', ORIGIN, '/fleet')).toBe('/fleet');
		expect(safeNext(null, ORIGIN, '/fleet')).toBe('/fleet');
		expect(safeNext('/fleet', 'not a url')).toBe('/');
	});
});
