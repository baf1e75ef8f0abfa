import type { PageServerLoad } from './$types';
import { podsByRunnerType } from '$lib/core/pods';
import { app } from '$lib/server/app';

export const load: PageServerLoad = ({ url }) => {
	const type = url.searchParams.get('runner_type');
	const all = [...app().kubernetes.values()].flatMap((k) => k.pods().map((p) => ({ ...p, source: k.name, simulated: k.simulated })));
	return {
		clusters: app().kubernetes.size,
		summary: podsByRunnerType(all),
		runnerType: type,
		pods: all.filter((p) => !type || p.runner_type === type).sort((a, b) => a.runner_type.localeCompare(b.runner_type) || a.name.localeCompare(b.name)).slice(0, 500)
	};
};
