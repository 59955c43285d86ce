/**
 * Binding resolution (Flyte `nodes/resolve.go`): turns a node's `Binding`s into the `LiteralMap`
 * written as its `inputs.pb`. Promises read the upstream node's `outputs.pb` (start-node: the
 * workflow inputs; node id `""` means start-node) and apply `attr_path`; `union` wraps the
 * value with the target variant type.
 */
import type { flyteidl } from '../core/idl.ts';
import { START_NODE } from './dag.ts';
import { AttrPathError, resolveAttrPath } from './literals.ts';
import { SimpleType } from '../core/descriptor-helpers.ts';

type ILiteral = flyteidl.core.ILiteral;
type ILiteralMap = flyteidl.core.ILiteralMap;

/** A binding could not be resolved; `message` names the input and the upstream reference. */
export class BindingResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BindingResolutionError';
  }
}

/** Where resolution reads upstream outputs from. */
export interface BindingSource {
  /** Outputs of the node with this (scope-local) id, or undefined if it has none (yet). */
  outputsOf(nodeId: string): Promise<ILiteralMap | undefined>;
}

/**
 * Resolves every binding of a node. `expected` (the target interface's inputs, when known) only
 * refines attribute-path results: a JSON number reached through a Struct becomes an integer
 * literal when the input is declared INTEGER.
 */
export async function resolveBindings(
  bindings: readonly flyteidl.core.IBinding[],
  source: BindingSource,
  expected?: flyteidl.core.IVariableMap | null,
): Promise<ILiteralMap> {
  const literals: Record<string, ILiteral> = {};
  for (const b of bindings) {
    const name = b.var ?? '';
    const wantInteger = expected?.variables?.[name]?.type?.simple === SimpleType.INTEGER;
    literals[name] = await resolveBindingData(b.binding, source, name, wantInteger);
  }
  return { literals };
}

async function resolveBindingData(
  bd: flyteidl.core.IBindingData | null | undefined,
  source: BindingSource,
  where: string,
  wantInteger: boolean,
): Promise<ILiteral> {
  if (!bd) throw new BindingResolutionError(`input ${where} has an empty binding`);
  let lit: ILiteral;
  if (bd.scalar) {
    lit = { scalar: bd.scalar };
  } else if (bd.collection) {
    const items: ILiteral[] = [];
    let i = 0;
    for (const x of bd.collection.bindings ?? []) items.push(await resolveBindingData(x, source, `${where}[${i++}]`, wantInteger));
    lit = { collection: { literals: items } };
  } else if (bd.map) {
    const m: Record<string, ILiteral> = {};
    for (const [k, x] of Object.entries(bd.map.bindings ?? {})) m[k] = await resolveBindingData(x, source, `${where}.${k}`, wantInteger);
    lit = { map: { literals: m } };
  } else if (bd.promise) {
    const nodeId = bd.promise.nodeId ? bd.promise.nodeId : START_NODE;
    const v = bd.promise.var ?? '';
    const outputs = await source.outputsOf(nodeId);
    const found = outputs?.literals?.[v];
    if (!found) {
      throw new BindingResolutionError(
        `input ${where}: ${nodeId === START_NODE ? `workflow input ${v}` : `output ${v} of node ${nodeId}`} does not exist`,
      );
    }
    lit = found;
    if (bd.promise.attrPath && bd.promise.attrPath.length > 0) {
      try {
        lit = resolveAttrPath(found, bd.promise.attrPath, wantInteger);
      } catch (e) {
        if (e instanceof AttrPathError) throw new BindingResolutionError(`input ${where} (${nodeId}.${v}): ${e.message}`);
        throw e;
      }
    }
  } else if (bd.offloadedMetadata) {
    lit = { offloadedMetadata: bd.offloadedMetadata };
  } else {
    throw new BindingResolutionError(`input ${where} has a binding with no value`);
  }
  if (bd.union?.targetType) {
    lit = { scalar: { union: { value: lit, type: bd.union.targetType } } };
  }
  return lit;
}
