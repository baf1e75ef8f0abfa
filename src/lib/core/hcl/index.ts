// The HCL readers: load the parser once, then read variables.tf and .tfvars.
export { loadHcl, type HclParser } from './parser';
export type { DeclaredVariable, VariablesFile, VariableValidation } from './variables';
export type { TfvarsAttribute, TfvarsFile } from './tfvars';
export { hclString, renderValue } from './render';
export { typeText, type ObjectAttribute, type TypeConstraint } from './types';
export { checkCondition, equalValues, type Condition } from './conditions';
export { isUnevaluated, type HclValue, type ParseError, type ParseResult, type TextRange, type Unevaluated } from './values';
