import type { RequestEvent } from '@sveltejs/kit';
import { setPausedMany, pauseBody } from '../services/runner-actions';
import { readJson } from './body';
import { json } from './endpoint';
import { ApiError } from './errors';

const STATUS = { done: 200, not_found: 404, unsupported: 409, upstream_error: 502, invalid_id: 400 } as const;

/** POST /api/v1/runners/{id}/pause|resume: one runner, its outcome as the status. */
export async function singleRunnerAction(event: RequestEvent, paused: boolean): Promise<Response> {
	const hasBody = event.request.headers.get('content-length') !== '0' && event.request.headers.has('content-type');
	const { note } = hasBody ? await readJson(event.request, pauseBody) : { note: undefined };
	const [outcome] = await setPausedMany(event, [event.params.id!], paused, note);
	if (!outcome!.ok) throw new ApiError(STATUS[outcome!.result], outcome!.result, outcome!.message ?? 'failed');
	return json(outcome!.runner);
}
