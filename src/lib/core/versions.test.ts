import { describe, expect, it } from 'vitest';
import { newest, outdated, parseVersion, skewJudge, versionInFilename } from './versions';

describe('versions', () => {
	it('reads versions as GitLab and GitHub write them', () => {
		expect(parseVersion('17.5.2')).toEqual([17, 5, 2]);
		expect(parseVersion('v2.323.0')).toEqual([2, 323, 0]);
		expect(parseVersion('17.5.2-ee')).toEqual([17, 5, 2]);
		expect(parseVersion('dev')).toBeNull();
	});

	it('calls a GitLab runner outdated behind GitLab’s major.minor only', () => {
		expect(outdated('gitlab', '17.5.0', '17.5.2')).toBe('false');
		expect(outdated('gitlab', '17.4.0', '17.5.2')).toBe('true');
		expect(outdated('gitlab', '16.11.0', '17.5.2')).toBe('true');
		expect(outdated('gitlab', null, '17.5.2')).toBe('unknown');
		expect(outdated('gitlab', '17.4.0', null)).toBe('unknown');
	});

	it('calls a GitHub runner outdated behind the current release', () => {
		expect(outdated('github', '2.322.0', '2.323.0')).toBe('true');
		expect(outdated('github', '2.323.0', '2.323.0')).toBe('false');
		expect(versionInFilename('actions-runner-linux-x64-2.323.0.tar.gz')).toBe('2.323.0');
		expect(newest(['2.321.0', '2.323.0', 'x', '2.322.9'])).toBe('2.323.0');
	});

	it('judges a fleet as `outdated` does, each distinct source and version once', () => {
		const asked: string[] = [];
		const judge = skewJudge((source) => (asked.push(source), source === 'gl' ? '17.5.2' : source === 'gh' ? '2.323.0' : null));
		const runners = [
			{ forge: 'gitlab' as const, source: 'gl', version: '17.4.0' },
			{ forge: 'gitlab' as const, source: 'gl', version: '17.5.0' },
			{ forge: 'gitlab' as const, source: 'gl', version: '17.4.0' },
			{ forge: 'github' as const, source: 'gh', version: '2.322.0' },
			{ forge: 'github' as const, source: 'gh', version: null },
			{ forge: 'gitlab' as const, source: 'other', version: '17.4.0' }
		];
		for (let pass = 0; pass < 3; pass++) expect(runners.map(judge)).toEqual(['true', 'false', 'true', 'true', 'unknown', 'unknown']);
		expect(runners.map((r) => judge(r))).toEqual(runners.map((r) => outdated(r.forge, r.version, r.source === 'gl' ? '17.5.2' : r.source === 'gh' ? '2.323.0' : null)));
		expect(asked).toHaveLength(5);
	});
});
