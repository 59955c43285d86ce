/**
 * `teardown`'s Docker part: removes the task containers a sandbox left (by its label) and, when
 * no other sandbox's containers remain, the runtime images it built.
 */
import { sandboxId, SANDBOX_LABEL } from './serve.ts';

/**
 * Removes this sandbox's containers and the built runtime images (unless `keepImages`: another
 * sandbox still runs and uses them); never throws.
 */
export async function removeSandboxDockerResources(dataDir: string, opts: { keepImages?: boolean } = {}): Promise<{ message: string }> {
  let Dockerode: typeof import('dockerode');
  try {
    Dockerode = (await import('dockerode')).default;
  } catch {
    return { message: 'Docker client unavailable: nothing to remove' };
  }
  const docker = new Dockerode();
  try {
    await docker.ping();
  } catch {
    return { message: 'no Docker engine answers: no containers or images to remove' };
  }
  const id = sandboxId(dataDir);
  const containers = await docker.listContainers({ all: true, filters: { label: [`${SANDBOX_LABEL}=${id}`] } });
  for (const c of containers) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  const others = await docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL] } });
  let images = 0;
  if (others.length === 0 && !opts.keepImages) {
    const built = await docker.listImages({ filters: { label: ['tflyte.sandbox.image'] } });
    for (const img of built) {
      for (const tag of img.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
      images++;
    }
  }
  return { message: `removed ${containers.length} task container(s) and ${images} runtime image(s)` };
}
