/**
 * The `tflyte-sandbox` command line: the composition root of the single binary. Each command
 * loads only what it needs (start-up time matters: `start` must be healthy well under a second).
 */
import { Command, CommanderError } from 'commander';
import { CommandError, UsageError } from './usage-error.ts';
import { version } from './version.ts';

/** Builds the command tree. Exported for tests. */
export function buildProgram(): Command {
  const program = new Command('tflyte-sandbox')
    .description("Flyte's workflow system for TypeScript on one machine: run static, dynamic and eager workflows in Docker.")
    .version(version(), '-V, --version')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });

  program
    .command('run')
    .description('run a task, workflow or launch plan from a file (in-process; in the sandbox with --remote)')
    .argument('<file>', 'a .ts file that exports the entity')
    .argument('<entity>', 'the export name (or full name) of a task, workflow or launch plan')
    .argument('[inputs...]', 'inputs as --name value (run FILE ENTITY --help lists them)')
    .option('--remote', 'register and run in the sandbox')
    .option('--wait', 'with --remote: follow the execution until it ends; exit non-zero if it fails')
    .option('--json', 'print one JSON object { execution, phase, outputs }')
    .option('-p, --project <project>', 'project', 'flytesnacks')
    .option('-d, --domain <domain>', 'domain', 'development')
    .option('--name <name>', 'execution name (default: generated)')
    .option('--data-dir <dir>', 'sandbox data dir (default: $TFLYTE_HOME or ~/.tflyte/sandbox)')
    .allowUnknownOption(true)
    .helpOption('--usage', 'show usage of run itself')
    .action(async (file: string, entity: string, inputs: string[], opts: Record<string, unknown>) => {
      const { runLocal } = await import('./commands/run.ts');
      if (opts.remote) {
        const { runRemote } = await import('./commands/run-remote.ts');
        await runRemote(file, entity, inputs, opts);
      } else {
        await runLocal(file, entity, inputs, opts);
      }
    });

  program
    .command('execute', { hidden: true })
    .description('run one task attempt (the entrypoint inside task containers)')
    .requiredOption('--inputs <uri>')
    .requiredOption('--output-prefix <uri>')
    .requiredOption('--raw-output-data-prefix <uri>')
    .option('--checkpoint-path <uri>')
    .option('--prev-checkpoint <uri>')
    .option('--bundle <uri>')
    .option('--module <path>')
    .requiredOption('--entity <name>')
    .action(async (opts: Record<string, string>) => {
      const [{ execute }, sdk] = await Promise.all([import('../runtime/index.ts'), import('../sdk/index.ts')]);
      const result = await execute(
        {
          inputs: opts.inputs as string,
          outputPrefix: opts.outputPrefix as string,
          rawOutputDataPrefix: opts.rawOutputDataPrefix as string,
          entity: opts.entity as string,
          ...(opts.bundle ? { bundle: opts.bundle } : {}),
          ...(opts.module ? { module: opts.module } : {}),
          ...(opts.checkpointPath ? { checkpointPath: opts.checkpointPath } : {}),
          ...(opts.prevCheckpoint ? { prevCheckpoint: opts.prevCheckpoint } : {}),
        },
        sdk as unknown as Record<string, unknown>,
      );
      if (!result.ok) console.error(`task failed: ${result.error.message ?? ''}`);
    });

  return program;
}

/** Runs the CLI with `argv` (user arguments only); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof CommandError) {
      if (e.message) console.error(`error: ${e.message}`);
      return e.exitCode;
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
