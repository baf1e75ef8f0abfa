// Fleet lists as CSV: the same filters as their JSON answers and pages, every row
// (paging ignored), streamed.
import type { CsvColumn } from '$lib/core/csv';
import { fleetQuery } from '$lib/core/fleet-query';
import type { Runner } from '$lib/core/runner';
import { streamCsv } from '../../http/csv-stream';
import { rawOp } from '../operation';

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

export const EXPORT_OPERATIONS = [exportRunners];
