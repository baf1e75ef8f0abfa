import { app } from '$lib/server/app';

/** Prometheus exposition of the dashboard's own telemetry (needs a principal; METRICS_PORT serves it without). */
export const GET = async () => {
	const { registry } = app().metrics;
	return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
};
