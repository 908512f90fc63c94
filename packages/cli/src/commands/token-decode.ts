import { isJwtError } from '@mcp-auth/core';
import {
  decodeJwt,
  JWS_ALGORITHMS,
  type JwtHeader,
  type JwtPayload,
  verifyJwt,
} from '@mcp-auth/core/jwt';
import { base64UrlDecode, utf8DecodeStrict } from '@mcp-auth/core/internal';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  intOption,
  parseCommand,
  stringOption,
} from '../args.js';
import type { Command } from '../command.js';
import { renderTable, sanitize, type Styles } from '../io.js';
import { parseJsonObject } from '../json.js';
import { KEY_OPTIONS, loadVerificationKey } from '../key-source.js';

/** How bad a finding is: `error` makes `token decode` exit 1. */
export type ProblemSeverity = 'error' | 'warn' | 'info';

/** One thing wrong (or worth knowing) about a token. */
export interface TokenProblem {
  readonly severity: ProblemSeverity;
  /** Stable code, e.g. `expired`, `alg-none`, `typ-not-at+jwt`, `aud-missing`. */
  readonly code: string;
  readonly message: string;
  readonly reference: string;
}

/** Options of {@link inspectAccessToken}. */
export interface InspectOptions {
  /** Current time in seconds. */
  readonly now: number;
  /** The audience the token should carry (checked when given). */
  readonly audience?: string;
  /** The issuer the token should carry (checked when given). */
  readonly issuer?: string;
  /** Clock tolerance in seconds for `nbf`/`iat` (default 60). */
  readonly clockTolerance?: number;
}

function describeDelta(seconds: number): string {
  const abs = Math.abs(seconds);
  const unit =
    abs < 120
      ? `${abs} s`
      : abs < 7200
        ? `${Math.round(abs / 60)} min`
        : abs < 172_800
          ? `${Math.round(abs / 3600)} h`
          : `${Math.round(abs / 86_400)} days`;
  return seconds >= 0 ? `in ${unit}` : `${unit} ago`;
}

const HEADER_URLS = ['jku', 'x5u', 'jwk', 'x5c'];

type AddProblem = (
  severity: ProblemSeverity,
  code: string,
  message: string,
  reference: string,
) => void;

/** The JOSE header: algorithm, `typ`, critical extensions, key references. */
function inspectHeader(header: JwtHeader, add: AddProblem): void {
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') {
    add('error', 'alg-missing', 'the header names no algorithm', 'RFC 7515 §4.1.1');
  } else if (alg.toLowerCase() === 'none') {
    add(
      'error',
      'alg-none',
      'alg "none": the token is unsigned and must never be accepted',
      'RFC 8725 §3.1, §3.2',
    );
  } else if (!(JWS_ALGORITHMS as readonly string[]).includes(alg)) {
    add(
      'error',
      'alg-unsupported',
      `alg "${sanitize(alg, 20)}" is not one mcp-auth accepts (${JWS_ALGORITHMS.join(', ')})`,
      'RFC 8725 §3.1',
    );
  }
  const typ = header.typ;
  const typNorm =
    typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
  if (typNorm !== 'at+jwt') {
    add(
      'error',
      'typ-not-at+jwt',
      typ === undefined
        ? 'no typ header: access tokens carry typ "at+jwt"'
        : `typ "${sanitize(String(typ), 30)}" is not "at+jwt"`,
      'RFC 9068 §2.1, §4; RFC 8725 §3.11',
    );
  }
  if (header['crit'] !== undefined) {
    add(
      'error',
      'crit',
      'crit header: mcp-auth refuses tokens with critical extensions',
      'RFC 7515 §4.1.11',
    );
  }
  if (header['b64'] === false) {
    add('error', 'b64-false', 'b64: false (unencoded payload) is refused', 'RFC 7797 §3');
  }
  const urls = HEADER_URLS.filter((h) => header[h] !== undefined);
  if (urls.length > 0) {
    add(
      'warn',
      'header-key-reference',
      `header names key material (${urls.join(', ')}); verifiers must ignore it and never fetch it`,
      'RFC 8725 §3.10',
    );
  }
}

