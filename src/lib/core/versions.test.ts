import { describe, expect, it } from 'vitest';
import { newest, outdated, parseVersion, versionInFilename } from './versions';

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
});
