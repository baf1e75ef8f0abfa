import { describe, expect, it } from 'vitest';
import { isSecretField, isSecretName, maskSecrets, maskText } from './secrets';

describe('isSecretField', () => {
	it('finds a credential name in keys, named list elements and keys read inside strings', () => {
		expect(isSecretField('spec.template.spec.containers[name=x].env[name=RUNNER_TOKEN].value')).toBe(true);
		expect(isSecretField('data.runner-token')).toBe(true);
		expect(isSecretField('data["config.toml"]#runners.token')).toBe(true);
		expect(isSecretField('data["db_password"]')).toBe(true);
		expect(isSecretField('spec.template.spec.containers[name=x].env[name=LOG_LEVEL].value')).toBe(false);
		expect(isSecretField('data["config.toml"]#runners.kubernetes.cpu_request')).toBe(false);
		expect(isSecretField('spec.maxReplicas')).toBe(false);
		expect(isSecretField('(exists)')).toBe(false);
	});

	it('does not take timestamps about a token for the token', () => {
		expect(isSecretName('token_obtained_at')).toBe(false);
		expect(isSecretName('token_expires_at')).toBe(false);
		expect(isSecretName('SecretKey')).toBe(true);
	});
});

describe('maskSecrets', () => {
	const toml = (token: string, interval: number) => `concurrent = 4\ncheck_interval = ${interval}\n\n[[runners]]\n  name = "docker"\n  token = "${token}"\n  token_obtained_at = 2026-01-01T00:00:00Z\n`;

	it('masks a token assignment inside config.toml and keeps every other line', () => {
		const [masked] = maskSecrets([toml('glrt-abc123', 3)]);
		expect(masked).toBe(toml('(sensitive)', 3));
	});

	it('labels equal secrets alike and different ones apart, so a changed token still shows', () => {
		const same = maskSecrets([toml('glrt-a', 3), toml('glrt-a', 4)]);
		expect(same).toEqual([toml('(sensitive)', 3), toml('(sensitive)', 4)]);
		const changed = maskSecrets([toml('glrt-state', 3), toml('glrt-live', 3)]);
		expect(changed).toEqual([toml('(sensitive #1)', 3), toml('(sensitive #2)', 3)]);
		// Masked values are masked once: masking again changes nothing.
		expect(maskSecrets(changed)).toEqual(changed);
	});

	it('masks INI, env-file, YAML and JSON assignments to credential names', () => {
		const text = ['[cache]', 'password = hunter2 two', 'export API_KEY=abc', 'secret: s3', 'user = alice', '{"auth": "dXNlcjpwdw==", "registry": "r"}'].join('\n');
		expect(maskText(text)).toBe(['[cache]', 'password = (sensitive #1)', 'export API_KEY=(sensitive #2)', 'secret: (sensitive #3)', 'user = alice', '{"auth": "(sensitive #4)", "registry": "r"}'].join('\n'));
	});

	it('masks known token formats, URL passwords and private keys wherever they are', () => {
		const text = [
			'url = "https://oauth2:hunter2@gitlab.example/x.git"',
			'args: [--token, ghp_0123456789abcdef, --name, x]',
			'GITHUB_PAT=github_pat_11AAAA_bbbb',
			'x = gho_x ghs_y glpat-z GR1348941abc',
			'-----BEGIN RSA PRIVATE KEY-----',
			'MIIEpAIBAAKCAQEA',
			'-----END RSA PRIVATE KEY-----',
			'name = runner'
		].join('\n');
		const masked = maskText(text);
		expect(masked).not.toMatch(/hunter2|ghp_|github_pat_|gho_|ghs_|glpat-|GR1348941|MIIE/);
		expect(masked).toContain('https://oauth2:(sensitive');
		expect(masked).toContain('name = runner');
	});

	it('masks values under credential keys and the value of credential-named list elements in objects', () => {
		const env = [
			{ name: 'RUNNER_TOKEN', value: 'plain-secret' },
			{ name: 'LOG_LEVEL', value: 'info' }
		];
		const [a] = maskSecrets([{ env, tls: { privateKey: 'k', cert: 'c' } }]);
		expect(a).toEqual({ env: [{ name: 'RUNNER_TOKEN', value: '(sensitive #1)' }, { name: 'LOG_LEVEL', value: 'info' }], tls: { privateKey: '(sensitive #2)', cert: 'c' } });
	});

	it('returns values without secrets unchanged', () => {
		const v = { a: [1, 'x = 1'], b: null };
		const sides = [v, 8, null] as const;
		expect(maskSecrets([...sides])).toEqual([v, 8, null]);
	});
});
