// Kubernetes `Status` answers. The API server reports every failure as a Status
// object with a machine-readable `reason`; clients (kubectl, client-go,
// @kubernetes/client-node) branch on `reason` and `code`, and print `message`.

import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/respond.js';
import type { ResourceType } from './resources.js';

export interface StatusCause {
	reason?: string;
	message: string;
	field?: string;
}

export interface Status {
	kind: 'Status';
	apiVersion: 'v1';
	metadata: Record<string, never>;
	status: 'Failure' | 'Success';
	message: string;
	/** Absent when the server has no reason for the failure (StatusReasonUnknown). */
	reason?: string;
	details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
	code: number;
}

/** A failure answer, thrown by handlers and rendered by the mount. */
export class StatusError extends Error {
	readonly status: Status;
	constructor(code: number, reason: string, message: string, details?: Status['details']) {
		super(message);
		this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, ...(reason ? { reason } : {}), ...(details ? { details } : {}), code };
	}
}

export function sendStatus(res: ServerResponse, status: Status, headers: Record<string, string | number> = {}): void {
	sendJson(res, status.code, status, headers);
}

/** `pods` for core, `horizontalpodautoscalers.autoscaling` for a group, as the server qualifies names. */
export const qualified = (rt: ResourceType) => (rt.group ? `${rt.plural}.${rt.group}` : rt.plural);

const target = (rt: ResourceType, name: string) => ({ name, ...(rt.group ? { group: rt.group } : {}), kind: rt.plural });

export const notFound = (rt: ResourceType, name: string) => new StatusError(404, 'NotFound', `${qualified(rt)} "${name}" not found`, target(rt, name));

export const alreadyExists = (rt: ResourceType, name: string) =>
	new StatusError(409, 'AlreadyExists', `${qualified(rt)} "${name}" already exists`, target(rt, name));

export const conflict = (rt: ResourceType, name: string) =>
	new StatusError(
		409,
		'Conflict',
		`Operation cannot be fulfilled on ${qualified(rt)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
		target(rt, name)
	);

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);

/** 422 with one cause per invalid field, worded like the API server's field validation. */
export function invalid(rt: ResourceType, name: string, causes: StatusCause[]): StatusError {
	const kindName = rt.group ? `${rt.kind}.${rt.group}` : rt.kind;
	const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
	const message = `${kindName} "${name}" is invalid: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
	return new StatusError(422, 'Invalid', message, { name, ...(rt.group ? { group: rt.group } : {}), kind: rt.kind, causes });
}

/** The API server's answer for a path it does not serve. */
export const noSuchPath = () => new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});

export const methodNotAllowed = () => new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});

export const notAcceptable = (accepted: string) =>
	new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted}`, {});

export const unsupportedMediaType = (accepted: string[]) =>
	new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {});

export const internalError = (message: string) =>
	new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

/** `410 Gone` for a watch or continue token older than the history the server keeps. */
export const expired = (message: string) => new StatusError(410, 'Expired', message, {});
