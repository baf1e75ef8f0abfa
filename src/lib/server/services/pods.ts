import type { PodView } from '$lib/core/pods';
import { app } from '../app';

export type SourcedPod = PodView & { source: string; simulated: boolean };

/** Runner-stack pods of every watched cluster, each with its source, ordered by runner type then name. */
export function allPods(): SourcedPod[] {
	return [...app().kubernetes.values()]
		.flatMap((k) => k.pods().map((p) => ({ ...p, source: k.name, simulated: k.simulated })))
		.sort((a, b) => a.runner_type.localeCompare(b.runner_type) || a.name.localeCompare(b.name));
}