/** `exp`, `nbf` and `iat` against the clock. */
function inspectTimes(payload: JwtPayload, options: InspectOptions, add: AddProblem): void {
  const tolerance = options.clockTolerance ?? 60;
  const now = options.now;
  if (payload.exp === undefined) {
    add(
      'error',
      'exp-missing',
      'no exp: the token never expires',
      'RFC 9068 §2.2; RFC 7519 §4.1.4',
    );
  } else if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
    add('error', 'exp-invalid', 'exp is not a number of seconds', 'RFC 7519 §4.1.4');
  } else if (payload.exp <= now) {
    add('error', 'expired', `expired ${describeDelta(payload.exp - now)}`, 'RFC 7519 §4.1.4');
  } else if (typeof payload.iat === 'number' && payload.exp - payload.iat > 86_400) {
    add(
      'warn',
      'long-lived',
      `lives ${describeDelta(payload.exp - payload.iat).replace('in ', '')}: access tokens should be short-lived`,
      'RFC 9700 §4.14; MCP Authorization › Token Theft',
    );
  }
  if (
    payload.nbf !== undefined &&
    (typeof payload.nbf !== 'number' || payload.nbf > now + tolerance)
  ) {
    add(
      'error',
      'not-yet-valid',
      typeof payload.nbf === 'number'
        ? `nbf is ${describeDelta(payload.nbf - now)}`
        : 'nbf is not a number',
      'RFC 7519 §4.1.5',
    );
  }
  if (payload.iat === undefined) {
    add('warn', 'iat-missing', 'no iat', 'RFC 9068 §2.2');
  } else if (typeof payload.iat !== 'number' || payload.iat > now + tolerance) {
    add(
      'error',
      'iat-future',
      typeof payload.iat === 'number'
        ? `iat is ${describeDelta(payload.iat - now)}`
        : 'iat is not a number',
      'RFC 7519 §4.1.6',
    );
  }
}

/** The claims RFC 9068 requires of an access token: `aud`, `iss`, `sub`, `client_id`, … */
function inspectClaims(payload: JwtPayload, options: InspectOptions, add: AddProblem): void {
  const aud = payload.aud;
  const audList =
    typeof aud === 'string'
      ? [aud]
      : Array.isArray(aud)
        ? aud.filter((a) => typeof a === 'string')
        : [];
  if (aud === undefined || audList.length === 0) {
    add(
      'error',
      'aud-missing',
      'no aud: the token is not bound to an MCP server (any server would take it)',
      'RFC 9068 §2.2; RFC 8707 §2; MCP Authorization › Token Audience Binding and Validation',
    );
  } else if (options.audience !== undefined && !audList.includes(options.audience)) {
    add(
      'error',
      'aud-mismatch',
      `aud does not include ${sanitize(options.audience, 100)}`,
      'RFC 9068 §4; RFC 8707 §2',
    );
  }
  if (typeof payload.iss !== 'string' || payload.iss === '') {
    add('error', 'iss-missing', 'no iss', 'RFC 9068 §2.2');
  } else if (options.issuer !== undefined && payload.iss !== options.issuer) {
    add('error', 'iss-mismatch', `iss is not ${sanitize(options.issuer, 100)}`, 'RFC 9068 §4');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    add('error', 'sub-missing', 'no sub', 'RFC 9068 §2.2');
  }
  if (typeof payload['client_id'] !== 'string') {
    add('warn', 'client_id-missing', 'no client_id', 'RFC 9068 §2.2');
  }
  if (typeof payload.jti !== 'string') {
    add('warn', 'jti-missing', 'no jti: the token cannot be revoked individually', 'RFC 9068 §2.2');
  }
  const scope = payload['scope'];
  if (scope === undefined) {
    add(
      'info',
      'scope-missing',
      'no scope claim: only rules without scopes can allow a tool',
      'RFC 9068 §2.2.3',
    );
  } else if (typeof scope !== 'string') {
    add(
      'error',
      'scope-not-string',
      'scope must be one space-separated string',
      'RFC 9068 §2.2.3; RFC 8693 §4.2',
    );
  }
}

/**
 * Lists what is wrong with an (unverified) access token, from the point of view of an MCP
 * resource server (RFC 9068 §2 and §4, RFC 8725, RFC 7519 §4.1). Pure: no key needed.
 */
export function inspectAccessToken(
  header: JwtHeader,
  payload: JwtPayload,
  options: InspectOptions,
): TokenProblem[] {
  const problems: TokenProblem[] = [];
  const add: AddProblem = (severity, code, message, reference) => {
    problems.push({ severity, code, message, reference });
  };
  inspectHeader(header, add);
  inspectTimes(payload, options, add);
  inspectClaims(payload, options, add);
  const rank: Record<ProblemSeverity, number> = { error: 0, warn: 1, info: 2 };
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank[a.p.severity] - rank[b.p.severity] || a.i - b.i)
    .map((x) => x.p);
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  const bytes = base64UrlDecode(segment);
  const text = bytes === undefined ? undefined : utf8DecodeStrict(bytes);
  return text === undefined ? undefined : parseJsonObject(text);
}

