import { errorResponse } from '$lib/server/http/errors';

// Unknown API paths answer in the API's error shape, not with an HTML page.
const notFound = ({ url }: { url: URL }) => errorResponse(404, 'not_found', `no API route ${url.pathname}`);
export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
