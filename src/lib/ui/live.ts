// One EventSource per page; coalesces bursts of events into one refresh.
export function liveUpdates(types: string[], onChange: () => void, debounceMs = 500): () => void {
	const source = new EventSource('/api/v1/events');
	let timer: ReturnType<typeof setTimeout> | undefined;
	const fire = () => {
		clearTimeout(timer);
		timer = setTimeout(onChange, debounceMs);
	};
	for (const t of types) source.addEventListener(t, fire);
	source.addEventListener('reset', fire);
	return () => {
		clearTimeout(timer);
		source.close();
	};
}
