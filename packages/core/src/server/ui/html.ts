import { base64UrlEncode } from '../../encoding/base64url.js';
import { randomBytes } from '../../encoding/random.js';
import type { HttpResponse } from '../../http/messages.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A fragment of trusted HTML (built only by the page templates of this folder). */
export interface SafeHtml {
  readonly html: string;
}

/** Marks template output as trusted HTML. Only for strings built from escaped parts. */
export function trusted(html: string): SafeHtml {
  return { html };
}

/**
 * Tagged template that escapes every interpolated value unless it is {@link SafeHtml} (or an
 * array of them), so client-registered strings can never become markup.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return { html: out };
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object' && 'html' in value && typeof value.html === 'string') {
    return value.html;
  }
  return escapeHtml(String(value));
}

/** Options for {@link htmlResponse}. */
export interface HtmlResponseOptions {
  /** Extra origins or schemes allowed as form targets (the client's redirect target). */
  formAction?: readonly string[] | 'any';
  /** `Set-Cookie` values. */
  cookies?: readonly string[];
  /** Extra headers (e.g. `Retry-After`). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * An HTML page response with the headers every authorization page sends (SECURITY-CASES 5):
 * a nonce-based CSP with `frame-ancestors 'none'`, `X-Frame-Options: DENY`, `no-store`,
 * `nosniff`, no referrer, and no CORS headers at all.
 */
export function htmlResponse(
  status: number,
  page: (nonce: string) => SafeHtml,
  options: HtmlResponseOptions = {},
): HttpResponse {
  const nonce = base64UrlEncode(randomBytes(18));
  const formAction =
    options.formAction === 'any'
      ? ''
      : ` form-action 'self'${(options.formAction ?? []).map((s) => ` ${s}`).join('')};`;
  const headers: Record<string, string | readonly string[]> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; base-uri 'none';${formAction} frame-ancestors 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    ...options.headers,
  };
  if (options.cookies && options.cookies.length > 0) headers['set-cookie'] = [...options.cookies];
  return { status, headers, body: page(nonce).html };
}
