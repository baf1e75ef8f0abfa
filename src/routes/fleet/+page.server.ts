import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { fleetQuery } from '$lib/core/fleet-query';
import { app } from '$lib/server/app';
import { withFreshness } from '$lib/server/fleet/freshness';
import { zodMessage } from '$lib/server/http/errors';

export const load: PageServerLoad = ({ url }) => {
	const raw = Object.fromEntries(url.searchParams);
	const parsed = fleetQuery.safeParse(raw);
	if (!parsed.success) error(400, { code: 'invalid_query', message: zodMessage(parsed.error) });
	const { fleet, sources, views } = app();
	const page = views.query(parsed.data);
	return {
		query: parsed.data,
		runners: { ...page, items: withFreshness(page.items) },
		sourceNames: sources.list((s) => fleet.countBySource(s)).map((s) => s.name),
		fleetSize: fleet.size
	};
};
