// The `drift:` section of the configuration: stacks naming their sources, defaults,
// secrets by reference, and the sandbox's zero-configuration default.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '$lib/server/config';

const dir = mkdtempSync(join(tmpdir(), 'rd-drift-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(yaml: string, env: Record<string, string> = {}) {
	const file = join(dir, `c${++n}.yaml`);
	writeFileSync(file, yaml);
	return loadConfig({ RUNNER_DASHBOARD_CONFIG: file, ...env }, dir);
}

function fails(yaml: string, env: Record<string, string> = {}): string {
	try {
		load(yaml, env);
	} catch (e) {
		expect(e).toBeInstanceOf(ConfigError);
		return (e as Error).message;
	}
	throw new Error('expected a ConfigError');
}

const SOURCES = `sources:
  gitlab: [{ name: gl, url: https://gitlab.example.com, token: { env: GL_TOKEN } }]
  github: [{ name: gh, token: { env: GH_TOKEN }, scope: { org: acme } }]
  kubernetes: [{ name: prod, server: http://127.0.0.1:8001 }]
`;
const ENV = { GL_TOKEN: 'glpat-x', GH_TOKEN: 'ghp-x' };

describe('drift configuration', () => {
	it('has no stacks and a 60 s interval by default', () => {
		const c = loadConfig({}, dir);
		expect(c.drift).toEqual({ intervalMs: 60_000, mapFile: undefined, stacks: [], limits: { declaredFileBytes: 2 * 2 ** 20, stateBytes: 16 * 2 ** 20 } });
	});

	it('takes the size caps in MiB, within bounds', () => {
		expect(load('drift:\n  max_declared_file_mib: 4\n  max_state_mib: 64\n').drift.limits).toEqual({ declaredFileBytes: 4 * 2 ** 20, stateBytes: 64 * 2 ** 20 });
		expect(fails('drift:\n  max_state_mib: 0\n')).toMatch(/drift\.max_state_mib/);
		expect(fails('drift:\n  max_declared_file_mib: 1.5\n')).toMatch(/drift\.max_declared_file_mib/);
	});

	it('reads stacks from GitLab, GitHub and a checkout with GitLab, http and file state', () => {
		writeFileSync(join(dir, 'pw'), 's3cret\n');
		const c = load(
			`${SOURCES}drift:
  interval_seconds: 120
  map_file: maps/extra.yaml
  stacks:
    - name: gitlab-runners
      envs: [dev, prod]
      declared: { gitlab: { source: gl, project: platform/gitops, path: tofu/stacks/gitlab-runners } }
      state: { gitlab: { source: gl, project: 42 } }
      cluster: prod
    - name: arc-runners
      envs: [prod]
      declared: { github: { source: gh, repo: acme/gitops, ref: release, path: tofu/stacks/arc-runners } }
      state: { http: { url: "https://tfstate.example.com/arc-{env}", username: tofu, password: { file: pw } } }
      cluster: prod
    - name: extra
      envs: [dev]
      declared: { local: { path: checkout/extra } }
      state: { file: { path: "state/{env}.tfstate" } }
      cluster: prod
`,
			ENV
		);
		expect(c.drift.intervalMs).toBe(120_000);
		expect(c.drift.mapFile).toBe(join(dir, 'maps/extra.yaml'));
		expect(c.drift.stacks.map((s) => s.name)).toEqual(['gitlab-runners', 'arc-runners', 'extra']);
		expect(c.drift.stacks[0]).toMatchObject({ declared: { gitlab: { source: 'gl', project: 'platform/gitops', ref: 'main', path: 'tofu/stacks/gitlab-runners' } }, simulated: false });
		expect(c.drift.stacks[1]).toMatchObject({ declared: { github: { ref: 'release' } }, statePassword: 's3cret' });
		expect(c.drift.stacks[2]).toMatchObject({ declared: { local: { path: join(dir, 'checkout/extra') } }, state: { file: { path: join(dir, 'state/{env}.tfstate') } } });
	});

	it('refuses stacks that name a missing or wrong-kind source, a duplicate name, or no cluster', () => {
		const stack = (declared: string, cluster = 'prod', name = 'a') => `    - name: ${name}\n      envs: [dev]\n      declared: ${declared}\n      state: { file: { path: s } }\n      cluster: ${cluster}\n`;
		expect(fails(`${SOURCES}drift:\n  stacks:\n${stack('{ gitlab: { source: nope, project: 1, path: x } }')}`, ENV)).toBe(
			'drift.stacks[0].declared.gitlab.source: "nope" is not a configured gitlab source (sources.gitlab[].name).'
		);
		expect(fails(`${SOURCES}drift:\n  stacks:\n${stack('{ github: { source: gl, repo: a/b, path: x } }')}`, ENV)).toMatch(/declared\.github\.source: "gl" is not a configured github source/);
		expect(fails(`${SOURCES}drift:\n  stacks:\n${stack('{ local: { path: x } }', 'gl')}`, ENV)).toMatch(/cluster: "gl" is not a configured kubernetes source/);
		expect(fails(`${SOURCES}drift:\n  stacks:\n${stack('{ local: { path: x } }')}${stack('{ local: { path: y } }')}`, ENV)).toMatch(/the name "a" is used twice/);
		expect(fails(`${SOURCES}drift:\n  stacks:\n    - { name: a, envs: [dev], declared: { local: { path: x } }, state: { file: { path: s } } }\n`, ENV)).toMatch(/drift\.stacks\[0\]\.cluster/);
		expect(fails(`${SOURCES}drift:\n  stacks:\n${stack('{ gitlab: { source: gl, project: 1, path: /etc } }')}`, ENV)).toMatch(/a path inside the repository/);
		expect(fails(`drift:\n  interval_seconds: 1\n`)).toMatch(/drift\.interval_seconds/);
		expect(fails(`drift:\n  stackz: []\n`)).toBe(`${join(dir, `c${n}.yaml`)}: drift.stackz is not a known key (see docs/configuration.md).`);
	});

	it('never takes a state password inline', () => {
		expect(fails(`${SOURCES}drift:\n  stacks:\n    - { name: a, envs: [dev], declared: { local: { path: x } }, state: { http: { url: "https://s.example.com", password: hunter2 } }, cluster: prod }\n`, ENV)).toMatch(
			/drift\.stacks\[0\]\.state/
		);
	});

	it('checks the sandbox GitOps project with no configuration at all', () => {
		const c = loadConfig({ RUNNER_DASHBOARD_SANDBOX_URL: 'http://127.0.0.1:3001' }, dir);
		expect(c.drift.intervalMs).toBe(10_000);
		expect(c.drift.stacks).toEqual([
			{
				name: 'gitlab-runners',
				envs: ['dev'],
				declared: { gitlab: { source: 'sandbox-gitlab', project: 42, ref: 'main', path: 'tofu/stacks/gitlab-runners' } },
				state: { gitlab: { source: 'sandbox-gitlab', project: 42, name: 'gitlab-runners-{env}' } },
				cluster: 'sandbox-k8s',
				simulated: true
			},
			{
				name: 'arc-runners',
				envs: ['dev'],
				declared: { gitlab: { source: 'sandbox-gitlab', project: 42, ref: 'main', path: 'tofu/stacks/arc-runners' } },
				state: { gitlab: { source: 'sandbox-gitlab', project: 42, name: 'arc-runners-{env}' } },
				cluster: 'sandbox-k8s',
				simulated: true
			}
		]);
	});
});
