/**
 * Named crash points (style P13). Production code calls `hit(name)` at places where a crash must
 * be harmless; a test arms a point to throw {@link FaultInjectedError} once there. Unarmed points
 * are no-ops, so production behaviour is unchanged.
 */
import { FaultInjectedError } from './errors.ts';

/** Points propeller hits, in round order. */
export const FAULT_POINTS = [
  /** After `launcher.launch` returned, before the round's state was saved. */
  'after-launch-before-persist',
  /** After the round's state was saved, before its events were sent. */
  'after-persist-before-events',
  /** After an attempt's outcome was saved, before `launcher.cleanup`. */
  'after-outcome-before-cleanup',
] as const;
/** One of {@link FAULT_POINTS}. */
export type FaultPointName = (typeof FAULT_POINTS)[number];

/** A set of fault points; arm one to make the next `hit` of it throw. */
export interface FaultPoints {
  /** Arms `name` to throw on its next `times` hits (default once). */
  arm(name: FaultPointName, times?: number): void;
  /** Throws {@link FaultInjectedError} if `name` is armed; otherwise does nothing. */
  hit(name: FaultPointName): void;
  /** How many times `name` fired. */
  fired(name: FaultPointName): number;
}

/** Creates an unarmed set of fault points. */
export function createFaultPoints(): FaultPoints {
  const armed = new Map<string, number>();
  const firedCount = new Map<string, number>();
  return {
    arm(name, times = 1) {
      armed.set(name, times);
    },
    hit(name) {
      const left = armed.get(name);
      if (left === undefined || left <= 0) return;
      armed.set(name, left - 1);
      firedCount.set(name, (firedCount.get(name) ?? 0) + 1);
      throw new FaultInjectedError(name);
    },
    fired: (name) => firedCount.get(name) ?? 0,
  };
}
