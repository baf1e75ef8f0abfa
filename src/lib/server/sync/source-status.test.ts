import { describe, expect, it } from 'vitest';
import { SourceRegistry } from './source-status';

const T0 = Date.parse('2025-03-01T12:00:00Z');
const s = (n: number) => T0 + n * 1000;

function registry(runnerCount?: (source: string) => number) {
	const r = new SourceRegistry(runnerCount);
	r.register({ name: 'corp', kind: 'gitlab', url: 'https://gitlab.example.com', simulated: false, intervalMs: 15_000 });
	return r;
}
const one = (r: SourceRegistry, now: number) => r.list(now)[0]!;

describe('SourceRegistry', () => {
	it('reports a source that was never attempted as degraded with no data age', () => {
		expect(one(registry(), s(0))).toEqual({
			name: 'corp',
			kind: 'gitlab',
			url: 'https://gitlab.example.com',
			simulated: false,
			status: 'degraded',
			last_success: null,
			last_attempt: null,
			last_error: null,
			data_age_s: null,
			stale: true,
			runners: 0
		});
	});

	it('reports down when the first attempt failed', () => {
		const r = registry();
		r.failed('corp', 'connect ECONNREFUSED', s(0));
		expect(one(r, s(1))).toMatchObject({
			status: 'down',
			last_success: null,
			last_attempt: new Date(s(0)).toISOString(),
			last_error: 'connect ECONNREFUSED',
			data_age_s: null,
			stale: true
		});
	});

	it('reports ok with the data age after a success', () => {
		const r = registry(() => 7);
		r.succeeded('corp', s(0));
		expect(one(r, s(12))).toMatchObject({
			status: 'ok',
			last_success: '2025-03-01T12:00:00.000Z',
			last_attempt: '2025-03-01T12:00:00.000Z',
			last_error: null,
			data_age_s: 12,
			stale: false,
			runners: 7
		});
	});

	it('turns degraded when data is older than three intervals plus grace', () => {
		const r = registry();
		r.succeeded('corp', s(0));
		// 3 × 15 s + 5 s = 50 s.
		expect(one(r, s(50))).toMatchObject({ status: 'ok', data_age_s: 50, stale: false });
		expect(one(r, s(51))).toMatchObject({ status: 'degraded', data_age_s: 51, stale: true });
	});

	it('reports degraded, with the error and fresh data, when only part of a cycle failed; ok again after a clean one', () => {
		const r = registry();
		r.partlyFailed('corp', '1 of 2 stacks failed', s(0));
		expect(one(r, s(5))).toMatchObject({ status: 'degraded', last_error: '1 of 2 stacks failed', last_success: new Date(s(0)).toISOString(), data_age_s: 5, stale: true });
		r.succeeded('corp', s(10));
		expect(one(r, s(10))).toMatchObject({ status: 'ok', last_error: null, stale: false });
		r.failed('corp', 'HTTP 502', s(20));
		expect(one(r, s(20))).toMatchObject({ status: 'down' });
	});

	it('reports down after a failure but keeps the last success and its age', () => {
		const r = registry();
		r.succeeded('corp', s(0));
		r.failed('corp', 'HTTP 502', s(15));
		expect(one(r, s(20))).toMatchObject({
			status: 'down',
			last_success: new Date(s(0)).toISOString(),
			last_attempt: new Date(s(15)).toISOString(),
			last_error: 'HTTP 502',
			data_age_s: 20,
			stale: true
		});
	});

	it('recovers to ok on the next success and clears the error', () => {
		const r = registry();
		r.succeeded('corp', s(0));
		r.failed('corp', 'HTTP 502', s(15));
		r.succeeded('corp', s(30));
		expect(one(r, s(31))).toMatchObject({ status: 'ok', last_error: null, data_age_s: 1, stale: false });
	});

	it('ignores reports for unregistered sources and counts runners per source', () => {
		const r = registry((name) => (name === 'corp' ? 3 : 9));
		r.register({ name: 'sandbox-gitlab', kind: 'gitlab', url: 'http://127.0.0.1:3001/gitlab', simulated: true, intervalMs: 5000 });
		r.succeeded('nope', s(0));
		r.failed('nope', 'x', s(0));
		r.succeeded('sandbox-gitlab', s(0));
		const list = r.list(s(1));
		expect(list.map((x) => [x.name, x.status, x.simulated, x.runners])).toEqual([
			['corp', 'degraded', false, 3],
			['sandbox-gitlab', 'ok', true, 9]
		]);
	});

	it('rounds data age to whole seconds', () => {
		const r = registry();
		r.succeeded('corp', T0);
		expect(one(r, T0 + 1499).data_age_s).toBe(1);
		expect(one(r, T0 + 1500).data_age_s).toBe(2);
	});

	it('lists the same item object while nothing it shows changed, and a new one when something did', () => {
		let runners = 5;
		const r = registry(() => runners);
		r.succeeded('corp', s(0));
		const first = one(r, s(1));
		expect(one(r, s(1.4))).toBe(first);
		const older = one(r, s(2));
		expect(older).not.toBe(first);
		expect(older.data_age_s).toBe(2);
		runners = 6;
		expect(one(r, s(2))).toMatchObject({ runners: 6, data_age_s: 2 });
		r.failed('corp', 'GitLab answered 500', s(2));
		expect(one(r, s(2))).toMatchObject({ status: 'down', last_error: 'GitLab answered 500', runners: 6 });
		expect(one(r, s(2))).toBe(one(r, s(2)));
	});
});
