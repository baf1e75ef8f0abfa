// Write validation for the fields clients change here (replica bounds, runner
// bounds, names, labels). Not the full API validation: enough that a bad patch is
// refused with the same 422 Invalid shape and wording a real cluster gives, instead
// of being stored and confusing the simulation.

import type { ResourceType } from './resources.js';
import type { StatusCause } from './status.js';

type Check = (o: any, causes: StatusCause[]) => void;

const invalidValue = (field: string, value: unknown, detail: string): StatusCause => ({
	reason: 'FieldValueInvalid',
	message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
	field
});
const required = (field: string): StatusCause => ({ reason: 'FieldValueRequired', message: 'Required value', field });

/** Built-in integer fields: the decoder refuses non-integers, validation refuses out-of-range values. */
function builtinInt(o: any, path: string, min: number | undefined, causes: StatusCause[], optional = true): number | undefined {
	const v = path.split('.').reduce<any>((cur, k) => (cur === null || cur === undefined ? undefined : cur[k]), o);
	if (v === undefined || v === null) {
		if (!optional) causes.push(required(path));
		return undefined;
	}
	if (typeof v !== 'number' || !Number.isInteger(v)) {
		causes.push(invalidValue(path, v, 'must be an integer'));
		return undefined;
	}
	if (min !== undefined && v < min) causes.push(invalidValue(path, v, `must be greater than or equal to ${min}`));
	return v;
}

/** CRD fields, worded like OpenAPI schema validation of a custom resource. */
function schemaInt(o: any, path: string, min: number | undefined, causes: StatusCause[]): void {
	const v = path.split('.').reduce<any>((cur, k) => (cur === null || cur === undefined ? undefined : cur[k]), o);
	if (v === undefined || v === null) return;
	if (typeof v !== 'number' || !Number.isInteger(v)) {
		causes.push({ reason: 'FieldValueTypeInvalid', message: `Invalid value: ${JSON.stringify(typeof v === 'string' ? 'string' : typeof v)}: ${path} in body must be of type integer: ${JSON.stringify(typeof v === 'string' ? 'string' : typeof v)}`, field: path });
		return;
	}
	if (min !== undefined && v < min) causes.push(invalidValue(path, v, `${path} in body should be greater than or equal to ${min}`));
}

const unsupported = (field: string, value: unknown, supported: string[]): StatusCause => ({
	reason: 'FieldValueNotSupported',
	message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}`,
	field
});

/** What both Event versions check (pkg/apis/core/validation ValidateEventCreate), on the events.k8s.io field names. */
function eventChecks(o: any, causes: StatusCause[], names: { regarding: string; note: string; controller: string }): void {
	const ns = o?.metadata?.namespace;
	const regardingNs = o?.[names.regarding]?.namespace;
	if (regardingNs && ns && regardingNs !== ns) causes.push(invalidValue(`${names.regarding}.namespace`, regardingNs, 'does not match event.namespace'));
	const type = o?.type;
	if (type !== undefined && type !== '' && type !== 'Normal' && type !== 'Warning') causes.push(unsupported('type', type, ['Normal', 'Warning']));
	const note = o?.[names.note];
	if (typeof note === 'string' && note.length > 1024) causes.push({ reason: 'FieldValueTooLong', message: 'Too long: may not be longer than 1024', field: names.note });
	// New-style events (those with an eventTime) must say who reported what.
	if (!o?.eventTime) return;
	for (const field of [names.controller, 'reportingInstance', 'action', 'reason']) if (!o?.[field]) causes.push(required(field));
	if (o?.series) {
		if (!(Number(o.series.count) >= 2)) causes.push(invalidValue('series.count', o.series.count, 'should be at least 2'));
		if (!o.series.lastObservedTime) causes.push(required('series.lastObservedTime'));
	}
}

const CHECKS: Record<string, Check> = {
	Lease(o, causes) {
		const d = o?.spec?.leaseDurationSeconds;
		if (typeof d === 'number' && d <= 0) causes.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
		const t = o?.spec?.leaseTransitions;
		if (typeof t === 'number' && t < 0) causes.push(invalidValue('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
	},
	Event(o, causes) {
		if (o?.apiVersion === 'events.k8s.io/v1') {
			if (!o?.eventTime) causes.push(required('eventTime'));
			eventChecks(o, causes, { regarding: 'regarding', note: 'note', controller: 'reportingController' });
		} else eventChecks(o, causes, { regarding: 'involvedObject', note: 'message', controller: 'reportingComponent' });
	},
	HorizontalPodAutoscaler(o, causes) {
		const min = builtinInt(o, 'spec.minReplicas', 1, causes);
		const max = builtinInt(o, 'spec.maxReplicas', 1, causes, false);
		if (min !== undefined && max !== undefined && max < min) causes.push(invalidValue('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
		const ref = o.spec?.scaleTargetRef;
		if (!ref?.kind) causes.push(required('spec.scaleTargetRef.kind'));
		if (!ref?.name) causes.push(required('spec.scaleTargetRef.name'));
	},
	Deployment(o, causes) {
		builtinInt(o, 'spec.replicas', 0, causes);
	},
	ReplicaSet(o, causes) {
		builtinInt(o, 'spec.replicas', 0, causes);
	},
	AutoscalingRunnerSet(o, causes) {
		schemaInt(o, 'spec.minRunners', 0, causes);
		schemaInt(o, 'spec.maxRunners', 0, causes);
	},
	EphemeralRunnerSet(o, causes) {
		schemaInt(o, 'spec.replicas', undefined, causes);
	}
};

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validate(rt: ResourceType, o: any): StatusCause[] {
	const causes: StatusCause[] = [];
	const name = o?.metadata?.name;
	if (typeof name !== 'string' || name === '') causes.push(required('metadata.name'));
	else if (!NAME.test(name) || name.length > 253) {
		causes.push(invalidValue('metadata.name', name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"));
	}
	for (const field of ['labels', 'annotations'] as const) {
		const m = o?.metadata?.[field];
		if (m === undefined || m === null) continue;
		if (typeof m !== 'object' || Array.isArray(m) || Object.values(m).some((v) => typeof v !== 'string')) {
			causes.push(invalidValue(`metadata.${field}`, m, 'values must be strings'));
		}
	}
	CHECKS[rt.kind]?.(o, causes);
	return causes;
}
