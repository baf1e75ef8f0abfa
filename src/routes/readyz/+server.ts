import { app } from '$lib/server/app';
import { json } from '$lib/server/http/endpoint';

/** Readiness: the store answers. Sources are reported but never make the pod unready: a down upstream degrades, it does not restart us. */
export const GET = async () => {
	const { store, sources, fleet } = app();
	let storeOk = true;
	let storeError: string | null = null;
	try {
		await store.ping();
	} catch (e) {
		storeOk = false;
		storeError = (e as Error).message;
	}
	return json(
		{
			status: storeOk ? 'ready' : 'not_ready',
			store: { ok: storeOk, dialect: store.dialect, error: storeError },
			sources: sources.list((s) => fleet.countBySource(s)).map(({ url: _url, ...s }) => s)
		},
		{ status: storeOk ? 200 : 503 }
	);
};
