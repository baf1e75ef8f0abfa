import { endpoint, json, principalOf } from '$lib/server/http/endpoint';

export const GET = endpoint(async (event) => {
	const { kind, name, role } = principalOf(event);
	return json({ kind, name, role });
});
