// Reading a stack's OpenTofu state (format 4) as text, so a malformed state is reported
// by the state parser with its line: from GitLab-managed state, a generic http backend,
// or a file; each refuses a state over its size cap.
import { readFile, stat } from 'node:fs/promises';
import type { AsStream, ShowExpanded, Sudo } from '@gitbeaker/core';
import type { GitlabClient } from '../gitlab/client';
import { UpstreamError, type RequestObserver } from '../errors';
import { observedFetch } from '../http';
import { DEFAULT_READ_LIMITS, readCapped, refuseOver } from './limits';

export interface StateText {
	/** What was read, as the operator knows it (state name, URL without credentials, path). */
	file: string;
	text: string;
}

/** The state could not be read (absent, unreadable); reported against `file`. */
export class StateReadError extends Error {
	override name = 'StateReadError';
	constructor(
		readonly file: string,
		message: string,
		override readonly cause?: unknown
	) {
		super(message);
	}
}

export interface StateReader {
	/** What is read, as in StateText.file (failures are reported against it). */
	readonly file: string;
	read(): Promise<StateText>;
}

// Asked of gitbeaker's get: the body as a stream, with status and headers, whatever its
// content type says. A state is read as text once, so a malformed one is reported by the
// state parser with its line, and a large one is refused at its cap.
const RAW: Sudo & ShowExpanded<true> & AsStream = { asStream: true, showExpanded: true };

/** GitLab-managed state: `GET /projects/:id/terraform/state/:name` through the gitbeaker client. */
export class GitlabState implements StateReader {
	readonly file: string;
	constructor(
		private client: GitlabClient,
		private project: string | number,
		private name: string,
		private maxBytes = DEFAULT_READ_LIMITS.stateBytes
	) {
		this.file = `terraform/state/${name}`;
	}

	async read(): Promise<StateText> {
		let res: Awaited<ReturnType<typeof this.client.ProjectTerraformState.show<true>>>;
		try {
			res = await this.client.ProjectTerraformState.show(this.project, this.name, RAW);
		} catch (e) {
			if (e instanceof UpstreamError && e.status === 404) throw new StateReadError(this.file, `no state "${this.name}" in GitLab project ${this.project}`, e);
			throw e;
		}
		// GitLab answers 204 for a state that exists but holds nothing.
		if (res.data === null || res.data === undefined) throw new StateReadError(this.file, `state "${this.name}" in GitLab project ${this.project} is empty`);
		refuseOver(this.file, 'state', contentLength(res.headers['content-length']), this.maxBytes);
		// Asked as a stream, the data is the response body, whatever gitbeaker's schema type says.
		return { file: this.file, text: await readCapped(res.data as unknown as ReadableStream<Uint8Array>, this.file, 'state', this.maxBytes) };
	}
}

const contentLength = (v: string | null | undefined) => (v ? Number(v) : null);

/** A generic http backend: GET on its address, with basic auth when configured. */
export class HttpState implements StateReader {
	private fetch: typeof fetch;
	readonly file: string;
	constructor(
		private url: string,
		private auth: { username?: string; password?: string },
		source: string,
		observe?: RequestObserver,
		private maxBytes = DEFAULT_READ_LIMITS.stateBytes
	) {
		this.fetch = observedFetch({ source, upstream: 'state backend', timeoutMs: 10_000, observe });
		const shown = new URL(url);
		shown.username = '';
		shown.password = '';
		// A backend may take its credential in the query string (?token=...): never shown either.
		shown.search = '';
		this.file = shown.toString();
	}

	async read(): Promise<StateText> {
		const headers: Record<string, string> = { accept: 'application/json' };
		if (this.auth.username !== undefined || this.auth.password !== undefined) {
			headers.authorization = `Basic ${Buffer.from(`${this.auth.username ?? ''}:${this.auth.password ?? ''}`).toString('base64')}`;
		}
		const res = await this.fetch(this.url, { headers });
		if (res.status === 404 || res.status === 204) {
			await res.body?.cancel();
			throw new StateReadError(this.file, `no state at ${this.file} (HTTP ${res.status})`);
		}
		if (!res.ok) {
			await res.body?.cancel();
			throw new UpstreamError(this.file, 'http', `state backend answered ${res.status}`, res.status);
		}
		refuseOver(this.file, 'state', contentLength(res.headers.get('content-length')), this.maxBytes);
		return { file: this.file, text: await readCapped(res.body, this.file, 'state', this.maxBytes) };
	}
}

export class FileState implements StateReader {
	constructor(
		private path: string,
		private maxBytes = DEFAULT_READ_LIMITS.stateBytes
	) {}

	get file(): string {
		return this.path;
	}

	async read(): Promise<StateText> {
		let size: number;
		try {
			size = (await stat(this.path)).size;
		} catch (e) {
			throw new StateReadError(this.path, `${this.path} cannot be read: ${(e as Error).message}`, e);
		}
		refuseOver(this.path, 'state', size, this.maxBytes);
		try {
			return { file: this.path, text: await readFile(this.path, 'utf8') };
		} catch (e) {
			throw new StateReadError(this.path, `${this.path} cannot be read: ${(e as Error).message}`, e);
		}
	}
}
