// The browser's one way to call a mutation of the JSON API: the API's error shape,
// a network failure and a success all come back as one result.
export type ApiResult<T> = { ok: true; body: T } | { ok: false; error: string };

export async function postJson<T = unknown>(url: string, body?: unknown): Promise<ApiResult<T>> {
	try {
		const res = await fetch(url, {
			method: 'POST',
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const data = res.status === 204 ? null : await res.json().catch(() => null);
		if (!res.ok) return { ok: false, error: data?.error?.message ?? `HTTP ${res.status}` };
		return { ok: true, body: data as T };
	} catch (e) {
		return { ok: false, error: (e as Error).message };
	}
}
