import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskCredentials, type TaskScope } from './task-credential.ts';

const scope: TaskScope = {
  project: 'flytesnacks',
  domain: 'development',
  execution: 'a1',
  nodeId: 'n0',
  attempt: 0,
  rawOutputPrefix: 'file:///s/raw/ab/a1-n0-0',
  inputsUri: 'file:///s/metadata/flytesnacks/development/a1/n0/data/inputs.pb',
};

describe('TaskCredentials', () => {
  it('verifies the tokens it issued, with their scope', () => {
    const c = TaskCredentials.signed(Buffer.alloc(32, 7));
    expect(c.verify(c.issue(scope))).toEqual(scope);
  });

  it('refuses tampered, foreign, malformed and missing tokens', () => {
    const c = TaskCredentials.signed(Buffer.alloc(32, 7));
    const token = c.issue(scope);
    const [body, sig] = token.split('.') as [string, string];
    const other = Buffer.from(JSON.stringify({ ...scope, execution: 'victim' })).toString('base64url');
    for (const bad of [`${other}.${sig}`, `${body}.${sig.slice(1)}x`, `${body}.${sig}.x`, body, '', undefined, TaskCredentials.signed(Buffer.alloc(32, 8)).issue(scope)]) {
      expect(c.verify(bad), String(bad)).toBeUndefined();
    }
  });

  it('ephemeral: verifies only the tokens it issued, each random, with a scope no caller can change', () => {
    const c = TaskCredentials.ephemeral();
    const token = c.issue(scope);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(c.issue(scope)).not.toBe(token);
    const got = c.verify(token);
    expect(got).toEqual(scope);
    if (got) got.execution = 'victim';
    expect(c.verify(token)).toEqual(scope);
    for (const bad of [TaskCredentials.ephemeral().issue(scope), TaskCredentials.signed(Buffer.alloc(32, 7)).issue(scope), `${token}x`, token.slice(1), '', undefined]) {
      expect(c.verify(bad), String(bad)).toBeUndefined();
    }
  });

  it('keeps its key in the data dir, private, and the same across restarts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-cred-'));
    try {
      const token = TaskCredentials.forDataDir(dir).issue(scope);
      expect(TaskCredentials.forDataDir(dir).verify(token)).toEqual(scope);
      expect(fs.statSync(path.join(dir, 'task-credential.key')).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
