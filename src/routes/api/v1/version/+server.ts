import { buildInfo } from '$lib/server/build-info';
import { json } from '$lib/server/http/endpoint';

export const GET = () => json(buildInfo());
