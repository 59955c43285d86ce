/**
 * A tiny local image with a POSIX shell, for raw-container tests (no registry can be reached):
 * the host's `sh` (dash) and the shared libraries it needs, imported with `docker import`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** The image's tag. */
export const SHELL_IMAGE = 'tflyte-test-shell:1';

/** Builds the image unless it exists. */
export async function ensureShellImage(): Promise<string> {
  if ((await execa('docker', ['image', 'inspect', SHELL_IMAGE], { reject: false })).exitCode === 0) return SHELL_IMAGE;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-shell-rootfs-'));
  try {
    const sh = fs.realpathSync('/bin/sh');
    const files = new Set<string>([sh]);
    const ldd = await execa('ldd', [sh]);
    for (const m of ldd.stdout.matchAll(/(\/[^\s]+)/g)) if (m[1]) files.add(m[1]);
    for (const f of files) {
      const dest = path.join(root, f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(fs.realpathSync(f), dest);
      fs.chmodSync(dest, 0o755);
    }
    fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
    if (!fs.existsSync(path.join(root, 'bin', 'sh'))) fs.copyFileSync(sh, path.join(root, 'bin', 'sh'));
    fs.chmodSync(path.join(root, 'bin', 'sh'), 0o755);
    fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
    const tarFile = path.join(os.tmpdir(), `tflyte-shell-${process.pid}.tar`);
    await execa('tar', ['-C', root, '-cf', tarFile, '.']);
    await execa('docker', ['import', '--change', 'ENV PATH=/bin:/usr/bin', tarFile, SHELL_IMAGE]);
    fs.rmSync(tarFile, { force: true });
    return SHELL_IMAGE;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
