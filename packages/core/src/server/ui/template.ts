import type { HttpResponse } from '../../http/messages.js';
import { type Branding, type CheckedBranding, checkBranding } from './branding.js';
import { createNonce, html, htmlResponse, isSafeHtml, type SafeHtml } from './html.js';
import { type PageLanguageOptions, PageLanguages, type Translate } from './i18n.js';
import type { MessageKey } from './messages/en.js';
import {
  type AuthorizationPage,
  builtInBody,
  builtInPage,
  type ClientDisplay,
  type ConsentScope,
  csrfField,
  type ErrorPage,
  type PageGrant,
  type PageUi,
  pageClient,
  pageStyles,
  type ServiceDisplay,
  sessionCsrfField,
} from './pages.js';
import { revealInvisible } from '../../encoding/unicode.js';

/** The branding a template sees: checked values, raw text (escape with `html`). */
export interface PageBranding {
  readonly name: string | undefined;
  /** An https or `data:image/…` URL (checked), or undefined. */
  readonly logoUrl: string | undefined;
  /** The footer links, https (checked); their labels are `t('links.privacy')`, … */
  readonly links: readonly {
    readonly kind: 'privacy' | 'terms' | 'support';
    readonly url: string;
  }[];
}

/** What a {@link PageTemplate} gets beside the page. */
export interface PageContext {
  /** The page's language tag (`en`, `fr`, …): put it in `<html lang="…">`. */
  readonly locale: string;
  /**
   * The CSP nonce of this response. `<style nonce="…">` and `<script nonce="…">` elements
   * carrying it are allowed; nothing else inline runs or applies.
   */
  readonly nonce: string;
  /**
   * The escaping tagged template: every interpolated value is escaped unless it is
   * {@link SafeHtml}; a value in `href`/`src`/`action` that is not a safe URL becomes
   * `about:invalid`; an unquoted attribute value throws. A template returns what it makes.
   */
  readonly html: (strings: TemplateStringsArray, ...values: unknown[]) => SafeHtml;
  /** The built-in strings in the page's language, placeholders filled with escaped values. */
  readonly t: Translate;
  readonly branding: PageBranding;
  /** Core's `<style nonce>` element (built-in CSS and branding colours), to reuse. */
  readonly styles: SafeHtml;
  /** The built-in page's content (what core puts inside `<main>`), to wrap in your own frame. */
  readonly builtInBody: SafeHtml;
  /** The complete built-in page. */
  readonly builtInPage: SafeHtml;
}

/**
 * Renders a login, consent, error or grants page: return the whole HTML document made with
 * `ctx.html`, or `undefined` for core's built-in page. Every form posting to
 * `page.form.action` must hold `page.form.csrfField` (and a login or consent page must have
 * one); core answers its built-in 500 error page otherwise. Core sets the security headers
 * (CSP with `ctx.nonce`, `frame-ancestors 'none'`, `no-store`, …) and the status. See
 * docs/customizing-pages.md.
 */
export type PageTemplate = (
  page: AuthorizationPage,
  ctx: PageContext,
) => SafeHtml | undefined | Promise<SafeHtml | undefined>;

/** The page options of `createAuthorizationServer` (`consent.template`, `.branding`, `.language`). */
export interface PageOptions {
  template?: PageTemplate | undefined;
  branding?: Branding | undefined;
  language?: PageLanguageOptions | undefined;
  /**
   * Called when `template` throws, rejects or breaks its contract; the user then gets the
   * built-in 500 error page. Default: one line on `console.error` naming the page kind and the
   * error (its message only for core's own {@link PageTemplateError}).
   */
  onTemplateError?: ((error: unknown, page: AuthorizationPage['kind']) => void) | undefined;
}

