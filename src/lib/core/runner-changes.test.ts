import { describe, expect, it } from 'vitest';
import { RunnerChangeTracker } from './runner-changes';
import { makeRunner } from './runner.fixture';

const r = (id: number, p = {}) => makeRunner({ upstream_id: id, ...p });

describe('RunnerChangeTracker', () => {
	it('passes every runner on a whole reading, then only new, changed and removed ones', () => {
		const t = new RunnerChangeTracker();
		expect(t.next([r(1), r(2), r(3)], true)).toEqual({ kind: 'all', runners: [r(1), r(2), r(3)] });
		const changes = t.next([r(1), r(2, { status: 'offline' }), r(4)], false);
		expect(changes).toEqual({ kind: 'delta', upserted: [r(2, { status: 'offline' }), r(4)], removed: ['gitlab:corp:3'] });
		expect(t.next([r(1), r(2, { status: 'offline' }), r(4)], false)).toEqual({ kind: 'delta', upserted: [], removed: [] });
	});

	it("a tracker's first reading is whole even when changes were asked for: it has nothing to compare against", () => {
		const t = new RunnerChangeTracker();
		expect(t.next([r(1), r(2)], false)).toEqual({ kind: 'all', runners: [r(1), r(2)] });
		expect(t.next([r(1), r(2)], false)).toEqual({ kind: 'delta', upserted: [], removed: [] });
	});

	it('compares by value: a fresh but equal object is not a change', () => {
		const t = new RunnerChangeTracker();
		t.next([r(1, { tags: ['linux'] })], false);
		expect(t.next([r(1, { tags: ['linux'] })], false)).toEqual({ kind: 'delta', upserted: [], removed: [] });
		expect(t.next([r(1, { tags: ['linux', 'arm64'] })], false)).toEqual({ kind: 'delta', upserted: [r(1, { tags: ['linux', 'arm64'] })], removed: [] });
	});

	it('passes a forgotten runner on with the next reading even when unchanged', () => {
		const t = new RunnerChangeTracker();
		t.next([r(1), r(2)], true);
		t.forget('gitlab:corp:2');
		expect(t.next([r(1), r(2)], false)).toEqual({ kind: 'delta', upserted: [r(2)], removed: [] });
	});

	it('a whole reading after deltas starts over: the runners gone meanwhile are simply absent', () => {
		const t = new RunnerChangeTracker();
		t.next([r(1), r(2)], false);
		expect(t.next([r(2)], true)).toEqual({ kind: 'all', runners: [r(2)] });
		expect(t.next([], false)).toEqual({ kind: 'delta', upserted: [], removed: ['gitlab:corp:2'] });
	});
});
