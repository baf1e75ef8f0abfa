import { podsForRunner, runnerPodIndex, type RunnerPodIndex } from '$lib/core/gitlab-job';
import { podsByRunnerType, type PodView, type RunnerTypePods } from '$lib/core/pods';
import type { Runner } from '$lib/core/runner';
import type { KubernetesSource } from '../sync/kubernetes-source';

export type SourcedPod = PodView & { source: string; simulated: boolean };

interface Built {
	/** Each cluster's pod views the list was built from (they are kept until that cluster changes). */
	from: PodView[][];
	pods: SourcedPod[];
	byRunnerType: RunnerTypePods[];
	byRunner: RunnerPodIndex<SourcedPod>;
}

// One per set of clusters, rebuilt when one of them changed: every request for the pods
// or a runner's page reads these, and building them from thousands of pods each time
// held requests up for milliseconds.
const built = new WeakMap<Map<string, KubernetesSource>, Built>();

function build(kubernetes: Map<string, KubernetesSource>): Built {
	const clusters = [...kubernetes.values()];
	const from = clusters.map((k) => k.pods());
	const last = built.get(kubernetes);
	if (last && last.from.length === from.length && last.from.every((p, i) => p === from[i])) return last;
	const pods = clusters
		.flatMap((k, i) => from[i]!.map((p) => ({ ...p, source: k.name, simulated: k.simulated })))
		.sort((a, b) => a.runner_type.localeCompare(b.runner_type) || a.name.localeCompare(b.name));
	const next = { from, pods, byRunnerType: podsByRunnerType(pods), byRunner: runnerPodIndex(pods) };
	built.set(kubernetes, next);
	return next;
}

/** Runner-stack pods of every watched cluster, each with its source, ordered by runner type then name (do not mutate). */
export function allPods(kubernetes: Map<string, KubernetesSource>): SourcedPod[] {
	return build(kubernetes).pods;
}

/** `allPods` summed per runner type (do not mutate). */
export function podsPerRunnerType(kubernetes: Map<string, KubernetesSource>): RunnerTypePods[] {
	return build(kubernetes).byRunnerType;
}

/** The pods serving one runner (do not mutate). */
export function podsOfRunner(kubernetes: Map<string, KubernetesSource>, runner: Runner): SourcedPod[] {
	return podsForRunner(runner, build(kubernetes).byRunner);
}
