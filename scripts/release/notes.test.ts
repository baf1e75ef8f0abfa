// Release notes from a real throwaway git repository with conventional commits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommit } from './notes.mjs';

const SCRIPT = join(import.meta.dirname, 'notes.mjs');
const IMAGE = `ghcr.io/acme/runner-dashboard@sha256:${'ab'.repeat(32)}`;
let repo: string;

function git(...args: string[]) {
	return execFileSync('git', args, {
		cwd: repo,
		encoding: 'utf8',
		env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' }
	});
}
function commit(message: string) {
	writeFileSync(join(repo, 'f.txt'), message + Math.random());
	git('add', 'f.txt');
	git('commit', '-q', '-m', message);
}
function notes(...args: string[]) {
	return execFileSync(process.execPath, [SCRIPT, ...args, '--cwd', repo], { encoding: 'utf8' });
}

beforeAll(() => {
	repo = mkdtempSync(join(tmpdir(), 'rd-notes-'));
	git('init', '-q', '-b', 'main');
	commit('chore: initial');
	commit('feat: first feature');
	git('tag', 'v0.1.0');
	commit('feat(runners): bulk pause');
	commit('fix: drift keyed on real names');
	commit('docs: deploy guide');
	commit('refactor(api)!: rename per_page\n\nBREAKING CHANGE: per_page replaces limit');
	commit('Update README');
	git('tag', 'v0.2.0');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('parseCommit', () => {
	it('reads type, scope, breaking marker and subject', () => {
		expect(parseCommit({ hash: 'a'.repeat(40), subject: 'feat(ui)!: dark theme' })).toMatchObject({
			type: 'feat', scope: 'ui', subject: 'dark theme', breaking: true
		});
		expect(parseCommit({ hash: 'b'.repeat(40), subject: 'Fix: typo' })).toMatchObject({ type: 'fix', scope: null });
		expect(parseCommit({ hash: 'c'.repeat(40), subject: 'Merge branch x' })).toMatchObject({ type: 'other', subject: 'Merge branch x' });
		expect(parseCommit({ hash: 'd'.repeat(40), subject: 'chore: x', body: 'BREAKING CHANGE: y' }).breaking).toBe(true);
	});
});

describe('notes.mjs', () => {
	it('groups commits since the previous tag and puts the deploy snippet first', () => {
		const md = notes('--tag', 'v0.2.0', '--image', IMAGE);
		expect(md.startsWith('# runner-dashboard v0.2.0\n')).toBe(true);
		expect(md).toContain(`image = "${IMAGE}"`);
		const feat = md.indexOf('## Features');
		const fix = md.indexOf('## Fixes');
		const other = md.indexOf('## Other changes');
		expect(feat).toBeGreaterThan(md.indexOf('## Deploy'));
		expect(fix).toBeGreaterThan(feat);
		expect(other).toBeGreaterThan(fix);
		expect(md.slice(feat, fix)).toMatch(/- \*\*runners:\*\* bulk pause \([0-9a-f]{7}\)/);
		expect(md.slice(fix, other)).toMatch(/- drift keyed on real names \([0-9a-f]{7}\)/);
		expect(md.slice(other)).toContain('deploy guide (docs)');
		expect(md.slice(other)).toContain('Update README');
		expect(md).toContain('## Breaking changes');
		expect(md).toContain('**api:** rename per_page');
		// Only commits after v0.1.0.
		expect(md).not.toContain('first feature');
		expect(md).not.toContain('initial');
		expect(md).toContain('Changes since v0.1.0.');
		expect(md).toContain('--owner acme');
	});
	it('takes the whole history for the first release', () => {
		const md = notes('--tag', 'v0.1.0', '--image', IMAGE);
		expect(md).toContain('first feature');
		expect(md).toContain('initial');
		expect(md).toContain('First release.');
		expect(md).not.toContain('bulk pause');
	});
	it('refuses an image that is not pinned by digest', () => {
		expect(() => execFileSync(process.execPath, [SCRIPT, '--tag', 'v0.2.0', '--image', 'ghcr.io/acme/runner-dashboard:0.2.0', '--cwd', repo], { stdio: 'pipe' })).toThrow(/REPO@sha256/);
	});
});
