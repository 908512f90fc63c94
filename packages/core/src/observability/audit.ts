/**
 * The audit trail: one structured event per authorization decision and per grant lifecycle
 * step, written as JSON lines to a pluggable sink, optionally hash-chained so that an edited,
 * removed or reordered line is detected ({@link verifyAuditLog}, `mcp-auth audit verify`).
 *
 * An event never holds a token, code, secret, verifier or assertion: only who (subject,
 * client), what (tool, grant type, scopes), the outcome and why (code, rule id, reason), and
 * the trace id that ties it to the request's spans.
 */

/** What happened. Decisions come from the policy's `onDecision`, the rest from the server. */
export type AuditEventType =
  /** A policy decision about one `tools/call` (allow or deny). */
  | 'decision'
  /** Tokens issued for a grant (authorization code, client credentials, token exchange…). */
  | 'token.issued'
  /** A refresh token rotated: new tokens for the same grant. */
  | 'token.refreshed'
  /** A used refresh token or authorization code presented again: its grant is revoked. */
  | 'token.reuse_detected'
  /** A token revoked through the revocation endpoint (RFC 7009). */
  | 'token.revoked'
  /** A whole grant revoked (by an operator, grant management, or reuse detection). */
  | 'grant.revoked'
  /** A client and everything it holds deleted. */
  | 'client.deleted'
  /** A user approved a client on the consent page. */
  | 'consent.given'
  /** A remembered consent withdrawn. */
  | 'consent.withdrawn'
  /** A call refused by a rate limit or quota. */
  | 'rate_limited';

/** A detail value of an event: a primitive, never a credential. */
export type AuditDetailValue = string | number | boolean;

/** What a caller records ({@link AuditTrail.record}); the trail adds `v`, `seq`, `time`, chain. */
export interface AuditEventInput {
  readonly type: AuditEventType;
  /** The user (`sub`). */
  readonly subject?: string | undefined;
  /** The OAuth client (`client_id`). */
  readonly clientId?: string | undefined;
  /** The tool of a decision or a rate limit. */
  readonly tool?: string | undefined;
  /** The outcome of a decision or a check. */
  readonly effect?: 'allow' | 'deny' | undefined;
  /** A stable reason code (`PolicyDecisionCode`, `reuse`, `rate_limited`, …). */
  readonly code?: string | undefined;
  /** The policy rule that decided. */
  readonly ruleId?: string | undefined;
  /** A human-readable reason. */
  readonly reason?: string | undefined;
  /** Scopes that would have let a denied call through. */
  readonly missingScopes?: readonly string[] | undefined;
  /** The grant a lifecycle event is about (the `grant_id` claim; not a credential). */
  readonly grantId?: string | undefined;
  /** The OAuth `grant_type` of an issuance. */
  readonly grantType?: string | undefined;
  /** Granted scopes (issuance, consent). */
  readonly scopes?: readonly string[] | undefined;
  /** The W3C trace id of the request (32 hex), when traced. */
  readonly traceId?: string | undefined;
  /** Anything else worth keeping (e.g. a rate limit's `limit`, `windowSeconds`): primitives only. */
  readonly detail?: { readonly [key: string]: AuditDetailValue | undefined } | undefined;
}

/** One written event: the input plus format version, sequence, time and, when chained, links. */
export interface AuditEvent extends AuditEventInput {
  /** Format version: 1. */
  readonly v: 1;
  /** 1, 2, 3… per trail (continued from the sink's last event when it can resume). */
  readonly seq: number;
  /** ISO 8601 time. */
  readonly time: string;
  /** Chained trails: the `hash` of the previous event ({@link AUDIT_GENESIS} for the first). */
  readonly prev?: string;
  /** Chained trails: SHA-256 (hex) of this event's canonical JSON without `hash`. */
  readonly hash?: string;
}

/** Where a chained sink left off: the last event's hash and sequence. */
export interface AuditChainHead {
  readonly hash: string;
  readonly seq: number;
}

/**
 * Where events go. `write` gets the event and its JSON line (no newline); it may be async, and
 * the trail waits for one write before the next. `resume` (optional) tells a chained trail
 * where an existing log ends, so a restart continues the chain instead of starting a new one.
 */
export interface AuditSink {
  write(line: string, event: AuditEvent): void | Promise<void>;
  resume?(): Promise<AuditChainHead | undefined>;
}

