import { isExactLoopbackHost } from '../../net/host.js';

/** Colours of the built-in pages, as CSS colour values (`#2453d6`, `rgb(36 83 214)`, `teal`). */
export interface BrandColors {
  /** Buttons, the page mark and links. */
  accent?: string;
  /** Text on the accent colour. */
  accentText?: string;
  /** The page background. */
  background?: string;
  /** The card the form sits on. */
  surface?: string;
  /** Body text. */
  text?: string;
}

/** Your name, logo, colours and links on the built-in pages (`consent.branding`). */
export interface Branding {
  /** Your product or company name, shown above the card and in the page title. */
  name?: string;
  /**
   * A logo shown above the card: an `https:` URL (its origin is added to the page's CSP
   * `img-src`) or a `data:image/(png|gif|jpeg|webp|avif);base64,…` URL. SVG data URLs and
   * every other scheme are refused.
   */
  logoUrl?: string;
  /**
   * Colours, in both colour schemes. Setting `background`, `surface` or `text` here, set
   * `darkColors` too so dark-mode users keep readable text.
   */
  colors?: BrandColors;
  /** Colours that override `colors` in the dark colour scheme (`prefers-color-scheme: dark`). */
  darkColors?: BrandColors;
  /** Footer links; each an `https:` URL (or `http:` on a loopback host, for development). */
  links?: { privacy?: string; terms?: string; support?: string };
}

/** Branding as checked: every value safe to put in a page and its CSS. */
export interface CheckedBranding {
  readonly name: string | undefined;
  readonly logoUrl: string | undefined;
  /** The CSP `img-src` source the logo needs (its origin), if any. */
  readonly logoSource: string | undefined;
  /** CSS custom-property overrides (already validated), or '' for none. */
  readonly css: string;
  readonly links: readonly {
    readonly kind: 'privacy' | 'terms' | 'support';
    readonly url: string;
  }[];
}

const COLOR_VARS: Readonly<Record<keyof BrandColors, string>> = {
  accent: '--accent',
  accentText: '--accent-text',
  background: '--bg',
  surface: '--card',
  text: '--text',
};

// A CSS colour and nothing else: hex, a named colour, or rgb()/hsl()/oklch()… with numbers.
const HEX = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const NAMED = /^[a-z]{3,20}$/i;
const FUNCTION =
  /^(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(\s*[-+0-9.%a-z]+(?:\s*[,/]?\s*[-+0-9.%a-z]+){1,4}\s*\)$/i;

/** True for a CSS colour value that cannot carry anything but a colour (no `;`, `}`, `url(`). */
export function isCssColor(value: string): boolean {
  if (typeof value !== 'string' || value.length > 64) return false;
  if (HEX.test(value)) return true;
  if (NAMED.test(value))
    return !/^(?:inherit|initial|unset|revert|url|var|expression)$/i.test(value);
  return FUNCTION.test(value) && !/url|var|expression|attr/i.test(value);
}

const LOGO_DATA = /^data:image\/(?:png|gif|jpeg|webp|avif);base64,[A-Za-z0-9+/]+={0,2}$/;
const MAX_LOGO_DATA = 64 * 1024;

function checkHttpsUrl(value: unknown, name: string, where: string): URL {
  if (typeof value !== 'string' || value.length > 2048) {
    throw new TypeError(`${where}: ${name} must be an https URL`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${where}: ${name} must be an https URL`);
  }
  const devHttp = url.protocol === 'http:' && isExactLoopbackHost(url.hostname);
  if ((url.protocol !== 'https:' && !devHttp) || url.username || url.password) {
    throw new TypeError(`${where}: ${name} must be an https URL (got ${url.protocol})`);
  }
  return url;
}

function colorCss(colors: BrandColors | undefined, name: string, where: string): string {
  if (colors === undefined) return '';
  let out = '';
  for (const [key, value] of Object.entries(colors)) {
    const cssVar = COLOR_VARS[key as keyof BrandColors];
    if (cssVar === undefined)
      throw new TypeError(`${where}: ${name}.${key} is not a colour option`);
    if (value === undefined) continue;
    if (!isCssColor(value)) {
      throw new TypeError(
        `${where}: ${name}.${key} must be a CSS colour (#rrggbb, rgb(…), a name)`,
      );
    }
    out += `${cssVar}:${value};`;
  }
  return out;
}

/**
 * Checks `consent.branding` once, when the server is created: a `TypeError` names the first
 * bad value (a `javascript:` logo, a colour with `;` or `}` in it, an http link).
 */
export function checkBranding(
  branding: Branding | undefined,
  where = 'createAuthorizationServer',
): CheckedBranding {
  const b = branding ?? {};
  if (typeof b !== 'object' || b === null)
    throw new TypeError(`${where}: consent.branding must be an object`);
  if (b.name !== undefined && (typeof b.name !== 'string' || b.name.length > 100)) {
    throw new TypeError(
      `${where}: consent.branding.name must be a string of at most 100 characters`,
    );
  }
  let logoSource: string | undefined;
  if (b.logoUrl !== undefined) {
    if (typeof b.logoUrl === 'string' && b.logoUrl.startsWith('data:')) {
      if (!LOGO_DATA.test(b.logoUrl) || b.logoUrl.length > MAX_LOGO_DATA) {
        throw new TypeError(
          `${where}: consent.branding.logoUrl: a data URL must be a base64 PNG, GIF, JPEG, WebP or AVIF image of at most 64 KiB`,
        );
      }
    } else {
      logoSource = checkHttpsUrl(b.logoUrl, 'consent.branding.logoUrl', where).origin;
    }
  }
  const light = colorCss(b.colors, 'consent.branding.colors', where);
  const dark = colorCss(b.darkColors, 'consent.branding.darkColors', where);
  const css =
    (light ? `:root{${light}}` : '') +
    (dark ? `@media (prefers-color-scheme:dark){:root{${dark}}}` : '');
  const links: { kind: 'privacy' | 'terms' | 'support'; url: string }[] = [];
  for (const kind of ['privacy', 'terms', 'support'] as const) {
    const url = b.links?.[kind];
    if (url !== undefined) {
      links.push({ kind, url: checkHttpsUrl(url, `consent.branding.links.${kind}`, where).href });
    }
  }
  return { name: b.name, logoUrl: b.logoUrl, logoSource, css, links };
}
