// Query/body parameter parsing with Grape's (GitLab's API framework) error wording,
// so clients see `{"error":"status does not have a valid value"}` exactly as upstream.

export class ParamErrors extends Error {
	constructor(readonly messages: string[]) {
		super(messages.join(', '));
	}
}

/** Collects parameter errors so that all of them are reported at once, as Grape does. */
export class Params {
	readonly errors: string[] = [];

	constructor(private readonly get: (name: string) => unknown) {}

	static fromQuery(q: URLSearchParams): Params {
		return new Params((name) => {
			const list = q.getAll(`${name}[]`);
			if (list.length > 0) return list;
			const all = q.getAll(name);
			if (all.length > 1) return all;
			return all[0];
		});
	}

	static fromFields(fields: Record<string, unknown>, q?: URLSearchParams): Params {
		const query = q ? Params.fromQuery(q) : undefined;
		return new Params((name) => (name in fields ? fields[name] : query?.get(name)));
	}

	has(name: string): boolean {
		return this.get(name) !== undefined;
	}

	string(name: string): string | undefined {
		const v = this.get(name);
		if (v === undefined || v === null) return undefined;
		if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
		this.errors.push(`${name} is invalid`);
		return undefined;
	}

	int(name: string, opts: { min?: number } = {}): number | undefined {
		const v = this.get(name);
		if (v === undefined || v === '') return undefined;
		const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
		if (!Number.isSafeInteger(n) || (opts.min !== undefined && n < opts.min)) {
			this.errors.push(`${name} is invalid`);
			return undefined;
		}
		return n;
	}

	bool(name: string): boolean | undefined {
		const v = this.get(name);
		if (v === undefined || v === '') return undefined;
		if (v === true || v === false) return v;
		const s = String(v).toLowerCase();
		if (['true', '1', 't', 'yes', 'y'].includes(s)) return true;
		if (['false', '0', 'f', 'no', 'n'].includes(s)) return false;
		this.errors.push(`${name} is invalid`);
		return undefined;
	}

	oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
		this.errors.push(`${name} does not have a valid value`);
		return undefined;
	}

	/** A list given as `a,b`, as repeated `name[]=`, or as a JSON array. */
	list(name: string): string[] | undefined {
		const v = this.get(name);
		if (v === undefined) return undefined;
		const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : null;
		if (!items || items.some((i) => typeof i !== 'string')) {
			this.errors.push(`${name} is invalid`);
			return undefined;
		}
		return (items as string[]).map((s) => s.trim()).filter((s) => s.length > 0);
	}

	/** Throws if any parameter was invalid. */
	check(): void {
		if (this.errors.length > 0) throw new ParamErrors(this.errors);
	}
}
