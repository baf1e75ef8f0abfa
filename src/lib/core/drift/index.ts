// The drift engine's public surface: parse state and the drift map, then compute.
export { DRIFT_CLASSES, DRIFT_SEVERITIES, type DriftClass, type DriftError, type DriftItem, type DriftSeverity, type LiveObject, type ObjectRef, type SourceLocation } from './types';
export type { DeclaredInputs, DriftInput, DriftResult, StackInput } from './input';
export { isParseError } from './input';
export { parseState, type ManagedObject, type ParsedState } from './state';
export { effectiveDriftMap, parseDriftMap, type DriftMap, type DriftMapDocument, type IgnoreRule, type UnmanagedRule } from './map';
export { computeDrift, EXISTS, objectLabel } from './engine';
export { builtinDriftMap } from './profile';
