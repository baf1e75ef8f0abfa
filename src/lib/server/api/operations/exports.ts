// Fleet lists as CSV: the same filters as their JSON answers and pages, every row
// (paging ignored), streamed.
import type { CsvColumn } from '$lib/core/csv';
import { fleetQuery } from '$lib/core/fleet-query';
import type { PodView } from '$lib/core/pods';
import type { Runner } from '$lib/core/runner';
import type { ScaleSetView } from '../../services/scale-sets';
import { streamCsv } from '../../http/csv-stream';
import { rawOp } from '../operation';
import { podsMatching, podsQuery, scaleSetsMatching, scaleSetsQuery } from './fleet';

const RUNNER_COLUMNS = (outdated: (r: Runner) => string): CsvColumn<Runner>[] => [
	{ header: 'id', value: (r) => r.id },
	{ header: 'forge', value: (r) => r.forge },
	{ header: 'source', value: (r) => r.source },
	{ header: 'name', value: (r) => r.name },
	{ header: 'description', value: (r) => r.description },
	{ header: 'status', value: (r) => r.status },
	{ header: 'paused', value: (r) => r.paused },
	{ header: 'busy', value: (r) => r.busy },
	{ header: 'type', value: (r) => r.type },
	{ header: 'tags', value: (r) => r.tags },
	{ header: 'version', value: (r) => r.version },
	{ header: 'outdated', value: outdated },
	{ header: 'ip_address', value: (r) => r.ip_address },
	{ header: 'contacted_at', value: (r) => r.contacted_at },
	{ header: 'scale_set', value: (r) => r.scale_set }
];

export const exportRunners = rawOp({
	id: 'exportRunners',
	method: 'GET',
	path: '/api/v1/runners/export',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'The runners as CSV, with the same filters, search and sort as `GET /api/v1/runners` and every page (paging parameters are ignored); `outdated` against the forge’s version.',
	produces: 'text/csv',
	errors: [400],
	query: fleetQuery,
	handler: ({ app, query }, res) =>
		streamCsv(res, 'runners.csv', RUNNER_COLUMNS((r) => app.forgeVersions.outdated(r)), app.views.query({ ...query, page: 1, per_page: Number.MAX_SAFE_INTEGER }).items)
});

const POD_COLUMNS: CsvColumn<PodView & { source: string }>[] = [
	{ header: 'source', value: (p) => p.source },
	{ header: 'namespace', value: (p) => p.namespace },
	{ header: 'name', value: (p) => p.name },
	{ header: 'stack', value: (p) => p.stack },
	{ header: 'runner_type', value: (p) => p.runner_type },
	{ header: 'phase', value: (p) => p.phase },
	{ header: 'ready', value: (p) => p.ready },
	{ header: 'restarts', value: (p) => p.restarts },
	{ header: 'reason', value: (p) => p.reason },
	{ header: 'node', value: (p) => p.node },
	{ header: 'started_at', value: (p) => p.started_at }
];

export const exportPods = rawOp({
	id: 'exportPods',
	method: 'GET',
	path: '/api/v1/pods/export',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'The runner stacks’ pods as CSV, with the same filters as `GET /api/v1/pods` and every page (paging parameters are ignored).',
	produces: 'text/csv',
	errors: [400],
	query: podsQuery,
	handler: ({ app, query }, res) => streamCsv(res, 'pods.csv', POD_COLUMNS, podsMatching(app.kubernetes, query))
});

const SCALE_SET_COLUMNS: CsvColumn<ScaleSetView>[] = [
	{ header: 'id', value: (s) => s.id },
	{ header: 'source', value: (s) => s.source },
	{ header: 'namespace', value: (s) => s.namespace },
	{ header: 'name', value: (s) => s.name },
	{ header: 'scale_set_name', value: (s) => s.scale_set_name },
	{ header: 'runner_group', value: (s) => s.runner_group },
	{ header: 'min_runners', value: (s) => s.min_runners },
	{ header: 'max_runners', value: (s) => s.max_runners },
	{ header: 'current_runners', value: (s) => s.current_runners },
	{ header: 'desired_runners', value: (s) => s.desired_runners },
	{ header: 'pending', value: (s) => s.pending },
	{ header: 'running', value: (s) => s.running },
	{ header: 'failed', value: (s) => s.failed },
	{ header: 'drained', value: (s) => s.drained },
	{ header: 'assigned_jobs', value: (s) => s.assigned_jobs },
	{ header: 'waiting_jobs', value: (s) => s.waiting_jobs }
];

export const exportScaleSets = rawOp({
	id: 'exportScaleSets',
	method: 'GET',
	path: '/api/v1/scale-sets/export',
	access: 'viewer',
	tag: 'Fleet',
	summary: 'The ARC scale sets as CSV, with the same filters as `GET /api/v1/scale-sets` and every page (paging parameters are ignored).',
	produces: 'text/csv',
	errors: [400],
	query: scaleSetsQuery,
	handler: ({ app, query }, res) => streamCsv(res, 'scale-sets.csv', SCALE_SET_COLUMNS, scaleSetsMatching(app, query))
});

export const EXPORT_OPERATIONS = [exportRunners, exportPods, exportScaleSets];
