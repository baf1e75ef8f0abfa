import { json } from '$lib/server/http/endpoint';
import { openApiDocument } from '$lib/server/openapi';

export const GET = () => json(openApiDocument());
