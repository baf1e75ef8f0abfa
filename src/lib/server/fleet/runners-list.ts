// GET /api/v1/runners: one page of the fleet as JSON, each runner marked with its
// source's freshness. Served by the SvelteKit route and by the hot-read lane.
import { fleetQuery, type FleetQuery } from '$lib/core/fleet-query';
import { app } from '../app';
import { readQuery } from '../http/body';
import { withFreshness } from './freshness';

// Clients poll the same few query strings; each is validated once, not per request.
const MAX_PARSED = 500;
const parsed = new Map<string, FleetQuery>();

/** `search` is the request's query string (with or without its `?`). */
export function runnersListJson(search: string): string {
	let q = parsed.get(search);
	if (!q) {
		q = readQuery(new URL(search.startsWith('?') ? search : `?${search}`, 'http://query.invalid'), fleetQuery);
		if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
		parsed.set(search, q);
	}
	return app().views.json(q, withFreshness);
}
