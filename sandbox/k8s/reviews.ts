// The create-only review resources: SelfSubjectAccessReview ("may I watch pods in
// arc-runners?", what `kubectl auth can-i` and a dashboard's permission check ask),
// SelfSubjectRulesReview (`kubectl auth can-i --list`) and SelfSubjectReview
// (`kubectl auth whoami`). Answered from the AccessPolicy, never stored.

import { DISCOVERY_PATHS, SANDBOX_USER, type AccessPolicy } from './access.js';
import { isObject, type Obj } from './request.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { badRequest, invalid } from './status.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Keeps only the fields Go would marshal (omitempty strings). */
function compact(o: Obj): Obj {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
}

function nonResourceAllowed(path: string, verb: string): boolean {
	if (verb !== 'get' && verb !== '*') return false;
	return DISCOVERY_PATHS.some((p) => (p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : path === p));
}

/** The review object a POST answers with (201), `body` being what the client sent. */
export function answerReview(rt: ResourceType, body: unknown, policy: AccessPolicy): Obj {
	if (body !== undefined && !isObject(body)) throw badRequest('the body of the request must be a JSON object');
	const doc: Obj = body ?? {};
	if (doc.kind !== undefined && doc.kind !== rt.kind) throw badRequest(`the kind in the data (${String(doc.kind)}) does not match the expected kind (${rt.kind})`);
	const head = { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: { creationTimestamp: null } };
	const spec: Obj = isObject(doc.spec) ? doc.spec : {};

	if (rt.kind === 'SelfSubjectReview') return { ...head, status: { userInfo: { ...SANDBOX_USER } } };

	if (rt.kind === 'SelfSubjectRulesReview') {
		const namespace = str(spec.namespace);
		if (!namespace) throw invalid(rt, '', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.namespace' }]);
		return { ...head, spec: { namespace }, status: policy.rulesIn(namespace) };
	}

	const ra = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
	const nra = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
	if (!ra && !nra) {
		throw invalid(rt, '', [{ reason: 'FieldValueInvalid', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified', field: 'spec.resourceAttributes' }]);
	}
	if (ra && nra) throw invalid(rt, '', [{ reason: 'FieldValueInvalid', message: 'Invalid value: "...": cannot be specified in combination with resourceAttributes', field: 'spec.nonResourceAttributes' }]);
	if (nra) {
		const attrs = compact({ path: str(nra.path), verb: str(nra.verb) });
		return { ...head, spec: { nonResourceAttributes: attrs }, status: nonResourceAllowed(str(nra.path), str(nra.verb)) ? { allowed: true } : { allowed: false } };
	}
	const a = ra as Obj;
	const echoed = compact({
		namespace: str(a.namespace),
		verb: str(a.verb),
		group: str(a.group),
		version: str(a.version),
		resource: str(a.resource),
		subresource: str(a.subresource),
		name: str(a.name)
	});
	const status = policy.review({ verb: str(a.verb), group: str(a.group), resource: str(a.resource), subresource: str(a.subresource), namespace: str(a.namespace), name: str(a.name) });
	return { ...head, spec: { resourceAttributes: echoed }, status };
}
