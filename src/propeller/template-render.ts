/**
 * Renders Flyte's container templates in a task's command and args (Flyte
 * `pluginmachinery/core/template/template.go`): case-insensitive, whitespace allowed inside the
 * braces, `.` or `$` before the name.
 */
import type { flyteidl } from '../core/idl.ts';
import { primitiveText } from './literals.ts';

/** Values substituted into the templates of one attempt. */
export interface TemplateParams {
  /** `{{.input}}`: URI of the node's `inputs.pb`. */
  inputUri: string;
  /** `{{.inputPrefix}}`: the directory holding `inputs.pb`. */
  inputPrefix: string;
  /** `{{.outputPrefix}}`: the attempt directory. */
  outputPrefix: string;
  rawOutputDataPrefix: string;
  checkpointOutputPrefix: string;
  /** `""` on attempt 0. */
  prevCheckpointPrefix: string;
  perRetryUniqueKey: string;
  namespace: string;
  /** For `{{.inputs.<name>}}`: the node's inputs. */
  inputs?: flyteidl.core.ILiteralMap;
}

const re = (name: string): RegExp => new RegExp(`{{\\s*[.$]${name}\\s*}}`, 'gi');
const INPUT = re('Input');
const INPUT_PREFIX = re('InputPrefix');
const OUTPUT_PREFIX = re('OutputPrefix');
const RAW_OUTPUT = re('RawOutputDataPrefix');
const PER_RETRY_KEY = re('PerRetryUniqueKey');
const PREV_CHECKPOINT = re('PrevCheckpointPrefix');
const CURR_CHECKPOINT = re('CheckpointOutputPrefix');
const NAMESPACE = re('Namespace');
const INPUT_VAR = /{{\s*[.$]Inputs\.([^}\s]+)\s*}}/gi;

/** Renders one template string. Unknown `{{.inputs.x}}` names are left as they are. */
export function renderTemplate(s: string, p: TemplateParams): string {
  let v = s
    .replace(INPUT, () => p.inputUri)
    .replace(OUTPUT_PREFIX, () => p.outputPrefix)
    .replace(INPUT_PREFIX, () => p.inputPrefix)
    .replace(RAW_OUTPUT, () => p.rawOutputDataPrefix)
    .replace(PER_RETRY_KEY, () => p.perRetryUniqueKey)
    .replace(PREV_CHECKPOINT, () => p.prevCheckpointPrefix)
    .replace(CURR_CHECKPOINT, () => p.checkpointOutputPrefix)
    .replace(NAMESPACE, () => p.namespace);
  v = v.replace(INPUT_VAR, (whole, name: string) => {
    const lit = p.inputs?.literals?.[name];
    if (!lit) return whole;
    return literalTemplateText(lit) ?? whole;
  });
  return v;
}

/** Flyte's text of an input in `{{.inputs.x}}`: primitives as text, blobs as URI, lists `[a,b]`. */
function literalTemplateText(lit: flyteidl.core.ILiteral): string | undefined {
  if (lit.collection) {
    const parts = (lit.collection.literals ?? []).map((x) => literalTemplateText(x) ?? '');
    return `[${parts.join(',')}]`;
  }
  if (lit.scalar?.blob) return lit.scalar.blob.uri ?? '';
  return primitiveText(lit);
}

/** Renders every string of a command or args list. */
export function renderAll(list: readonly string[] | null | undefined, p: TemplateParams): string[] {
  return (list ?? []).map((s) => renderTemplate(s, p));
}
