/** The error catalogue, the {@link MxError} type and the problem+json mapping. */
export { ERROR_CATALOGUE, ERROR_CODES, PROBLEM_TYPE_BASE, isErrorCode, problemTypeOf, type ErrorCode, type ErrorSpec } from './catalogue.ts';
export { MxError, isMxError, type MxErrorOptions } from './mx-error.ts';
export { PROBLEM_CONTENT_TYPE, toProblem, type Problem, type ProblemFieldError } from './problem.ts';
