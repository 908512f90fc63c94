const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 encodes a string. */
export function utf8Encode(input: string): Uint8Array {
  return encoder.encode(input);
}

/** Decodes UTF-8, returning `undefined` for any invalid byte sequence (never U+FFFD). */
export function utf8DecodeStrict(input: Uint8Array): string | undefined {
  try {
    return fatalDecoder.decode(input);
  } catch {
    return undefined;
  }
}
