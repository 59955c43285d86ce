/**
 * The `tflyte-sandbox` command line: the composition root of the single binary. Each command
 * loads only what it needs (start-up time matters: `start` must be healthy well under a second).
 */
import { Command, CommanderError } from 'commander';
import { isSandboxError } from '../core/errors.ts';
import { isUserCodeError } from '../sdk/load-error.ts';
import { enableUserCompileCache } from './cache-dir.ts';
import { CommandError, UsageError } from './usage-error.ts';
import { version, versionDetails } from './version.ts';

/** Builds the command tree; `--version` says more with `verbose`. Exported for tests. */
export function buildProgram(opts: { verbose?: boolean } = {}): Command {
  const program = new Command('tflyte-sandbox')
    .description("Flyte's workflow system for TypeScript on one machine: run static, dynamic and eager workflows in Docker.")
    .version(opts.verbose ? versionDetails() : version(), '-V, --version')
    .option('--verbose', 'show internal stack traces of unexpected errors (also: TFLYTE_DEBUG=1)')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });

  program
    .command('run')
    .description('run a task, workflow or launch plan from a file (in-process; in the sandbox with --remote)')
    .argument('[file]', 'a .ts file that exports the entity')
    .argument('[entity]', 'the export name (or full name) of a task, workflow or launch plan')
    .argument('[inputs...]', 'inputs as --input value (run FILE ENTITY --help lists them; after -- when an input is named like an option of run)')
    .option('--remote', 'register and run in the sandbox')
    .option('--wait', 'with --remote: follow the execution until it ends; exit non-zero if it fails')
    .option('--json', 'print one JSON object { execution, phase, outputs }')
    .option('-p, --project <project>', 'project', 'flytesnacks')
    .option('-d, --domain <domain>', 'domain', 'development')
    .option('--name <name>', 'execution name (default: generated)')
    .option('--data-dir <dir>', 'sandbox data dir (default: $TFLYTE_HOME or ~/.tflyte/sandbox)')
    .option('--profile <file>', "with --remote: run on the Flyte backend this endpoint profile names (flytectl's config format; docs/outgrowing-the-laptop.md)")
    .allowUnknownOption(true)
    .helpOption('--usage', 'show usage of run itself')
    .action(async (file: string | undefined, entity: string | undefined, inputs: string[], opts: Record<string, unknown>, cmd: Command) => {
      if (file === '--help' || entity === '--help' || (!entity && inputs.length === 0 && !file)) {
        cmd.outputHelp();
        return;
      }
      if (!file || !entity || entity.startsWith('--')) {
        throw new UsageError(`run needs a file and an entity: tflyte-sandbox run [--remote] FILE ENTITY [--input value]... (run FILE ENTITY --help lists the inputs)`);
      }
      if (opts.profile && !opts.remote) throw new UsageError('--profile names a backend to run on: add --remote (a run without it is in-process)');
      enableUserCompileCache();
      // run's own options the user gave: an input of the same name must then come after `--`.
      opts.given = ['name', 'project', 'domain', 'json', 'wait', 'remote', 'profile'].filter((o) => cmd.getOptionValueSource(o) === 'cli');
      const { runLocal } = await import('./commands/run.ts');
      if (opts.remote) {
        const { runRemote } = await import('./commands/run-remote.ts');
        await runRemote(file, entity, inputs, opts);
      } else {
        await runLocal(file, entity, inputs, opts);
      }
    });

  const dataDirOption = ['--data-dir <dir>', 'sandbox data dir (default: $TFLYTE_HOME or ~/.tflyte/sandbox)'] as const;
  const profileOption = ['--profile <file>', "the Flyte backend this endpoint profile names instead of the sandbox (flytectl's config format; docs/outgrowing-the-laptop.md)"] as const;

  program
    .command('init')
    .description("make DIR (default: here) a TypeScript project for workflows: package.json, tsconfig.json with the SDK's types, a first workflow")
    .argument('[dir]', 'the project directory', '.')
    .action(async (dir: string) => {
      const { init } = await import('./commands/init.ts');
      await init(dir);
    });

  program
    .command('start')
    .description('start the sandbox in the background (API, engine, console); does nothing if it runs')
    .option(...dataDirOption)
    .option('--port <port>', 'HTTP port of the API and console (default 30080)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .option('--launcher <kind>', 'docker (default) or process')
    .option('--expose', 'allow a non-loopback --host (the API has no authentication: anyone reaching it can run code)')
    .option('--reuse', 'run tasks of the default image in warm, reusable containers (for CI runs of trusted code; see reuse in config.yaml)')
    .action(async (opts: Record<string, string | boolean>) => {
      const { start } = await import('./commands/lifecycle.ts');
      await start(opts as { dataDir?: string; port?: string; host?: string; launcher?: string; expose?: boolean; reuse?: boolean });
    });

  program
    .command('status')
    .description('tell whether the sandbox runs, and where')
    .option(...dataDirOption)
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, string>) => {
      const { status } = await import('./commands/lifecycle.ts');
      await status(opts);
    });

  program
    .command('stop')
    .description('stop the sandbox (running executions resume on the next start)')
    .option(...dataDirOption)
    .action(async (opts: Record<string, string>) => {
      const { stop } = await import('./commands/lifecycle.ts');
      await stop(opts);
    });

  program
    .command('teardown')
    .description('stop the sandbox and remove its task containers and built images; --data also removes its data')
    .option(...dataDirOption)
    .option('--data', 'also delete the data dir (database, blobs, logs)')
    .option('--keep-images', 'keep the task images it built (other sandboxes may use them)')
    .action(async (opts: Record<string, string | boolean>) => {
      const { teardown } = await import('./commands/lifecycle.ts');
      await teardown(opts as { dataDir?: string; data?: boolean; keepImages?: boolean });
    });

  program
    .command('serve', { hidden: true })
    .description('run the sandbox in the foreground (what start runs in the background)')
    .requiredOption(...dataDirOption)
    .option('--port <port>')
    .option('--host <host>')
    .option('--launcher <kind>')
    .option('--expose')
    .option('--reuse')
    .action(async (opts: Record<string, string | boolean>) => {
      const { serve } = await import('./serve.ts');
      await serve(opts as { dataDir: string; expose?: boolean; reuse?: boolean });
    });

  program
    .command('register')
    .description('bundle and register every task, workflow and launch plan the files export')
    .argument('<files...>', '.ts files')
    .option('-p, --project <project>', 'project', 'flytesnacks')
    .option('-d, --domain <domain>', 'domain', 'development')
    .option('--image <ref>', "the tasks' image (default: the profile's tflyte.defaultImage, else the sandbox's runtime image)")
    .option(...dataDirOption)
    .option(...profileOption)
    .action(async (files: string[], opts: Record<string, string>) => {
      enableUserCompileCache();
      const { register } = await import('./commands/inspect.ts');
      await register(files, opts);
    });

  program
    .command('package')
    .description('write what register would send as a flytectl package (tasks _1.pb, workflows _2.pb, launch plans _3.pb, code bundles) for flytectl register files / compile')
    .argument('<files...>', '.ts files')
    .option('-o, --output <file>', 'the .tgz to write', 'flyte-package.tgz')
    .option('-p, --project <project>', 'project', 'flytesnacks')
    .option('-d, --domain <domain>', 'domain', 'development')
    .option('--no-code', 'leave the code bundles out (flytectl compile reads every file of the package as protobuf)')
    .option('--image <ref>', "the tasks' image (one `image build --push` made for a cluster); default: the sandbox's runtime image")
    .action(async (files: string[], opts: Record<string, string | boolean>) => {
      enableUserCompileCache();
      const { packageCommand } = await import('./commands/package.ts');
      await packageCommand(files, opts as { output?: string; project?: string; domain?: string; code?: boolean; image?: string });
    });

  const image = program.command('image').description('task images for a cluster');
  image
    .command('build')
    .description("build the task image of this binary (the sandbox's own recipe) as --tag, and push it with --push")
    .requiredOption('--tag <ref>', 'REGISTRY/NAME:TAG to build (and push)')
    .option('--push', 'push it with the local Docker engine')
    .action(async (opts: { tag: string; push?: boolean }) => {
      const { imageBuild } = await import('./commands/image.ts');
      await imageBuild(opts);
    });

  const get = program.command('get').description('show executions');
  get
    .command('executions')
    .description('list recent executions')
    .option('-p, --project <project>', 'project', 'flytesnacks')
    .option('-d, --domain <domain>', 'domain', 'development')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .option(...dataDirOption)
    .option(...profileOption)
    .action(async (opts: Record<string, string>) => {
      const { getExecutions } = await import('./commands/inspect.ts');
      await getExecutions(opts);
    });
  get
    .command('execution')
    .description('show one execution: phase, inputs/outputs, and a table of its nodes')
    .argument('<name>', 'execution name')
    .option('-p, --project <project>', 'project', 'flytesnacks')
    .option('-d, --domain <domain>', 'domain', 'development')
    .option('--json', 'print JSON')
    .option(...dataDirOption)
    .option(...profileOption)
    .action(async (name: string, opts: Record<string, string>) => {
      const { getExecution } = await import('./commands/inspect.ts');
      await getExecution(name, opts);
    });

  program
    .command('logs')
    .description("print the logs of an execution's task attempts")
    .argument('<execution>', 'execution name')
    .option('--node <id>', 'only this node')
    .option('-p, --project <project>', 'project', 'flytesnacks')
    .option('-d, --domain <domain>', 'domain', 'development')
    .option(...dataDirOption)
    .action(async (name: string, opts: Record<string, string>) => {
      const { logs } = await import('./commands/inspect.ts');
      await logs(name, opts);
    });

  program
    .command('demo')
    .description('start the sandbox if needed, run the examples in it and print their results')
    .option(...dataDirOption)
    .option('--port <port>', 'HTTP port, when it starts the sandbox (default 30080, or the data dir\'s saved port)')
    .option('--launcher <kind>', 'docker (default) or process')
    .action(async (opts: Record<string, string>) => {
      const { demo } = await import('./commands/demo.ts');
      await demo(opts);
    });

  program
    .command('build-task-image', { hidden: true })
    .description('build a task image: from the binary (--binary, --tag), or for flytekit tasks (--python, --flytekit); the daemon runs this in a child process')
    .option('--binary <path>', 'the single binary to put in the image')
    .option('--tag <tag>', 'image name:tag (with --binary)')
    .option('--python <major.minor>', 'the Python of a flytekit image')
    .option('--flytekit <version>', 'the flytekit version of a flytekit image')
    .option('--work-dir <dir>', 'scratch space of a flytekit image build', '.')
    .action(async (opts: { binary?: string; tag?: string; python?: string; flytekit?: string; workDir: string }) => {
      const [{ default: Dockerode }, images] = await Promise.all([import('dockerode'), import('../launcher/index.ts')]);
      if (opts.binary && opts.tag) {
        await images.ensureRuntimeImage(new Dockerode(), { binaryPath: opts.binary, tag: opts.tag });
      } else if (opts.python && opts.flytekit) {
        // Each line printed is a progress step the daemon writes into the waiting attempts' logs.
        await images.ensurePythonImage(new Dockerode(), { python: opts.python, flytekit: opts.flytekit }, { workDir: opts.workDir, progress: (line) => console.log(line), ...(process.env.PATH ? { searchPath: process.env.PATH } : {}) });
      } else {
        throw new Error('build-task-image needs --binary and --tag, or --python and --flytekit');
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

  program
    .command('worker', { hidden: true })
    .description("run attempts the sandbox sends over $TFLYTE_WORKER_SOCKET (the entrypoint of reusable containers)")
    .action(async () => {
      const [{ runWorker }, sdk] = await Promise.all([import('../runtime/index.ts'), import('../sdk/index.ts')]);
      await runWorker(sdk as unknown as Record<string, unknown>);
    });

  return program;
}

/** Whether internal stack traces are wanted: `--verbose` anywhere before `--`, or `TFLYTE_DEBUG=1`. */
function verbose(argv: string[]): boolean {
  const flags = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  return flags.includes('--verbose') || /^(1|true|yes)$/i.test(process.env.TFLYTE_DEBUG ?? '');
}

/**
 * A reader that stops early (`logs EXEC | head`) closes our stdout: that is the end of the
 * output, not an error.
 */
function endQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** Runs the CLI with `argv` (user arguments only); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = verbose(argv);
  const program = buildProgram({ verbose: debug });
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
    if (isSandboxError(e)) {
      // Our own errors explain themselves: no stack trace. Bad input (compile, validation) → 2.
      console.error(`error: ${e.message}`);
      return e.category === 'COMPILE' || e.category === 'VALIDATION' ? 2 : 1;
    }
    if (isUserCodeError(e)) {
      // The message points at the user's file:line:col with a code frame; our frames are noise.
      console.error(`error: ${e.message}`);
      if (debug && e.cause instanceof Error) console.error(e.cause.stack ?? e.cause.message);
      return 2;
    }
    if (debug) console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    else console.error(`error: ${e instanceof Error ? e.message : String(e)}\n(an unexpected error: run again with --verbose or TFLYTE_DEBUG=1 for its stack trace)`);
    return 1;
  }
}

// Task templates put the program name first (`args: ["tflyte-sandbox", "execute", …]`, Flyte's
// container contract); in the runtime image the binary is also the entrypoint, so drop it.
const argv = process.argv.slice(2);
if (argv[0] === 'tflyte-sandbox') argv.shift();
endQuietlyOnClosedStdout();
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
