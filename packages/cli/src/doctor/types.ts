/** Outcome of one doctor check. `skip` means a prerequisite was missing; it never fails a run. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One check of `mcp-auth doctor`. */
export interface DoctorCheck {
  /** Stable identifier (`unauthenticated-401`, `pkce-plain-refused`, …). */
  readonly id: string;
  /** What is checked, in a few words. */
  readonly title: string;
  readonly status: CheckStatus;
  /** What was observed (never a token, secret or code). */
  readonly detail: string;
  /** The specification sections the check is based on. */
  readonly reference: string;
  /** What this check cannot prove from the outside, when that matters. */
  readonly limits?: string;
}

/** The result of {@link runDoctor}. */
export interface DoctorReport {
  /** The MCP endpoint that was checked. */
  readonly url: string;
  /** True when no check failed (and, with `strict`, none warned). */
  readonly ok: boolean;
  readonly counts: Readonly<Record<CheckStatus, number>>;
  readonly checks: readonly DoctorCheck[];
}

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Timeout of each HTTP request in milliseconds (default 10000). */
  readonly timeoutMs?: number;
  /** Called before each network step, for progress display. */
  readonly onProgress?: (step: string) => void;
  /** A valid access token for this server: enables the strong query-token check. */
  readonly accessToken?: string;
  /** A token the same authorization server issued for another resource (audience check). */
  readonly foreignToken?: string;
  /** A pre-registered public client to use instead of dynamic registration. */
  readonly clientId?: string;
  /** The registered redirect URI of {@link DoctorOptions.clientId}. */
  readonly redirectUri?: string;
  /** Register throwaway clients through the registration endpoint (default true). */
  readonly register?: boolean;
  /** Treat warnings as failures. */
  readonly strict?: boolean;
  /** Current time in milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/** Redirect URI the doctor registers; `.invalid` never resolves (RFC 6761 §6.4). */
export const DOCTOR_REDIRECT_URI = 'https://doctor.invalid/cb';
