// The drift model shared by the engine (pure, core/drift), the GitOps readers
// (sources/gitops) and the API. Values are plain JSON after normalisation
// (K8s quantities as numbers of base units, numbers, booleans), so the three
// sides compare with ===-on-JSON and serialise unchanged.

/** Where a declared value comes from in git: a file and 1-based line, and the forge's web view of it. */
export interface SourceLocation {
	file: string;
	line: number;
	url: string | null;
}

/** `unapplied`: git ahead of state. `out-of-band`: live differs from state. `missing`: declared object absent. `unmanaged`: live runner or scale set nothing declares. */
export const DRIFT_CLASSES = ['unapplied', 'out-of-band', 'missing', 'unmanaged'] as const;
export type DriftClass = (typeof DRIFT_CLASSES)[number];
export const DRIFT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type DriftSeverity = (typeof DRIFT_SEVERITIES)[number];

export interface ObjectRef {
	kind: string;
	namespace: string | null;
	name: string;
}

export interface DriftItem {
	/** Stable identity across computations: stack, env, object and field. */
	key: string;
	stack: string;
	env: string;
	/** `<Kind> <namespace>/<name>` as operators read it. */
	object: string;
	ref: ObjectRef;
	/** Dotted path in the live object (`spec.maxReplicas`), or `(exists)` for presence. */
	field: string;
	/** The variable that declares the field, when the drift map names one. */
	variable: string | null;
	declared: unknown;
	applied: unknown;
	live: unknown;
	class: DriftClass;
	severity: DriftSeverity;
	location: SourceLocation | null;
	/** Server-computed diff of the three values, one line per side that differs. */
	diff: string;
}

/** A stack/env whose inputs could not be read or parsed; the other stacks are still checked. */
export interface DriftError {
	stack: string;
	env: string;
	file: string;
	line: number | null;
	message: string;
}

/** A live Kubernetes object as the API server returns it (apiVersion, kind, metadata, spec, ...). */
export interface LiveObject {
	apiVersion: string;
	kind: string;
	metadata: { name: string; namespace?: string; [k: string]: unknown };
	[k: string]: unknown;
}
