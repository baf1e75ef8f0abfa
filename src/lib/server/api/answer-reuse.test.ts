import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnswerReuse, sameValue } from './answer-reuse';

describe('sameValue', () => {
	it('is true exactly when the JSON would be the same text', () => {
		const item = { id: 1, tags: ['a'] };
		const pairs: [unknown, unknown][] = [
			[{ items: [item], total: 1 }, { items: [item], total: 1 }],
			[{ items: [{ id: 1, tags: ['a'] }] }, { items: [{ id: 1, tags: ['a'] }] }],
			[[1, null, 'x'], [1, null, 'x']],
			[{ a: 0 }, { a: -0 }]
		];
		for (const [a, b] of pairs) {
			expect(sameValue(a, b)).toBe(true);
			expect(JSON.stringify(a)).toBe(JSON.stringify(b));
		}
		const different: [unknown, unknown][] = [
			[{ a: 1, b: 2 }, { b: 2, a: 1 }], // key order is in the text
			[{ a: 1 }, { a: 1, b: 2 }],
			[{ a: [1, 2] }, { a: [1] }],
			[{ a: '1' }, { a: 1 }],
			[{ a: null }, { a: {} }],
			[[{ x: 1 }], { 0: { x: 1 } }],
			[{ at: new Date(0) }, { at: new Date(0) }] // not plain: made again
		];
		for (const [a, b] of different) expect(sameValue(a, b)).toBe(false);
	});
});

describe('AnswerReuse', () => {
	afterEach(() => vi.restoreAllMocks());

	it('serialises again only when the answer differs from the last one to the same request', () => {
		const stringify = vi.spyOn(JSON, 'stringify');
		const reuse = new AnswerReuse();
		const view = { id: 'a', status: 'online' };
		const first = reuse.bytes('k', { items: [view], total: 1 });
		// A new answer object around the same views.
		expect(reuse.bytes('k', { items: [view], total: 1 })).toBe(first);
		expect(stringify).toHaveBeenCalledTimes(1);
		const changed = reuse.bytes('k', { items: [{ ...view, status: 'offline' }], total: 1 });
		expect(JSON.parse(String(changed))).toEqual({ items: [{ id: 'a', status: 'offline' }], total: 1 });
		expect(stringify).toHaveBeenCalledTimes(2);
		// Another request is kept apart.
		expect(JSON.parse(String(reuse.bytes('other', { items: [], total: 0 })))).toEqual({ items: [], total: 0 });
		expect(reuse.bytes('k', { items: [{ id: 'a', status: 'offline' }], total: 1 })).toBe(changed);
		expect(stringify).toHaveBeenCalledTimes(3);
	});

	it('does not keep an answer larger than a quarter of its budget', () => {
		const stringify = vi.spyOn(JSON, 'stringify');
		const reuse = new AnswerReuse(400);
		const big = { text: 'x'.repeat(100) };
		expect(JSON.parse(String(reuse.bytes('k', big)))).toEqual(big);
		expect(JSON.parse(String(reuse.bytes('k', big)))).toEqual(big);
		expect(stringify).toHaveBeenCalledTimes(2);
	});
});
