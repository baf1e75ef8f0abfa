import type { LayoutServerLoad } from './$types';
import { app } from '$lib/server/app';
import { buildInfo } from '$lib/server/build-info';

export const load: LayoutServerLoad = ({ locals }) => {
	const p = locals.principal;
	if (!p) return { user: null, sources: [], version: buildInfo().version };
	const { sources, fleet } = app();
	return {
		user: { name: p.name, role: p.role, kind: p.kind },
		sources: sources.list((s) => fleet.countBySource(s)).map(({ url: _url, ...s }) => s),
		version: buildInfo().version
	};
};
