import { base64UrlEncode } from '../../encoding/base64url.js';
import { randomBytes } from '../../encoding/random.js';
import type { HttpResponse } from '../../http/messages.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

declare const safeHtmlBrand: unique symbol;

/**
 * A fragment of HTML that is safe to send: made only by the {@link html} tagged template (which
 * escapes every interpolated value) or by core's own page code. The brand keeps a plain
 * `{ html: '…' }` object from passing as one, in types and at run time.
 */
export interface SafeHtml {
  readonly html: string;
  readonly [safeHtmlBrand]: true;
}

const made = new WeakSet<object>();

/** True for a {@link SafeHtml} made by this module (a look-alike object is not). */
export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && made.has(value);
}

/** Marks template output as trusted HTML. Only for strings built from escaped parts (core-internal). */
export function trusted(html: string): SafeHtml {
  const value = Object.freeze({ html }) as unknown as SafeHtml;
  made.add(value);
  return value;
}

// The value of an attribute that a browser treats as a URL (href, src, action, …).
const URL_ATTRIBUTE = /\b(?:href|src|action|formaction|poster|cite|srcset)\s*=\s*["']$/i;
// A value interpolated right after `name=` would end the attribute at the first space.
const UNQUOTED_ATTRIBUTE = /=\s*$/;

/**
 * Whether a URL may appear in an `href`/`src`/`action` attribute: relative (`/path`, `page`,
 * `?q`, `#id`), `https:`, `http:`, `mailto:` or a base64 `data:image/…` (not SVG); never
 * `javascript:`, `vbscript:`, `data:text/html`, … nor protocol-relative (`//host`). Tabs,
 * newlines and leading control characters are dropped first, as a browser's URL parser does
 * (`java\tscript:` is `javascript:`).
 */
export function isSafeUrl(value: string): boolean {
  let start = 0;
  while (start < value.length && value.charCodeAt(start) <= 0x20) start++;
  const v = value.slice(start).replace(/[\t\n\r]/g, '');
  if (/^[\\/][\\/]/.test(v)) return false;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(v)?.[1]?.toLowerCase();
  if (scheme === undefined) return true;
  if (scheme === 'https' || scheme === 'http' || scheme === 'mailto') return true;
  return /^data:image\/(?:png|gif|jpeg|webp|avif);base64,[A-Za-z0-9+/=]+$/i.test(v);
}

const RAW_TEXT_OPEN = { script: /<script(?=[\s>/])/g, style: /<style(?=[\s>/])/g };

// Inside a <script> or <style> element's content, HTML escaping does not make text safe
// (`\` and `}` are left as they are): text values are refused there.
function insideRawText(out: string): boolean {
  const lower = out.toLowerCase();
  for (const tag of ['script', 'style'] as const) {
    let open = -1;
    for (const match of lower.matchAll(RAW_TEXT_OPEN[tag])) open = match.index;
    if (open >= 0 && open > lower.lastIndexOf(`</${tag}`) && lower.indexOf('>', open) >= 0) {
      return true;
    }
  }
  return false;
}

/**
 * Tagged template that escapes every interpolated value unless it is {@link SafeHtml} (or an
 * array of them), so client-registered strings can never become markup. More guards: a value
 * placed in a URL attribute (`href="${url}"`) that is not a safe URL ({@link isSafeUrl})
 * becomes `about:invalid`; a value placed after `name=` without quotes, or a text value inside
 * a `<script>` or `<style>` element, throws a `TypeError` (put data in a `data-` attribute).
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const before = strings[i] ?? '';
    if (UNQUOTED_ATTRIBUTE.test(before)) {
      throw new TypeError('html``: put quotes around an interpolated attribute value');
    }
    const value = values[i];
    if (hasText(value) && insideRawText(out)) {
      throw new TypeError(
        'html``: no text values inside <script> or <style>; use a data- attribute',
      );
    }
    const rendered =
      URL_ATTRIBUTE.test(before) && !isSafeHtml(value) && !isSafeUrl(String(value ?? ''))
        ? 'about:invalid'
        : render(value);
    out += rendered + (strings[i + 1] ?? '');
  }
  return trusted(out);
}

// Whether a value renders escaped text (not only SafeHtml or nothing).
function hasText(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (Array.isArray(value)) return value.some(hasText);
  return !isSafeHtml(value);
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (isSafeHtml(value)) return value.html;
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
  /** Extra image sources (the origin of a branding logo); `'self'` and `data:` always are. */
  imgSrc?: readonly string[];
  /** Allow `<script nonce="…">` elements (custom templates); built-in pages run no script. */
  scripts?: boolean;
}

/** A fresh CSP nonce (144 random bits, base64url). */
export function createNonce(): string {
  return base64UrlEncode(randomBytes(18));
}

/**
 * An HTML page response with the headers every authorization page sends (SECURITY-CASES 5):
 * a nonce-based CSP with `frame-ancestors 'none'`, `X-Frame-Options: DENY`, `no-store`,
 * `nosniff`, no referrer, and no CORS headers at all.
 */
export function htmlResponse(
  status: number,
  page: ((nonce: string) => SafeHtml) | { readonly nonce: string; readonly body: SafeHtml },
  options: HtmlResponseOptions = {},
): HttpResponse {
  const nonce = typeof page === 'function' ? createNonce() : page.nonce;
  const body = typeof page === 'function' ? page(nonce) : page.body;
  const formAction =
    options.formAction === 'any'
      ? ''
      : ` form-action 'self'${(options.formAction ?? []).map((s) => ` ${s}`).join('')};`;
  const imgSrc = ["'self'", 'data:', ...(options.imgSrc ?? [])].join(' ');
  const scriptSrc = options.scripts ? ` script-src 'nonce-${nonce}';` : '';
  const headers: Record<string, string | readonly string[]> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}';${scriptSrc} img-src ${imgSrc}; base-uri 'none';${formAction} frame-ancestors 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    ...options.headers,
  };
  if (options.cookies && options.cookies.length > 0) headers['set-cookie'] = [...options.cookies];
  return { status, headers, body: body.html };
}
