import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { ApiError } from '$lib/server/http/errors';
import { runnerDetail } from '$lib/server/services/runner-detail';

export const load: PageServerLoad = async ({ params }) => {
	try {
		return { runner: await runnerDetail(params.id) };
	} catch (e) {
		if (e instanceof ApiError) error(e.status, { code: e.code, message: e.message });
		throw e;
	}
};
