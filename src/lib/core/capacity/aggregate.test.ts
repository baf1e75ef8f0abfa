import { describe, expect, it } from 'vitest';
import { parseExposition, parseLines } from '../exposition';
import { CAPACITY_FAMILIES, ScrapeAggregator, seriesKey } from './aggregate';

const docker = { id: 'http://x/docker', labels: { runner_type: 'docker' } };
const gitlab = (jobs: Record<string, number>, running: number, queue = 0) =>
	parseExposition(
		[
			`gitlab_runner_job_queue_size ${queue}`,
			`gitlab_runner_concurrent 40`,
			`gitlab_runner_jobs{runner="a",state="idle"} 0`,
			`gitlab_runner_jobs{runner="a",state="running"} ${running}`,
			...Object.entries(jobs).map(([runner, n]) => `gitlab_runner_jobs_total{runner="${runner}"} ${n}`),
			`gitlab_runner_version_info{version="17.5.2"} 1`
		].join('\n')
	).samples;

describe('ScrapeAggregator', () => {
	it('sums gauges per group from the target label and keeps only the panels’ families', () => {
		const agg = new ScrapeAggregator();
		const { row } = agg.ingest(1000, [{ ...docker, samples: gitlab({ a: 1 }, 3, 2) }])!;
		expect(row.get(seriesKey('gitlab', 'docker', 'running'))).toBe(3);
		expect(row.get(seriesKey('gitlab', 'docker', 'pending'))).toBe(2);
		expect(row.get(seriesKey('gitlab', 'docker', 'concurrent'))).toBe(40);
		expect([...row.keys()].some((k) => k.includes('version'))).toBe(false);
	});

	it('turns counters into a running total per group: baseline first, resets counted from zero', () => {
		const agg = new ScrapeAggregator();
		const key = seriesKey('gitlab', 'docker', 'jobs');
		expect(agg.ingest(1000, [{ ...docker, samples: gitlab({ a: 10, b: 5 }, 0) }])!.row.get(key)).toBe(0);
		expect(agg.ingest(2000, [{ ...docker, samples: gitlab({ a: 12, b: 6 }, 0) }])!.row.get(key)).toBe(3);
		// a resets to 1 (its process restarted): 1 more, not −11.
		expect(agg.ingest(3000, [{ ...docker, samples: gitlab({ a: 1, b: 6 }, 0) }])!.row.get(key)).toBe(4);
		// A series born on an endpoint scraped before started from zero since the last scrape.
		expect(agg.ingest(4000, [{ ...docker, samples: gitlab({ a: 1, b: 6, c: 2 }, 0) }])!.row.get(key)).toBe(6);
	});

	it('marks a group counter first seen on an endpoint scraped before as born (it was 0 at the previous scrape)', () => {
		const agg = new ScrapeAggregator();
		const key = seriesKey('gitlab', 'docker', 'jobs');
		expect(agg.ingest(1000, [{ ...docker, samples: gitlab({}, 0) }])!.born.size).toBe(0);
		const second = agg.ingest(2000, [{ ...docker, samples: gitlab({ a: 3 }, 0) }])!;
		expect(second.row.get(key)).toBe(3);
		expect(second.born.get(key)).toBe(0);
		// A new endpoint's counters are a baseline, not born.
		const fresh = new ScrapeAggregator().ingest(1000, [{ ...docker, samples: gitlab({ a: 3 }, 0) }])!;
		expect([fresh.row.get(key), fresh.born.size]).toEqual([0, 0]);
	});

	it('groups ARC series by the scale_set target label, and drops succeeded completions from failures', () => {
		const agg = new ScrapeAggregator();
		const samples = parseExposition(
			[
				'gha_assigned_jobs{name="gh-nix",namespace="arc-runners"} 4',
				'gha_running_jobs{name="gh-nix",namespace="arc-runners"} 1',
				'gha_completed_jobs_total{job_result="succeeded",job_name="b"} 9',
				'gha_completed_jobs_total{job_result="failed",job_name="b"} 2',
				'gha_controller_running_listeners{name="gh-nix"} 1'
			].join('\n')
		).samples;
		const { row } = agg.ingest(1000, [{ id: 'l', labels: { scale_set: 'gh-nix' }, samples }])!;
		expect(row.get(seriesKey('github', 'gh-nix', 'assigned'))).toBe(4);
		expect(row.get(seriesKey('github', 'gh-nix', 'failed', 'failed'))).toBe(0);
		expect([...row.keys()].filter((k) => k.includes('succeeded') || k.includes('controller'))).toEqual([]);
	});

	it('answers null when no endpoint answered, and leaves a failed endpoint’s group without samples', () => {
		const agg = new ScrapeAggregator();
		expect(agg.ingest(1000, [{ ...docker, samples: null }])).toBeNull();
		const nix = { id: 'http://x/nix', labels: { runner_type: 'nix' } };
		agg.ingest(2000, [{ ...docker, samples: gitlab({ a: 1 }, 1) }, { ...nix, samples: gitlab({ a: 1 }, 2) }]);
		const { row } = agg.ingest(3000, [{ ...docker, samples: gitlab({ a: 2 }, 1) }, { ...nix, samples: null }])!;
		expect(row.has(seriesKey('gitlab', 'nix', 'running'))).toBe(false);
		expect(row.has(seriesKey('gitlab', 'nix', 'jobs'))).toBe(false);
		expect(row.get(seriesKey('gitlab', 'docker', 'jobs'))).toBe(1);
	});
});

describe('CAPACITY_FAMILIES', () => {
	it('names exactly the families the window places, so skipping the others when parsing loses nothing', () => {
		const agg = new ScrapeAggregator();
		const target = { id: 'http://x/all', labels: { runner_type: 'docker', scale_set: 'arc' } };
		const lines = [...CAPACITY_FAMILIES].map((name) => `${name}{le="1",failure_reason="x",job_result="failed",name="arc"} 1`);
		const all = parseExposition([...lines, 'gitlab_runner_version_info{version="17.5.2"} 1', 'gitlab_runner_api_request_statuses_total{status="200"} 9'].join('\n')).samples;
		const kept = parseLines([...lines, 'gitlab_runner_version_info{version="17.5.2"} 1', 'gitlab_runner_api_request_statuses_total{status="200"} 9'], 0, Infinity, { samples: [], malformed: 0 }, (n) => CAPACITY_FAMILIES.has(n)).samples;
		expect(kept.map((s) => s.name)).toEqual([...CAPACITY_FAMILIES]);
		// The families outside the set contribute nothing to the window.
		const withAll = agg.ingest(1000, [{ ...target, samples: all }])!.row;
		const withKept = new ScrapeAggregator().ingest(1000, [{ ...target, samples: kept }])!.row;
		expect(withKept).toEqual(withAll);
		expect(withKept.size).toBe(CAPACITY_FAMILIES.size);
	});
});
