import { describe, expect, it } from 'vitest';
import { report } from '$lib/core/source-check';
import { formatCheck } from './check';

describe('check as a table', () => {
	it('lines up one row per check, puts the fix under a failing one, and sums up', () => {
		const r = report(
			[
				{ source: 'gitlab-main', kind: 'gitlab', check: 'pause and resume', status: 'missing', detail: 'needs api', fix: 'a token with the api scope' },
				{ source: 'prod', kind: 'kubernetes', check: 'connection', status: 'ok', detail: 'Kubernetes v1.31.0', fix: null },
				{ source: 'prometheus', kind: 'prometheus', check: 'capacity source', status: 'not_used', detail: 'the built-in scraper', fix: 'never shown' }
			],
			new Date('2026-01-01T00:00:00Z')
		);
		expect(formatCheck(r).split('\n')).toEqual([
			'SOURCE       CHECK             RESULT    DETAIL',
			'gitlab-main  pause and resume  MISSING   needs api',
			'                                         fix: a token with the api scope',
			'prod         connection        ok        Kubernetes v1.31.0',
			'prometheus   capacity source   not used  the built-in scraper',
			'',
			'1 of 3 checks need attention: gitlab-main pause and resume.'
		]);
		expect(formatCheck(report([r.rows[1]!], new Date())).split('\n').at(-1)).toBe('All 1 check passed.');
	});
});