/** HTTP details of one page response. */
export interface PageResponseOptions {
  readonly status: number;
  readonly formAction?: readonly string[] | 'any';
  readonly cookies?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of {@link PageRenderer.error}. */
export interface ErrorPageOptions extends PageResponseOptions {
  /** Whose title and message to show, when not the code's own (default: `code`). */
  readonly messages?: string;
}

/** Input of {@link PageRenderer.login}. */
export interface LoginPageInput {
  readonly action: string;
  readonly interaction: string;
  readonly csrf: string;
  readonly client: ClientDisplay;
  readonly service: ServiceDisplay;
  readonly failed?: boolean;
  readonly username?: string | undefined;
}

/** Input of {@link PageRenderer.consent}. */
export interface ConsentPageInput {
  readonly action: string;
  readonly interaction: string;
  readonly csrf: string;
  readonly client: ClientDisplay;
  readonly service: ServiceDisplay;
  readonly scopes: readonly ConsentScope[];
  readonly unavailable: readonly string[];
  readonly user?: string | undefined;
  readonly upstreamNext?: boolean;
  /** The grants page linked from the footer (`/grants`). */
  readonly grantsUrl?: string | undefined;
}

/** Input of {@link PageRenderer.grants}. */
export interface GrantsPageInput {
  /** Where its forms post (`<base>/grants`). */
  readonly action: string;
  readonly serviceName: string;
  /** The signed-in user's name; undefined when nobody is signed in. */
  readonly user: string | undefined;
  /** The CSRF token bound to the session (with `user`). */
  readonly csrf: string | undefined;
  readonly grants: readonly PageGrant[];
  readonly notice?: 'revoked' | 'revoked_all' | 'not_found' | undefined;
}

/** A template broke its contract (not SafeHtml, or a form without the CSRF field). */
export class PageTemplateError extends Error {
  override readonly name = 'PageTemplateError';
}

/** Error codes with their own strings; any other renders as `error.generic`. */
const ERROR_CODES = new Set([
  'missing_client',
  'unknown_client',
  'client_document',
  'invalid_redirect_uri',
  'csrf',
  'expired',
  'invalid_interaction',
  'too_many_attempts',
  'too_many_interactions',
  'invalid_state',
  'server_error',
  'temporarily_unavailable',
  'too_many_requests',
  'request_too_large',
  'invalid_request',
]);

/** The message keys of an error code's title and message. */
export function errorMessageKeys(code: string): { title: MessageKey; message: MessageKey } {
  const known = ERROR_CODES.has(code) ? code : 'generic';
  return {
    title: `error.${known}.title` as MessageKey,
    message: `error.${known}.message` as MessageKey,
  };
}

/**
 * Every login, consent and error page goes through here: the language is picked, the page's
 * data is built, the custom template (if any) or the built-in page renders it, the result is
 * checked, and the response gets core's security headers.
 */
export class PageRenderer {
  readonly #template: PageTemplate | undefined;
  readonly #branding: CheckedBranding;
  readonly #languages: PageLanguages;
  readonly #onTemplateError: (error: unknown, page: AuthorizationPage['kind']) => void;

  constructor(options: PageOptions = {}, where = 'createAuthorizationServer') {
    if (options.template !== undefined && typeof options.template !== 'function') {
      throw new TypeError(`${where}: consent.template must be a function`);
    }
    this.#template = options.template;
    if (options.onTemplateError !== undefined && typeof options.onTemplateError !== 'function') {
      throw new TypeError(`${where}: consent.onTemplateError must be a function`);
    }
    this.#onTemplateError = options.onTemplateError ?? reportTemplateError;
    this.#branding = checkBranding(options.branding, where);
    this.#languages = new PageLanguages(options.language, where);
  }

  /** The language for a request's `Accept-Language` header. */
  locale(acceptLanguage: string | undefined): string {
    return this.#languages.pick(acceptLanguage);
  }

  /** The login page. */
  login(locale: string | undefined, input: LoginPageInput, http: PageResponseOptions) {
    return this.#respond(
      {
        kind: 'login',
        service: input.service,
        client: pageClient(input.client),
        form: { action: input.action, csrfField: csrfField(input.interaction, input.csrf) },
        failed: input.failed ?? false,
        username: input.username ?? '',
      },
      locale,
      http,
    );
  }

