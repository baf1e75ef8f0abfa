import { endpoint, json } from '$lib/server/http/endpoint';
import { runnerDetail } from '$lib/server/services/runner-detail';

/** One runner with its managers, recent jobs (queued and run durations) and pods. */
export const GET = endpoint(async ({ params }) => json(await runnerDetail(params.id!)));
