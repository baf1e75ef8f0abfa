// The forges' webhooks, checked before anything is read from them: GitLab sends the
// shared secret in X-Gitlab-Token, GitHub an HMAC-SHA256 of the body in
// X-Hub-Signature-256. Both name each delivery (X-Gitlab-Event-UUID, X-GitHub-Delivery);
// a delivery id seen before is a replay. A verified delivery only says "look now": the
// tracker reads the truth from the forge, so a payload is never trusted for a state.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Forge } from '$lib/core/changes';

type Headers = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Compares secrets in constant time whatever their lengths. */
function sameSecret(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given).digest();
	const b = createHash('sha256').update(expected).digest();
	return timingSafeEqual(a, b);
}

/** True when the delivery carries the forge's secret: GitLab's token, or GitHub's signature of exactly these bytes. */
export function verifyDelivery(forge: Forge, headers: Headers, body: Buffer, secret: string): boolean {
	if (forge === 'gitlab') {
		const token = one(headers['x-gitlab-token']);
		return token !== undefined && sameSecret(token, secret);
	}
	const signature = one(headers['x-hub-signature-256']);
	if (!signature?.startsWith('sha256=')) return false;
	const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
	return sameSecret(signature, expected);
}

/** The delivery's id, which a replay repeats. */
export function deliveryId(forge: Forge, headers: Headers): string | null {
	const id = one(headers[forge === 'gitlab' ? 'x-gitlab-event-uuid' : 'x-github-delivery']);
	return id && /^[\w.:-]{1,128}$/.test(id) ? id : null;
}

/** The event's name (`Merge Request Hook`, `pull_request`), for the audit log and the answer. */
export function eventName(forge: Forge, headers: Headers): string {
	return (one(headers[forge === 'gitlab' ? 'x-gitlab-event' : 'x-github-event']) ?? 'unknown').slice(0, 64);
}

/** What a payload names that a change can be found by: merge/pull request numbers, branches and commits. */
export interface HookRefs {
	numbers: number[];
	branches: string[];
	commits: string[];
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const num = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? [v] : []);
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length < 300 ? [v] : []);

/** Reads the references out of a GitLab merge request / pipeline hook or a GitHub pull_request / check_run / workflow_run event. */
export function hookRefs(forge: Forge, payload: unknown): HookRefs {
	const p = obj(payload);
	const out: HookRefs = { numbers: [], branches: [], commits: [] };
	if (forge === 'gitlab') {
		const a = obj(p.object_attributes);
		const mr = obj(p.merge_request);
		out.numbers.push(...(p.object_kind === 'merge_request' ? num(a.iid) : []), ...num(mr.iid));
		out.branches.push(...str(a.source_branch), ...str(mr.source_branch), ...(p.object_kind === 'pipeline' ? str(a.ref) : []));
		out.commits.push(...str(a.sha), ...str(a.merge_commit_sha), ...str(obj(a.last_commit).id));
	} else {
		const pr = obj(p.pull_request);
		out.numbers.push(...num(p.number), ...num(pr.number));
		out.branches.push(...str(obj(pr.head).ref));
		out.commits.push(...str(obj(pr.head).sha), ...str(pr.merge_commit_sha));
		for (const run of [obj(p.check_run), obj(p.workflow_run)]) {
			out.commits.push(...str(run.head_sha));
			out.branches.push(...str(run.head_branch));
			for (const linked of Array.isArray(run.pull_requests) ? run.pull_requests : []) out.numbers.push(...num(obj(linked).number));
		}
		out.branches.push(...str(obj(obj(p.check_run).check_suite).head_branch));
	}
	return out;
}

/** Whether a change is one the references name. */
export function namedBy(refs: HookRefs, c: { number: number | null; branch: string | null; head_commit: string | null; merge_commit: string | null }): boolean {
	return (
		(c.number !== null && refs.numbers.includes(c.number)) ||
		(c.branch !== null && refs.branches.includes(c.branch)) ||
		[c.head_commit, c.merge_commit].some((sha) => sha !== null && refs.commits.includes(sha))
	);
}
