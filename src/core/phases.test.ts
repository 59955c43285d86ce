import { describe, expect, it } from 'vitest';
import { isSandboxError } from './errors.ts';
import protobuf from 'protobufjs';
import { idlLookup } from './idl.ts';
import { CACHE_STATUSES, NodePhases, TaskPhases, WorkflowPhases } from './phases.ts';

function enumNames(fullName: string): string[] {
  const e = idlLookup(fullName);
  if (!(e instanceof protobuf.Enum)) throw new Error(`${fullName} is not an enum`);
  return Object.entries(e.values)
    .sort((a, b) => a[1] - b[1])
    .map(([k]) => k);
}

describe('phase constants', () => {
  it('match the IDL enums name for name and number for number', () => {
    expect(WorkflowPhases.byNumber).toEqual(enumNames('flyteidl.core.WorkflowExecution.Phase'));
    expect(NodePhases.byNumber).toEqual(enumNames('flyteidl.core.NodeExecution.Phase'));
    expect(TaskPhases.byNumber).toEqual(enumNames('flyteidl.core.TaskExecution.Phase'));
    expect(CACHE_STATUSES).toEqual(enumNames('flyteidl.core.CatalogCacheStatus'));
    expect(WorkflowPhases.toNumber('ABORTING')).toBe(9);
    expect(NodePhases.fromNumber(9)).toBe('DYNAMIC_RUNNING');
    expect(TaskPhases.fromNumber(42)).toBeUndefined();
  });

  it('have a transition entry for every phase, and terminal phases lead nowhere', () => {
    for (const model of [WorkflowPhases, NodePhases, TaskPhases]) {
      for (const p of model.byNumber) {
        expect(model.transitions[p as never], `${model.subject} ${p}`).toBeDefined();
        if (model.isTerminal(p as never)) expect(model.transitions[p as never]).toEqual([]);
      }
    }
  });
});

describe('assertTransition', () => {
  it('refuses leaving a terminal phase with SBX_ADMIN_ALREADY_TERMINAL', () => {
    expect(() => WorkflowPhases.assertTransition('SUCCEEDED', 'RUNNING')).toThrow(/terminal phase SUCCEEDED/);
    try {
      NodePhases.assertTransition('SKIPPED', 'RUNNING', 'node n1');
    } catch (e) {
      expect(isSandboxError(e, 'SBX_ADMIN_ALREADY_TERMINAL')).toBe(true);
    }
  });

  it('follows flyteadmin: no RUNNING → QUEUED, only terminal after ABORTING', () => {
    expect(() => WorkflowPhases.assertTransition('RUNNING', 'QUEUED')).toThrow(expect.objectContaining({ code: 'SBX_ADMIN_INVALID_TRANSITION' }));
    expect(() => WorkflowPhases.assertTransition('ABORTING', 'RUNNING')).toThrow(expect.objectContaining({ code: 'SBX_ADMIN_INVALID_TRANSITION' }));
    expect(() => WorkflowPhases.assertTransition('ABORTING', 'ABORTED')).not.toThrow();
    expect(() => WorkflowPhases.assertTransition('UNDEFINED', 'RUNNING')).not.toThrow();
    expect(() => NodePhases.assertTransition('RUNNING', 'DYNAMIC_RUNNING')).not.toThrow();
    expect(() => NodePhases.assertTransition('RUNNING', 'QUEUED')).toThrow();
    expect(() => TaskPhases.assertTransition('RUNNING', 'INITIALIZING')).toThrow();
    expect(() => TaskPhases.assertTransition('QUEUED', 'RUNNING')).not.toThrow();
    expect(WorkflowPhases.canTransition('RUNNING', 'RUNNING')).toBe(false);
  });
});
