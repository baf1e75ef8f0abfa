// The HCL readers: load the parser once, then read variables.tf and .tfvars.
export { loadHcl, type HclParser } from './parser';
export type { DeclaredVariable, VariablesFile } from './variables';
export type { TfvarsAttribute, TfvarsFile } from './tfvars';
export { isUnevaluated, type HclValue, type ParseError, type ParseResult, type TextRange, type Unevaluated } from './values';
