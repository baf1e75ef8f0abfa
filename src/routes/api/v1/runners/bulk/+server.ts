import { readJson } from '$lib/server/http/body';
import { endpoint, json } from '$lib/server/http/endpoint';
import { bulkBody, setPausedMany } from '$lib/server/services/runner-actions';

/** Per-runner outcomes; 200 even when some failed — each item says what happened to it. */
export const POST = endpoint(async (event) => {
	const body = await readJson(event.request, bulkBody);
	const items = await setPausedMany(event, body.ids, body.action === 'pause', body.note);
	const succeeded = items.filter((i) => i.ok).length;
	return json({ action: body.action, succeeded, failed: items.length - succeeded, items: items.map(({ runner: _r, ...rest }) => rest) });
});
