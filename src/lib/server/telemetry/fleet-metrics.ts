// The fleet as Prometheus series, computed at each scrape from what the dashboard holds,
// so alerting rules (deploy/prometheus/rules.yaml) can page on what the pages show:
// runners by status and version skew, waiting jobs by reason, drift items, each
// source's health and data age, ARC's phantom runners.
import client from 'prom-client';
import type { Runner } from '$lib/core/runner';
import type { Outdated } from '$lib/core/versions';
import type { ReasonCount } from '$lib/core/waiting-jobs';
import type { ScaleSetHealth } from '$lib/core/arc-health';
import { DRIFT_CLASSES, DRIFT_SEVERITIES } from '$lib/core/drift/types';

export interface FleetReadings {
	runners: () => Iterable<Runner>;
	outdated: (r: Runner) => Outdated;
	/** Changes whenever the runners or the forges' versions do: the counts are kept until then. */
	runnersKey: () => string;
	waiting: () => ReasonCount[];
	drift: () => { stacks: { name: string; envs: string[] }[]; items: { stack: string; env: string; class: string; severity: string }[] };
	sources: () => { name: string; data_age_s: number | null }[];
	arc: () => ScaleSetHealth[];
}

function runnerCounts(read: FleetReadings): Map<string, number> {
	const counts = new Map<string, number>();
	for (const r of read.runners()) {
		const key = `${r.forge}\u0000${r.status}\u0000${read.outdated(r)}`;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return counts;
}

export function registerFleetMetrics(registry: client.Registry, read: FleetReadings): void {
	let counted: { key: string; counts: Map<string, number> } | undefined;
	new client.Gauge({
		name: 'runner_dashboard_runners',
		help: 'Runners by forge, status (online, offline, stale, never_contacted) and whether they are behind their forge’s version (true, false, unknown).',
		labelNames: ['forge', 'status', 'outdated'] as const,
		registers: [registry],
		collect() {
			// Counting every runner's status and version skew is the largest part of a scrape at tens of
			// thousands of runners; the counts change only with the fleet or a forge's version.
			const key = read.runnersKey();
			if (key !== counted?.key) counted = { key, counts: runnerCounts(read) };
			this.reset();
			for (const [labels, n] of counted.counts) {
				const [forge, status, outdated] = labels.split('\u0000') as [string, string, string];
				this.set({ forge, status, outdated }, n);
			}
		}
	});
	new client.Gauge({
		name: 'runner_dashboard_waiting_jobs',
		help: 'Jobs waiting for a runner longer than waiting_jobs.threshold_seconds, by forge and reason.',
		labelNames: ['forge', 'reason'] as const,
		registers: [registry],
		collect() {
			this.reset();
			for (const c of read.waiting()) this.set({ forge: c.forge, reason: c.reason }, c.count);
		}
	});
	new client.Gauge({
		name: 'runner_dashboard_drift_items',
		help: 'Drift items between the OpenTofu stacks and the cluster, by stack, environment, class and severity.',
		labelNames: ['stack', 'env', 'class', 'severity'] as const,
		registers: [registry],
		collect() {
			this.reset();
			const { stacks, items } = read.drift();
			// Every checked stack and environment has all its series, at 0 when clean: a rule
			// then sees drift appear as a change, and "no series" means "not checked".
			const counts = new Map<string, number>();
			for (const s of stacks) for (const env of s.envs) for (const c of DRIFT_CLASSES) for (const sev of DRIFT_SEVERITIES) counts.set([s.name, env, c, sev].join('\u0000'), 0);
			for (const i of items) {
				const key = [i.stack, i.env, i.class, i.severity].join('\u0000');
				counts.set(key, (counts.get(key) ?? 0) + 1);
			}
			for (const [key, n] of counts) {
				const [stack, env, cls, severity] = key.split('\u0000') as [string, string, string, string];
				this.set({ stack, env, class: cls, severity }, n);
			}
		}
	});
	new client.Gauge({
		name: 'runner_dashboard_source_data_age_seconds',
		help: 'Seconds since each source last answered (its data is this old).',
		labelNames: ['source'] as const,
		registers: [registry],
		collect() {
			this.reset();
			for (const s of read.sources()) if (s.data_age_s !== null) this.set({ source: s.name }, s.data_age_s);
		}
	});
	new client.Gauge({
		name: 'runner_dashboard_phantom_runners',
		help: 'ARC EphemeralRunners a scale set counts whose pod does not exist, by scale set.',
		labelNames: ['scale_set'] as const,
		registers: [registry],
		collect() {
			this.reset();
			const counts = new Map<string, number>();
			for (const h of read.arc()) counts.set(h.scale_set, (counts.get(h.scale_set) ?? 0) + h.phantom_runners.length);
			for (const [scale_set, n] of counts) this.set({ scale_set }, n);
		}
	});
	new client.Gauge({
		name: 'runner_dashboard_arc_listener_up',
		help: "Whether each ARC scale set's listener pod is running and ready (1) or not (0); 0 when any set of that name has none.",
		labelNames: ['scale_set'] as const,
		registers: [registry],
		collect() {
			this.reset();
			const up = new Map<string, number>();
			// Unknown (the pods cannot be read) has no sample: an absent series raises no alert.
			for (const h of read.arc()) if (h.listener.up !== null) up.set(h.scale_set, Math.min(up.get(h.scale_set) ?? 1, h.listener.up ? 1 : 0));
			for (const [scale_set, v] of up) this.set({ scale_set }, v);
		}
	});
	new client.Gauge({
		name: 'runner_dashboard_arc_controller_up',
		help: 'Whether the ARC controller of each cluster with scale sets has a running, ready pod (1) or not (0), by Kubernetes source.',
		labelNames: ['source'] as const,
		registers: [registry],
		collect() {
			this.reset();
			for (const h of read.arc()) if (h.controller.up !== null) this.set({ source: h.source }, h.controller.up ? 1 : 0);
		}
	});
}
