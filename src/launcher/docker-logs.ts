/**
 * Docker's multiplexed log stream (non-TTY containers): frames of an 8-byte header
 * `[stream, 0, 0, 0, size(uint32 BE)]` followed by `size` payload bytes.
 */

/** Splits a multiplexed Docker log stream into payloads, in order, whatever the chunking. */
export class DockerLogDemuxer {
  #buf: Buffer = Buffer.alloc(0);

  /** Feeds a chunk; returns the complete payloads it finished (stdout and stderr alike). */
  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: Buffer[] = [];
    while (this.#buf.length >= 8) {
      const size = this.#buf.readUInt32BE(4);
      if (this.#buf.length < 8 + size) break;
      out.push(this.#buf.subarray(8, 8 + size));
      this.#buf = this.#buf.subarray(8 + size);
    }
    return out;
  }
}
