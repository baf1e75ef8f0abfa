import type { PageServerLoad } from './$types';
import { podsByRunnerType } from '$lib/core/pods';
import { app } from '$lib/server/app';
import { allPods } from '$lib/server/services/pods';

export const load: PageServerLoad = ({ url }) => {
	const type = url.searchParams.get('runner_type');
	const all = allPods();
	return {
		clusters: app().kubernetes.size,
		summary: podsByRunnerType(all),
		runnerType: type,
		pods: all.filter((p) => !type || p.runner_type === type).slice(0, 500)
	};
};
