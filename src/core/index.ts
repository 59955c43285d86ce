/**
 * core: the shared model on Flyte's IDL — protobuf codecs, type descriptors and literal
 * conversion, type compatibility, phases, error classes and diagnostics, SHA-256 digests. No I/O.
 */
export { ResourceType, START_NODE, END_NODE, executionId, minSuccessesNeeded, type ExecutionId } from './vocabulary.ts';
export {
  idlLookup,
  idlService,
  idlDescriptor,
  messageType,
  MessageName,
  encode,
  decode,
  normalize,
  toJson,
  fromJson,
  IdlJsonError,
  int64ToNumber,
  int64ToBigInt,
  structToJs,
  jsToStruct,
  type flyteidl,
} from './idl.ts';
export {
  t,
  isTypeDescriptor,
  LiteralConversionError,
  descriptorFromLiteralType,
  literalTypeToString,
  isCastable,
  type TypeDescriptor,
  type ValueOf,
} from './types.ts';
export { literalToJs, literalMapToJs, jsToLiteralMap } from './literals.ts';
export { sha256, sha256Hex } from './sha256.ts';
export { parseCliValue } from './cli-values.ts';
export { CompileCode, compileError, type Diagnostic } from './diagnostics.ts';
export * as errors from './errors.ts';
export * as phases from './phases.ts';
