// Version skew: a runner against what its forge runs. GitLab wants a runner's major.minor
// to match its own (the runner's compatibility rule), so a runner behind GitLab's
// major.minor is outdated. GitHub: a runner older than the current release the server
// distributes (its runner downloads), or than a configured minimum.
import { z } from 'zod';

export const outdatedSchema = z
	.enum(['true', 'false', 'unknown'])
	.meta({ description: 'Whether the runner is behind its forge’s reference version; `unknown` when its version or the reference is not known.' });
export type Outdated = z.infer<typeof outdatedSchema>;

/** `17.5.2`, `v2.323.0`, `17.5.2-ee` → numbers; null when it is not a version. */
export function parseVersion(v: string | null | undefined): number[] | null {
	const m = v ? /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim()) : null;
	return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

function compare(a: number[], b: number[], parts: number): number {
	for (let i = 0; i < parts; i++) if (a[i]! !== b[i]!) return a[i]! - b[i]!;
	return 0;
}

/** Whether a runner is behind its forge: GitLab by major.minor, GitHub by the full version. */
export function outdated(forge: 'gitlab' | 'github', runnerVersion: string | null, reference: string | null): Outdated {
	const r = parseVersion(runnerVersion);
	const ref = parseVersion(reference);
	if (!r || !ref) return 'unknown';
	return compare(r, ref, forge === 'gitlab' ? 2 : 3) < 0 ? 'true' : 'false';
}

/** The runner version in a runner download's file name (`actions-runner-linux-x64-2.323.0.tar.gz`). */
export function versionInFilename(filename: string): string | null {
	return /(\d+\.\d+\.\d+)/.exec(filename)?.[1] ?? null;
}

/** The newest of some versions (null when none parses). */
export function newest(versions: readonly string[]): string | null {
	let best: { v: string; p: number[] } | null = null;
	for (const v of versions) {
		const p = parseVersion(v);
		if (p && (!best || compare(p, best.p, 3) > 0)) best = { v, p };
	}
	return best?.v ?? null;
}

/** Memo entries a judge keeps before it starts over: far above the distinct versions of any fleet. */
const JUDGE_MEMO_MAX = 10_000;

/**
 * `outdated` for a whole fleet against fixed references: each distinct (source, version)
 * is parsed and compared once, then answered from a map, so filtering tens of thousands
 * of runners costs a lookup each. Built anew when a reference changes.
 */
export function skewJudge(reference: (source: string) => string | null): (r: { forge: 'gitlab' | 'github'; source: string; version: string | null }) => Outdated {
	const memo = new Map<string, Outdated>();
	return (r) => {
		const key = `${r.source}\u0000${r.version ?? ''}`;
		let v = memo.get(key);
		if (v === undefined) {
			if (memo.size >= JUDGE_MEMO_MAX) memo.clear();
			memo.set(key, (v = outdated(r.forge, r.version, reference(r.source))));
		}
		return v;
	};
}
