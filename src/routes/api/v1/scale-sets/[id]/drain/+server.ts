import { endpoint, json } from '$lib/server/http/endpoint';
import { drain } from '$lib/server/services/scale-sets';

/** Sets maxRunners to 0 and remembers the previous value; running jobs finish, assigned ones wait. */
export const POST = endpoint(async (event) => json(await drain(event, event.params.id!)));
