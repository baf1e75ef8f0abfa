// Size caps on what drift reads: a declared file or a state larger than its cap is
// refused while it is read (before it is held whole in memory, let alone parsed), and
// reported against that file; the other stacks are still read.

export interface ReadLimits {
	/** Largest variables.tf / .tfvars read, in bytes. */
	declaredFileBytes: number;
	/** Largest state read, in bytes. */
	stateBytes: number;
}

const MIB = 2 ** 20;

/**
 * The defaults (the configuration's drift.max_declared_file_mib and drift.max_state_mib).
 * Declared files are written by hand and are kilobytes; tree-sitter's tree takes many
 * times the text. A runner stack's state is well under 1 MiB; parsed, it takes 5–10× its
 * size and is kept between checks, which 16 MiB still fits in a 256 MiB heap.
 */
export const DEFAULT_READ_LIMITS: ReadLimits = { declaredFileBytes: 2 * MIB, stateBytes: 16 * MIB };

function sizeOf(bytes: number): string {
	if (bytes >= MIB) return `${Number((bytes / MIB).toFixed(1))} MiB`;
	if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
	return `${bytes} bytes`;
}

/** A file over its cap; `size` is null when the reading stopped at the cap without knowing the total. */
export class TooLargeError extends Error {
	override name = 'TooLargeError';
	constructor(
		readonly file: string,
		readonly what: 'state' | 'declared file',
		readonly size: number | null,
		readonly limit: number
	) {
		super(`${file} is ${size === null ? 'larger than' : `${sizeOf(size)}, over`} the ${sizeOf(limit)} limit for a ${what}; not read`);
	}
}

/** Refuses a size known up front (a file's stat, a Content-Length, an API's `size`). */
export function refuseOver(file: string, what: TooLargeError['what'], size: number | null | undefined, limit: number): void {
	if (size !== null && size !== undefined && Number.isFinite(size) && size > limit) throw new TooLargeError(file, what, size, limit);
}

/** Reads a body as UTF-8 text, stopping (and cancelling it) once it passes `limit` bytes. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, file: string, what: TooLargeError['what'], limit: number): Promise<string> {
	if (!body) return '';
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > limit) {
			await reader.cancel().catch(() => {});
			throw new TooLargeError(file, what, null, limit);
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks).toString('utf8');
}
