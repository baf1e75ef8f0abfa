import { describe, expect, it } from 'vitest';
import { regexValue, tomlValue } from './extract';
import { effectiveDriftMap, parseDriftMap } from './map';
import { formatPath, getAt, leaves, parsePath, parsePointer, pathMatches } from './paths';
import { builtinDriftMap } from './profile';

describe('parseDriftMap', () => {
	it('reads a valid document with defaults', () => {
		const r = parseDriftMap('stacks:\n  - stack: my-stack\n    objects:\n      - kind: Deployment\n        namespace: ci\n        name: web\n        fields:\n          - path: spec.replicas\n            variable: replicas\n', 'm.yaml');
		expect(r).toEqual({
			ok: true,
			value: {
				replace: false,
				stacks: [{ stack: 'my-stack', objects: [{ kind: 'Deployment', namespace: 'ci', name: 'web', exists: [], fields: [{ path: 'spec.replicas', variable: 'replicas' }] }] }],
				ignore: [],
				unmanaged: []
			}
		});
	});

	it('reports YAML and schema errors with the file and line', () => {
		const bad = parseDriftMap('stacks:\n  - stack: x\n    objects: [\n', 'm.yaml');
		expect(bad.ok).toBe(false);
		if (!bad.ok) expect(bad.error.file).toBe('m.yaml');
		const unknown = parseDriftMap('stacks:\n  - stack: x\n    objects:\n      - kind: Deployment\n        name: web\n        colour: blue\n', 'm.yaml');
		expect(unknown.ok).toBe(false);
		if (!unknown.ok) expect(unknown.error).toMatchObject({ line: 4, message: expect.stringMatching(/^stacks\[0\]\.objects\[0\]: /) });
		const regex = parseDriftMap("stacks:\n  - stack: x\n    each: '(['\n", 'm.yaml');
		expect(regex.ok).toBe(false);
		const both = parseDriftMap('stacks:\n  - stack: x\n    objects:\n      - kind: ConfigMap\n        name: c\n        fields:\n          - { path: data.x, variable: v, toml: a, regex: b }\n', 'm.yaml');
		expect(both.ok).toBe(false);
	});

	it('merges into the profile: new objects are added, same objects extended, replace: true drops the profile', () => {
		const doc = parseDriftMap(
			[
				'stacks:',
				'  - stack: arc-runners',
				"    each: '^deploy_(?<T>\\w+?)_runner$'",
				'    objects:',
				'      - kind: AutoscalingRunnerSet',
				'        namespace: arc-runners',
				"        name: '${var.{T}_runner_name}'",
				'        fields:',
				'          - { path: spec.maxRunners, variable: "{T}_max", severity: info }',
				'  - stack: other',
				'    objects: [{ kind: ConfigMap, name: c }]',
				'ignore: [{ kind: ConfigMap, paths: [data.x] }]'
			].join('\n'),
			'm.yaml'
		);
		if (!doc.ok) throw new Error(doc.error.message);
		const merged = effectiveDriftMap(builtinDriftMap, doc.value);
		const ars = merged.stacks.find((s) => s.stack === 'arc-runners')!.objects[0]!;
		expect(ars.exists).toEqual(['deploy_{T}_runner']);
		expect(ars.fields.filter((f) => f.path === 'spec.maxRunners')).toEqual([{ path: 'spec.maxRunners', variable: '{T}_max', severity: 'info' }]);
		expect(ars.fields).toHaveLength(6);
		expect(merged.stacks.map((s) => s.stack)).toEqual(['gitlab-runners', 'arc-runners', 'other']);
		expect(merged.ignore).toHaveLength(builtinDriftMap.ignore.length + 1);
		expect(effectiveDriftMap(builtinDriftMap, { ...doc.value, replace: true }).stacks.map((s) => s.stack)).toEqual(['arc-runners', 'other']);
		expect(effectiveDriftMap(builtinDriftMap, null)).toBe(builtinDriftMap);
	});
});

