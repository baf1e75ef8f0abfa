import { buildInfo } from '$lib/server/build-info';
import { app } from '$lib/server/app';
import { json } from '$lib/server/http/endpoint';

/** Liveness: the process answers. Never touches the store or sources. */
export const GET = () => {
	const info = buildInfo();
	return json({ status: 'ok', version: info.version, revision: info.revision, uptime_s: Math.round((Date.now() - app().startedAt.getTime()) / 1000) });
};
