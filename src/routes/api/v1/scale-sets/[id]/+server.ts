import { endpoint, json } from '$lib/server/http/endpoint';
import { scaleSetDetail } from '$lib/server/services/scale-sets';

export const GET = endpoint(async ({ params }) => json(scaleSetDetail(params.id!)));
