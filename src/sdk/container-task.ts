/**
 * `containerTask`: runs any local image with Flyte's raw-container protocol. Each input is a
 * file under `inputDir` (and `{{.inputs.x}}` in the command is replaced by its value); the
 * container writes one file per output under `outputDir`. So a task can be a shell or Python
 * script in an image of your own.
 */
import { defineTask } from './api.ts';
import { makeEntity, type TaskEntity } from './entities.ts';
import type { InputSpec, OutputSpec } from './interface.ts';

/** Options of a raw container task. */
export interface ContainerTaskOptions<I extends InputSpec, O extends OutputSpec> {
  /** Name of the task (raw containers have no function to name them). */
  name: string;
  /** A local image (nothing is pulled). */
  image: string;
  /** The command, e.g. `['sh', '-c', 'echo $(( {{.inputs.a}} + 1 )) > /var/outputs/out']`. */
  command: string[];
  inputs?: I;
  outputs?: O;
  /** Where inputs appear as files. @default /var/inputs */
  inputDir?: string;
  /** Where the container writes outputs. @default /var/outputs */
  outputDir?: string;
  retries?: number;
  timeout?: number | string;
  resources?: { cpu?: number | string; mem?: string };
  env?: Record<string, string>;
}

/**
 * Declares a raw container task.
 *
 * @example
 * export const add_one_sh = containerTask({
 *   name: 'add_one_sh', image: 'busybox:local', inputs: { a: t.int }, outputs: { out: t.int },
 *   command: ['sh', '-c', 'echo $(( {{.inputs.a}} + 1 )) > /var/outputs/out'],
 * });
 */
export function containerTask<const I extends InputSpec = Record<string, never>, const O extends OutputSpec = undefined>(
  options: ContainerTaskOptions<I, O>,
): TaskEntity<I, O> {
  if (!options || typeof options.name !== 'string' || options.name === '') throw new TypeError('containerTask: name is required');
  if (typeof options.image !== 'string' || options.image === '') throw new TypeError(`containerTask ${options.name}: image is required`);
  if (!Array.isArray(options.command) || options.command.length === 0 || !options.command.every((c) => typeof c === 'string')) {
    throw new TypeError(`containerTask ${options.name}: command must be a non-empty list of strings`);
  }
  const def = defineTask('container', { ...options, name: undefined } as never, undefined, {
    container: {
      image: options.image,
      command: options.command,
      inputDir: options.inputDir ?? '/var/inputs',
      outputDir: options.outputDir ?? '/var/outputs',
    },
  });
  // Discovery names it `<module>.<export>` like every entity; `name` is its fallback.
  (def as { fallbackName: string }).fallbackName = options.name;
  return makeEntity(def);
}
