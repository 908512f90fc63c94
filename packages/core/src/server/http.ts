/**
 * The framework-neutral request every core endpoint handles. Adapters build it from their
 * framework's request; `toFetchHandler()` builds it from a Fetch `Request`.
 */
export interface AuthRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The absolute request URL as the client used it (scheme, host, path, query). */
  readonly url: URL;
  /** Request headers with lower-case names. Repeated headers are joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /**
   * The raw body bytes or text, when the method has one. Core parses it (form or JSON) so
   * that size limits, repeated-parameter checks and content-type checks live in one place.
   */
  readonly body?: Uint8Array | string | undefined;
}

/** The framework-neutral response every core endpoint returns. */
export interface AuthResponse {
  readonly status: number;
  /** Response headers; `set-cookie` may hold several values. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** The body: a string (JSON, HTML) or nothing. */
  readonly body?: string | undefined;
}
