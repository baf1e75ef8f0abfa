import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args';
import { serverToken } from './drift';

describe('the token for drift --server', () => {
	const dir = mkdtempSync(join(tmpdir(), 'rd-drift-token-'));
	const file = (name: string, text: string) => {
		const p = join(dir, name);
		writeFileSync(p, text, { mode: 0o600 });
		return p;
	};

	it('comes from --token-file, else RUNNER_DASHBOARD_TOKEN, else --token', () => {
		const env = { RUNNER_DASHBOARD_TOKEN: 'rdt_from-env' };
		expect(serverToken({ tokenFile: file('t', '  rdt_from-file\n') }, env)).toBe('rdt_from-file');
		expect(serverToken({}, env)).toBe('rdt_from-env');
		expect(serverToken({ token: 'rdt_from-argv' }, env)).toBe('rdt_from-argv');
		expect(serverToken({}, {})).toBeUndefined();
		expect(serverToken({}, { RUNNER_DASHBOARD_TOKEN: '' })).toBeUndefined();
	});

	it('refuses two sources, an empty file and an unreadable one', () => {
		expect(() => serverToken({ token: 'a', tokenFile: file('u', 'b') }, {})).toThrow(/give the token once/);
		expect(() => serverToken({ tokenFile: file('empty', '\n') }, {})).toThrow(/is empty/);
		expect(() => serverToken({ tokenFile: join(dir, 'missing') }, {})).toThrow(UsageError);
		expect(() => serverToken({ tokenFile: join(dir, 'missing') }, {})).toThrow(/cannot be read: ENOENT/);
	});
});