/** Options of {@link createAuditTrail}. */
export interface AuditTrailOptions {
  /**
   * Where events go: a sink, or a callback receiving each event. Default: one JSON line per
   * event on standard output (`console.log`).
   */
  readonly sink?: AuditSink | ((event: AuditEvent) => void | Promise<void>) | undefined;
  /** Hash-chain the events (tamper evidence, see `docs/observability.md`). Default `false`. */
  readonly chain?: boolean | undefined;
  /**
   * Called when the sink fails (the event is lost; a chained log then shows the gap). Default:
   * one line on standard error with the error's type. Never receives the event.
   */
  readonly onError?: ((error: unknown) => void) | undefined;
  /** Clock (default `() => new Date()`). */
  readonly now?: (() => Date) | undefined;
  /**
   * Events waiting for a slow sink, at most (default 10,000). Past it an event is refused:
   * `onError` receives an error with code `ERR_AUDIT_BACKLOG` — memory stays bounded when the
   * sink stalls, and the refusal is visible.
   */
  readonly maxPending?: number | undefined;
}

/** Records audit events: what the authorization server, guards and rate limits call. */
export interface AuditRecorder {
  /** Queues one event. Never throws and never blocks the request. */
  record(event: AuditEventInput): void;
}

/** The audit trail of {@link createAuditTrail}. */
export interface AuditTrail extends AuditRecorder {
  /** Whether events are hash-chained. */
  readonly chained: boolean;
  /** Resolves when every event recorded so far has been written (or failed). */
  flush(): Promise<void>;
}

/** The `prev` of the first event of a chain: 64 zeros. */
export const AUDIT_GENESIS = '0'.repeat(64);

const MAX_STRING = 512;
const MAX_LIST = 64;

/**
 * Creates an audit trail. Events are written one at a time, in the order recorded; a chained
 * trail links each to the previous one's hash.
 *
 * @throws TypeError when an option is malformed.
 */
export function createAuditTrail(options: AuditTrailOptions = {}): AuditTrail {
  if (options === null || typeof options !== 'object')
    throw new TypeError('createAuditTrail: options must be an object');
  const sink = toSink(options.sink);
  const chained = options.chain === true;
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? defaultOnError;
  if (typeof now !== 'function' || typeof onError !== 'function')
    throw new TypeError('createAuditTrail: now and onError must be functions');
  const maxPending = options.maxPending ?? 10_000;
  if (!Number.isSafeInteger(maxPending) || maxPending < 1)
    throw new TypeError('createAuditTrail: maxPending must be a positive integer');
  const report = (error: unknown) => {
    try {
      onError(error);
    } catch {
      // An error handler that throws must not stop the trail.
    }
  };
  let head: AuditChainHead | undefined;
  let queue: Promise<void> = Promise.resolve();
  let pending = 0;

  const write = async (input: AuditEventInput, time: Date): Promise<void> => {
    if (head === undefined) {
      head = (chained ? await sink.resume?.() : undefined) ?? { hash: AUDIT_GENESIS, seq: 0 };
    }
    const seq = head.seq + 1;
    let event: AuditEvent = { ...cleanInput(input), v: 1, seq, time: time.toISOString() };
    if (chained) {
      const linked = { ...event, prev: head.hash };
      event = { ...linked, hash: await auditEventHash(linked) };
    }
    // Advanced even when the write fails: the next event's `prev` then shows the gap.
    head = { hash: event.hash ?? head.hash, seq };
    await sink.write(canonicalJson(event), event);
  };

  return {
    chained,
    record(input) {
      if (pending >= maxPending) {
        report(Object.assign(new Error('audit sink backlog full'), { code: 'ERR_AUDIT_BACKLOG' }));
        return;
      }
      pending++;
      const time = now();
      queue = queue
        .then(() => write(input, time))
        .catch(report)
        .finally(() => {
          pending--;
        });
    },
    flush: () => queue,
  };
}

function toSink(sink: AuditTrailOptions['sink']): AuditSink {
  if (sink === undefined) return consoleAuditSink();
  if (typeof sink === 'function') return { write: (_line, event) => sink(event) };
  if (typeof sink === 'object' && sink !== null && typeof sink.write === 'function') return sink;
  throw new TypeError('createAuditTrail: sink must be an AuditSink ({ write }) or a function');
}

function defaultOnError(error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  console.error(
    `mcp-auth audit: an event could not be written (${String(typeof code === 'string' ? code : (name ?? 'error'))})`,
  );
}

/** The default sink: one JSON line per event on standard output. */
export function consoleAuditSink(): AuditSink {
  return { write: (line) => console.log(line) };
}

