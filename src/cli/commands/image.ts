/**
 * `tflyte-sandbox image build --tag REGISTRY/NAME:TAG [--push]`: the task image of this binary, for
 * a cluster. The same recipe the sandbox uses locally (the binary, its libraries, nothing else:
 * `launcher/image-builder.ts`), tagged as asked, and pushed by the local Docker engine. Register
 * with `register --image` / `package --image` so the tasks name it.
 */
import type Dockerode from 'dockerode';
import { runtimeBinary } from '../self.ts';
import { CommandError } from '../usage-error.ts';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** `[host[:port]/]name[/name…][:tag]`, as Docker reads an image reference (no digest). */
const REFERENCE = new RegExp(`^(?:([A-Za-z0-9.-]+(?::\\d+)?)/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?$`);

/** `repo` and `tag` of a reference (`latest` when it names none); undefined when it is not one. */
export function parseImageRef(ref: string): { repo: string; tag: string } | undefined {
  const m = REFERENCE.exec(ref);
  if (!m || ref.length > 255) return undefined;
  const repo = m[1] ? `${m[1]}/${m[2]}` : (m[2] as string);
  return { repo, tag: m[3] ?? 'latest' };
}

export async function imageBuild(opts: { tag: string; push?: boolean }): Promise<void> {
  const ref = parseImageRef(opts.tag);
  if (!ref) throw new CommandError(`--tag ${JSON.stringify(opts.tag)} is not an image reference: give REGISTRY/NAME:TAG (e.g. 127.0.0.1:5000/tflyte/runtime:v1)`);
  const binary = runtimeBinary();
  if (!binary) throw new CommandError('image build puts the single binary in the image: run it from the released binary, or `npm run build` first');
  const [{ default: Docker }, images] = await Promise.all([import('dockerode'), import('../../launcher/index.ts')]);
  const docker: Dockerode = new Docker();
  try {
    await docker.ping();
  } catch (e) {
    throw new CommandError(`no Docker engine answers (${(e as Error).message}): start Docker, then run image build again`);
  }
  // Built once per binary under its own tag (what the sandbox runs), then tagged as asked.
  const built = await images.runtimeImageTag(binary);
  await images.ensureRuntimeImage(docker, { binaryPath: binary, tag: built });
  await docker.getImage(built).tag({ repo: ref.repo, tag: ref.tag });
  const full = `${ref.repo}:${ref.tag}`;
  const size = ((await docker.getImage(full).inspect()).Size / 2 ** 20).toFixed(0);
  console.log(`built ${full} (${size} MB: ${binary} and the libraries it links; entrypoint tflyte-sandbox)`);
  if (!opts.push) {
    console.log(`push it with: tflyte-sandbox image build --tag ${full} --push`);
    return;
  }
  const digest = await push(docker, full, ref.tag);
  console.log(`pushed ${full}${digest ? ` (${digest})` : ''}`);
  console.log(`register with it: tflyte-sandbox register --image ${full} FILE.ts   (or package --image for flytectl)`);
}

/** Pushes `ref`; resolves with the digest the registry answered, rejects with its error. */
async function push(docker: Dockerode, ref: string, tag: string): Promise<string | undefined> {
  let stream: NodeJS.ReadableStream;
  try {
    // An empty credential: registries on the machine (127.0.0.1) need none; Docker wants the header.
    stream = await docker.getImage(ref).push({ tag, authconfig: {} });
  } catch (e) {
    throw new CommandError(`pushing ${ref} failed: ${(e as Error).message}`);
  }
  const events = await new Promise<{ error?: string; aux?: { Digest?: string } }[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string; aux?: { Digest?: string } }[]) => (err ? reject(err) : resolve(out)));
  }).catch((e: unknown) => {
    throw new CommandError(`pushing ${ref} failed: ${(e as Error).message}`);
  });
  const failed = events.find((ev) => ev.error)?.error;
  if (failed) throw new CommandError(`pushing ${ref} failed: ${failed} (is the registry running, and reachable from the Docker engine?)`);
  return events.find((ev) => ev.aux?.Digest)?.aux?.Digest;
}
