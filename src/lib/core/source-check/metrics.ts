// Prometheus: does it answer a query, and does it hold the runner metrics the capacity
// panels read (gitlab-runner managers, ARC listeners)?
import { rowsFor, type CheckRow, type Outcome } from './report';

export interface PrometheusFacts {
	url: string;
	/** An instant query of `vector(1)`. */
	query: Outcome<object>;
	/** How many series of a runner manager gauge and of an ARC listener gauge it holds now. */
	series: Outcome<{ gitlab: number; arc: number }>;
	/** Which of them the configured sources make worth expecting. */
	expect: { gitlab: boolean; arc: boolean };
}

export function prometheusRows(f: PrometheusFacts | null, scraper: { targets: number; discovery: number }): CheckRow[] {
	const row = rowsFor('prometheus', 'prometheus');
	if (!f) {
		return [
			row(
				'capacity source',
				'not_used',
				`metrics.prometheus is not set: the capacity panels come from the built-in scraper (${scraper.targets} static targets, ${scraper.discovery} service-discovery URLs)`
			)
		];
	}
	if (!f.query.ok) {
		const auth = f.query.status === 401 || f.query.status === 403;
		return [
			row(
				'query',
				'error',
				`${f.url} does not answer a query: ${f.query.error}`,
				auth ? 'check metrics.prometheus.bearer_token or basic_auth' : 'check metrics.prometheus.url (the base URL, without /api/v1) and that the dashboard can reach it'
			)
		];
	}
	const rows = [row('query', 'ok', `${f.url} answers queries`)];
	if (!f.series.ok) return [...rows, row('runner metrics', 'error', `counting runner series failed: ${f.series.error}`)];
	const { gitlab, arc } = f.series;
	const lacking = [...(f.expect.gitlab && gitlab === 0 ? ['gitlab_runner_* (the GitLab runner managers, :9252/metrics)'] : []), ...(f.expect.arc && arc === 0 ? ['gha_* (the ARC listeners, :8080/metrics)'] : [])];
	const found = `${gitlab} gitlab_runner_concurrent series (runner managers), ${arc} gha_assigned_jobs series (ARC listeners)`;
	if (lacking.length === 0) rows.push(row('runner metrics', 'ok', found));
	else
		rows.push(
			row(
				'runner metrics',
				'missing',
				`${found}: no ${lacking.join(' and no ')}, so those capacity panels stay empty`,
				'let Prometheus scrape them (a scrape job or PodMonitor for the runner manager pods, and for the ARC listeners with listenerMetrics set on the AutoscalingRunnerSets) and relabel runner_type / scale_set onto the series (metrics.runner_type_label, metrics.scale_set_label)'
			)
		);
	return rows;
}
