// The drift engine: for every stack and environment, compare what git declares
// (tfvars over variables.tf defaults), what OpenTofu applied (state) and what
// runs (live objects), field by field, on normalised values. Pure: no I/O.
import { normaliseValue, sameValue } from '../quantity';
import { declaredValues, type Declared, type DeclaredValue } from './declared';
import { driftDiff } from './diff';
import { expandMap, type MappedField, type MappedObject } from './expand';
import { regexValue, tomlValue } from './extract';
import { compileIgnores, type IgnoreSet } from './ignore';
import { isParseError, type DriftInput, type DriftResult, type StackInput } from './input';
import { formatPath, getAt, leaves, type Segment } from './paths';
import { severityOf } from './severity';
import type { ManagedObject, ParsedState } from './state';
import type { DriftClass, DriftError, DriftItem, DriftSeverity, LiveObject, ObjectRef, SourceLocation } from './types';
import { messageOf } from '../errors';
import { PREVIOUS_MAX_ANNOTATION } from '../scale-sets';
import { isSecretName, maskedValues } from './secrets';

/** The field name of presence items (the object exists, or does not). */
export const EXISTS = '(exists)';

const refKey = (r: ObjectRef) => `${r.kind}|${r.namespace ?? ''}|${r.name}`;

/** `<Kind> <namespace>/<name>` as operators read it. */
export function objectLabel(r: ObjectRef): string {
	return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** Computes every drift item of every stack; a stack whose inputs failed, or whose comparison threw, is reported in `errors` and skipped. */
export function computeDrift(input: DriftInput): DriftResult {
	const items = new Map<string, DriftItem>();
	const errors: DriftError[] = [];
	const failed: DriftResult['failed'] = [];
	const checked = { stacks: 0, objects: 0, fields: 0 };
	const watched = new Set(input.watchedKinds);
	const lives = new Map<LiveObject[], LiveIndex>();
	const liveOf = (s: StackInput): LiveIndex => {
		const list = s.live ?? input.live;
		let idx = lives.get(list);
		if (!idx) lives.set(list, (idx = indexLive(list)));
		return idx;
	};
	const add = (item: DriftItem) => {
		if (!items.has(item.key)) items.set(item.key, item);
	};

	for (const s of input.stacks) {
		const live = liveOf(s);
		live.stacks.push(s);
		if (isParseError(s.declared)) errors.push({ stack: s.stack, env: s.env, ...s.declared });
		if (isParseError(s.state)) errors.push({ stack: s.stack, env: s.env, ...s.state });
		if (isParseError(s.declared) || isParseError(s.state)) {
			live.failedStacks.add(s.stack);
			continue;
		}
		for (const o of s.state.objects) live.managed.add(refKey(o.ref));
	}
	for (const live of lives.values()) {
		for (const s of live.stacks) {
			if (isParseError(s.declared) || isParseError(s.state)) continue;
			// Each stack inside its own failure boundary: whatever its inputs hold, the others are still checked.
			const own: DriftItem[] = [];
			try {
				const declared = declaredValues(s.declared, s.webUrl ?? (() => null));
				const { objects, problems } = expandMap(input.map, s.stack, declared);
				for (const message of problems) errors.push({ stack: s.stack, env: s.env, file: s.declared.variables.file, line: null, message });
				const ignores = compileIgnores(input.map.ignore, live.hpaTargets);
				const ctx: StackCtx = { s: s as StackCtx['s'], live, ignores, add: (item) => own.push(item), checked, declared };
				compareStack(ctx, objects, s.state, watched);
			} catch (e) {
				errors.push({ stack: s.stack, env: s.env, file: s.state.file, line: null, message: `could not be compared: ${messageOf(e)}` });
				failed.push({ stack: s.stack, env: s.env });
				live.failedStacks.add(s.stack);
				continue;
			}
			checked.stacks++;
			for (const item of own) add(item);
		}
		unmanaged(input, live, add);
	}
	const sorted = [...items.values()].sort((a, b) => cmp(a.stack, b.stack) || cmp(a.env, b.env) || cmp(a.object, b.object) || cmp(a.field, b.field));
	errors.sort((a, b) => cmp(a.stack, b.stack) || cmp(a.env, b.env) || cmp(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0));
	return { items: sorted, errors, failed, checked };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface LiveIndex {
	byRef: Map<string, LiveObject>;
	list: LiveObject[];
	/** `namespace/name` of Deployments an HPA scales: their spec.replicas is the HPA's. */
	hpaTargets: Set<string>;
	/** Objects some stack's state records or its map declares. */
	managed: Set<string>;
	stacks: StackInput[];
	failedStacks: Set<string>;
}

function indexLive(list: LiveObject[]): LiveIndex {
	const byRef = new Map<string, LiveObject>();
	const hpaTargets = new Set<string>();
	for (const o of list) {
		byRef.set(refKey(liveRef(o)), o);
		if (o.kind === 'HorizontalPodAutoscaler') {
			const target = (o.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
			if (target?.kind === 'Deployment' && target.name) hpaTargets.add(`${o.metadata.namespace ?? ''}/${target.name}`);
		}
	}
	return { byRef, list, hpaTargets, managed: new Set(), stacks: [], failedStacks: new Set() };
}

function liveRef(o: LiveObject): ObjectRef {
	return { kind: o.kind, namespace: o.metadata.namespace ?? null, name: o.metadata.name };
}

interface StackCtx {
	s: StackInput & { state: ParsedState };
	live: LiveIndex;
	ignores: IgnoreSet;
	add: (item: DriftItem) => void;
	checked: DriftResult['checked'];
	declared: Declared;
}

interface ItemInput {
	ref: ObjectRef;
	field: string;
	variable: string | null;
	declared: unknown;
	applied: unknown;
	live: unknown;
	cls: DriftClass;
	location: SourceLocation | null;
	severity?: DriftSeverity;
	/** The values are secret: the item says that they differ, never what they are. */
	sensitive?: boolean;
}

/**
 * Whether a recorded field holds a secret beyond what its path says (makeItem checks the
 * path's names): marked in state's sensitive_attributes, or inside a list element reached
 * by position whose `name` is a credential's (`env[3].value` of `RUNNER_TOKEN`).
 */
function isSensitive(applied: ManagedObject | null, segments: Segment[]): boolean {
	const keys = segments.flatMap((s) => ('key' in s ? [s.key] : []));
	if ((applied?.sensitive ?? []).some((p) => p.length > 0 && p.length <= keys.length && p.every((k, i) => k === keys[i]))) return true;
	let cur: unknown = applied?.object;
	for (const seg of segments) {
		cur = getAt(cur, [seg]);
		if ('index' in seg && typeof cur === 'object' && cur !== null && typeof (cur as { name?: unknown }).name === 'string' && isSecretName((cur as { name: string }).name)) return true;
	}
	return false;
}

function makeItem(stack: string, env: string, input: ItemInput): DriftItem {
	// Compared on the real values, shown and stored masked: a token line in config.toml, a field named like a credential.
	const i = { ...input, ...maskedValues(input.field, input, input.sensitive) };
	const object = objectLabel(i.ref);
	return {
		key: `${stack}|${env}|${refKey(i.ref)}|${i.field}`,
		stack,
		env,
		object,
		ref: i.ref,
		field: i.field,
		variable: i.variable,
		declared: i.declared ?? null,
		applied: i.applied ?? null,
		live: i.live ?? null,
		class: i.cls,
		severity: i.severity ?? severityOf(i.cls, i.field),
		location: i.location,
		diff: driftDiff(i.cls, i.field, i.declared, i.applied, i.live)
	};
}

function compareStack(ctx: StackCtx, mapped: MappedObject[], state: ParsedState, watched: Set<string>): void {
	const applied = new Map<string, ManagedObject>();
	for (const o of state.objects) if (!applied.has(refKey(o.ref))) applied.set(refKey(o.ref), o);
	const handled = new Set<string>();
	for (const m of mapped) {
		if (!watched.has(m.ref.kind)) continue;
		const key = refKey(m.ref);
		if (handled.has(key)) continue;
		handled.add(key);
		if (m.exists) ctx.live.managed.add(key);
		compareMapped(ctx, m, applied.get(key) ?? null, ctx.live.byRef.get(key) ?? null);
	}
	for (const o of state.objects) {
		if (!watched.has(o.ref.kind)) continue;
		const key = refKey(o.ref);
		if (handled.has(key)) continue;
		handled.add(key);
		compareRecorded(ctx, o, ctx.live.byRef.get(key) ?? null, null);
	}
}

function compareMapped(ctx: StackCtx, m: MappedObject, applied: ManagedObject | null, live: LiveObject | null): void {
	const { s } = ctx;
	ctx.checked.objects++;
	const emit = (i: Omit<ItemInput, 'ref'>) => ctx.add(makeItem(s.stack, s.env, { ref: m.ref, ...i }));
	const existsLoc = m.existsDeclared?.location ?? null;
	const isApplied = applied !== null;
	const isLive = live !== null;
	ctx.checked.fields++;
	if (m.exists !== null && m.exists !== isApplied) {
		emit({ field: EXISTS, variable: m.existsVariable, declared: m.exists, applied: isApplied, live: isLive, cls: 'unapplied', location: existsLoc });
		return;
	}
	if (!isApplied) {
		// Neither declared nor applied (or unknown and not applied): nothing to compare.
		return;
	}
	if (!isLive) {
		emit({ field: EXISTS, variable: m.existsVariable, declared: m.exists, applied: true, live: false, cls: 'missing', location: existsLoc });
		return;
	}
	const differing = new Set<string>();
	for (const f of m.fields) {
		// Ignore rules hold for mapped fields too: an operator who ignores a field means it wherever it is compared.
		if (ctx.ignores.ignores(m.ref, { segments: f.segments, indexes: f.segments.map(() => null) })) continue;
		ctx.checked.fields++;
		const d = f.declared;
		const a = fieldValue(applied.object, f);
		const l = fieldValue(live, f);
		const dv = d?.known ? normaliseValue(f.field, d.value) : undefined;
		const av = normaliseValue(f.field, a);
		const lv = normaliseValue(f.field, l);
		let cls: DriftClass | null = null;
		if (dv !== undefined && !sameValue(dv, av)) cls = 'unapplied';
		else if (!sameValue(av, lv)) cls = 'out-of-band';
		if (!sameValue(av, lv)) differing.add(formatPath(f.segments));
		if (!cls) continue;
		const severity = cls === 'out-of-band' && drainedHere(live, f.field, lv) ? 'info' : f.mapping.severity;
		emit({ field: f.field, variable: f.variable, declared: d?.known ? dv : null, applied: av, live: lv, cls, location: locationOf(d), severity, sensitive: isSensitive(applied, f.segments) });
	}
	compareRecorded(ctx, applied, live, { fields: m.fields, differing });
}

/**
 * A scale set drained from the dashboard (maxRunners 0, the previous value kept in its
 * annotation) is drift, but a deliberate one: still reported, as info rather than critical.
 */
function drainedHere(live: LiveObject, field: string, value: unknown): boolean {
	const annotations = (live.metadata as { annotations?: Record<string, string> }).annotations;
	return live.kind === 'AutoscalingRunnerSet' && field === 'spec.maxRunners' && value === 0 && annotations?.[PREVIOUS_MAX_ANNOTATION] !== undefined;
}

function locationOf(d: DeclaredValue | null): SourceLocation | null {
	return d?.location ?? null;
}

function fieldValue(root: unknown, f: MappedField): unknown {
	const v = getAt(root, f.segments);
	if (f.mapping.toml === undefined && f.mapping.regex === undefined) return v;
	if (typeof v !== 'string') return undefined;
	return f.mapping.toml !== undefined ? tomlValue(v, f.mapping.toml) : regexValue(v, f.mapping.regex as string);
}

/**
 * State against live without a map: every leaf the state records is compared
 * with the live object, after ignore rules. Leaves a mapping already compared are
 * skipped; a string a mapping reads inside (config.toml) is compared whole only
 * when none of its mapped values differ, so one change is one item.
 */
function compareRecorded(ctx: StackCtx, applied: ManagedObject, live: LiveObject | null, mapped: { fields: MappedField[]; differing: Set<string> } | null): void {
	const { s } = ctx;
	if (!mapped) ctx.checked.objects++;
	if (!live) {
		ctx.checked.fields++;
		ctx.add(makeItem(s.stack, s.env, { ref: applied.ref, field: EXISTS, variable: null, declared: null, applied: true, live: false, cls: 'missing', location: null }));
		return;
	}
	const direct = new Set<string>();
	const inside = new Set<string>();
	for (const f of mapped?.fields ?? []) {
		const concrete = concretePath(applied.object, f.segments);
		if (concrete === null) continue;
		if (f.mapping.toml !== undefined || f.mapping.regex !== undefined) {
			if (mapped?.differing.has(formatPath(f.segments))) direct.add(concrete);
			else inside.add(concrete);
		} else direct.add(concrete);
	}
	for (const leaf of leaves(applied.object)) {
		if (ctx.ignores.ignores(applied.ref, leaf)) continue;
		const concrete = leafConcrete(leaf.segments, leaf.indexes);
		if (direct.has(concrete)) continue;
		ctx.checked.fields++;
		const lraw = getAt(live, leaf.segments);
		// Providers record unset fields as zero values ("", 0, false, [], {}); the API server omits them.
		if (lraw === undefined && isZero(leaf.value)) continue;
		const field = formatPath(leaf.segments);
		const av = normaliseValue(field, leaf.value);
		const lv = normaliseValue(field, lraw);
		if (sameValue(av, lv)) continue;
		ctx.add(makeItem(s.stack, s.env, { ref: applied.ref, field, variable: null, declared: null, applied: av, live: lv, cls: 'out-of-band', location: null, sensitive: isSensitive(applied, leaf.segments) }));
	}
}

function isZero(v: unknown): boolean {
	if (v === null || v === undefined || v === '' || v === 0 || v === false || v === '0') return true;
	if (Array.isArray(v)) return v.length === 0;
	return typeof v === 'object' && Object.keys(v).length === 0;
}

// A path with list steps as positions, so `containers[0]` and `containers[name=x]` compare equal.
function concretePath(root: unknown, segments: Segment[]): string | null {
	const parts: string[] = [];
	let cur: unknown = root;
	for (const seg of segments) {
		if (cur === null || typeof cur !== 'object') return null;
		if ('index' in seg) {
			parts.push(`[${seg.index}]`);
			cur = Array.isArray(cur) ? cur[seg.index] : undefined;
		} else if ('field' in seg) {
			if (!Array.isArray(cur)) return null;
			const i = cur.findIndex((x) => typeof x === 'object' && x !== null && String((x as Record<string, unknown>)[seg.field]) === seg.value);
			if (i < 0) return null;
			parts.push(`[${i}]`);
			cur = cur[i];
		} else {
			parts.push(`.${seg.key}`);
			cur = (cur as Record<string, unknown>)[seg.key];
		}
	}
	return parts.join('');
}

function leafConcrete(segments: Segment[], indexes: (number | null)[]): string {
	return segments.map((seg, i) => (indexes[i] !== null && indexes[i] !== undefined ? `[${indexes[i]}]` : `.${'key' in seg ? seg.key : ''}`)).join('');
}

/** Live runner Deployments and scale sets that no stack's state records or map declares. */
function unmanaged(input: DriftInput, live: LiveIndex, add: (item: DriftItem) => void): void {
	for (const rule of input.map.unmanaged) {
		if (live.failedStacks.has(rule.stack)) continue;
		const stacks = live.stacks.filter((s) => s.stack === rule.stack);
		// Only for stacks checked against this cluster: a cluster no stack of that name targets is not judged.
		if (stacks.length === 0) continue;
		const env = stacks.length === 1 ? (stacks[0] as StackInput).env : '*';
		for (const o of live.list) {
			if (o.kind !== rule.kind) continue;
			if (rule.namespace !== undefined && (o.metadata.namespace ?? '') !== rule.namespace) continue;
			const ref = liveRef(o);
			if (live.managed.has(refKey(ref))) continue;
			add(makeItem(rule.stack, env, { ref, field: EXISTS, variable: null, declared: false, applied: false, live: true, cls: 'unmanaged', location: null }));
		}
	}
}
