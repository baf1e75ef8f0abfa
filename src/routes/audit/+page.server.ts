import type { PageServerLoad } from './$types';
import { app } from '$lib/server/app';

export const load: PageServerLoad = async ({ url }) => {
	const page = Math.max(1, Math.min(1_000_000, Number(url.searchParams.get('page')) || 1));
	const perPage = 50;
	const { items, total } = await app().store.audit.list({ page, perPage });
	return { items, total, page, perPage };
};
