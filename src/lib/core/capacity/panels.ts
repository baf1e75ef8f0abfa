// The capacity panels: what each one measures, and the one PromQL query per panel and
// forge that answers it for every runner type / scale set plus the forge as a whole.
// A page load therefore costs a fixed number of queries whatever the fleet's size.
import type { Forge } from '../runner';
import type { CapacityWindow, PanelId, PanelInfo } from './types';

export const FORGES: readonly Forge[] = ['gitlab', 'github'];

export const PANELS: readonly PanelInfo[] = [
	{
		id: 'pending',
		title: 'Pending jobs',
		unit: 'jobs',
		description:
			'Jobs waiting for a runner now. GitLab: the runner managers’ job queue size (gitlab_runner_job_queue_size) per runner type; ARC: jobs assigned to a scale set but not yet running (gha_assigned_jobs − gha_running_jobs).',
		caveat: 'GitLab counts only jobs a manager of that runner type could take (by tags); a job no runner matches is pending in GitLab but counted nowhere here.'
	},
	{
		id: 'running',
		title: 'Running jobs',
		unit: 'jobs',
		description: 'Jobs running now: the sum of gitlab_runner_jobs over the runner type’s managers; gha_running_jobs from the scale set’s listener.',
		caveat: 'A manager or listener that cannot be scraped drops out of the sum until it answers again.'
	},
	{
		id: 'wait_p50_s',
		title: 'Wait time p50',
		unit: 'seconds',
		description: 'Median time a job waited before a runner started it, over the window (gitlab_runner_job_queue_duration_seconds, gha_job_startup_duration_seconds).',
		caveat:
			'Interpolated linearly within histogram buckets, as Prometheus does. ARC’s startup time excludes the wait before a scale set picks the job up; listener counters reset when it restarts (rate() handles resets).'
	},
	{
		id: 'wait_p95_s',
		title: 'Wait time p95',
		unit: 'seconds',
		description: '95th percentile of the time jobs waited before starting, over the window, from the same histograms as the median.',
		caveat: 'A p95 landing in the last finite bucket is reported as that bucket’s upper bound (3600 s for GitLab and ARC’s default buckets): “at least”, not exact.'
	},
	{
		id: 'saturation',
		title: 'Saturation',
		unit: 'ratio',
		description: 'How full the runners are now: GitLab sum(gitlab_runner_jobs) / sum(gitlab_runner_concurrent); ARC busy / registered runners (gha_busy_runners / gha_registered_runners).',
		caveat: 'ARC saturation is undefined (empty) while a scale set has no registered runner, e.g. scaled to zero; a full scale set at maxRunners shows 1 however long its queue.'
	},
	{
		id: 'duration_p50_s',
		title: 'Job duration p50',
		unit: 'seconds',
		description: 'Median run time of jobs that finished in the window (gitlab_runner_job_duration_seconds, gha_job_execution_duration_seconds).',
		caveat: 'GitLab’s default buckets are coarse (30 s, 60 s, 300 s, …): values between bounds are interpolated, not measured.'
	},
	{
		id: 'duration_p95_s',
		title: 'Job duration p95',
		unit: 'seconds',
		description: '95th percentile of the run time of jobs that finished in the window.',
		caveat: 'Jobs still running are not in it until they end; long jobs show up late.'
	},
	{
		id: 'jobs_per_minute',
		title: 'Jobs started per minute',
		unit: 'jobs/min',
		description: 'Average rate of jobs started over the window (rate of gitlab_runner_jobs_total and gha_started_jobs_total, × 60).',
		caveat: 'Counters restart from zero when a manager or listener restarts; rate() treats a drop as a reset, so only the jobs between the last scrape and the restart are lost.'
	},
	{
		id: 'failures',
		title: 'Failed jobs',
		unit: 'jobs',
		description:
			'Jobs that failed within the window, by reason: GitLab failure_reason (increase of gitlab_runner_failed_jobs_total); ARC job_result other than succeeded (gha_completed_jobs_total).',
		caveat:
			'increase() extrapolates to the window’s edges, so counts need not be whole numbers, and Prometheus misses the first failure of a reason (or job) it has no earlier sample of. GitLab jobs that never left the queue (stuck_or_timeout_failure) are in no manager’s counters.'
	}
];

export const PANEL_IDS = PANELS.map((p) => p.id) as readonly PanelId[];

/** Series step per window: at most ~700 points even at 7 d, so a chart stays readable and cheap. */
export const SERIES_STEP_S: Record<CapacityWindow, number> = { '1h': 15, '6h': 60, '24h': 300, '7d': 900 };

/** The last point of a series: now, on a 15 s grid so concurrent requests line up (and share a cache entry). */
export function seriesEndS(nowMs: number): number {
	return Math.floor(nowMs / 15_000) * 15;
}

/** How far back each rate, increase or quantile point of a series looks: one step, at least a minute (four 15 s scrapes). */
export function seriesRangeS(stepS: number): number {
	return Math.max(stepS, 60);
}

/** The labels that name a group on the forges' metrics. */
export interface GroupLabels {
	/** Target label with the GitLab runner type on gitlab_runner_* series (set by service discovery or relabelling). */
	gitlab: string;
	/** Target label with the scale set on the ARC listener's job counters and histograms (its gauges carry `name` themselves). */
	arc: string;
}

