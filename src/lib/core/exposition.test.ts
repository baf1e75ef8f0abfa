import { describe, expect, it } from 'vitest';
import { arcListenerJobs, parseExposition } from './exposition';

const body = `# HELP gha_assigned_jobs Number of jobs assigned to this scale set.
# TYPE gha_assigned_jobs gauge
gha_assigned_jobs{enterprise="",name="gh-docker",namespace="arc-runners",organization="org",repository=""} 7
gha_running_jobs{enterprise="",name="gh-docker",namespace="arc-runners",organization="org",repository=""} 3
gha_assigned_jobs{name="gh-nix",namespace="arc-runners"} 0
gitlab_runner_concurrent 10
weird{label="with \\"quote\\" and \\\\ and \\n"} 1.5e3 1700000000000
hist_bucket{le="+Inf"} +Inf
not a metric line
broken{a="1" 2
`;

describe('parseExposition', () => {
	it('reads names, labels (with escapes), values and skips comments; counts malformed lines', () => {
		const { samples, malformed } = parseExposition(body);
		expect(malformed).toBe(2);
		expect(samples).toHaveLength(6);
		expect(samples[0]).toEqual({ name: 'gha_assigned_jobs', labels: { enterprise: '', name: 'gh-docker', namespace: 'arc-runners', organization: 'org', repository: '' }, value: 7 });
		expect(samples.find((s) => s.name === 'gitlab_runner_concurrent')).toEqual({ name: 'gitlab_runner_concurrent', labels: {}, value: 10 });
		expect(samples.find((s) => s.name === 'weird')).toEqual({ name: 'weird', labels: { label: 'with "quote" and \\ and \n' }, value: 1500 });
		expect(samples.find((s) => s.name === 'hist_bucket')!.value).toBe(Infinity);
	});
});

describe('arcListenerJobs', () => {
	it('pairs assigned and running jobs per scale set', () => {
		const jobs = arcListenerJobs(parseExposition(body).samples);
		expect(jobs.get('arc-runners/gh-docker')).toEqual({ assigned: 7, running: 3 });
		expect(jobs.get('arc-runners/gh-nix')).toEqual({ assigned: 0, running: 0 });
	});
});
