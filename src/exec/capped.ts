// A command's small answer kept whole: its first STDOUT_CAP_BYTES bytes, the rest read and
// dropped (and said to be). Shared by local commands (run.ts) and remote ones (ssh exec channels).

/** How much of a command's stdout is kept when it is captured whole. */
export const STDOUT_CAP_BYTES = 1024 * 1024;

export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  push(chunk: Buffer | string): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    const part = b.subarray(0, Math.max(0, STDOUT_CAP_BYTES - this.size));
    if (part.length < b.length) this.truncated = true;
    if (part.length > 0) this.chunks.push(part);
    this.size += part.length;
  }

  /** What was kept, as UTF-8. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