// Keeps the documented fields, capped, so a caller cannot write arbitrary objects.
function cleanInput(input: AuditEventInput): AuditEventInput {
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' ? value.slice(0, MAX_STRING) : undefined;
  const list = (value: unknown): string[] | undefined =>
    Array.isArray(value)
      ? value
          .filter((s): s is string => typeof s === 'string')
          .slice(0, MAX_LIST)
          .map((s) => s.slice(0, MAX_STRING))
      : undefined;
  let detail: Record<string, AuditDetailValue> | undefined;
  if (typeof input.detail === 'object' && input.detail !== null) {
    const kept: Record<string, AuditDetailValue> = {};
    for (const [key, value] of Object.entries(input.detail).slice(0, MAX_LIST)) {
      if (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'boolean')
        kept[key.slice(0, 64)] = value as number | boolean;
      else if (typeof value === 'string') kept[key.slice(0, 64)] = text(value)!;
    }
    if (Object.keys(kept).length > 0) detail = kept;
  }
  return dropUndefined({
    type: text(input.type) as AuditEventType,
    subject: text(input.subject),
    clientId: text(input.clientId),
    tool: text(input.tool),
    effect: input.effect === 'allow' || input.effect === 'deny' ? input.effect : undefined,
    code: text(input.code),
    ruleId: text(input.ruleId),
    reason: text(input.reason),
    missingScopes: list(input.missingScopes),
    grantId: text(input.grantId),
    grantType: text(input.grantType),
    scopes: list(input.scopes),
    traceId: text(input.traceId),
    detail,
  });
}

function dropUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = entry;
  return out as T;
}

/**
 * The canonical JSON of a value: object keys sorted (by UTF-16 code units), no whitespace,
 * `undefined` members left out. What is hashed, and what a sink writes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('canonicalJson: numbers must be finite');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const members = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map(
      (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
    );
  return `{${members.join(',')}}`;
}

/** SHA-256 (lower-case hex) of the canonical JSON of `event` without its `hash` member. */
export async function auditEventHash(event: object): Promise<string> {
  const { hash: _ignored, ...rest } = event as { hash?: unknown };
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(canonicalJson(rest)),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Why {@link verifyAuditLog} stopped. */
export type AuditLogProblem =
  /** The line is not a JSON object. */
  | 'unparsable'
  /** The line has no `prev`/`hash` (the log was not written chained). */
  | 'not_chained'
  /** The line's content does not match its `hash`: it was edited. */
  | 'hash_mismatch'
  /** The line's `prev` is not the previous line's `hash`: a line was removed or moved. */
  | 'broken_link';

/** The result of {@link verifyAuditLog}. */
export type AuditLogVerification =
  | {
      readonly ok: true;
      /** Number of events. */
      readonly events: number;
      /** The last event's hash (record it elsewhere to detect truncation later). */
      readonly head: string;
    }
  | {
      readonly ok: false;
      /** 1-based number of the first bad line. */
      readonly line: number;
      readonly problem: AuditLogProblem;
      /** Number of good events before it. */
      readonly events: number;
    };

/**
 * Verifies a chained audit log (JSON lines, as a chained {@link createAuditTrail} writes them):
 * every line's `hash` matches its content and its `prev` is the previous line's `hash`, the
 * first line's `prev` being {@link AUDIT_GENESIS} — unless `options.from` gives the head the log
 * continues from. Blank lines are skipped (they count in line numbers). Detects an edited, removed
 * (but the last) or reordered line; record the returned `head` elsewhere to detect truncation.
 */
export async function verifyAuditLog(
  text: string,
  options: { readonly from?: string | undefined } = {},
): Promise<AuditLogVerification> {
  let prev = options.from ?? AUDIT_GENESIS;
  let events = 0;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!.trim();
    if (raw === '') continue;
    const line = index + 1;
    let event: unknown;
    try {
      event = JSON.parse(raw);
    } catch {
      return { ok: false, line, problem: 'unparsable', events };
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event))
      return { ok: false, line, problem: 'unparsable', events };
    const { prev: linked, hash } = event as { prev?: unknown; hash?: unknown };
    if (typeof linked !== 'string' || typeof hash !== 'string')
      return { ok: false, line, problem: 'not_chained', events };
    if ((await auditEventHash(event)) !== hash)
      return { ok: false, line, problem: 'hash_mismatch', events };
    if (linked !== prev) return { ok: false, line, problem: 'broken_link', events };
    prev = hash;
    events++;
  }
  return { ok: true, events, head: prev };
}
