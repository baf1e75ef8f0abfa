import { describe, expect, it } from 'vitest';
import { parseExposition } from '../exposition';
import { SeriesWindow } from '../series/window';
import { ScrapeAggregator } from './aggregate';
import { seriesFromWindow, snapshotFromWindow } from './in-process';

/** A docker runner manager after `n` scrapes 15 s apart: one job started per scrape, each waiting 2 s (le=3 bucket). */
function manager(n: number, running: number) {
	return parseExposition(
		[
			'gitlab_runner_job_queue_size 3',
			'gitlab_runner_concurrent 20',
			`gitlab_runner_jobs{runner="a",state="running"} ${running}`,
			`gitlab_runner_jobs_total{runner="a"} ${n}`,
			`gitlab_runner_failed_jobs_total{runner="a",failure_reason="script_failure"} ${Math.floor(n / 2)}`,
			`gitlab_runner_job_queue_duration_seconds_bucket{runner="a",le="1"} 0`,
			`gitlab_runner_job_queue_duration_seconds_bucket{runner="a",le="3"} ${n}`,
			`gitlab_runner_job_queue_duration_seconds_bucket{runner="a",le="+Inf"} ${n}`
		].join('\n')
	).samples;
}

function filled(scrapes: number) {
	const win = new SeriesWindow(1000);
	const agg = new ScrapeAggregator();
	const t0 = 1_800_000_000_000;
	for (let i = 0; i < scrapes; i++) {
		const r = agg.ingest(t0 + i * 15_000, [{ id: 'docker', labels: { runner_type: 'docker' }, samples: manager(i, 5) }]);
		if (r) win.append(t0 + i * 15_000, r.row, r.born);
	}
	return { win, t0 };
}

describe('capacity from the scraper window', () => {
	it('computes instant gauges, rates, quantiles and failures per group and for the forge', () => {
		const { win } = filled(241); // one hour of scrapes
		const snap = snapshotFromWindow(win, '1h');
		expect(snap.covered_s).toBe(3600);
		const [total, docker] = snap.items;
		expect(total).toMatchObject({ forge: 'gitlab', kind: 'forge', group: null, pending: 3, running: 5, saturation: 0.25 });
		expect(docker).toMatchObject({ forge: 'gitlab', kind: 'runner_type', group: 'docker', pending: 3, running: 5, saturation: 0.25 });
		// One job per 15 s = 4 per minute; every wait in (1, 3]: p50 = 1 + 2 × 0.5.
		expect(docker!.jobs_per_minute).toBeCloseTo(4, 10);
		expect(docker!.wait_p50_s).toBeCloseTo(2, 10);
		expect(docker!.wait_p95_s).toBeCloseTo(2.9, 10);
		expect(docker!.failures.script_failure).toBeCloseTo(120, 0);
		expect(docker!.duration_p50_s).toBeNull();
	});

	it('divides by the time covered while the window fills, and says how much that is', () => {
		const { win } = filled(21); // five minutes
		const snap = snapshotFromWindow(win, '6h');
		expect(snap.covered_s).toBe(300);
		expect(snap.items[1]!.jobs_per_minute).toBeCloseTo(4, 10);
	});

	it('gives aligned series with nulls before the first scrape, never invented points', () => {
		const { win, t0 } = filled(41); // ten minutes
		const s = seriesFromWindow(win, 'running', '1h', t0 + 600_000, 30_000);
		expect(s.step_s).toBe(15);
		const docker = s.series.find((x) => x.group === 'docker')!;
		expect(docker.points).toHaveLength(241);
		const known = docker.points.filter(([, v]) => v !== null);
		expect(known.length).toBeGreaterThanOrEqual(40);
		expect(known.every(([, v]) => v === 5)).toBe(true);
		expect(docker.points[0]![1]).toBeNull();
		const rate = seriesFromWindow(win, 'jobs_per_minute', '1h', t0 + 600_000, 30_000).series.find((x) => x.group === 'docker')!;
		expect(rate.points.at(-1)![1]).toBeCloseTo(4, 10);
	});

	it('answers nothing from an empty window', () => {
		expect(snapshotFromWindow(new SeriesWindow(10), '1h')).toEqual({ items: [], at: null, covered_s: null });
	});
});