export const DEFAULT_GROUP_LABELS: GroupLabels = { gitlab: 'runner_type', arc: 'scale_set' };

/** Marks the forge-total element of a panel query's answer. */
export const TOTAL_LABEL = 'capacity_scope';

/** A group whose series lack the grouping label. */
export const UNLABELLED = '(unlabelled)';

const by = (labels: string[]) => `by (${labels.join(', ')})`;

type Template = (groupBy: string[], range: string) => string;

function quantile(q: number, bucket: string): Template {
	return (g, r) => `histogram_quantile(${q}, sum ${by([...g, 'le'])} (rate(${bucket}[${r}])))`;
}

/** One template per panel and forge; `g` is the grouping (empty for the forge total), `r` the range. */
function templates(labels: GroupLabels): Record<Forge, Record<PanelId, Template>> {
	const gl = labels.gitlab;
	const arc = labels.arc;
	// ARC gauges carry the AutoscalingRunnerSet's `name`; its job counters and histograms only the target label.
	const gauge = (g: string[]) => g.map((l) => (l === arc ? 'name' : l));
	return {
		gitlab: {
			pending: (g) => `sum ${by(g)} (gitlab_runner_job_queue_size)`,
			running: (g) => `sum ${by(g)} (gitlab_runner_jobs)`,
			wait_p50_s: quantile(0.5, 'gitlab_runner_job_queue_duration_seconds_bucket'),
			wait_p95_s: quantile(0.95, 'gitlab_runner_job_queue_duration_seconds_bucket'),
			saturation: (g) => `sum ${by(g)} (gitlab_runner_jobs) / sum ${by(g)} (gitlab_runner_concurrent)`,
			duration_p50_s: quantile(0.5, 'gitlab_runner_job_duration_seconds_bucket'),
			duration_p95_s: quantile(0.95, 'gitlab_runner_job_duration_seconds_bucket'),
			jobs_per_minute: (g, r) => `sum ${by(g)} (rate(gitlab_runner_jobs_total[${r}])) * 60`,
			failures: (g, r) => `sum ${by([...g, 'failure_reason'])} (increase(gitlab_runner_failed_jobs_total[${r}]))`
		},
		github: {
			pending: (g) => `sum ${by(gauge(g))} (gha_assigned_jobs) - sum ${by(gauge(g))} (gha_running_jobs)`,
			running: (g) => `sum ${by(gauge(g))} (gha_running_jobs)`,
			wait_p50_s: quantile(0.5, 'gha_job_startup_duration_seconds_bucket'),
			wait_p95_s: quantile(0.95, 'gha_job_startup_duration_seconds_bucket'),
			saturation: (g) => `sum ${by(gauge(g))} (gha_busy_runners) / sum ${by(gauge(g))} (gha_registered_runners)`,
			duration_p50_s: quantile(0.5, 'gha_job_execution_duration_seconds_bucket'),
			duration_p95_s: quantile(0.95, 'gha_job_execution_duration_seconds_bucket'),
			jobs_per_minute: (g, r) => `sum ${by(g)} (rate(gha_started_jobs_total[${r}])) * 60`,
			failures: (g, r) => `sum ${by([...g, 'job_result'])} (increase(gha_completed_jobs_total{job_result!="succeeded"}[${r}]))`
		}
	};
}

/** The label a forge's groups are named by on a panel's answer. */
export function groupLabelOf(forge: Forge, panel: PanelId, labels: GroupLabels): string {
	if (forge === 'gitlab') return labels.gitlab;
	return ['pending', 'running', 'saturation'].includes(panel) ? 'name' : labels.arc;
}

/** The failure-reason label of the failures panel. */
export function reasonLabelOf(forge: Forge): string {
	return forge === 'gitlab' ? 'failure_reason' : 'job_result';
}

/**
 * One PromQL expression answering a panel for every group of a forge and for the forge
 * as a whole; the total comes back labelled `capacity_scope="forge"`.
 */
export function panelQuery(panel: PanelId, forge: Forge, rangeS: number, labels: GroupLabels = DEFAULT_GROUP_LABELS): string {
	const t = templates(labels)[forge][panel];
	const r = `${Math.round(rangeS)}s`;
	const group = forge === 'gitlab' ? labels.gitlab : labels.arc;
	return `${t([group], r)} or label_replace(${t([], r)}, "${TOTAL_LABEL}", "forge", "", "")`;
}

/** Where one element of a panel query's answer belongs: the forge total (null) or a group. */
export function groupOfResult(forge: Forge, panel: PanelId, metric: Record<string, string>, labels: GroupLabels = DEFAULT_GROUP_LABELS): string | null {
	if (metric[TOTAL_LABEL] === 'forge') return null;
	const v = metric[groupLabelOf(forge, panel, labels)];
	return v ? v : UNLABELLED;
}

/** The kind of group a forge has. */
export function groupKind(forge: Forge): 'runner_type' | 'scale_set' {
	return forge === 'gitlab' ? 'runner_type' : 'scale_set';
}
