// Folds one scrape of every runner-manager and ARC-listener endpoint into one row per
// (forge, group): gauges summed, counters turned into per-group running totals that
// never reset. Only the families the capacity panels use are kept, so the window's
// size depends on the number of runner types and scale sets, not on runners.
import type { Sample } from '../exposition';
import type { Forge } from '../runner';
import { DEFAULT_GROUP_LABELS, UNLABELLED, type GroupLabels } from './panels';

/** What the window keeps per group. Gauges are summed per scrape; the rest are counters. */
export type Field = 'pending' | 'running' | 'concurrent' | 'assigned' | 'busy' | 'registered' | 'jobs' | 'failed' | 'wait' | 'duration';
export const GAUGES: ReadonlySet<Field> = new Set(['pending', 'running', 'concurrent', 'assigned', 'busy', 'registered']);

const SEP = '\u001f';

/** Window key of one group's field; `sub` is a bucket bound (`le`) or a failure reason. */
export function seriesKey(forge: Forge, group: string, field: Field, sub = ''): string {
	return [forge, group, field, sub].join(SEP);
}

export function parseSeriesKey(key: string): { forge: Forge; group: string; field: Field; sub: string } {
	const [forge, group, field, sub] = key.split(SEP) as [Forge, string, Field, string];
	return { forge, group, field, sub };
}

type Placed = { forge: Forge; field: Field; sub: string } | null;
const at = (forge: Forge, field: Field, sub: (s: Sample) => string = () => ''): ((s: Sample) => Placed) => (s) => ({ forge, field, sub: sub(s) });
const le = (s: Sample) => s.labels.le ?? '';

/** Each exporter family the window uses, and where a sample of it goes (the field, and a sub-key: bucket bound or failure reason). */
const FAMILIES: Record<string, (s: Sample) => Placed> = {
	gitlab_runner_job_queue_size: at('gitlab', 'pending'),
	gitlab_runner_jobs: at('gitlab', 'running'),
	gitlab_runner_concurrent: at('gitlab', 'concurrent'),
	gitlab_runner_jobs_total: at('gitlab', 'jobs'),
	gitlab_runner_failed_jobs_total: at('gitlab', 'failed', (s) => s.labels.failure_reason ?? ''),
	gitlab_runner_job_queue_duration_seconds_bucket: at('gitlab', 'wait', le),
	gitlab_runner_job_duration_seconds_bucket: at('gitlab', 'duration', le),
	gha_assigned_jobs: at('github', 'assigned'),
	gha_running_jobs: at('github', 'running'),
	gha_busy_runners: at('github', 'busy'),
	gha_registered_runners: at('github', 'registered'),
	gha_started_jobs_total: at('github', 'jobs'),
	gha_completed_jobs_total: (s) => (s.labels.job_result === 'succeeded' ? null : { forge: 'github', field: 'failed', sub: s.labels.job_result ?? '' }),
	gha_job_startup_duration_seconds_bucket: at('github', 'wait', le),
	gha_job_execution_duration_seconds_bucket: at('github', 'duration', le)
};

/** The exporters' families the window uses; the scraper parses only these. */
export const CAPACITY_FAMILIES: ReadonlySet<string> = new Set(Object.keys(FAMILIES));

/** Which family a sample belongs to, and under which field (and sub-key). */
function classify(s: Sample): Placed {
	return Object.hasOwn(FAMILIES, s.name) ? FAMILIES[s.name]!(s) : null;
}

export interface ScrapedTarget {
	/** Identifies the endpoint across scrapes (its URL). */
	id: string;
	/** Target labels from service discovery (runner_type, scale_set, …). */
	labels: Record<string, string>;
	/** The samples, or null when the scrape failed. */
	samples: Sample[] | null;
}

/** An upstream series within its endpoint: name and labels in a fixed order. */
function seriesOf(s: Sample): string {
	const labels = Object.keys(s.labels)
		.sort()
		.map((k) => `${k}=${s.labels[k]}`)
		.join(',');
	return `${s.name}{${labels}}`;
}

/** How long a counter's last value (and a target's "seen before") is remembered after it stops answering. */
const FORGET_MS = 10 * 60_000;

