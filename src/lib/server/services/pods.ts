import type { PodView } from '$lib/core/pods';
import type { KubernetesSource } from '../sync/kubernetes-source';

export type SourcedPod = PodView & { source: string; simulated: boolean };

/** Runner-stack pods of every watched cluster, each with its source, ordered by runner type then name. */
export function allPods(kubernetes: Map<string, KubernetesSource>): SourcedPod[] {
	return [...kubernetes.values()]
		.flatMap((k) => k.pods().map((p) => ({ ...p, source: k.name, simulated: k.simulated })))
		.sort((a, b) => a.runner_type.localeCompare(b.runner_type) || a.name.localeCompare(b.name));
}
