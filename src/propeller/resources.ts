/**
 * Kubernetes-style resource quantities of a task's `container.resources` → the launcher's
 * `{ cpu (cores), memoryBytes }`. Limits win over requests, as a container limit is what the
 * sandbox can enforce.
 */
import type { flyteidl } from '../core/idl.ts';

/** `core.Resources.ResourceName` numbers. */
const ResourceName = { CPU: 1, GPU: 2, MEMORY: 3 } as const;

/** Parses a CPU quantity: `"500m"` → 0.5, `"2"` → 2. Undefined when unparsable. */
export function parseCpu(q: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'm' ? n / 1000 : n;
}

const MEM_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Parses a memory quantity: `"512Mi"`, `"1Gi"`, `"1G"`, `"1000"` → bytes. Undefined when unparsable. */
export function parseMemory(q: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)([kMGT]i?|Ki)?\s*$/.exec(q);
  if (!m) return undefined;
  const unit = MEM_UNITS[m[2] ?? ''];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

/** Human text of a byte count (`512Mi`, `1Gi`). */
export function formatBytes(n: number): string {
  for (const [u, f] of [['Gi', 1024 ** 3], ['Mi', 1024 ** 2], ['Ki', 1024]] as const) {
    if (n >= f && n % f === 0) return `${n / f}${u}`;
  }
  return `${n}`;
}

/** The launcher resources of a container template (limits, else requests). */
export function containerResources(
  r: flyteidl.core.IResources | null | undefined,
): { cpu?: number; memoryBytes?: number } {
  const out: { cpu?: number; memoryBytes?: number } = {};
  for (const list of [r?.requests ?? [], r?.limits ?? []]) {
    for (const e of list) {
      if (e.name === ResourceName.CPU && e.value) {
        const v = parseCpu(e.value);
        if (v !== undefined) out.cpu = v;
      } else if (e.name === ResourceName.MEMORY && e.value) {
        const v = parseMemory(e.value);
        if (v !== undefined) out.memoryBytes = v;
      }
    }
  }
  return out;
}
