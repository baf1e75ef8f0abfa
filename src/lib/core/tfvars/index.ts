// Editing an environment's .tfvars: values checked against variables.tf, written
// format-preservingly, rebased onto a newer file, shown as a unified diff.
export { validateValue, MAX_VALUE_DEPTH, type Validated } from './convert';
export {
	editTfvars,
	rebaseEdit,
	type ChangedVariable,
	type Conflict,
	type Conflicted,
	type EditOptions,
	type EditProblem,
	type EditProblemKind,
	type EditResult,
	type Edited,
	type Refused,
	type UncheckedValidation
} from './edit';
export { unifiedDiff } from './diff';
