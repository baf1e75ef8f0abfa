import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args';
import { formatChange, parseChangeArgs, parseSet } from './change';

describe('runner-dashboard change arguments', () => {
	it('reads values as JSON when they are, else as text', () => {
		expect(parseSet(['a=10', 'b=true', 'c=["x"]', 'd=plain text', 'e="quoted"', 'f=', 'g=a=b'])).toEqual({ a: 10, b: true, c: ['x'], d: 'plain text', e: 'quoted', f: '', g: 'a=b' });
		expect(() => parseSet(['novalue'])).toThrow(UsageError);
		expect(() => parseSet(['a=1', 'a=2'])).toThrow(/given twice/);
	});

	it('takes --set more than once, needs a stack, an env and a value, and a token only with --server', () => {
		const f = parseChangeArgs(['--stack', 'gitlab-runners', '--env', 'dev', '--set', 'x=1', '--set=y=two', '--title', 'T'], {});
		expect(f).toEqual({ input: { stack: 'gitlab-runners', env: 'dev', set: { x: 1, y: 'two' }, title: 'T' }, json: false, server: undefined, token: undefined });
		expect(() => parseChangeArgs(['--env', 'dev', '--set', 'x=1'], {})).toThrow(/--stack and --env are required/);
		expect(() => parseChangeArgs(['--stack', 's', '--env', 'dev'], {})).toThrow(/at least one --set/);
		expect(() => parseChangeArgs(['--stack', 's', '--env', 'dev', '--set', 'x=1', '--token-file', 'f'], {})).toThrow(/goes with --server/);
		expect(() => parseChangeArgs(['--stack', 's', '--env', 'dev', '--set', 'x=1', '--server', 'ftp://x'], {})).toThrow(/http\(s\) URL/);
		expect(() => parseChangeArgs(['--stack', 's', '--env', 'dev', '--set', '1x=1'], {})).toThrow(/variable name/);
		const dir = mkdtempSync(join(tmpdir(), 'rd-change-cli-'));
		try {
			writeFileSync(join(dir, 't'), 'rdt_secret\n');
			expect(parseChangeArgs(['--stack', 's', '--env', 'dev', '--set', 'x=1', '--server', 'http://d:3000', '--token-file', join(dir, 't')], {}).token).toBe('rdt_secret');
			expect(parseChangeArgs(['--stack', 's', '--env', 'dev', '--set', 'x=1', '--server', 'http://d:3000'], { RUNNER_DASHBOARD_TOKEN: 'rdt_env' }).token).toBe('rdt_env');
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('prints where to follow the change, the values and the diff', () => {
		const text = formatChange(
			{ id: 3, forge: 'gitlab', number: 7, url: 'http://g/mr/7', state: 'open', stack: 's', env: 'dev', diff: '--- a/x\n+++ b/x\n-a = 1\n+a = 2\n', variables: [{ name: 'a', old: 1, old_from: 'tfvars', new: 2 }] },
			true
		);
		expect(text).toBe('change 3 opened: merge request !7 http://g/mr/7\ns/dev: a 1 → 2\n\n--- a/x\n+++ b/x\n-a = 1\n+a = 2');
	});
});
