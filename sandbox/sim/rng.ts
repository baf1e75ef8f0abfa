// Seeded randomness. Everything random in the simulation draws from an Rng so that
// the same seed and the same sequence of clock advances give the same world.

/** Mixes two 32-bit integers into one well-spread 32-bit seed (murmur3 finaliser). */
export function mix32(a: number, b: number): number {
	let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35)) >>> 0;
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/** mulberry32: tiny, fast and good enough for a simulator (not for secrets). */
export class Rng {
	private s: number;

	constructor(seed: number) {
		this.s = seed >>> 0;
	}

	/** Uniform in [0, 1). */
	next(): number {
		this.s = (this.s + 0x6d2b79f5) >>> 0;
		let t = this.s;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	/** Integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	/** Uniform in [lo, hi). */
	range(lo: number, hi: number): number {
		return lo + this.next() * (hi - lo);
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		if (items.length === 0) throw new Error('pick from empty list');
		return items[this.int(items.length)] as T;
	}

	/** Picks by weight; entries are [value, weight]. */
	weighted<T>(entries: readonly (readonly [T, number])[]): T {
		const total = entries.reduce((sum, [, w]) => sum + w, 0);
		let u = this.next() * total;
		for (const [value, w] of entries) {
			u -= w;
			if (u < 0) return value;
		}
		return (entries[entries.length - 1] as readonly [T, number])[0];
	}

	/** Exponentially distributed with the given mean (waiting time between random events). */
	exp(mean: number): number {
		return -Math.log(1 - this.next()) * mean;
	}

	/** Log-normal: job durations have a long right tail. */
	logNormal(median: number, sigma: number): number {
		const u1 = 1 - this.next();
		const u2 = this.next();
		const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
		return median * Math.exp(sigma * z);
	}

	hex(chars: number): string {
		let out = '';
		// 7 hex digits (28 bits) per draw: well within the 32 bits each draw carries.
		while (out.length < chars) out += Math.floor(this.next() * 0x10000000).toString(16).padStart(7, '0');
		return out.slice(0, chars);
	}
}
