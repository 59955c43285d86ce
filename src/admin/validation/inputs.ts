/**
 * Input rules of launch plans and executions (flyteadmin `validation/launch_plan_validator.go`,
 * `execution_validator.go`, `util/shared.go`): fixed inputs cannot be overridden, required
 * inputs must be given, every literal must fit its declared type. Errors name the input.
 */
import type { flyteidl } from '../../core/idl.ts';
import type { DataStore } from '../../storage/index.ts';
import { adminError } from '../errors.ts';
import { checkLiteral, describeType, literalUris } from './literal-check.ts';

type VariableMap = Record<string, flyteidl.core.IVariable>;

/**
 * Checks a launch plan's `default_inputs` and `fixed_inputs` against the workflow interface:
 * names must exist, values must fit, and no input may be both fixed and defaulted.
 */
export function validateLaunchPlanInputs(inputs: VariableMap, spec: flyteidl.admin.ILaunchPlanSpec, path: string): void {
  const known = Object.keys(inputs).join(', ') || '(none)';
  const fixed = spec.fixedInputs?.literals ?? {};
  for (const [name, lit] of Object.entries(fixed)) {
    const p = `${path}.fixed_inputs.literals.${name}`;
    const variable = inputs[name];
    if (!variable) throw adminError('SBX_ADMIN_UNKNOWN_INPUT', `fixed input "${name}" is not an input of the workflow (inputs: ${known})`, { path: p });
    const err = checkLiteral(lit, variable.type);
    if (err) throw adminError('SBX_ADMIN_INPUT_TYPE_MISMATCH', `fixed input "${name}" must be ${describeType(variable.type)}: ${err}`, { path: p });
  }
  for (const [name, param] of Object.entries(spec.defaultInputs?.parameters ?? {})) {
    const p = `${path}.default_inputs.parameters.${name}`;
    const variable = inputs[name];
    if (!variable) throw adminError('SBX_ADMIN_UNKNOWN_INPUT', `default input "${name}" is not an input of the workflow (inputs: ${known})`, { path: p });
    if (name in fixed) throw adminError('SBX_ADMIN_FIXED_INPUT_OVERRIDE', `input "${name}" is both fixed and defaulted`, { path: p });
    if (param.default) {
      const err = checkLiteral(param.default, variable.type);
      if (err) throw adminError('SBX_ADMIN_INPUT_TYPE_MISMATCH', `default of input "${name}" must be ${describeType(variable.type)}: ${err}`, { path: `${p}.default` });
    }
  }
}

/**
 * The launch plan's expected inputs: every workflow input that is not fixed, with the launch
 * plan's default when it has one, else required.
 */
export function expectedInputs(inputs: VariableMap, spec: flyteidl.admin.ILaunchPlanSpec): flyteidl.core.IParameterMap {
  const fixed = spec.fixedInputs?.literals ?? {};
  const parameters: Record<string, flyteidl.core.IParameter> = {};
  for (const [name, variable] of Object.entries(inputs)) {
    if (name in fixed) continue;
    const given = spec.defaultInputs?.parameters?.[name];
    if (given?.default) parameters[name] = { var: variable, default: given.default };
    else parameters[name] = { var: variable, required: true };
  }
  return { parameters };
}

/**
 * Merges execution inputs: expected defaults, then the user's inputs, then the fixed inputs.
 * Throws (400) naming the input for an override of a fixed input, an unknown input, a type
 * mismatch, or missing required inputs (all listed with their types).
 */
export function mergeExecutionInputs(
  expected: flyteidl.core.IParameterMap | null | undefined,
  fixed: flyteidl.core.ILiteralMap | null | undefined,
  given: flyteidl.core.ILiteralMap | null | undefined,
  path: string,
): flyteidl.core.ILiteralMap {
  const params = expected?.parameters ?? {};
  const fixedLits = fixed?.literals ?? {};
  const givenLits = given?.literals ?? {};
  const merged: Record<string, flyteidl.core.ILiteral> = {};
  for (const [name, lit] of Object.entries(givenLits)) {
    const p = `${path}.literals.${name}`;
    if (name in fixedLits) {
      throw adminError('SBX_ADMIN_FIXED_INPUT_OVERRIDE', `input "${name}" is fixed by the launch plan and cannot be overridden`, { path: p });
    }
    const param = params[name];
    if (!param) {
      const known = Object.keys(params).join(', ') || '(none)';
      throw adminError('SBX_ADMIN_UNKNOWN_INPUT', `"${name}" is not an input of this launch plan (inputs: ${known})`, { path: p });
    }
    const err = checkLiteral(lit, param.var?.type);
    if (err) throw adminError('SBX_ADMIN_INPUT_TYPE_MISMATCH', `input "${name}" must be ${describeType(param.var?.type)}: ${err}`, { path: p });
    merged[name] = lit;
  }
  const missing: string[] = [];
  for (const [name, param] of Object.entries(params)) {
    if (name in merged) continue;
    if (param.default) merged[name] = param.default;
    else if (param.required) missing.push(`${name} (${describeType(param.var?.type)})`);
  }
  if (missing.length > 0) {
    throw adminError('SBX_ADMIN_MISSING_INPUTS', `missing required input${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
      path,
      details: { missing: missing.map((m) => m.split(' ')[0]) },
    });
  }
  for (const [name, lit] of Object.entries(fixedLits)) merged[name] = lit;
  return { literals: merged };
}

/**
 * Refuses input values that point outside the sandbox's data store (`file:///etc/passwd`, another
 * user's files, a bucket the sandbox cannot reach): a task would read whatever such a value names.
 * `inStore` says whether a URI is inside the store. Local files reach the store through the CLI,
 * which uploads the paths it is given.
 */
export function assertInputsInStore(
  literals: Record<string, flyteidl.core.ILiteral | null | undefined>,
  inStore: (uri: string) => boolean,
  path: (name: string) => string,
): void {
  for (const [name, lit] of Object.entries(literals)) {
    for (const { uri, at } of literalUris(lit)) {
      if (inStore(uri)) continue;
      throw adminError(
        'SBX_ADMIN_INPUT_OUTSIDE_STORE',
        `input "${name}"${at ? ` at ${at}` : ''} points outside the sandbox's data store (${uri}): pass a local path to run --remote, which uploads it, or a URI the sandbox gave out`,
        { path: path(name) },
      );
    }
  }
}

