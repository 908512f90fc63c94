/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** The auth-scheme as sent (compare case-insensitively). */
  readonly scheme: string;
  /** Parameters by lower-cased name; quoted-string values are unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses a `WWW-Authenticate` header value into its challenges (RFC 9110 §11.6.1,
 * RFC 6750 §3). Lenient: unparseable bits are skipped, never thrown on.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let current: { scheme: string; params: Record<string, string> } | undefined;
  let i = 0;
  const skip = (re: RegExp) => {
    while (i < header.length && re.test(header[i] as string)) i++;
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const start = i;
    while (i < header.length && TOKEN_CHAR.test(header[i] as string)) i++;
    const token = header.slice(start, i);
    if (token === '') {
      i++;
      continue;
    }
    skip(/[ \t]/);
    if (header[i] === '=' && current !== undefined) {
      i++;
      skip(/[ \t]/);
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < header.length && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < header.length) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const vs = i;
        while (i < header.length && header[i] !== ',' && !/\s/.test(header[i] as string)) i++;
        value = header.slice(vs, i);
      }
      current.params[token.toLowerCase()] = value;
    } else {
      current = { scheme: token, params: {} };
      out.push(current);
    }
  }
  return out;
}

/** The first `Bearer` challenge of a header, if any. */
export function findBearerChallenge(header: string | null): AuthChallenge | undefined {
  if (header === null) return undefined;
  return parseWwwAuthenticate(header).find((c) => c.scheme.toLowerCase() === 'bearer');
}
