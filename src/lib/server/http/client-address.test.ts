import { describe, expect, it } from 'vitest';
import { clientAddress, UNKNOWN_PEER } from './client-address';

const direct = { header: undefined, xffDepth: 1 };
const xff = (xffDepth: number) => ({ header: 'x-forwarded-for', xffDepth });

describe('clientAddress', () => {
	it('is the socket peer when no header is configured, whatever the client sends', () => {
		expect(clientAddress('10.1.2.3', { 'x-forwarded-for': '6.6.6.6' }, direct)).toBe('10.1.2.3');
		expect(clientAddress('::ffff:127.0.0.1', {}, direct)).toBe('127.0.0.1');
		expect(clientAddress('2001:DB8::1', {}, direct)).toBe('2001:db8::1');
	});

	it('is the unknown peer when the socket has no usable address', () => {
		expect(clientAddress(undefined, {}, direct)).toBe(UNKNOWN_PEER);
		expect(clientAddress('', {}, direct)).toBe(UNKNOWN_PEER);
		expect(clientAddress('not-an-ip', {}, direct)).toBe(UNKNOWN_PEER);
	});

	it('takes the address XFF_DEPTH hops from the right of X-Forwarded-For', () => {
		const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.2' };
		expect(clientAddress('10.0.0.9', headers, xff(1))).toBe('10.0.0.2');
		expect(clientAddress('10.0.0.9', headers, xff(2))).toBe('203.0.113.7');
		expect(clientAddress('10.0.0.9', headers, xff(3))).toBe('6.6.6.6');
	});

	it('is the unknown peer, never the socket, when the header is missing or too short', () => {
		expect(clientAddress('10.0.0.9', {}, xff(1))).toBe(UNKNOWN_PEER);
		expect(clientAddress('10.0.0.9', { 'x-forwarded-for': '203.0.113.7' }, xff(2))).toBe(UNKNOWN_PEER);
		expect(clientAddress('10.0.0.9', { 'x-forwarded-for': '' }, xff(1))).toBe(UNKNOWN_PEER);
		expect(clientAddress('10.0.0.9', { 'x-forwarded-for': 'a, b' }, xff(1))).toBe(UNKNOWN_PEER);
		expect(clientAddress('10.0.0.9', { 'x-forwarded-for': '1.2.3.4' }, xff(0))).toBe(UNKNOWN_PEER);
	});

	it('joins repeated X-Forwarded-For lines into one list', () => {
		expect(clientAddress('10.0.0.9', { 'x-forwarded-for': ['6.6.6.6', '203.0.113.7'] }, xff(1))).toBe('203.0.113.7');
	});

	it('reads a single-address header as it is, refusing anything that is not an IP', () => {
		const s = { header: 'x-real-ip', xffDepth: 1 };
		expect(clientAddress('10.0.0.9', { 'x-real-ip': ' 203.0.113.7 ' }, s)).toBe('203.0.113.7');
		expect(clientAddress('10.0.0.9', { 'x-real-ip': '203.0.113.7, 6.6.6.6' }, s)).toBe(UNKNOWN_PEER);
		expect(clientAddress('10.0.0.9', { 'x-real-ip': 'alice\nforged log line' }, s)).toBe(UNKNOWN_PEER);
	});

	it('accepts Fetch API Headers as well as Node header objects', () => {
		expect(clientAddress('10.0.0.9', new Headers({ 'X-Forwarded-For': '203.0.113.7' }), xff(1))).toBe('203.0.113.7');
		expect(clientAddress('10.0.0.9', new Headers(), xff(1))).toBe(UNKNOWN_PEER);
	});
});
