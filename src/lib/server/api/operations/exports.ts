// Fleet lists as CSV: the same filters as their JSON answers and pages, every row
// (paging ignored), streamed.
import type { z } from 'zod';
import { fieldColumns, type CsvColumn } from '$lib/core/csv';
import { fleetQuery } from '$lib/core/fleet-query';
import type { PodView } from '$lib/core/pods';
import type { Runner } from '$lib/core/runner';
import type { AppContext } from '../../app';
import type { ScaleSetView } from '../../services/scale-sets';
import { streamCsv } from '../../http/csv-stream';
import { rawOp } from '../operation';
import { podsMatching, podsQuery, scaleSetsMatching, scaleSetsQuery } from './fleet';

/** A list's CSV: a viewer's GET taking the list's own query, every row the query selects, streamed as `file`. */
export function csvExport<Q extends z.ZodType, T>(def: {
	id: string;
	path: string;
	summary: string;
	query: Q;
	file: string;
	columns: (app: AppContext) => readonly CsvColumn<T>[];
	rows: (app: AppContext, query: z.output<Q>) => Iterable<T>;
}) {
	return rawOp({
		id: def.id,
		method: 'GET',
		path: def.path,
		access: 'viewer',
		tag: 'Fleet',
		summary: def.summary,
		produces: 'text/csv',
		errors: [400],
		query: def.query,
		handler: ({ app, query }, res) => streamCsv(res, def.file, def.columns(app), def.rows(app, query as z.output<Q>))
	});
}

const runnerColumns = (outdated: (r: Runner) => string): CsvColumn<Runner>[] => [
	...fieldColumns<Runner>('id', 'forge', 'source', 'name', 'description', 'status', 'paused', 'busy', 'type', 'tags', 'version'),
	{ header: 'outdated', value: outdated },
	...fieldColumns<Runner>('ip_address', 'contacted_at', 'scale_set')
];

export const exportRunners = csvExport({
	id: 'exportRunners',
	path: '/api/v1/runners/export',
	summary: 'The runners as CSV, with the same filters, search and sort as `GET /api/v1/runners` and every page (paging parameters are ignored); `outdated` against the forge’s version.',
	query: fleetQuery,
	file: 'runners.csv',
	columns: (app) => runnerColumns((r) => app.forgeVersions.outdated(r)),
	rows: (app, query) => app.views.query({ ...query, page: 1, per_page: Number.MAX_SAFE_INTEGER }).items
});

const POD_COLUMNS = fieldColumns<PodView & { source: string }>('source', 'namespace', 'name', 'stack', 'runner_type', 'phase', 'ready', 'restarts', 'reason', 'node', 'started_at');

export const exportPods = csvExport({
	id: 'exportPods',
	path: '/api/v1/pods/export',
	summary: 'The runner stacks’ pods as CSV, with the same filters as `GET /api/v1/pods` and every page (paging parameters are ignored).',
	query: podsQuery,
	file: 'pods.csv',
	columns: () => POD_COLUMNS,
	rows: (app, query) => podsMatching(app.kubernetes, query)
});

const SCALE_SET_COLUMNS = fieldColumns<ScaleSetView>(
	'id',
	'source',
	'namespace',
	'name',
	'scale_set_name',
	'runner_group',
	'min_runners',
	'max_runners',
	'current_runners',
	'desired_runners',
	'pending',
	'running',
	'failed',
	'drained',
	'assigned_jobs',
	'waiting_jobs'
);

export const exportScaleSets = csvExport({
	id: 'exportScaleSets',
	path: '/api/v1/scale-sets/export',
	summary: 'The ARC scale sets as CSV, with the same filters as `GET /api/v1/scale-sets` and every page (paging parameters are ignored).',
	query: scaleSetsQuery,
	file: 'scale-sets.csv',
	columns: () => SCALE_SET_COLUMNS,
	rows: (app, query) => scaleSetsMatching(app, query)
});

export const EXPORT_OPERATIONS = [exportRunners, exportPods, exportScaleSets];
