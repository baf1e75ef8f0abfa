import { describe, expect, it } from 'vitest';
import { rowsFromAnswers, seriesFromAnswers } from './assemble';
import { DEFAULT_GROUP_LABELS, PANELS, PANEL_IDS, panelQuery } from './panels';

describe('panel queries', () => {
	it('describe every panel with a title, unit, description and caveat', () => {
		expect(PANEL_IDS).toEqual(['pending', 'running', 'wait_p50_s', 'wait_p95_s', 'saturation', 'duration_p50_s', 'duration_p95_s', 'jobs_per_minute', 'failures']);
		for (const p of PANELS) expect(p.title && p.description.length > 20 && p.caveat.length > 20).toBeTruthy();
	});

	it('ask for every group and the forge total in one query', () => {
		expect(panelQuery('running', 'gitlab', 3600)).toBe(
			'sum by (runner_type) (gitlab_runner_jobs) or label_replace(sum by () (gitlab_runner_jobs), "capacity_scope", "forge", "", "")'
		);
		expect(panelQuery('wait_p95_s', 'github', 600)).toBe(
			'histogram_quantile(0.95, sum by (scale_set, le) (rate(gha_job_startup_duration_seconds_bucket[600s]))) or label_replace(histogram_quantile(0.95, sum by (le) (rate(gha_job_startup_duration_seconds_bucket[600s]))), "capacity_scope", "forge", "", "")'
		);
		expect(panelQuery('pending', 'github', 60)).toContain('sum by (name) (gha_assigned_jobs) - sum by (name) (gha_running_jobs)');
		expect(panelQuery('failures', 'github', 60, { gitlab: 'rt', arc: 'ss' })).toContain('sum by (ss, job_result) (increase(gha_completed_jobs_total{job_result!="succeeded"}[60s]))');
	});
});

describe('assembling Prometheus answers', () => {
	it('makes one row per group and forge total, non-finite values as null, failures by reason', () => {
		const rows = rowsFromAnswers(
			[
				{ forge: 'gitlab', panel: 'running', result: [{ metric: { runner_type: 'nix' }, value: 2 }, { metric: { capacity_scope: 'forge' }, value: 5 }, { metric: {}, value: 3 }] },
				{ forge: 'gitlab', panel: 'wait_p50_s', result: [{ metric: { runner_type: 'nix' }, value: NaN }] },
				{ forge: 'gitlab', panel: 'failures', result: [{ metric: { runner_type: 'nix', failure_reason: 'script_failure' }, value: 1.5 }] },
				{ forge: 'github', panel: 'pending', result: [{ metric: { name: 'gh-nix' }, value: 1 }] }
			],
			DEFAULT_GROUP_LABELS
		);
		expect(rows.map((r) => [r.forge, r.group])).toEqual([
			['gitlab', null],
			['gitlab', '(unlabelled)'],
			['gitlab', 'nix'],
			['github', 'gh-nix']
		]);
		expect(rows[2]).toMatchObject({ kind: 'runner_type', running: 2, wait_p50_s: null, failures: { script_failure: 1.5 } });
		expect(rows[3]).toMatchObject({ kind: 'scale_set', pending: 1, running: null });
	});

	it('aligns range answers on the step grid, summing a group’s failure reasons', () => {
		const s = seriesFromAnswers(
			[
				{
					forge: 'gitlab',
					result: [
						{ metric: { runner_type: 'nix', failure_reason: 'a' }, values: [[100, 1], [130, 2]] },
						{ metric: { runner_type: 'nix', failure_reason: 'b' }, values: [[130, 3]] }
					]
				}
			],
			'failures',
			DEFAULT_GROUP_LABELS,
			100,
			130,
			15
		);
		expect(s).toEqual([{ forge: 'gitlab', group: 'nix', points: [[100, 1], [115, null], [130, 5]] }]);
	});
});
