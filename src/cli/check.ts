// `runner-dashboard check`: the same configuration as `serve` (RUNNER_DASHBOARD_CONFIG or
// --config, plus RUNNER_DASHBOARD_SANDBOX_URL), every source asked once what it lets the
// dashboard do. Exit 0 when all is well, 1 when a permission is missing or a source fails,
// 2 on a configuration error.
import { ConfigError, loadConfig } from '$lib/server/config';
import { exitCodeOf, failing, type CheckStatus, type SourceCheck } from '$lib/core/source-check';
import { checkSources } from '$lib/server/services/source-check';
import { parseFlags } from './args';

const SHOWN: Record<CheckStatus, string> = { ok: 'ok', missing: 'MISSING', error: 'ERROR', unknown: 'unknown', not_used: 'not used' };

/** The report as a table for a terminal: one line per row, the fix under a failing one, a summary last. */
export function formatCheck(r: SourceCheck): string {
	const head = { source: 'SOURCE', check: 'CHECK', status: 'RESULT' };
	const w = {
		source: Math.max(head.source.length, ...r.rows.map((x) => x.source.length)),
		check: Math.max(head.check.length, ...r.rows.map((x) => x.check.length)),
		status: Math.max(...Object.values(SHOWN).map((s) => s.length))
	};
	const line = (source: string, check: string, status: string, detail: string) => `${source.padEnd(w.source)}  ${check.padEnd(w.check)}  ${status.padEnd(w.status)}  ${detail}`.trimEnd();
	const out = [line(head.source, head.check, head.status, 'DETAIL')];
	for (const x of r.rows) {
		out.push(line(x.source, x.check, SHOWN[x.status], x.detail));
		if (x.fix && x.status !== 'ok' && x.status !== 'not_used') out.push(line('', '', '', `fix: ${x.fix}`));
	}
	const bad = r.rows.filter(failing);
	const unknown = r.rows.filter((x) => x.status === 'unknown').length;
	out.push('');
	out.push(
		bad.length === 0
			? `All ${r.rows.length} ${r.rows.length === 1 ? 'check' : 'checks'} passed${unknown ? ` (${unknown} unknown: the source does not say)` : ''}.`
			: `${bad.length} of ${r.rows.length} checks need attention: ${bad.map((x) => `${x.source} ${x.check}`).join(', ')}.`
	);
	return out.join('\n');
}

export async function check(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
	const f = parseFlags(argv, { json: 'boolean', config: 'string' });
	const config = loadConfig(typeof f.config === 'string' ? { ...env, RUNNER_DASHBOARD_CONFIG: f.config } : env);
	if (config.sources.length === 0 && !config.prometheus) {
		throw new ConfigError('nothing to check: no sources are configured (sources.gitlab, sources.github, sources.kubernetes, metrics.prometheus in the file named by RUNNER_DASHBOARD_CONFIG or --config, or RUNNER_DASHBOARD_SANDBOX_URL; see docs/connect.md)');
	}
	const { report } = await checkSources(config);
	console.log(f.json ? JSON.stringify(report, null, 2) : formatCheck(report));
	return exitCodeOf(report);
}
