// The words a change request carries into git: its title, the commit message and the
// merge/pull request's description. Values are written as they stand in the tfvars
// file (HCL), so a reviewer reads the same text in the description and the diff.
import type { ChangedValue, ChangeKind } from './changes';
import { renderValue } from './hcl/render';
import type { HclValue } from './hcl/values';

const TITLE_MAX = 200;

/** A value as the tfvars file writes it, on one line; `(unset)` when there was none. */
export function valueText(v: unknown): string {
	if (v === undefined) return '(unset)';
	return renderValue(v as HclValue).replace(/\s*\n\s*/g, ' ');
}

/** `name old → new` for each variable, joined. */
export function changeSummary(changed: readonly ChangedValue[]): string {
	return changed.map((c) => `${c.name} ${valueText(c.old)} → ${valueText(c.new)}`).join(', ');
}

function clip(s: string, max: number): string {
	return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** `gitlab-runners/dev: docker_hpa_max_replicas 8 → 10` (or the operator's own title). */
export function changeTitle(stack: string, env: string, changed: readonly ChangedValue[], kind: ChangeKind, own?: string): string {
	if (own?.trim()) return clip(own.trim().replace(/\s+/g, ' '), TITLE_MAX);
	const prefix = kind === 'adopt' ? 'adopt live value: ' : '';
	return clip(`${stack}/${env}: ${prefix}${changeSummary(changed)}`, TITLE_MAX);
}

export interface ChangeText {
	stack: string;
	env: string;
	file: string;
	kind: ChangeKind;
	changed: readonly ChangedValue[];
	/** Who proposed it, as the audit log names them. */
	operator: string;
	/** The drift item an adoption takes into git (`HorizontalPodAutoscaler gitlab-runners/docker-runner-hpa spec.maxReplicas`). */
	adopted?: string;
}

/** The commit message: a subject naming the values, and who proposed it through the dashboard. */
export function commitMessage(t: ChangeText): string {
	const lines = t.changed.map((c) => `- ${c.name}: ${valueText(c.old)} → ${valueText(c.new)}`);
	const why = t.adopted ? `Takes the live value of ${t.adopted} into git.\n\n` : '';
	return `${changeTitle(t.stack, t.env, t.changed, t.kind)}\n\n${why}${t.file}:\n${lines.join('\n')}\n\nProposed by ${t.operator} through runner-dashboard.\n`;
}

/** The merge/pull request's description: what changes, the diff, what only the plan checks, and where to follow it. */
export function proposalDescription(t: ChangeText & { diff: string; link: string | null; note?: string; unchecked: readonly string[]; droppedComments: readonly string[] }): string {
	const parts: string[] = [];
	parts.push(`Proposed by **${t.operator}** through runner-dashboard${t.adopted ? `, taking the live value of ${t.adopted} into git` : ''}.`);
	if (t.note?.trim()) parts.push(t.note.trim());
	parts.push(`| Variable | Before | After |\n| --- | --- | --- |\n${t.changed.map((c) => `| \`${c.name}\` | \`${valueText(c.old).replaceAll('|', '\\|')}\` | \`${valueText(c.new).replaceAll('|', '\\|')}\` |`).join('\n')}`);
	// A fence longer than any backtick run in the diff, so a value cannot close it.
	const fence = '`'.repeat(Math.max(3, ...[...t.diff.matchAll(/`+/g)].map((m) => m[0].length + 1)));
	parts.push(`${fence}diff\n${t.diff.trimEnd()}\n${fence}`);
	if (t.unchecked.length) parts.push(`Checked only by \`tofu plan\`: ${t.unchecked.join('; ')}.`);
	if (t.droppedComments.length) parts.push(`Comments inside the replaced values are gone: ${t.droppedComments.map((c) => `\`${c.replaceAll('`', "'")}\``).join(', ')}.`);
	if (t.link) parts.push(`Follow it on the dashboard: ${t.link}`);
	return parts.join('\n\n');
}
