// Reading a stack's OpenTofu state (format 4) as text, so a malformed state is reported
// by the state parser with its line: from GitLab-managed state, a generic http backend,
// or a file.
import { readFile } from 'node:fs/promises';
import type { GitlabClient } from '../gitlab/client';
import { UpstreamError, type RequestObserver } from '../errors';
import { observedFetch } from '../http';

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

/** The GitLab instance behind a client, for the one raw read below. */
export interface GitlabEndpoint {
	url: string;
	token: string;
	source: string;
	observe?: RequestObserver;
}

/** GitLab-managed state: `GET /projects/:id/terraform/state/:name` through the gitbeaker client. */
export class GitlabState implements StateReader {
	readonly file: string;
	constructor(
		private client: GitlabClient,
		private project: string | number,
		private name: string,
		private endpoint?: GitlabEndpoint
	) {
		this.file = `terraform/state/${name}`;
	}

	async read(): Promise<StateText> {
		let body: unknown;
		try {
			body = await this.client.ProjectTerraformState.show(this.project, this.name);
		} catch (e) {
			if (e instanceof UpstreamError && e.status === 404) throw new StateReadError(this.file, `no state "${this.name}" in GitLab project ${this.project}`, e);
			// Labelled JSON but not parseable: read the text once more so the state parser can say which line is wrong.
			if (e instanceof UpstreamError && e.kind === 'invalid_response' && this.endpoint) return { file: this.file, text: await this.rawText() };
			if (e instanceof UpstreamError && e.kind === 'invalid_response') throw new StateReadError(this.file, `state "${this.name}" is not valid JSON: ${e.message}`, e);
			throw e;
		}
		// GitLab sends the stored state as-is (application/octet-stream): text keeps the lines.
		if (typeof body === 'string') return { file: this.file, text: body };
		if (body === null || body === undefined) throw new StateReadError(this.file, `state "${this.name}" in GitLab project ${this.project} is empty`);
		if (body instanceof Blob) return { file: this.file, text: await body.text() };
		return { file: this.file, text: JSON.stringify(body, null, 2) };
	}

	private async rawText(): Promise<string> {
		const ep = this.endpoint!;
		const get = observedFetch({ source: ep.source, upstream: 'GitLab', timeoutMs: 10_000, observe: ep.observe });
		const url = `${ep.url.replace(/\/$/, '')}/api/v4/projects/${encodeURIComponent(String(this.project))}/terraform/state/${encodeURIComponent(this.name)}`;
		const res = await get(url, { headers: { 'private-token': ep.token } });
		if (!res.ok) {
			await res.body?.cancel();
			throw new UpstreamError(ep.source, 'http', `GitLab answered ${res.status} for state "${this.name}"`, res.status);
		}
		return res.text();
	}
}

/** A generic http backend: GET on its address, with basic auth when configured. */
export class HttpState implements StateReader {
	private fetch: typeof fetch;
	readonly file: string;
	constructor(
		private url: string,
		private auth: { username?: string; password?: string },
		source: string,
		observe?: RequestObserver
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
		return { file: this.file, text: await res.text() };
	}
}

export class FileState implements StateReader {
	constructor(private path: string) {}

	get file(): string {
		return this.path;
	}

	async read(): Promise<StateText> {
		try {
			return { file: this.path, text: await readFile(this.path, 'utf8') };
		} catch (e) {
			throw new StateReadError(this.path, `${this.path} cannot be read: ${(e as Error).message}`, e);
		}
	}
}
