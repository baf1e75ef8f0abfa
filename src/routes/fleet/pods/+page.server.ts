import type { PageServerLoad } from './$types';
import { podsByRunnerType } from '$lib/core/pods';
import { app } from '$lib/server/app';
import { allPods } from '$lib/server/services/pods';

export const load: PageServerLoad = ({ url }) => {
	const type = url.searchParams.get('runner_type');
	const all = allPods();
	// The capacity page names GitLab runner types as the HPAs do (the runner-type label), not by Deployment.
	const capacityGroups = Object.fromEntries(
		app()
			.autoscalers.list()
			.filter((a) => a.kind === 'hpa' && a.target?.startsWith('Deployment/'))
			.map((a) => [a.target!.slice('Deployment/'.length), a.group])
	);
	return {
		capacityGroups,
		clusters: app().kubernetes.size,
		summary: podsByRunnerType(all),
		runnerType: type,
		pods: all.filter((p) => !type || p.runner_type === type).slice(0, 500)
	};
};