/** Header and payload of a compact JWS that core's strict decoder refused, if they parse at all. */
function decodeLeniently(token: string): { header: JwtHeader; payload: JwtPayload } | undefined {
  if (token.length > 64 * 1024) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const header = decodeSegment(parts[0] as string);
  const payload = decodeSegment(parts[1] as string);
  if (header === undefined || payload === undefined) return undefined;
  return { header: header as JwtHeader, payload: payload as JwtPayload };
}

function formatValue(name: string, value: unknown, now: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const clean = sanitize(text ?? String(value), 200);
  if ((name === 'exp' || name === 'iat' || name === 'nbf') && typeof value === 'number') {
    const iso = new Date(value * 1000).toISOString().replace('.000Z', 'Z');
    return `${clean}  ${iso} (${describeDelta(value - now)})`;
  }
  return clean;
}

function keyValueLines(obj: Record<string, unknown>, now: number, styles: Styles): string {
  const keys = Object.keys(obj);
  const width = Math.max(0, ...keys.map((k) => k.length));
  return keys
    .map((k) => `  ${styles.cyan(sanitize(k, 60).padEnd(width))}  ${formatValue(k, obj[k], now)}`)
    .join('\n');
}

/** `mcp-auth token decode`. */
export const tokenDecodeCommand: Command = {
  path: ['token', 'decode'],
  summary: "show a token's header and claims, what is wrong with it, and verify it",
  help: `Usage: mcp-auth token decode <TOKEN | -> [--aud URL] [--iss URL]
                         [--secret-env NAME | --key-file PATH | --key-env NAME | --jwks-url URL]
                         [--json]

Decodes an access token WITHOUT trusting it, shows its header and claims, and lists what is
wrong for an MCP server (expired, no exp, alg none, typ not at+jwt, aud missing, …).
With a key it also verifies the signature and claims exactly like an mcp-auth resource server.
Pass "-" to read the token from stdin (keeps it out of your shell history).

Options:
  --aud URL           the expected audience (your MCP server's URL)
  --iss URL           the expected issuer
  --secret-env NAME   verify with the HMAC secret in environment variable NAME
  --key-file PATH     verify with a JWK, JWKS, PEM or "keys generate" JSON file
  --key-env NAME      verify with a JWK (JSON) in environment variable NAME
  --jwks-url URL      verify with the key set at URL (the only URL ever fetched; header
                      jku/x5u are ignored)
  --alg ALG           algorithm of the key when the key does not say
  --timeout MS        timeout for --jwks-url (default 5000)
  --json              print {"header","payload","problems","verification","valid"}
  -h, --help          show this help

Exit code: 0 when there is no error-level problem (and, with a key, the token verifies);
1 otherwise; 2 on a usage error or a string that is not a JWT at all.

Examples:
  pbpaste | mcp-auth token decode -
  mcp-auth token decode "$TOKEN" --jwks-url http://localhost:3000/jwks.json --aud http://localhost:3000/mcp
`,
  async run(args, { io, out }) {
    const { values, positionals } = parseCommand(
      args,
      {
        ...KEY_OPTIONS,
        'jwks-url': { type: 'string' },
        aud: { type: 'string' },
        iss: { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
      },
      { min: 1, max: 1, names: 'TOKEN (or - for stdin)' },
    );
    const input =
      positionals[0] === '-' ? (await io.readStdin()).trim() : (positionals[0] ?? '').trim();
    const token = input.replace(/^Bearer\s+/i, '');
    const json = values['json'] === true;
    const now = Math.floor(io.now() / 1000);
    const audience = stringOption(values, 'aud');
    const issuer = stringOption(values, 'iss');
    const timeoutMs = intOption(values, 'timeout', 5000, { min: 1, max: 120_000 });

    let decoded: { header: JwtHeader; payload: JwtPayload };
    let strictError: { code: string; message: string } | undefined;
    try {
      decoded = decodeJwt(token, { maxTokenLength: 64 * 1024 });
    } catch (err) {
      if (!isJwtError(err)) throw err;
      // Core refuses it; decode leniently to show what is wrong (alg none, empty signature…).
      const lenient = decodeLeniently(token);
      if (lenient === undefined) {
        if (json) {
          io.stdout(`${JSON.stringify({ valid: false, error: { code: err.code } }, null, 2)}\n`);
        } else {
          io.stderr(`mcp-auth token decode: not a decodable JWT [${err.code}]: ${err.message}\n`);
        }
        return EXIT_USAGE;
      }
      decoded = lenient;
      strictError = { code: err.code, message: err.message };
    }
    const { header, payload } = decoded;
    const problems = inspectAccessToken(header, payload, {
      now,
      ...(audience !== undefined ? { audience } : {}),
      ...(issuer !== undefined ? { issuer } : {}),
    });
    if (strictError !== undefined) {
      problems.unshift({
        severity: 'error',
        code: 'refused-by-decoder',
        message: `mcp-auth refuses to decode it: ${strictError.message} [${strictError.code}]`,
        reference: 'RFC 7515 §7.1; RFC 8725 §3.1',
      });
    }
    if (token.length > 8192) {
      problems.push({
        severity: 'warn',
        code: 'too-large',
        message: `${token.length} characters: mcp-auth servers refuse tokens over 8192 before decoding`,
        reference: 'SECURITY-CASES 33',
      });
    }

    const key = await loadVerificationKey(values, io, { timeoutMs });
    let verification:
      | { readonly checked: false }
      | { readonly checked: true; readonly verified: true }
      | {
          readonly checked: true;
          readonly verified: false;
          readonly code: string;
          readonly claim?: string;
          readonly message: string;
        };
    if (key === undefined) {
      verification = { checked: false };
    } else {
      try {
        await verifyJwt(token, key, {
          typ: 'at+jwt',
          currentDate: new Date(io.now()),
          maxTokenLength: 64 * 1024,
          ...(audience !== undefined ? { audience } : {}),
          ...(issuer !== undefined ? { issuer } : {}),
        });
        verification = { checked: true, verified: true };
      } catch (err) {
        if (!isJwtError(err)) throw err;
        verification = {
          checked: true,
          verified: false,
          code: err.code,
          message: err.message,
          ...(err.claim !== undefined ? { claim: err.claim } : {}),
        };
      }
    }
    const errors = problems.filter((p) => p.severity === 'error').length;
    const valid = errors === 0 && (!verification.checked || verification.verified);

    if (json) {
      io.stdout(`${JSON.stringify({ header, payload, problems, verification, valid }, null, 2)}\n`);
      return valid ? EXIT_OK : EXIT_FAILED;
    }
    const sections: string[] = [];
    sections.push(`${out.bold('Header')}\n${keyValueLines(header, now, out)}`);
    sections.push(`${out.bold('Claims')}\n${keyValueLines(payload, now, out)}`);
    if (problems.length === 0) {
      sections.push(`${out.bold('Problems')}\n  ${out.green('none found')}`);
    } else {
      const mark = (s: ProblemSeverity) =>
        s === 'error'
          ? out.red('✖ error')
          : s === 'warn'
            ? out.yellow('⚠ warn')
            : out.dim('ℹ info');
      const table = renderTable(
        ['', 'CODE', 'PROBLEM', 'REFERENCE'],
        problems.map((p) => [mark(p.severity), p.code, p.message, out.dim(p.reference)]),
        out,
      );
      sections.push(`${out.bold('Problems')}\n${table.trimEnd().replace(/^/gm, '  ')}`);
    }
    const sig = !verification.checked
      ? out.dim('not checked (pass --secret-env, --key-file, --key-env or --jwks-url to verify)')
      : verification.verified
        ? out.green(
            `✔ verified (${header.alg}, typ at+jwt${audience ? ', aud' : ''}${issuer ? ', iss' : ''})`,
          )
        : out.red(
            `✖ not valid [${verification.code}${verification.claim ? ` ${verification.claim}` : ''}]: ${verification.message}`,
          );
    sections.push(`${out.bold('Verification')}\n  ${sig}`);
    sections.push(
      valid
        ? out.green('OK')
        : out.red(
            `NOT VALID (${errors} error${errors === 1 ? '' : 's'}${verification.checked && !verification.verified ? ', verification failed' : ''})`,
          ),
    );
    io.stdout(`${sections.join('\n\n')}\n`);
    return valid ? EXIT_OK : EXIT_FAILED;
  },
};
