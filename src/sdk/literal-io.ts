/**
 * JS values ⇄ Flyte literals by an entity's declared interface: what a call's inputs become
 * (defaults applied, errors naming the input) and what outputs read back as.
 */
import type { flyteidl } from '../core/idl.ts';
import type { TypeDescriptor } from '../core/types.ts';
import { ENTITY, entityName, type EntityDef, type LaunchPlanDef } from './entities.ts';

type ILiteral = flyteidl.core.ILiteral;
type ILiteralMap = flyteidl.core.ILiteralMap;

/** Converts JS inputs to literals by the declared types, applying defaults; errors name the input. */
export function inputsToLiterals(
  vars: ReadonlyMap<string, TypeDescriptor>,
  given: Record<string, unknown>,
  defaults: Record<string, unknown>,
  where: string,
): ILiteralMap {
  const literals: Record<string, ILiteral> = {};
  const unknown = Object.keys(given).filter((k) => !vars.has(k));
  if (unknown.length > 0) {
    const known = [...vars].map(([n, d]) => `${n}: ${d.toString()}`).join(', ') || 'none';
    throw new TypeError(`${where}: unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (inputs: ${known})`);
  }
  const missing: string[] = [];
  for (const [name, d] of vars) {
    let v = given[name];
    if (v === undefined && name in defaults) v = defaults[name];
    if (v === undefined) {
      const lt = d.literalType();
      if ((lt.unionType?.variants ?? []).some((x) => x.simple === 0)) v = null;
      else {
        missing.push(`${name} (${d.toString()})`);
        continue;
      }
    }
    literals[name] = d.toLiteral(v, `inputs.${name}`);
  }
  if (missing.length > 0) throw new TypeError(`${where}: missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return { literals };
}

/** Converts literals back to JS values by the declared types. */
export function literalsToValues(vars: ReadonlyMap<string, TypeDescriptor>, map: ILiteralMap, prefix: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, d] of vars) {
    const lit = map.literals?.[name];
    if (lit === undefined) throw new TypeError(`${prefix}.${name}: missing`);
    out.set(name, d.fromLiteral(lit, `${prefix}.${name}`));
  }
  return out;
}

/**
 * The inputs a call (or a command line) may give `def`, with their defaults: a launch plan's
 * fixed inputs are not among them, and its defaults override the workflow's.
 */
export function launchableInputs(def: EntityDef): { vars: ReadonlyMap<string, TypeDescriptor>; defaults: Record<string, unknown> } {
  if (def.kind !== 'launchPlan') return { vars: def.iface.inputs, defaults: def.defaults };
  const lp = def as LaunchPlanDef;
  return {
    vars: new Map([...def.iface.inputs].filter(([k]) => !(k in lp.fixed))),
    defaults: { ...lp.workflow[ENTITY].defaults, ...lp.defaults },
  };
}

/**
 * The literal inputs of a call of `def` with JS `inputs` (see {@link launchableInputs}); giving a
 * launch plan's fixed input is an error.
 */
export function callInputs(def: EntityDef, inputs: Record<string, unknown>): ILiteralMap {
  const where = entityName(def);
  if (def.kind === 'launchPlan') {
    for (const k of Object.keys(inputs)) {
      if (k in (def as LaunchPlanDef).fixed) throw new TypeError(`${where}: input "${k}" is fixed by the launch plan and cannot be given`);
    }
  }
  const { vars, defaults } = launchableInputs(def);
  return inputsToLiterals(vars, inputs, defaults, where);
}
