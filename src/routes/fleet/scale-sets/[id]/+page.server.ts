import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { ApiError } from '$lib/server/http/errors';
import { scaleSetDetail } from '$lib/server/services/scale-sets';

export const load: PageServerLoad = ({ params }) => {
	try {
		return { scaleSet: scaleSetDetail(params.id) };
	} catch (e) {
		if (e instanceof ApiError) error(e.status, { code: e.code, message: e.message });
		throw e;
	}
};
