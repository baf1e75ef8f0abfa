// What the drift engine takes and returns. Everything is plain data already read
// and parsed by the adapters: the engine does no I/O.
import type { ParseError } from '../hcl/values';
import type { TfvarsFile } from '../hcl/tfvars';
import type { VariablesFile } from '../hcl/variables';
import type { DriftMap } from './map';
import type { ParsedState } from './state';
import type { DriftError, DriftItem, LiveObject } from './types';

/** A stack's declared side: its variables.tf and the environment's .tfvars (null when the environment has none). */
export interface DeclaredInputs {
	variables: VariablesFile;
	tfvars: TfvarsFile | null;
}

/** One stack in one environment. A side that could not be read or parsed is its ParseError. */
export interface StackInput {
	stack: string;
	env: string;
	declared: DeclaredInputs | ParseError;
	state: ParsedState | ParseError;
	/** The forge's web view of a file at a line (null when there is none, e.g. a local checkout). */
	webUrl?: (file: string, line: number) => string | null;
	/** The live objects of this environment's cluster, when it is not the shared `live` list. */
	live?: LiveObject[];
}

export interface DriftInput {
	stacks: StackInput[];
	/** Live objects of the watched kinds (the cluster most stacks run in). */
	live: LiveObject[];
	/** Kinds the live side watches; objects of other kinds are neither compared nor reported missing. */
	watchedKinds: string[];
	/** The effective drift map: mappings, ignore rules, unmanaged rules. */
	map: DriftMap;
}

export interface DriftResult {
	/** Ordered by stack, env, object, field. */
	items: DriftItem[];
	/** One per stack/env side that failed, and per mapping that could not be resolved. */
	errors: DriftError[];
	/** Stack/envs whose inputs parsed but whose comparison failed (their error says why): none of their items are in `items`. */
	failed: { stack: string; env: string }[];
	checked: { stacks: number; objects: number; fields: number };
}

/** True when a declared or state side is a parse error rather than data. */
export function isParseError(v: DeclaredInputs | ParsedState | ParseError): v is ParseError {
	return typeof (v as ParseError).message === 'string' && typeof (v as ParseError).file === 'string';
}

/** The engine's signature (implemented in engine.ts). */
export type ComputeDrift = (input: DriftInput) => DriftResult;
