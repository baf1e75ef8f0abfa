// Prometheus's HTTP API (/api/v1/query, /api/v1/query_range) through observedFetch,
// every answer checked with zod. Sample values arrive as strings ("NaN", "+Inf"
// included) and leave as numbers; failures leave as UpstreamErrors.
import { z } from 'zod';
import { fieldPath } from '$lib/core/errors';
import { UpstreamError, type RequestObserver } from '../errors';
import { observedFetch } from '../http';

const valueText = z.string().refine((v) => v === 'NaN' || !Number.isNaN(parseSampleValue(v)), 'a sample value ("1.5", "NaN", "+Inf")');
const sampleValue = z.tuple([z.number(), valueText]).transform(([t, v]) => [t, parseSampleValue(v)] as [number, number]);
const labels = z.record(z.string(), z.string());

const vector = z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: labels, value: sampleValue })) });
const matrix = z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: labels, values: z.array(sampleValue) })) });
const scalar = z.object({ resultType: z.literal('scalar'), result: sampleValue });
const string = z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) });

const success = z.object({ status: z.literal('success'), data: z.discriminatedUnion('resultType', [vector, matrix, scalar, string]), warnings: z.array(z.string()).optional() });
const failure = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });

export type QueryData = z.output<typeof success>['data'];
export interface InstantSample {
	metric: Record<string, string>;
	value: number;
}
export interface RangeSeries {
	metric: Record<string, string>;
	values: [number, number][];
}

/** Prometheus float formatting ("NaN", "+Inf", "-Inf" or a decimal) to a number; NaN for anything else. */
export function parseSampleValue(v: string): number {
	if (v === '+Inf' || v === 'Inf') return Infinity;
	if (v === '-Inf') return -Infinity;
	if (v.trim() === '') return NaN;
	return Number(v);
}

export interface PrometheusOptions {
	source: string;
	url: string;
	timeoutMs: number;
	/** Authorization header value (`Bearer …` or `Basic …`), resolved from a secret; never logged. */
	authorization?: string;
	observe?: RequestObserver;
	/** Counts every query sent (for the bounded-queries benchmark and /metrics). */
	onQuery?: (kind: 'query' | 'query_range') => void;
}

export interface PrometheusClient {
	/** An instant query at `time` (unix seconds); the answer must be a vector. */
	query(expr: string, time: number): Promise<InstantSample[]>;
	/** A range query; the answer must be a matrix. */
	queryRange(expr: string, start: number, end: number, stepS: number): Promise<RangeSeries[]>;
	/** Any instant query's data as checked (for health probes and scalars). */
	raw(expr: string, time?: number): Promise<QueryData>;
}

export function prometheusClient(opts: PrometheusOptions): PrometheusClient {
	const get = observedFetch({ source: opts.source, upstream: 'Prometheus', timeoutMs: opts.timeoutMs, observe: opts.observe });
	const base = opts.url.replace(/\/$/, '');

	async function call(path: 'query' | 'query_range', params: Record<string, string>): Promise<QueryData> {
		opts.onQuery?.(path);
		const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
		if (opts.authorization) headers.authorization = opts.authorization;
		// POST keeps long expressions out of URLs and access logs; Prometheus accepts both.
		const res = await get(`${base}/api/v1/${path}`, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
		let body: unknown;
		const text = await res.text();
		try {
			body = JSON.parse(text);
		} catch {
			const kind = res.ok ? 'invalid_response' : 'http';
			throw new UpstreamError(opts.source, kind, `Prometheus answered ${res.status} with a body that is not JSON: ${text.slice(0, 120)}`, res.status);
		}
		const err = failure.safeParse(body);
		if (err.success) throw new UpstreamError(opts.source, 'http', `Prometheus ${err.data.errorType}: ${err.data.error}`, res.status);
		if (!res.ok) throw new UpstreamError(opts.source, res.status === 429 ? 'rate_limited' : 'http', `Prometheus answered ${res.status}`, res.status);
		const ok = success.safeParse(body);
		if (!ok.success) {
			const issue = ok.error.issues[0];
			throw new UpstreamError(opts.source, 'invalid_response', `Prometheus answer not understood: ${issue?.message ?? 'invalid'} at ${fieldPath(issue?.path ?? []) || '(top level)'}`);
		}
		return ok.data.data;
	}

	return {
		async query(expr, time) {
			const data = await call('query', { query: expr, time: String(time) });
			if (data.resultType !== 'vector') throw new UpstreamError(opts.source, 'invalid_response', `expected a vector from ${expr}, got a ${data.resultType}`);
			return data.result.map((r) => ({ metric: r.metric, value: r.value[1] }));
		},
		async queryRange(expr, start, end, stepS) {
			const data = await call('query_range', { query: expr, start: String(start), end: String(end), step: String(stepS) });
			if (data.resultType !== 'matrix') throw new UpstreamError(opts.source, 'invalid_response', `expected a matrix from ${expr}, got a ${data.resultType}`);
			return data.result.map((r) => ({ metric: r.metric, values: r.values }));
		},
		raw(expr, time) {
			return call('query', time === undefined ? { query: expr } : { query: expr, time: String(time) });
		}
	};
}
