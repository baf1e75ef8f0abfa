import { endpoint } from '$lib/server/http/endpoint';
import { singleRunnerAction } from '$lib/server/http/runner-action-route';

export const POST = endpoint((event) => singleRunnerAction(event, true));
