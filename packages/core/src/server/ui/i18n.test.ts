import { describe, expect, it } from 'vitest';
import {
  formatMessage,
  negotiateLocale,
  PageLanguages,
  parseAcceptLanguage,
  SHIPPED_MESSAGES,
} from './i18n.js';
import { html } from './html.js';
import { en, type MessageKey } from './messages/en.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries: every shipped language has every key (issue 16 item 5)', () => {
  const keys = Object.keys(en).sort();
  for (const [locale, messages] of Object.entries(SHIPPED_MESSAGES)) {
    it(`${locale}: the same keys as en, each a non-empty string with en's placeholders`, () => {
      expect(Object.keys(messages).sort()).toEqual(keys);
      for (const key of keys as MessageKey[]) {
        expect(typeof messages[key], `${locale} ${key}`).toBe('string');
        expect(messages[key].trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(messages[key]), `${locale} ${key}`).toEqual(placeholders(en[key]));
      }
    });
  }

  it('ships English and at least French and German', () => {
    expect(Object.keys(SHIPPED_MESSAGES)).toEqual(expect.arrayContaining(['en', 'fr', 'de']));
  });

  it('a shipped translation differs from English for the visible strings', () => {
    expect(SHIPPED_MESSAGES['fr']!['login.submit']).not.toBe(en['login.submit']);
    expect(SHIPPED_MESSAGES['de']!['consent.allow']).not.toBe(en['consent.allow']);
  });
});

describe('Accept-Language (RFC 9110 §12.5.4)', () => {
  it('orders ranges by q, keeps the order of equal weights, drops q=0 and malformed entries', () => {
    expect(parseAcceptLanguage('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5')).toEqual([
      { tag: 'fr-ch', q: 1 },
      { tag: 'fr', q: 0.9 },
      { tag: 'en', q: 0.8 },
      { tag: 'de', q: 0.7 },
      { tag: '*', q: 0.5 },
    ]);
    expect(parseAcceptLanguage('de;q=0.5, en;q=0, fr')).toEqual([
      { tag: 'fr', q: 1 },
      { tag: 'de', q: 0.5 },
    ]);
    expect(parseAcceptLanguage('en;q=2, <script>, fr;q=abc, de;q=0.3')).toEqual([
      { tag: 'de', q: 0.3 },
    ]);
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage('')).toEqual([]);
  });

  it('reads a bounded number of ranges from a huge header', () => {
    const huge = Array.from({ length: 5000 }, (_, i) => `x${i % 10}`).join(',');
    expect(parseAcceptLanguage(huge).length).toBeLessThanOrEqual(20);
  });

  it('negotiates: exact, by prefix (fr-CA → fr), by weight, * and no match → the fallback', () => {
    const available = ['en', 'fr', 'de'];
    expect(negotiateLocale('fr-CA,fr;q=0.9', available, 'en')).toBe('fr');
    expect(negotiateLocale('DE', available, 'en')).toBe('de');
    expect(negotiateLocale('es, de;q=0.4, fr;q=0.6', available, 'en')).toBe('fr');
    expect(negotiateLocale('es, it', available, 'en')).toBe('en');
    expect(negotiateLocale('*', available, 'en')).toBe('en');
    expect(negotiateLocale(undefined, available, 'en')).toBe('en');
    expect(negotiateLocale('de-x-private', available, 'en')).toBe('de');
    expect(negotiateLocale('pt-BR', ['pt-BR', 'en'], 'en')).toBe('pt-BR');
  });
});

describe('PageLanguages: restrict, force, add and override', () => {
  it('restricts the set; the first locale is the fallback', () => {
    const languages = new PageLanguages({ locales: ['de', 'en'] });
    expect(languages.pick('fr')).toBe('de');
    expect(languages.pick('en-GB')).toBe('en');
  });

  it('a regional tag of a shipped language starts from it (fr-CA → fr), with its own overrides', () => {
    const languages = new PageLanguages({
      locales: ['en', 'fr-CA'],
      messages: { 'fr-CA': { 'login.submit': 'Ouvrir une session' } },
    });
    expect(languages.pick('fr-CA')).toBe('fr-CA');
    expect(languages.translator('fr-CA')('login.submit').html).toBe('Ouvrir une session');
    expect(languages.translator('fr-CA')('login.password').html).toBe('Mot de passe');
  });

  it('forces one locale whatever the browser asks', () => {
    expect(new PageLanguages({ force: 'fr' }).pick('de, en')).toBe('fr');
  });

  it('overrides strings of a shipped language; a new language must give every key', () => {
    const languages = new PageLanguages({
      locales: ['en', 'fr'],
      messages: { fr: { 'login.submit': 'Entrer' } },
    });
    expect(languages.translator('fr')('login.submit').html).toBe('Entrer');
    expect(languages.translator('fr')('login.password').html).toBe('Mot de passe');
    expect(
      () => new PageLanguages({ locales: ['es'], messages: { es: { 'login.submit': 'Entrar' } } }),
    ).toThrow(/must give every key/);
    const es = Object.fromEntries(Object.keys(en).map((k) => [k, `es:${k}`]));
    expect(
      new PageLanguages({ locales: ['es'], messages: { es } }).translator('es')('login.submit')
        .html,
    ).toBe('es:login.submit');
  });

  it('refuses a bad configuration with a TypeError naming the option', () => {
    expect(() => new PageLanguages({ locales: [] })).toThrow(TypeError);
    expect(() => new PageLanguages({ force: 'it' })).toThrow(/force/);
    expect(() => new PageLanguages({ locales: ['en;q=1'] })).toThrow(/language tag/);
    expect(() => new PageLanguages({ messages: { it: {} } })).toThrow(
      /not in consent.language.locales/,
    );
    expect(() => new PageLanguages({ messages: { en: { 'no.such': 'x' } as never } })).toThrow(
      /unknown key/,
    );
  });
});

describe('formatMessage: interpolation of escaped values', () => {
  it('escapes the text and string values; SafeHtml values go in as made', () => {
    expect(
      formatMessage('Sign in to {service}', { service: '<script>alert(1)</script>' }).html,
    ).toBe('Sign in to &#60;script&#62;alert(1)&#60;/script&#62;');
    expect(formatMessage('A "quoted" {x}', { x: html`<b>${'&'}</b>` }).html).toBe(
      'A &#34;quoted&#34; <b>&#38;</b>',
    );
    expect(formatMessage('{missing} stays', {}).html).toBe('{missing} stays');
    expect(formatMessage('{toString}', {}).html).toBe('{toString}');
  });

  it('a dictionary string with markup is shown as text, not markup', () => {
    const t = new PageLanguages({
      messages: { en: { 'login.submit': '<img src=x onerror=alert(1)>' } },
    }).translator('en');
    expect(t('login.submit').html).toBe('&#60;img src=x onerror=alert(1)&#62;');
  });
});

describe('scope descriptions per language', () => {
  it('a description in the page language wins; others fall back to consent.scopeDescriptions', () => {
    const languages = new PageLanguages({
      scopeDescriptions: { fr: { 'notes:read': 'Lire vos notes' } },
    });
    expect(languages.scopeDescription('fr', 'notes:read')).toBe('Lire vos notes');
    expect(languages.scopeDescription('fr', 'notes:write')).toBeUndefined();
    expect(languages.scopeDescription('de', 'notes:read')).toBeUndefined();
    expect(languages.scopeDescription('fr', 'toString')).toBeUndefined();
    expect(() => new PageLanguages({ scopeDescriptions: { it: {} } })).toThrow(
      /not in consent.language.locales/,
    );
  });
});
