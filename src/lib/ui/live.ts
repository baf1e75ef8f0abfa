// One EventSource per page; coalesces bursts of events into one refresh.
// With `maxWaitMs`, a steady stream of events (closer together than the debounce)
// still refreshes at least that often instead of waiting for a quiet moment.
export function liveUpdates(types: string[], onChange: () => void, debounceMs = 500, maxWaitMs?: number): () => void {
	const source = new EventSource('/api/v1/events');
	let timer: ReturnType<typeof setTimeout> | undefined;
	let firstPending: number | null = null;
	const run = () => {
		firstPending = null;
		onChange();
	};
	const fire = () => {
		clearTimeout(timer);
		firstPending ??= Date.now();
		const waited = Date.now() - firstPending;
		timer = setTimeout(run, maxWaitMs === undefined ? debounceMs : Math.max(0, Math.min(debounceMs, maxWaitMs - waited)));
	};
	for (const t of types) source.addEventListener(t, fire);
	source.addEventListener('reset', fire);
	return () => {
		clearTimeout(timer);
		source.close();
	};
}
