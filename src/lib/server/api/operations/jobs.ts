// Waiting jobs: every job waiting for a runner longer than the threshold, with the reason
// from the fleet, a count per reason, and the same list as CSV.
import { z } from 'zod';
import { fieldColumns, type CsvColumn } from '$lib/core/csv';
import { pageSchema } from '$lib/core/paging';
import { reasonCountSchema, waitingJobSchema, waitingQuery, type WaitingJob } from '$lib/core/waiting-jobs';
import { errorSchema } from '../errors';
import { op } from '../operation';
import { csvExport } from './exports';

export const listWaitingJobs = op({
	id: 'listWaitingJobs',
	method: 'GET',
	path: '/api/v1/jobs/waiting',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'Jobs waiting for a runner longer than the threshold (`waiting_jobs.threshold_seconds`), longest first, each with why: the reason and its words, and the runners that could take it.',
	description:
		'Reasons: `no_runner` (no runner would pick it: none has the tags or, on GitLab, none of those takes untagged jobs or belongs to the job’s project or its groups), `all_paused`, `all_offline` (every matching runner paused or offline), `pods_pending` (the runner type’s pods are Pending, with the scheduler’s or kubelet’s words), `hpa_at_max`, `scale_set_at_max`, `busy` (every matching runner at its concurrency limit), `waiting` (a runner is free; it has not picked the job yet). GitLab: pending jobs of the projects in the source’s scope; GitHub: queued jobs of the repositories in scope, ARC scale-set jobs included.',
	query: waitingQuery,
	responses: { 200: pageSchema(waitingJobSchema.meta({ id: 'WaitingJob' })), 400: errorSchema },
	handler: ({ app, query }) => app.waitingJobs.list(query)
});

export const waitingJobsSummary = op({
	id: 'waitingJobsSummary',
	method: 'GET',
	path: '/api/v1/jobs/waiting/summary',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'Waiting jobs counted per forge and reason (what the Capacity page shows), with when each source’s jobs were last read and its error.',
	responses: {
		200: z
			.object({
				threshold_s: z.number().int(),
				total: z.number().int(),
				by_reason: z.array(reasonCountSchema),
				sources: z.array(z.object({ source: z.string(), read_at: z.string().nullable(), error: z.string().nullable() }))
			})
			.meta({ id: 'WaitingJobsSummary' })
	},
	handler: ({ app }) => app.waitingJobs.summary()
});

const WAITING_COLUMNS: CsvColumn<WaitingJob>[] = [
	...fieldColumns<WaitingJob>('id', 'forge', 'source', 'project', 'name', 'tags', 'created_at', 'waited_s', 'reason', 'reason_text', 'runner_type'),
	{ header: 'candidates', value: (j) => j.candidates_total },
	...fieldColumns<WaitingJob>('url')
];

export const exportWaitingJobs = csvExport({
	id: 'exportWaitingJobs',
	path: '/api/v1/jobs/waiting/export',
	summary: 'The waiting jobs as CSV, with the same filters as `GET /api/v1/jobs/waiting` and every page (paging parameters are ignored).',
	query: waitingQuery,
	file: 'waiting-jobs.csv',
	columns: () => WAITING_COLUMNS,
	rows: (app, query) => app.waitingJobs.list({ ...query, page: 1, per_page: Number.MAX_SAFE_INTEGER }).items
});

export const JOB_OPERATIONS = [listWaitingJobs, waitingJobsSummary, exportWaitingJobs];
