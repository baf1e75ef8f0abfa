// Requests each forge API answered, by method and route pattern (`GET /runners/:id`):
// the ground truth for "how many list pages and detail calls did a client make",
// read through GET /_sandbox/requests.

export class RequestCounts {
	private counts = new Map<string, number>();

	add(method: string, pattern: string): void {
		const key = `${method} ${pattern}`;
		this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
	}

	snapshot(): Record<string, number> {
		return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)));
	}
}
