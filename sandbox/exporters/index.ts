// The /exporters mount: Prometheus scrape endpoints for the simulated runner managers,
// ARC listeners and ARC controller, and a discovery list of them (docs/sandbox.md,
// "Exporters"). Every answer is computed from the simulation at the moment of the request.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultStyle } from '../faults.js';
import { sendJson, sendText } from '../http/respond.js';
import { Router, type Ctx } from '../http/router.js';
import { iso } from '../sim/clock.js';
import { ARC_CONTROLLER, ARC_CONTROLLER_NAMESPACE } from '../sim/cluster/stacks.js';
import type { World } from '../sim/world.js';
import { ArcExporters } from './arc.js';
import { CONTENT_TYPE } from './exposition.js';
import { GitLabExporters } from './gitlab.js';

export interface DiscoveredEndpoint {
	job: 'gitlab-runner' | 'arc-listener' | 'arc-controller';
	name: string;
	namespace: string;
	/** Path relative to the sandbox's base URL. */
	url: string;
	/** Target labels (also in http_sd); never a label name the endpoint's own series use. */
	labels: Record<string, string>;
	/** Whether the endpoint answers now (a listener whose pod is not Running answers 503). */
	up: boolean;
}

export interface ExportersMount {
	handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void>;
	faultStyle: FaultStyle;
	gitlab: GitLabExporters;
	arc: ArcExporters;
	endpoints(): DiscoveredEndpoint[];
}

/** Faults answered the way a plain HTTP metrics server would: text bodies. */
export const exportersFaultStyle: FaultStyle = {
	error: (res) => sendText(res, 500, '500 Internal Server Error\n'),
	rateLimited: (res, s) => sendText(res, 429, '429 Too Many Requests\n', { 'Retry-After': s })
};

const seg = (s: string) => encodeURIComponent(s);

export function createExportersMount(opts: { world: World; baseUrl: () => string }): ExportersMount {
	const { world } = opts;
	const gitlab = new GitLabExporters(world);
	const arc = new ArcExporters(world);

	const endpoints = (): DiscoveredEndpoint[] => {
		const out: DiscoveredEndpoint[] = [];
		for (const e of gitlab.endpoints()) {
			out.push({
				job: 'gitlab-runner',
				name: e.name,
				namespace: e.namespace,
				url: `/exporters/gitlab-runner/${seg(e.name)}/metrics`,
				labels: { namespace: e.namespace, deployment: e.name, runner_type: e.kind },
				up: true
			});
		}
		for (const e of arc.endpoints()) {
			out.push({
				job: 'arc-listener',
				name: e.name,
				namespace: e.namespace,
				url: `/exporters/arc-listener/${seg(e.namespace)}/${seg(e.name)}/metrics`,
				// Not `name`/`namespace`: the listener's series carry those, and target labels of the same name would rename them (exported_name).
				labels: { scale_set: e.name, scale_set_namespace: e.namespace },
				up: e.up
			});
		}
		if (arc.controllerPresent()) {
			out.push({ job: 'arc-controller', name: ARC_CONTROLLER, namespace: ARC_CONTROLLER_NAMESPACE, url: '/exporters/arc-controller/metrics', labels: {}, up: true });
		}
		return out;
	};

	const metrics = (ctx: Ctx, text: string) => sendText(ctx.res, 200, text, { 'Content-Type': CONTENT_TYPE, 'X-Sandbox-Time': iso(world.now()), 'Cache-Control': 'no-store' });
	const notFound = (ctx: Ctx, what: string) => sendText(ctx.res, 404, `404 page not found: ${what}\n`);

	const router = new Router();
	router.get('/', (ctx) => sendJson(ctx.res, 200, endpoints()));
	router.get('/http_sd', (ctx) => {
		const host = new URL(opts.baseUrl()).host;
		sendJson(
			ctx.res,
			200,
			endpoints().map((e) => ({ targets: [host], labels: { __scheme__: 'http', __metrics_path__: e.url, exporter: e.job, ...e.labels } }))
		);
	});
	router.get('/gitlab-runner/:name/metrics', (ctx) => {
		const e = gitlab.endpoint(ctx.params.name ?? '');
		if (!e) return notFound(ctx, `no runner manager Deployment ${ctx.params.name} in gitlab-runners`);
		metrics(ctx, gitlab.render(e));
	});
	router.get('/arc-listener/:namespace/:name/metrics', (ctx) => {
		const e = arc.endpoint(ctx.params.namespace ?? '', ctx.params.name ?? '');
		if (!e) return notFound(ctx, `no AutoscalingRunnerSet ${ctx.params.namespace}/${ctx.params.name}`);
		const text = arc.renderListener(e);
		if (text === undefined) return sendText(ctx.res, 503, `listener ${e.listenerPod} is not running\n`, { 'Retry-After': 5 });
		metrics(ctx, text);
	});
	router.get('/arc-controller/metrics', (ctx) => {
		if (!arc.controllerPresent()) return notFound(ctx, `no Deployment ${ARC_CONTROLLER_NAMESPACE}/${ARC_CONTROLLER}`);
		metrics(ctx, arc.renderController());
	});

	return {
		faultStyle: exportersFaultStyle,
		gitlab,
		arc,
		endpoints,
		async handle(req, res, url, path) {
			const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
			const match = router.match(method, path || '/');
			if (match.kind === 'not_found') return notFound({ req, res, url, path, params: {} }, url.pathname);
			if (match.kind === 'method_not_allowed') return sendText(res, 405, `405 method ${req.method} not allowed\n`, { Allow: 'GET, HEAD' });
			await match.handler({ req, res, url, path, params: match.params });
		}
	};
}
