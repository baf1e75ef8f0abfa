// GitLab jobs a runner ran or runs (GET /runners/:id/jobs), as the runner page shows them.
import { z } from 'zod';

export const gitlabJob = z.looseObject({
	id: z.number(),
	status: z.string(),
	name: z.string().nullable().optional(),
	stage: z.string().nullable().optional(),
	ref: z.string().nullable().optional(),
	created_at: z.string().nullable().optional(),
	started_at: z.string().nullable().optional(),
	finished_at: z.string().nullable().optional(),
	duration: z.number().nullable().optional(),
	queued_duration: z.number().nullable().optional(),
	web_url: z.string().nullable().optional(),
	pipeline: z.looseObject({ id: z.number() }).nullable().optional(),
	project: z.looseObject({ path_with_namespace: z.string().optional(), name: z.string().optional() }).nullable().optional()
});

export const runnerJobSchema = z.object({
	id: z.number().int(),
	status: z.string(),
	name: z.string(),
	stage: z.string().nullable(),
	ref: z.string().nullable(),
	project: z.string().nullable(),
	pipeline_id: z.number().int().nullable(),
	created_at: z.string().nullable(),
	started_at: z.string().nullable(),
	finished_at: z.string().nullable(),
	duration_s: z.number().nullable(),
	/** Seconds the job waited in the queue before a runner picked it. */
	queued_duration_s: z.number().nullable(),
	/** The job's page on the forge; only http(s) links are kept. */
	web_url: z.string().nullable()
});
export type RunnerJob = z.infer<typeof runnerJobSchema>;

/** A link the page may render: http(s) only, so a forge can never hand it a `javascript:` URL. */
export function httpUrl(url: string | null | undefined): string | null {
	if (!url) return null;
	try {
		const u = new URL(url);
		return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
	} catch {
		return null;
	}
}

export function normalizeGitlabJob(j: z.infer<typeof gitlabJob>): RunnerJob {
	return {
		id: j.id,
		status: j.status,
		name: j.name ?? `job ${j.id}`,
		stage: j.stage ?? null,
		ref: j.ref ?? null,
		project: j.project?.path_with_namespace ?? j.project?.name ?? null,
		pipeline_id: j.pipeline?.id ?? null,
		created_at: j.created_at ?? null,
		started_at: j.started_at ?? null,
		finished_at: j.finished_at ?? null,
		duration_s: j.duration ?? null,
		queued_duration_s: j.queued_duration ?? null,
		web_url: httpUrl(j.web_url)
	};
}

type RunnerPod = { name: string; runner_type: string; stack: string };

/** A pod list arranged for `podsForRunner`: built once per list, read by every runner page. */
export interface RunnerPodIndex<P extends RunnerPod> {
	/** GitLab runner types, longest first: a runner belongs to the longest type its name starts with. */
	gitlabTypes: string[];
	gitlabByType: Map<string, P[]>;
	arcByName: Map<string, P[]>;
}

export function runnerPodIndex<P extends RunnerPod>(pods: P[]): RunnerPodIndex<P> {
	const gitlabByType = new Map<string, P[]>();
	const arcByName = new Map<string, P[]>();
	const add = (m: Map<string, P[]>, key: string, p: P) => {
		const list = m.get(key);
		if (list) list.push(p);
		else m.set(key, [p]);
	};
	for (const p of pods) {
		if (p.stack === 'gitlab') add(gitlabByType, p.runner_type, p);
		else if (p.stack === 'arc') add(arcByName, p.name, p);
	}
	return { gitlabTypes: [...gitlabByType.keys()].sort((a, b) => b.length - a.length), gitlabByType, arcByName };
}

/** Pods that serve a runner: ARC's pod carries the runner's own name; a GitLab runner's are its runner type's Deployment pods (do not mutate). */
export function podsForRunner<P extends RunnerPod>(runner: { forge: string; name: string; scale_set: string | null }, pods: RunnerPodIndex<P>): P[] {
	if (runner.forge === 'github') return pods.arcByName.get(runner.name) ?? [];
	const type = pods.gitlabTypes.find((t) => runner.name.startsWith(t));
	return type ? pods.gitlabByType.get(type)! : [];
}
