// Ground truth beyond what the forges answer, for tests that check the dashboard's
// conclusions against what the simulation knows: which jobs wait and which runners
// could take them, and which runners are dead weight.

import { projectById, projectFullPath } from './sim/catalog.js';
import { DAY, iso } from './sim/clock.js';
import { runnerMayTake } from './sim/gitlab/board.js';
import { runnerContactedAt } from './sim/gitlab/model.js';
import { plainBusy } from './sim/github/model.js';
import type { World } from './sim/world.js';

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Waiting jobs grouped as the forges queue them. GitLab: per project, tag set and
 * protected-ref flag, with the runners GitLab's rules allow (`matching`: scope, tags,
 * untagged, protected refs), those of them connected now, and those connected and
 * not paused (`available`: the ones that could pick a job this step). GitHub: jobs
 * for plain runners per repository and `runs-on` labels, and jobs for a scale set
 * that does not exist (`scale_set`), with the plain runners holding every label.
 */
export function waitingTruth(world: World) {
	const gitlab = [];
	for (const { queue: q, waiting, oldest } of world.gitlab.board.waitingQueues()) {
		const runners = { matching: 0, connected: 0, available: 0 };
		for (const r of world.gitlab.runners) {
			if (!runnerMayTake(r, q)) continue;
			runners.matching++;
			if (r.connected) runners.connected++;
			if (r.connected && !r.paused) runners.available++;
		}
		const project = projectById(q.projectId);
		gitlab.push({
			project: project ? projectFullPath(project) : String(q.projectId),
			project_id: q.projectId,
			tags: [...q.tags],
			protected_ref: q.protectedRef,
			waiting,
			oldest_created_at: iso(oldest.createdAt),
			runners
		});
	}
	gitlab.sort((a, b) => byText(a.project, b.project) || byText(a.tags.join(','), b.tags.join(',')) || Number(a.protected_ref) - Number(b.protected_ref));

	const github = [];
	for (const w of world.github.plainWaiting()) {
		const first = w.jobs[0];
		const scaleSet = first?.target.kind === 'scale_set' ? first.target.name : null;
		const runners = { matching: 0, online: 0, idle: 0 };
		if (scaleSet === null) {
			const want = w.repo.toLowerCase();
			for (const r of world.github.plain) {
				if (r.repo !== null && r.repo.toLowerCase() !== want) continue;
				if (!w.labels.every((l) => r.labelKeys.includes(l.toLowerCase()))) continue;
				runners.matching++;
				if (r.connected) runners.online++;
				if (r.connected && !plainBusy(r)) runners.idle++;
			}
		}
		let oldest = Infinity;
		for (const j of w.jobs) if (j.createdAt < oldest) oldest = j.createdAt;
		github.push({
			repo: w.repo,
			labels: first?.target.kind === 'labels' ? [...first.target.labels] : [...w.labels],
			scale_set: scaleSet,
			waiting: w.jobs.length,
			oldest_created_at: iso(oldest),
			runners
		});
	}
	github.sort((a, b) => byText(a.repo, b.repo) || byText(a.labels.join(','), b.labels.join(',')));
	return { now: iso(world.now()), gitlab, github };
}

/**
 * Runners offline longer than `days`. GitLab: last contact (or, never contacted, the
 * registration) more than `days` ago — GitLab's `stale` rule is this with 7. GitHub:
 * plain runners offline for longer than that (GitHub's API shows no last contact, so
 * a dashboard can only know this from its own observations); org and repository
 * runners apart, as different endpoints list them.
 */
export function deadWeight(world: World, days: number) {
	const cutoff = world.now() - days * DAY;
	const step = world.stepTime();
	const gitlab = { total: 0, never_contacted: 0, runner_ids: [] as number[] };
	for (const r of world.gitlab.runners) {
		const contacted = runnerContactedAt(r, step);
		if ((contacted ?? r.createdAt) >= cutoff) continue;
		gitlab.total++;
		if (contacted === null) gitlab.never_contacted++;
		gitlab.runner_ids.push(r.id);
	}
	const org = { total: 0, runner_ids: [] as number[] };
	const repository = { total: 0, runner_ids: [] as number[] };
	for (const r of world.github.plain) {
		if (r.connected || r.offlineSince === null || r.offlineSince >= cutoff) continue;
		const c = r.repo === null ? org : repository;
		c.total++;
		c.runner_ids.push(r.id);
	}
	return { offline_days: days, gitlab, github: { org, repository } };
}
