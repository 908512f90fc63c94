import { escapeHtml, html, type SafeHtml, trusted } from './html.js';
import { de } from './messages/de.js';
import { en, type MessageKey, type Messages } from './messages/en.js';
import { fr } from './messages/fr.js';

/** The dictionaries shipped with core, by language tag. */
export const SHIPPED_MESSAGES: Readonly<Record<string, Messages>> = Object.freeze({ en, fr, de });

/** Languages of the built-in pages (`consent.language` of `createAuthorizationServer`). */
export interface PageLanguageOptions {
  /**
   * The languages offered, as tags of shipped dictionaries (`en`, `fr`, `de`) or of ones in
   * `messages`. The first is the fallback when the browser's `Accept-Language` names none of
   * them. Default `['en', 'fr', 'de']`.
   */
  locales?: readonly string[];
  /** Always this language, whatever the browser asks (one of `locales`). */
  force?: string;
  /**
   * Dictionaries to add or override, by language tag. A shipped language takes a partial
   * dictionary (only the strings you change), and so does a regional tag of one (`fr-CA`
   * starts from `fr`); a new language must give every key of
   * {@link Messages} (checked when the server is created).
   */
  messages?: Readonly<Record<string, Partial<Messages>>>;
  /**
   * Scope descriptions per language (`{ fr: { 'notes:read': 'Lire vos notes' } }`); a scope
   * without one in the page's language shows `consent.scopeDescriptions`.
   */
  scopeDescriptions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One entry of an `Accept-Language` header (RFC 9110 §12.5.4). */
export interface LanguageRange {
  /** The language range, lower-cased (`fr-ca`, `*`). */
  readonly tag: string;
  /** Its weight, 0 < q ≤ 1. */
  readonly q: number;
}

// Enough for every real browser; a longer header is read only this far (public endpoint).
const MAX_HEADER = 512;
const MAX_RANGES = 20;
const RANGE = /^(?:\*|[a-z]{1,8}(?:-[a-z0-9]{1,8})*)$/i;
const QVALUE = /^q=(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/**
 * Parses an `Accept-Language` header into its ranges, best first (equal weights keep their
 * order). Malformed entries and `q=0` are skipped; at most 20 ranges from the first 512
 * characters are read.
 */
export function parseAcceptLanguage(header: string | undefined): LanguageRange[] {
  if (!header) return [];
  const ranges: { tag: string; q: number; i: number }[] = [];
  for (const part of header.slice(0, MAX_HEADER).split(',').slice(0, MAX_RANGES)) {
    const [tag = '', ...params] = part.split(';').map((p) => p.trim());
    if (!RANGE.test(tag)) continue;
    let q = 1;
    const weight = params.find((p) => /^q=/i.test(p));
    if (weight !== undefined) {
      if (!QVALUE.test(weight.replace(/\s+/g, ''))) continue;
      q = Number(weight.replace(/\s+/g, '').slice(2));
    }
    if (q > 0) ranges.push({ tag: tag.toLowerCase(), q, i: ranges.length });
  }
  return ranges.sort((a, b) => b.q - a.q || a.i - b.i).map(({ tag, q }) => ({ tag, q }));
}

/**
 * The language to answer in: the first range of `Accept-Language` (by weight) that one of
 * `available` matches — exactly, or by RFC 4647 lookup (`fr-CA` → `fr`); `*` or no match →
 * `fallback`.
 */
export function negotiateLocale(
  header: string | undefined,
  available: readonly string[],
  fallback: string,
): string {
  const byLower = new Map(available.map((tag) => [tag.toLowerCase(), tag]));
  for (const { tag } of parseAcceptLanguage(header)) {
    if (tag === '*') return fallback;
    const parts = tag.split('-');
    while (parts.length > 0) {
      const match = byLower.get(parts.join('-'));
      if (match !== undefined) return match;
      parts.pop();
      // RFC 4647 §3.4: a single-letter subtag (x-, …) goes with the one after it.
      if (parts.length > 0 && parts[parts.length - 1]!.length === 1) parts.pop();
    }
  }
  return fallback;
}

/** Values for a message's `{name}` placeholders: text (escaped) or {@link SafeHtml}. */
export type MessageValues = Readonly<Record<string, string | number | SafeHtml>>;

/** Looks up a page string and fills its placeholders with escaped values. */
export type Translate = (key: MessageKey, values?: MessageValues) => SafeHtml;

/** The page languages as configured: the chosen dictionaries and how one is picked. */
export class PageLanguages {
  readonly #dictionaries: ReadonlyMap<string, Messages>;
  readonly #locales: readonly string[];
  readonly #force: string | undefined;
  readonly #scopeDescriptions: ReadonlyMap<string, Readonly<Record<string, string>>>;

  constructor(options: PageLanguageOptions = {}, where = 'createAuthorizationServer') {
    const extra = options.messages ?? {};
    const locales = options.locales ?? ['en', 'fr', 'de'];
    if (!Array.isArray(locales) || locales.length === 0) {
      throw new TypeError(`${where}: consent.language.locales must name at least one language`);
    }
    const dictionaries = new Map<string, Messages>();
    for (const locale of locales) {
      if (typeof locale !== 'string' || !RANGE.test(locale) || locale === '*') {
        throw new TypeError(
          `${where}: consent.language.locales: "${locale}" is not a language tag`,
        );
      }
      dictionaries.set(locale, dictionaryFor(locale, extra[locale], where));
    }
    for (const tag of Object.keys(extra)) {
      if (!dictionaries.has(tag)) {
        throw new TypeError(
          `${where}: consent.language.messages has "${tag}", which is not in consent.language.locales`,
        );
      }
    }
    if (options.force !== undefined && !dictionaries.has(options.force)) {
      throw new TypeError(`${where}: consent.language.force must be one of locales`);
    }
    const scopeDescriptions = new Map<string, Readonly<Record<string, string>>>();
    for (const [tag, descriptions] of Object.entries(options.scopeDescriptions ?? {})) {
      if (!dictionaries.has(tag)) {
        throw new TypeError(
          `${where}: consent.language.scopeDescriptions has "${tag}", which is not in consent.language.locales`,
        );
      }
      for (const [scope, text] of Object.entries(descriptions)) {
        if (typeof text !== 'string') {
          throw new TypeError(
            `${where}: consent.language.scopeDescriptions.${tag}["${scope}"] must be a string`,
          );
        }
      }
      scopeDescriptions.set(tag, Object.freeze({ ...descriptions }));
    }
    this.#scopeDescriptions = scopeDescriptions;
    this.#dictionaries = dictionaries;
    this.#locales = [...locales];
    this.#force = options.force;
  }

  /** The language tags offered, fallback first. */
  get locales(): readonly string[] {
    return this.#locales;
  }

  /** The language for a request's `Accept-Language` header. */
  pick(acceptLanguage: string | undefined): string {
    if (this.#force !== undefined) return this.#force;
    return negotiateLocale(acceptLanguage, this.#locales, this.#locales[0]!);
  }

  /** A scope's description in one language, if configured. */
  scopeDescription(locale: string, scope: string): string | undefined {
    const descriptions = this.#scopeDescriptions.get(locale);
    return descriptions !== undefined && Object.hasOwn(descriptions, scope)
      ? descriptions[scope]
      : undefined;
  }

  /** The dictionary of one language (one of {@link locales}; else the fallback's). */
  messages(locale: string): Messages {
    return this.#dictionaries.get(locale) ?? this.#dictionaries.get(this.#locales[0]!)!;
  }

  /** The translator of one language (one of {@link locales}). */
  translator(locale: string): Translate {
    const messages = this.messages(locale);
    return (key, values) => formatMessage(messages[key], values);
  }
}

function dictionaryFor(
  locale: string,
  overrides: Partial<Messages> | undefined,
  where: string,
): Messages {
  // `fr-CA` starts from the shipped `fr` (then its own overrides).
  const base = SHIPPED_MESSAGES[locale] ?? SHIPPED_MESSAGES[locale.split('-')[0]!.toLowerCase()];
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in en)) {
      throw new TypeError(`${where}: consent.language.messages.${locale}: unknown key "${key}"`);
    }
    if (typeof value !== 'string') {
      throw new TypeError(
        `${where}: consent.language.messages.${locale}["${key}"] must be a string`,
      );
    }
  }
  if (base === undefined) {
    const missing = (Object.keys(en) as MessageKey[]).filter((k) => overrides?.[k] === undefined);
    if (missing.length > 0) {
      throw new TypeError(
        `${where}: consent.language.messages.${locale} is a new language and must give every key; missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      );
    }
    return Object.freeze({ ...(overrides as Messages) });
  }
  return Object.freeze({ ...base, ...overrides });
}

/**
 * Fills `{name}` placeholders of a plain-text message: the text and string values are
 * escaped, {@link SafeHtml} values go in as they are. An unknown placeholder stays as written.
 */
export function formatMessage(message: string, values: MessageValues = {}): SafeHtml {
  let out = '';
  let last = 0;
  for (const match of message.matchAll(/\{([A-Za-z][A-Za-z0-9_]*)\}/g)) {
    out += escapeHtml(message.slice(last, match.index));
    const value = Object.hasOwn(values, match[1]!) ? values[match[1]!] : undefined;
    out += value === undefined ? escapeHtml(match[0]) : html`${value}`.html;
    last = match.index + match[0].length;
  }
  return trusted(out + escapeHtml(message.slice(last)));
}
