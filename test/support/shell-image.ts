/**
 * A tiny local image with a POSIX shell, for raw-container tests (no registry can be reached):
 * the host's `sh` (dash) and the shared libraries it needs, imported with `docker import`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** The image's tag. */
export const SHELL_IMAGE = 'tflyte-test-shell:2';

/** The shell image plus a few coreutils (`ln`, `cat`, `mkdir`, `head`), for attack tests. */
export const TOOLS_IMAGE = 'tflyte-test-tools:2';

/** Builds the image unless it exists. */
export async function ensureShellImage(): Promise<string> {
  return buildImage(SHELL_IMAGE, []);
}

/** Builds {@link TOOLS_IMAGE} unless it exists. */
export async function ensureToolsImage(): Promise<string> {
  return buildImage(TOOLS_IMAGE, ['ln', 'cat', 'mkdir', 'head']);
}

async function buildImage(tag: string, tools: string[]): Promise<string> {
  if ((await execa('docker', ['image', 'inspect', tag], { reject: false })).exitCode === 0) return tag;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-shell-rootfs-'));
  try {
    const sh = fs.realpathSync('/bin/sh');
    const files = new Set<string>([sh]);
    const bins = [sh, ...tools.map((t) => fs.realpathSync(`/bin/${t}`))];
    for (const b of bins) {
      files.add(b);
      const ldd = await execa('ldd', [b]);
      for (const m of ldd.stdout.matchAll(/(\/[^\s]+)/g)) if (m[1]) files.add(m[1]);
    }
    for (const f of files) {
      const dest = path.join(root, f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(fs.realpathSync(f), dest);
      fs.chmodSync(dest, 0o755);
    }
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    if (!fs.existsSync(path.join(root, 'bin', 'sh'))) fs.copyFileSync(sh, path.join(root, 'bin', 'sh'));
    fs.chmodSync(path.join(root, 'bin', 'sh'), 0o755);
    fs.mkdirSync(path.join(root, 'tmp'));
    // Sticky and world-writable (mkdir's mode goes through the umask): tasks run as a non-root uid.
    fs.chmodSync(path.join(root, 'tmp'), 0o1777);
    const tarFile = path.join(os.tmpdir(), `tflyte-shell-${process.pid}.tar`);
    await execa('tar', ['-C', root, '-cf', tarFile, '.']);
    await execa('docker', ['import', '--change', 'ENV PATH=/bin:/usr/bin', tarFile, tag]);
    fs.rmSync(tarFile, { force: true });
    return tag;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
