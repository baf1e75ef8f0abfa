/** "42 s", "5 min", "3 h", "2 d": ages with their unit. */
export function formatAge(seconds: number | null | undefined): string {
	if (seconds === null || seconds === undefined) return 'never';
	if (seconds < 90) return `${Math.round(seconds)} s`;
	if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
	if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
	return `${Math.round(seconds / 86400)} d`;
}

export function ageOf(iso: string | null | undefined, now = Date.now()): string {
	return iso ? `${formatAge((now - Date.parse(iso)) / 1000)} ago` : 'never';
}
