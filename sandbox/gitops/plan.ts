// What a CI job of the GitOps project prints: `tofu plan` (the changes applying a commit
// would make, against the live objects) and `tofu apply`, rendered the way OpenTofu
// does, plus which stacks a change touches (the pipelines run for those).

import type { ApplyResult, FieldChange, PlanResult, PlannedChange } from './apply.js';
import { ENVIRONMENTS, STACKS, type StackName } from './stacks.js';

/** Stacks whose directory differs between two trees (`rules: changes: tofu/stacks/<stack>/**`). */
export function touchedStacks(from: ReadonlyMap<string, string>, to: ReadonlyMap<string, string>): StackName[] {
	return STACKS.filter((stack) => {
		const dir = `tofu/stacks/${stack}/`;
		for (const p of new Set([...from.keys(), ...to.keys()])) if (p.startsWith(dir) && from.get(p) !== to.get(p)) return true;
		return false;
	});
}

/** Every stack/env a pipeline for these stacks plans and applies. */
export function targets(stacks: readonly StackName[]): { stack: StackName; env: string }[] {
	return stacks.flatMap((stack) => ENVIRONMENTS.map((env) => ({ stack, env })));
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function pathText(f: FieldChange, typed: boolean): string {
	let out = '';
	for (const seg of f.path) {
		if (typeof seg === 'number') out += `[${seg}]`;
		else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += `${out ? '.' : ''}${typed ? snake(seg) : seg}`;
		else out += `[${JSON.stringify(seg)}]`;
	}
	return out;
}

function valueText(v: unknown): string {
	return v === undefined ? 'null' : JSON.stringify(v);
}

const SYMBOL = { create: '+', update: '~', delete: '-' } as const;
const VERB = { create: 'will be created', update: 'will be updated in-place', delete: 'will be destroyed' } as const;

function resourceText(c: PlannedChange): string[] {
	const m = /^([a-z0-9_]+)\.([a-z0-9_]+)/.exec(c.address);
	const [type, name] = m ? [m[1] as string, m[2] as string] : [c.address, ''];
	const typed = type !== 'kubernetes_manifest';
	const sym = SYMBOL[c.action];
	const lines = [`  # ${c.address} ${VERB[c.action]}`, `  ${sym} resource "${type}" "${name}" {`];
	if (c.action === 'delete') lines.push(`      - id = "${c.namespace}/${c.name}" -> null`);
	else {
		if (c.action === 'update') lines.push(`        id = "${c.namespace}/${c.name}"`);
		for (const f of c.fields) {
			const field = `${typed ? '' : 'manifest.'}${pathText(f, typed)}`;
			if (c.action === 'create' || f.before === undefined) lines.push(`      + ${field} = ${valueText(f.after)}`);
			else if (f.after === undefined) lines.push(`      - ${field} = ${valueText(f.before)} -> null`);
			else lines.push(`      ~ ${field} = ${valueText(f.before)} -> ${valueText(f.after)}`);
		}
	}
	lines.push('    }', '');
	return lines;
}

/** Counts as the plan's last line: `Plan: 0 to add, 1 to change, 0 to destroy.` */
export function planSummary(changes: readonly PlannedChange[]): string {
	if (changes.length === 0) return 'No changes. Your infrastructure matches the configuration.';
	const n = (a: PlannedChange['action']) => changes.filter((c) => c.action === a).length;
	return `Plan: ${n('create')} to add, ${n('update')} to change, ${n('delete')} to destroy.`;
}

/** `tofu plan` output for one stack/env. */
export function planText(p: PlanResult): string {
	if (p.changes.length === 0) {
		return `${planSummary([])}\n\nOpenTofu has compared your real infrastructure against your configuration\nand found no differences, so no changes are needed.\n`;
	}
	const used = (['create', 'update', 'delete'] as const).filter((a) => p.changes.some((c) => c.action === a));
	const legend = { create: '  + create', update: '  ~ update in-place', delete: '  - destroy' };
	return [
		'OpenTofu used the selected providers to generate the following execution',
		'plan. Resource actions are indicated with the following symbols:',
		...used.map((a) => legend[a]),
		'',
		'OpenTofu will perform the following actions:',
		'',
		...p.changes.flatMap(resourceText),
		planSummary(p.changes),
		''
	].join('\n');
}

/** `tofu apply` output for one stack/env. */
export function applyText(r: ApplyResult): string {
	const verb = { create: 'Creation complete', update: 'Modifications complete', delete: 'Destruction complete' } as const;
	const n = (a: ApplyResult['changes'][number]['action']) => r.changes.filter((c) => c.action === a).length;
	return [
		...r.changes.map((c) => `${c.kind}/${c.namespace}/${c.name}: ${verb[c.action]}`),
		'',
		`Apply complete! Resources: ${n('create')} added, ${n('update')} changed, ${n('delete')} destroyed.`,
		`State ${r.stack}-${r.env}: serial ${r.serial}.`,
		''
	].join('\n');
}
