import { describe, expect, it } from 'vitest';
import { makeRunner } from './runner.fixture';
import { sameRunner, type Runner } from './runner';

const changed = (v: unknown): unknown => {
	if (typeof v === 'string') return `${v}-x`;
	if (typeof v === 'number') return v + 1;
	if (typeof v === 'boolean') return !v;
	if (v === null) return 'now-set';
	if (Array.isArray(v)) return [...v, v[0] ?? 'extra'];
	throw new Error(`no change rule for ${typeof v}`);
};

describe('sameRunner', () => {
	const base = makeRunner({
		tags: ['docker', 'linux'],
		busy: false,
		managers: [{ system_id: 's_1', version: '17.5.2', status: 'online', contacted_at: '2026-01-01T00:00:00Z', ip_address: '10.0.0.1' }]
	});

	it('holds for equal copies', () => {
		expect(sameRunner(base, structuredClone(base))).toBe(true);
	});

	it('sees a change in every field the model has, so a new field cannot be forgotten', () => {
		for (const key of Object.keys(base) as (keyof Runner)[]) {
			expect(sameRunner(base, { ...base, [key]: changed(base[key]) } as Runner), key).toBe(false);
		}
	});

	it('sees a change inside a manager and in tag order', () => {
		for (const key of Object.keys(base.managers[0]!)) {
			const managers = [{ ...base.managers[0]!, [key]: changed(base.managers[0]![key as keyof (typeof base.managers)[0]]) }];
			expect(sameRunner(base, { ...base, managers }), key).toBe(false);
		}
		expect(sameRunner(base, { ...base, tags: ['linux', 'docker'] })).toBe(false);
	});
});
