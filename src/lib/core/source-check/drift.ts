// A drift stack: can its declared files (variables.tf and each environment's tfvars) and
// each environment's OpenTofu state be read, as the drift check reads them?
import { listing, rowsFor, type CheckRow, type Outcome } from './report';

export interface DriftStackFacts {
	/** Where the files are read, in the reader's words (`GitLab project 42 at main`). */
	where: string;
	/** The stack's source for its files and state, when it is a configured forge source (for the fix). */
	forge: { source: string; kind: 'gitlab' | 'github' } | null;
	declared: Outcome<{ revision: string | null; found: string[]; absent: string[] }>;
	states: { env: string; file: string; result: Outcome<{ serial: number | null; instances: number | null }> }[];
}

const refusal = (status?: number) => status === 401 || status === 403 || status === 404;

/** Why a stack was not read at all: the forge source it reads through does not answer (its own rows say why). */
export function driftStackNotRead(stack: string, source: string): CheckRow[] {
	return [rowsFor(`drift/${stack}`, 'drift')('declared files', 'error', `not read: ${source} does not answer (see its connection row)`)];
}

export function driftStackRows(stack: string, f: DriftStackFacts): CheckRow[] {
	const row = rowsFor(`drift/${stack}`, 'drift');
	// Reader errors often name where they read already.
	const at = (error: string) => (error.startsWith(f.where) ? error : `${f.where}: ${error}`);
	const rows: CheckRow[] = [];
	const tokenFix = f.forge
		? f.forge.kind === 'gitlab'
			? `the token of ${f.forge.source} needs read_api (or api) and its user Reporter in the project; check the project and ref in declared.gitlab`
			: `the token of ${f.forge.source} needs repo (classic) or "Contents: read" (fine-grained) on the repository; check repo and ref in declared.github`
		: 'check declared.local.path';
	if (!f.declared.ok) rows.push(row('declared files', refusal(f.declared.status) || /no branch, tag or commit/.test(f.declared.error) ? 'missing' : 'error', at(f.declared.error), tokenFix));
	else if (f.declared.absent.length)
		rows.push(
			row(
				'declared files',
				'missing',
				`${f.where}: ${listing(f.declared.absent)} not found${f.declared.found.length ? ` (found ${listing(f.declared.found)})` : ''}`,
				'the path names the stack directory (holding variables.tf), and every environment in envs needs <env>.tfvars next to it'
			)
		);
	else rows.push(row('declared files', 'ok', `${listing(f.declared.found)} in ${f.where}${f.declared.revision ? ` (commit ${f.declared.revision.slice(0, 8)})` : ''}`));
	for (const s of f.states) {
		const check = `state ${s.env}`;
		if (s.result.ok) {
			const n = s.result.instances;
			const facts = [s.result.serial !== null ? `serial ${s.result.serial}` : null, n !== null ? `${n} resource ${n === 1 ? 'instance' : 'instances'}` : null].filter(Boolean);
			rows.push(row(check, 'ok', `${s.file}${facts.length ? `: ${facts.join(', ')}` : ''}`));
		} else {
			const fix =
				s.result.status === 404 || /no state/.test(s.result.error)
					? `the state's name is ${stack}-{env} unless state.gitlab.name says otherwise; it must exist in that project (OpenTofu creates it at the first apply)`
					: f.forge?.kind === 'gitlab'
						? `the token of ${f.forge.source} needs read_api (or api) and its user Developer in the project holding the state`
						: 'check the state backend (state.http.url and its credentials, or state.file.path)';
			rows.push(row(check, refusal(s.result.status) || /no state/.test(s.result.error) ? 'missing' : 'error', `${s.file}: ${s.result.error}`, fix));
		}
	}
	return rows;
}