  /** The consent page. */
  consent(locale: string | undefined, input: ConsentPageInput, http: PageResponseOptions) {
    return this.#respond(
      {
        kind: 'consent',
        service: input.service,
        client: pageClient(input.client),
        form: { action: input.action, csrfField: csrfField(input.interaction, input.csrf) },
        scopes: input.scopes.map((scope, i) => ({
          name: scope.name,
          description:
            this.#languages.scopeDescription(this.#checkedLocale(locale), scope.name) ??
            scope.description,
          field: `scope_${i}`,
        })),
        unavailable: input.unavailable,
        user: input.user,
        upstreamNext: input.upstreamNext ?? false,
        ...(input.grantsUrl !== undefined ? { grantsUrl: input.grantsUrl } : {}),
      },
      locale,
      http,
    );
  }

  /** An error page for a stable error code (its title and message come from the dictionary). */
  error(locale: string | undefined, code: string, http: ErrorPageOptions) {
    const lang = this.#checkedLocale(locale);
    const page = this.#errorModel(lang, http.status, http.messages ?? code);
    return this.#respond({ ...page, code }, lang, http);
  }

  /** The signed-in user's grants page (`<base>/grants`); signed out when `user` is undefined. */
  grants(locale: string | undefined, input: GrantsPageInput, http: PageResponseOptions) {
    const signedIn = input.user !== undefined && input.csrf !== undefined;
    return this.#respond(
      {
        kind: 'grants',
        service: { name: input.serviceName },
        user: signedIn ? input.user : undefined,
        grants: signedIn
          ? input.grants.map((grant) => ({
              ...grant,
              clientName:
                grant.clientName === undefined ? undefined : revealInvisible(grant.clientName),
              clientId: revealInvisible(grant.clientId),
            }))
          : [],
        notice: input.notice,
        form: signedIn
          ? { action: input.action, csrfField: sessionCsrfField(input.csrf!) }
          : undefined,
      },
      locale,
      http,
    );
  }

  #checkedLocale(locale: string | undefined): string {
    return locale !== undefined && this.#languages.locales.includes(locale)
      ? locale
      : this.#languages.locales[0]!;
  }

  async #respond(
    page: AuthorizationPage,
    locale: string | undefined,
    http: PageResponseOptions,
  ): Promise<HttpResponse> {
    const nonce = createNonce();
    const lang = this.#checkedLocale(locale);
    const ui: PageUi = {
      locale: lang,
      nonce,
      t: this.#languages.translator(lang),
      branding: this.#branding,
    };
    const options = {
      ...(http.formAction !== undefined ? { formAction: http.formAction } : {}),
      ...(http.cookies !== undefined ? { cookies: http.cookies } : {}),
      ...(http.headers !== undefined ? { headers: http.headers } : {}),
      ...(this.#branding.logoSource !== undefined ? { imgSrc: [this.#branding.logoSource] } : {}),
    };
    if (this.#template === undefined) {
      return htmlResponse(http.status, { nonce, body: builtInPage(page, ui) }, options);
    }
    let body: SafeHtml;
    try {
      body = await this.#custom(page, ui);
    } catch (error) {
      // A template that throws or breaks its contract: core's own error page, never a blank.
      try {
        this.#onTemplateError(error, page.kind);
      } catch {
        // A failing report must not change the answer.
      }
      return htmlResponse(
        500,
        { nonce, body: builtInPage(this.#errorModel(ui.locale, 500, 'server_error'), ui) },
        { ...(http.cookies !== undefined ? { cookies: http.cookies } : {}) },
      );
    }
    return htmlResponse(http.status, { nonce, body }, { ...options, scripts: true });
  }

  async #custom(page: AuthorizationPage, ui: PageUi): Promise<SafeHtml> {
    const body = builtInBody(page, ui);
    const ctx: PageContext = {
      locale: ui.locale,
      nonce: ui.nonce,
      html,
      t: ui.t,
      branding: {
        name: this.#branding.name,
        logoUrl: this.#branding.logoUrl,
        links: this.#branding.links,
      },
      styles: pageStyles(ui),
      builtInBody: body,
      builtInPage: builtInPage(page, ui),
    };
    const result = await this.#template!(page, ctx);
    if (result === undefined) return ctx.builtInPage;
    if (!isSafeHtml(result)) {
      throw new PageTemplateError('consent.template must return the html`` of its context');
    }
    if (page.kind !== 'error' && page.form !== undefined) {
      // Login and consent need their form; a grants page may have none (nothing to revoke).
      checkForms(result.html, page.form.action, page.form.csrfField, page.kind !== 'grants');
    }
    return result;
  }

  #errorModel(locale: string, status: number, code: string): ErrorPage {
    const keys = errorMessageKeys(code);
    const messages = this.#languages.messages(locale);
    return {
      kind: 'error',
      status,
      code,
      title: messages[keys.title],
      message: messages[keys.message],
    };
  }
}

function reportTemplateError(error: unknown, kind: AuthorizationPage['kind']): void {
  const detail =
    error instanceof PageTemplateError
      ? error.message
      : String((error as { name?: unknown } | null)?.name ?? 'error');
  console.error(
    `mcp-auth pages: consent.template failed on the ${kind} page (${detail}); the built-in 500 page was sent`,
  );
}

/**
 * A template's login or consent page must have a `<form>` posting to `action` (`required`),
 * and every form posting there must hold the CSRF field exactly as core made it.
 */
export function checkForms(page: string, action: string, field: SafeHtml, required = true): void {
  let found = 0;
  for (const match of page.matchAll(/<form\b([^>]*)>([\s\S]*?)(?:<\/form\s*>|$)/gi)) {
    const target = /\baction\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(match[1] ?? '');
    const value = target?.[1] ?? target?.[2];
    if (value === undefined || decodeAttr(value) !== action) continue;
    found++;
    if (!(match[2] ?? '').includes(field.html)) {
      throw new PageTemplateError(`a form posting to ${action} lacks page.form.csrfField`);
    }
  }
  if (found === 0 && required)
    throw new PageTemplateError(`the page has no form posting to ${action}`);
}

function decodeAttr(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&');
}
