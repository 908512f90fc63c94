import { type FileHandle, open } from 'node:fs/promises';
import type { AuditChainHead, AuditSink } from '../observability/audit.js';

/** Options of {@link createFileAuditSink}. */
export interface FileAuditSinkOptions {
  /** File mode when the file is created. Default `0o600` (the owner only). */
  readonly mode?: number;
  /** `fsync` after every line (slower; survives a power loss). Default `false`. */
  readonly sync?: boolean;
}

/** A file sink: an {@link AuditSink} with `close()`. */
export interface FileAuditSink extends AuditSink {
  /** Closes the file (after `trail.flush()`). */
  close(): Promise<void>;
}

const TAIL_BYTES = 64 * 1024;

/**
 * The audit trail as a JSON-lines file at `path`: each event appended as one line. With a
 * chained trail, `resume()` reads the file's last line so that a restarted process continues
 * the chain (`mcp-auth audit verify <path>` checks the whole file). One writer per file: two
 * processes appending to one file would interleave two chains.
 *
 * @throws TypeError when `path` is not a non-empty string.
 */
export function createFileAuditSink(
  path: string,
  options: FileAuditSinkOptions = {},
): FileAuditSink {
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError('createFileAuditSink: path must be a non-empty string');
  const mode = options.mode ?? 0o600;
  let handle: Promise<FileHandle> | undefined;
  const file = () => {
    handle ??= open(path, 'a+', mode);
    return handle;
  };
  return {
    async write(line) {
      const h = await file();
      await h.appendFile(`${line}\n`, 'utf8');
      if (options.sync === true) await h.sync();
    },
    async resume(): Promise<AuditChainHead | undefined> {
      const h = await file();
      const { size } = await h.stat();
      if (size === 0) return undefined;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await h.read(buffer, 0, length, size - length);
      const last = buffer
        .toString('utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .pop();
      if (last === undefined) return undefined;
      try {
        const event = JSON.parse(last) as { hash?: unknown; seq?: unknown };
        if (typeof event.hash === 'string' && typeof event.seq === 'number')
          return { hash: event.hash, seq: event.seq };
      } catch {
        // Not a chained event: the chain restarts (verification will point at this line).
      }
      return undefined;
    },
    async close() {
      const h = handle;
      handle = undefined;
      if (h !== undefined) await (await h).close();
    },
  };
}
