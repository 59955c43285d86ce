/**
 * Deterministic names: execution keys, node unique ids, child execution names and attempt keys.
 * They are pure functions of their inputs, so a round repeated after a crash computes the same
 * names and adopts what the previous round started instead of starting it twice (style P7).
 */

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz123456';

/** Base32 without padding over Flyte's lowercase alphabet (`pluginmachinery/encoding`). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** FNV-1a 32-bit hash of the UTF-8 bytes of `s`, big-endian bytes. */
export function fnv32a(s: string): Uint8Array {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, h);
  return out;
}

/** FNV-1a 64-bit hash of the UTF-8 bytes of `s`, big-endian bytes. */
export function fnv64a(s: string): Uint8Array {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const b of new TextEncoder().encode(s)) {
    h ^= BigInt(b);
    h = (h * prime) & 0xffffffffffffffffn;
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, h);
  return out;
}

/**
 * Flyte's `FixedLengthUniqueIDForParts`: parts joined with `-` (empty leading parts skipped);
 * when longer than `maxLength`, `f` + base32(FNV-1a) of the joined string (32-bit: 8 chars,
 * 64-bit: 14 chars).
 */
export function fixedLengthUniqueId(maxLength: number, parts: string[], bits: 32 | 64 = 32): string {
  let joined = '';
  for (const p of parts) {
    if (joined.length > 0) joined += '-';
    joined += p;
  }
  if (joined.length <= maxLength) return joined;
  return 'f' + base32(bits === 32 ? fnv32a(joined) : fnv64a(joined));
}

/**
 * Unique id of a node inside an execution (Flyte `GenerateUniqueID`): the node id itself at the
 * top level; `<parent unique id>-<parent attempt>-<node id>` below a sub-workflow, branch or
 * dynamic parent, hashed to `f…` when longer than 20 characters.
 */
export function uniqueNodeId(parent: { uniqueId: string; attempt: number } | undefined, nodeId: string): string {
  if (!parent) return nodeId;
  return fixedLengthUniqueId(20, [parent.uniqueId, String(parent.attempt), nodeId]);
}

/**
 * Name of the child execution a launch-plan node creates (Flyte `GetChildWorkflowExecutionIDV2`):
 * `<parent exec>-<node unique id>-<attempt>`, or `f` + base32(FNV-64a) when longer than 20.
 */
export function childExecutionName(parentExecution: string, nodeUniqueId: string, attempt: number): string {
  return fixedLengthUniqueId(20, [parentExecution, nodeUniqueId, String(attempt)], 64);
}

/** The key of one execution in the {@link WorkflowStateStore}: `<project>/<domain>/<name>`. */
export function executionKey(id: { project: string; domain: string; name: string }): string {
  return `${id.project}/${id.domain}/${id.name}`;
}

/** Inverse of {@link executionKey}. */
export function parseExecutionKey(key: string): { project: string; domain: string; name: string } {
  const [project = '', domain = '', ...rest] = key.split('/');
  return { project, domain, name: rest.join('/') };
}

/**
 * Launcher key of one task attempt: `<exec>-<node unique id>-<attempt>`, lowercased and made
 * DNS-safe (a container name). When that changes the text or exceeds 63 characters, a readable
 * prefix plus a 64-bit FNV hash of the raw key keeps it unique and short.
 */
export function attemptKey(execution: string, nodeUniqueId: string, attempt: number): string {
  const raw = `${execution}-${nodeUniqueId}-${attempt}`;
  if (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(raw)) return raw;
  const safe = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const hash = base32(fnv64a(raw));
  return safe.length > 0 ? `${safe}-${hash}` : `f${hash}`;
}
