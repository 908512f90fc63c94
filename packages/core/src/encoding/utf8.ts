const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const fatalBomDecoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encodes a string. */
export function utf8Encode(input: string): Uint8Array {
  return encoder.encode(input);
}

/**
 * Decodes UTF-8, returning `undefined` for any invalid byte sequence (never U+FFFD). A leading
 * byte order mark is kept, unless `stripBom` (request bodies: RFC 8259 §8.1 lets a JSON parser
 * ignore it, and the MCP guard always has).
 */
export function utf8DecodeStrict(
  input: Uint8Array,
  options: { readonly stripBom?: boolean } = {},
): string | undefined {
  try {
    return (options.stripBom ? fatalBomDecoder : fatalDecoder).decode(input);
  } catch {
    return undefined;
  }
}
