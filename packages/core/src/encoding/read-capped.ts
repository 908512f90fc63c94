/** What {@link readCapped} read. */
export interface CappedRead {
  /** At most `maxBytes` bytes of the body. */
  readonly bytes: Uint8Array;
  /** The body holds more than `maxBytes` (the stream was cancelled, `bytes` is cut). */
  readonly overflow: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Reads a body stream, never keeping more than `maxBytes`: past that the stream is cancelled
 * and `overflow` is set. A declared `Content-Length` over the cap is refused before reading.
 * Read errors reject (callers map them to their own error). Every outbound and inbound body
 * core reads (metadata documents, JWKS, upstream IdP answers, Fetch requests) goes through it.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null | undefined,
  maxBytes: number,
  declaredLength?: string | null,
): Promise<CappedRead> {
  const declared = Number(declaredLength ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await body?.cancel().catch(() => {});
    return { bytes: EMPTY, overflow: true };
  }
  if (!body) return { bytes: EMPTY, overflow: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let overflow = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    if (value.length > room) {
      if (room > 0) chunks.push(value.subarray(0, room));
      size = maxBytes;
      overflow = true;
      await reader.cancel().catch(() => {});
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  return { bytes: concatBytes(chunks, size), overflow };
}

/** The chunks as one array of `size` bytes (their total); a single chunk is returned as is. */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
