/**
 * `@mcp-auth/core/pages`: for making the login, consent, error and grants pages yours — the
 * `consent.template` hook's types (`PageTemplate`, the page models, `PageContext`), the
 * escaping `html` tagged template, branding and language options, the shipped dictionaries
 * (`en`, `fr`, `de`) and the `Accept-Language` helpers. See docs/customizing-pages.md.
 * @packageDocumentation
 */
export type { BrandColors, Branding } from './server/ui/branding.js';
export { html, type SafeHtml } from './server/ui/html.js';
export {
  type LanguageRange,
  type MessageValues,
  negotiateLocale,
  type PageLanguageOptions,
  parseAcceptLanguage,
  type Translate,
} from './server/ui/i18n.js';
export { de } from './server/ui/messages/de.js';
export { en, type MessageKey, type Messages } from './server/ui/messages/en.js';
export { fr } from './server/ui/messages/fr.js';
export type {
  AuthorizationPage,
  ConsentPage,
  ConsentPageScope,
  ErrorPage,
  GrantsPage,
  LoginPage,
  PageClient,
  PageForm,
  PageGrant,
  ServiceDisplay,
} from './server/ui/pages.js';
export type {
  PageBranding,
  PageContext,
  PageOptions,
  PageTemplate,
} from './server/ui/template.js';