/**
 * Turns scrapes into window rows. Counters are summed per group as running totals of
 * each upstream series' increases: a drop in one series is a reset (its new value is the
 * increase, as rate() reads it), and a series born on an endpoint already scraped before
 * started from zero since then.
 */
export class ScrapeAggregator {
	// Per endpoint, then per series: the endpoint's URL is not repeated in tens of thousands of keys.
	private readonly last = new Map<string, Map<string, { v: number; at: number }>>();
	private readonly targetsSeen = new Map<string, number>();
	private readonly totals = new Map<string, { v: number; at: number }>();

	constructor(private readonly labels: GroupLabels = DEFAULT_GROUP_LABELS) {}

	/** Series of upstream counters remembered for reset handling (bounded by FORGET_MS). */
	get trackedSeries(): number {
		let n = 0;
		for (const series of this.last.values()) n += series.size;
		return n;
	}

	private groupOf(forge: Forge, target: ScrapedTarget, s: Sample): string {
		if (forge === 'gitlab') return target.labels[this.labels.gitlab] || UNLABELLED;
		return target.labels[this.labels.arc] || s.labels.name || UNLABELLED;
	}

	/**
	 * One scrape cycle at `at` (ms) → the window row, and `born`: group counters that first
	 * appeared on an endpoint scraped before, which were 0 at the previous scrape. Null when
	 * no endpoint answered.
	 */
	ingest(at: number, targets: readonly ScrapedTarget[]): { row: Map<string, number>; born: Map<string, number> } | null {
		const cycle = this.begin(at);
		for (const t of targets) cycle.add(t);
		return cycle.finish();
	}

	/**
	 * The same, one endpoint at a time: each is folded in as its scrape ends and its samples
	 * can go, so a cycle never holds every endpoint's samples at once.
	 */
	begin(at: number): ScrapeCycle {
		const row = new Map<string, number>();
		const born = new Map<string, number>();
		let answered = 0;
		return {
			add: (t) => {
				if (!t.samples) return;
				answered++;
				this.fold(at, t, row, born);
			},
			finish: () => {
				for (const [id, series] of this.last) {
					for (const [k, e] of series) if (at - e.at > FORGET_MS) series.delete(k);
					if (series.size === 0) this.last.delete(id);
				}
				for (const [k, seen] of this.targetsSeen) if (at - seen > FORGET_MS) this.targetsSeen.delete(k);
				if (answered === 0) return null;
				// Totals answered in this scrape go into the row (a counter that did not move still has a sample);
				// those of an endpoint that stopped answering have none, as in Prometheus.
				for (const [k, e] of this.totals) {
					if (e.at === at) row.set(k, e.v);
					else if (at - e.at > FORGET_MS) this.totals.delete(k);
				}
				return { row, born };
			}
		};
	}

	private fold(at: number, t: ScrapedTarget, row: Map<string, number>, born: Map<string, number>): void {
		const known = this.targetsSeen.has(t.id);
		let last = this.last.get(t.id);
		if (!last) this.last.set(t.id, (last = new Map()));
		for (const s of t.samples!) {
			const c = classify(s);
			if (!c) continue;
			const key = seriesKey(c.forge, this.groupOf(c.forge, t, s), c.field, c.sub);
			if (GAUGES.has(c.field)) {
				if (Number.isFinite(s.value)) row.set(key, (row.get(key) ?? 0) + s.value);
				continue;
			}
			if (!Number.isFinite(s.value)) continue;
			const series = seriesOf(s);
			const prev = last.get(series);
			const delta = prev ? (s.value >= prev.v ? s.value - prev.v : s.value) : known ? s.value : 0;
			if (prev) {
				prev.v = s.value;
				prev.at = at;
			} else last.set(series, { v: s.value, at });
			const total = this.totals.get(key);
			if (!total && known) born.set(key, 0);
			this.totals.set(key, { v: (total?.v ?? 0) + delta, at });
		}
		this.targetsSeen.set(t.id, at);
	}
}

/** One scrape cycle being folded in, endpoint by endpoint (`ScrapeAggregator.begin`). */
export interface ScrapeCycle {
	add(target: ScrapedTarget): void;
	/** The row and born counters, or null when no endpoint answered. */
	finish(): { row: Map<string, number>; born: Map<string, number> } | null;
}
