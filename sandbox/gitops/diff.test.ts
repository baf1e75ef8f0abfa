// Diffs as the forges show them and git's three-way merge of the GitOps files.

import { describe, expect, it } from 'vitest';
import { fileChanges, hunks, mergeText, mergeTrees } from './diff.js';

const base = ['a = 1', 'b = 2', 'c = 3', 'd = 4', 'e = 5', 'f = 6', ''].join('\n');
const set = (text: string, key: string, value: string) => text.replace(new RegExp(`^${key} = .*$`, 'm'), `${key} = ${value}`);

describe('diffs', () => {
	it('renders one changed line as a hunk with three lines of context', () => {
		const h = hunks(base, set(base, 'c', '30'));
		expect(h).toEqual({ text: '@@ -1,6 +1,6 @@\n a = 1\n b = 2\n-c = 3\n+c = 30\n d = 4\n e = 5\n f = 6\n', additions: 1, deletions: 1 });
	});

	it('lists added, modified and removed files by path', () => {
		const from = new Map([
			['x.tf', 'x'],
			['y.tf', 'y\n']
		]);
		const to = new Map([
			['y.tf', 'y2\n'],
			['z.tf', 'z\n']
		]);
		expect(fileChanges(from, to).map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
			['x.tf', 'removed', 0, 1],
			['y.tf', 'modified', 1, 1],
			['z.tf', 'added', 1, 0]
		]);
		expect(fileChanges(from, from)).toEqual([]);
	});
});

describe('three-way merge', () => {
	it('takes changes from both sides when they are apart', () => {
		expect(mergeText(base, set(base, 'a', '10'), set(base, 'f', '60'))).toEqual({ text: set(set(base, 'a', '10'), 'f', '60') });
		// An insertion on one side and a change on the other.
		const inserted = base.replace('d = 4\n', 'd = 4\nd2 = 4\n');
		expect(mergeText(base, inserted, set(base, 'a', '10'))).toEqual({ text: set(inserted, 'a', '10') });
	});

	it('conflicts on the same line and on adjacent lines, as git does', () => {
		expect(mergeText(base, set(base, 'c', '30'), set(base, 'c', '31'))).toBeNull();
		expect(mergeText(base, set(base, 'c', '30'), set(base, 'd', '40'))).toBeNull();
		// The same change on both sides is no conflict.
		expect(mergeText(base, set(base, 'c', '30'), set(base, 'c', '30'))).toEqual({ text: set(base, 'c', '30') });
	});

	it('merges whole trees: one side only, deletions, and conflicting adds', () => {
		const b = new Map([['f', base]]);
		expect(mergeTrees(b, new Map([['f', base], ['g', 'g\n']]), new Map([['f', set(base, 'a', '9')]]))).toEqual(
			new Map([
				['f', set(base, 'a', '9')],
				['g', 'g\n']
			])
		);
		expect(mergeTrees(b, new Map(), b)).toEqual(new Map());
		expect(mergeTrees(b, new Map(), new Map([['f', set(base, 'a', '9')]]))).toBeNull();
		expect(mergeTrees(new Map(), new Map([['n', '1\n']]), new Map([['n', '2\n']]))).toBeNull();
	});
});