describe('paths', () => {
	const obj = { spec: { containers: [{ name: 'a', x: 1 }, { name: 'runner', resources: { limits: { cpu: '1' } } }] }, data: { 'config.toml': 'c' }, list: [[1], 2] };

	it('parses, formats and reads dotted paths with selectors and quoted keys', () => {
		const p = parsePath('spec.containers[name=runner].resources.limits.cpu')!;
		expect(getAt(obj, p)).toBe('1');
		expect(formatPath(p)).toBe('spec.containers[name=runner].resources.limits.cpu');
		expect(getAt(obj, parsePath('spec.containers[0].x')!)).toBe(1);
		expect(getAt(obj, parsePath('data["config.toml"]')!)).toBe('c');
		expect(formatPath(parsePath('data["config.toml"]')!)).toBe('data["config.toml"]');
		expect(getAt(obj, parsePath('spec.nope.deeper')!)).toBeUndefined();
		expect(parsePath('a[')).toBeNull();
	});

	it('lists leaves with named list elements, and matches rule paths including pointers and wildcards', () => {
		const ls = leaves(obj);
		const names = ls.map((l) => formatPath(l.segments));
		expect(names).toContain('spec.containers[name=runner].resources.limits.cpu');
		expect(names).toContain('list[0][0]');
		const cpu = ls.find((l) => formatPath(l.segments).endsWith('cpu'))!;
		expect(pathMatches(parsePointer('/spec/containers/1/resources'), cpu)).toBe(true);
		expect(pathMatches(parsePointer('/spec/containers/0/resources'), cpu)).toBe(false);
		expect(pathMatches(parsePath('spec.containers[*].resources')!, cpu)).toBe(true);
		expect(pathMatches(parsePath('spec.containers[name=runner]')!, cpu)).toBe(true);
		expect(pathMatches(parsePath('spec.containers[name=a]')!, cpu)).toBe(false);
		expect(parsePointer('/metadata/annotations/a~1b')).toEqual([{ key: 'metadata' }, { key: 'annotations' }, { key: 'a/b' }]);
	});
});

describe('extractors', () => {
	const toml = [
		'concurrent = 12 # managers',
		'check_interval = 3',
		'',
		'[[runners]]',
		'  name = "docker # not a comment"',
		'  limit = 12',
		'  [runners.kubernetes]',
		'    cpu_request = "500m"',
		"    memory_request = '1Gi'",
		'    privileged = false',
		'[[runners]]',
		'  name = "second"',
		'  [runners.kubernetes]',
		'    cpu_request = "9"'
	].join('\n');

	it('reads scalars from TOML: top level, tables, the first array-of-tables element', () => {
		expect(tomlValue(toml, 'concurrent')).toBe(12);
		expect(tomlValue(toml, 'runners.name')).toBe('docker # not a comment');
		expect(tomlValue(toml, 'runners.kubernetes.cpu_request')).toBe('500m');
		expect(tomlValue(toml, 'runners.kubernetes.memory_request')).toBe('1Gi');
		expect(tomlValue(toml, 'runners.kubernetes.privileged')).toBe(false);
		expect(tomlValue(toml, 'runners.kubernetes.nope')).toBeUndefined();
	});

	it('reads TOML as GitLab writes it: inline tables, multi-line arrays, dates; nothing from text that is not TOML', () => {
		const real = ['concurrent = 4', 'listen_address = ":9252"', '[session_server]', '  session_timeout = 1800', '[[runners]]', '  name = "a"', '  token_obtained_at = 2026-01-01T00:00:00Z', '  environment = [', '    "A=1",', '    "B=2",', '  ]', '  [runners.cache]', '    s3 = { ServerAddress = "s3.example", BucketName = "c" }'].join('\n');
		expect(tomlValue(real, 'session_server.session_timeout')).toBe(1800);
		expect(tomlValue(real, 'runners.cache.s3.BucketName')).toBe('c');
		expect(tomlValue(real, 'runners.token_obtained_at')).toBe('2026-01-01T00:00:00.000Z');
		expect(tomlValue(real, 'runners.environment')).toBeUndefined();
		expect(tomlValue('concurrent = = 4', 'concurrent')).toBeUndefined();
	});

	it('reads with a regular expression', () => {
		expect(regexValue(toml, 'limit = (\\d+)')).toBe('12');
		expect(regexValue(toml, 'nothing (here)')).toBeUndefined();
	});
});
