// The release gate: tag must equal "v" + package.json version.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkVersion } from './check-version.mjs';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'check-version.mjs');
const dir = mkdtempSync(join(tmpdir(), 'rd-check-version-'));
const pkg = join(dir, 'package.json');
writeFileSync(pkg, JSON.stringify({ name: 'runner-dashboard', version: '0.1.0' }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	try {
		const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args]);
		return { code: 0, stdout, stderr };
	} catch (e) {
		const err = e as { code: number; stdout: string; stderr: string };
		return { code: err.code, stdout: err.stdout, stderr: err.stderr };
	}
}

describe('checkVersion', () => {
	it('accepts a tag equal to v + version', () => {
		expect(checkVersion('v0.1.0', '0.1.0')).toEqual({ ok: true, message: 'release tag v0.1.0 matches package.json version 0.1.0' });
		expect(checkVersion('v1.2.3-rc.1', '1.2.3-rc.1').ok).toBe(true);
	});
	it('refuses a different version and says how to fix it', () => {
		const r = checkVersion('v0.1.1', '0.1.0');
		expect(r.ok).toBe(false);
		expect(r.message).toContain('release tag v0.1.1 does not match package.json version 0.1.0');
		expect(r.message).toContain('"version": "0.1.1"');
	});
	it.each(['0.1.0', 'v0.1', 'v01.2.3', 'v1.2.3.4', 'release-1.2.3', 'v1.2.3-', '', 'v1.2.3 '])('refuses the malformed tag %j', (tag) => {
		const r = checkVersion(tag, '0.1.0');
		expect(r.ok).toBe(false);
		expect(r.message).toMatch(/is malformed: expected v<MAJOR>\.<MINOR>\.<PATCH>/);
	});
});

describe('check-version.mjs (the step release.yml runs)', () => {
	it('exits 0 for v0.1.0 against 0.1.0', async () => {
		const r = await cli('v0.1.0', '--package', pkg);
		expect(r).toMatchObject({ code: 0, stdout: 'release tag v0.1.0 matches package.json version 0.1.0\n' });
	});
	it('exits 1 with a clear message for v0.1.1 against 0.1.0', async () => {
		const r = await cli('v0.1.1', '--package', pkg);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('release tag v0.1.1 does not match package.json version 0.1.0');
	});
	it('exits 1 for a malformed tag', async () => {
		const r = await cli('main', '--package', pkg);
		expect(r.code).toBe(1);
		expect(r.stderr).toContain('release tag "main" is malformed');
	});
	it('exits 2 on usage errors', async () => {
		expect((await cli()).code).toBe(2);
		expect((await cli('v0.1.0', '--package', join(dir, 'missing.json'))).code).toBe(2);
	});
	it("reads the repository's own package.json by default", async () => {
		const { version } = JSON.parse(await (await import('node:fs/promises')).readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'));
		const r = await cli(`v${version}`);
		expect(r.code).toBe(0);
	});
});
