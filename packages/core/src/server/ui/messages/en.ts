/**
 * The English strings of the built-in login, consent and error pages: the reference
 * dictionary. Every other language has exactly these keys (a type error, and a test, when one
 * is missing). Values are plain text: `{name}` placeholders are filled with escaped values.
 */
export const en = {
  'language.name': 'English',
  'client.unnamed': 'An unnamed application',
  'client.unverifiedName': 'Name given by the application itself, not verified.',
  'client.publishedAt': 'Published at',
  'client.identityDocument': 'Identity document: {url}',
  'client.selfRegistered':
    'This application registered itself. Only continue if you started this sign-in.',
  'client.returnsTo': 'will return you to',
  'client.warnLoopback':
    'It returns to a program on this computer ({target}). Any program on this computer can listen there, so the name and address above cannot prove which application you are talking to. Only continue if you just started this sign-in from the application you meant to connect.',
  'client.warnApp':
    'It returns to an app on this device ({target}), which any app can claim to be. Only continue if you just started this sign-in from the application you meant to connect.',
  'login.title': 'Sign in',
  'login.heading': 'Sign in to {service}',
  'login.intro': 'An application wants to access your account on {service}.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.failed': 'The username or password is incorrect.',
  'consent.title': 'Authorize access',
  'consent.heading': 'Allow access to {service}?',
  'consent.signedInAs': 'Signed in as {user}',
  'consent.scopesLegend': 'It asks to:',
  'consent.untickHint': 'Untick anything you do not want to allow.',
  'consent.noScopes': 'It asks for no permissions beyond knowing who you are.',
  'consent.unavailable': 'Not available for your account: {scopes}',
  'consent.upstreamNext': 'After you allow access you will sign in with your identity provider.',
  'consent.deny': 'Deny',
  'consent.allow': 'Allow',
  'consent.footer':
    'Access tokens are short-lived (an hour at most); the application keeps access only while it can refresh them, and signing out of it or revoking its tokens ends that.',
  'error.closeWindow': 'You can close this window and start again from the application.',
  'error.code': 'Error code: {code}',
  'error.generic.title': 'Error',
  'error.generic.message': 'The request cannot be completed.',
  'error.missing_client.title': 'Unknown application',
  'error.missing_client.message':
    'The request does not say which application is asking (client_id is missing).',
  'error.unknown_client.title': 'Unknown application',
  'error.unknown_client.message':
    'The application asking for access is not registered with this server.',
  'error.client_document.title': 'Application could not be verified',
  'error.client_document.message':
    'The application identifies itself with a metadata document that could not be loaded or is invalid.',
  'error.invalid_redirect_uri.title': 'Invalid return address',
  'error.invalid_redirect_uri.message':
    'The address the application asked to return to is not one it registered, so you are not being sent there.',
  'error.csrf.title': 'Form expired or not allowed',
  'error.csrf.message':
    'This form was not submitted from this browser session. Start the sign-in again from the application.',
  'error.expired.title': 'Sign-in expired',
  'error.expired.message':
    'This sign-in has expired or was already completed. Start again from the application.',
  'error.invalid_interaction.title': 'Unexpected step',
  'error.invalid_interaction.message':
    'This step of the sign-in is not expected now. Start again from the application.',
  'error.too_many_attempts.title': 'Too many attempts',
  'error.too_many_attempts.message':
    'Too many incorrect sign-in attempts. Start again from the application.',
  'error.too_many_interactions.title': 'Too many sign-ins',
  'error.too_many_interactions.message':
    'Too many sign-ins were started from here or by this application. Wait a few minutes, then start again from the application.',
  'error.invalid_state.title': 'Sign-in could not be completed',
  'error.invalid_state.message':
    'The identity provider answered with an unknown, expired or already used sign-in. Start again from the application.',
  'error.server_error.title': 'Something went wrong',
  'error.server_error.message': 'The server could not complete this request.',
  'error.temporarily_unavailable.title': 'Temporarily unavailable',
  'error.temporarily_unavailable.message':
    'The service cannot complete sign-ins right now. Nothing was issued; please try again in a moment.',
  'error.too_many_requests.title': 'Too many attempts',
  'error.too_many_requests.message':
    'Too many sign-in attempts for this account or from this address. Wait a moment, then try again.',
  'error.request_too_large.title': 'Request too large',
  'error.request_too_large.message': 'The request was larger than allowed.',
  'error.invalid_request.title': 'Invalid request',
  'error.invalid_request.message':
    'The request is malformed: a parameter is missing, repeated or invalid.',
  'consent.manageGrants': 'Manage what you granted',
  'grants.title': 'Your grants',
  'grants.intro': 'Applications you allowed to access {service} for you.',
  'grants.signedInAs': 'Signed in as {user}',
  'grants.none': 'You have not allowed any application to access your account.',
  'grants.scopes': 'Access: {scopes}',
  'grants.noScopes': 'who you are only',
  'grants.created': 'Allowed on {date}',
  'grants.lastUsed': 'Last used on {date}',
  'grants.neverUsed': 'Not used yet',
  'grants.revoke': 'Revoke',
  'grants.revokeAll': 'Revoke all',
  'grants.signOut': 'Sign out',
  'grants.revoked': 'Access revoked: the application can no longer use it.',
  'grants.revokedAll': 'All access revoked.',
  'grants.notFound': 'That grant was already revoked or has expired.',
  'grants.signedOut.title': 'Not signed in',
  'grants.signedOut.message':
    'Sign in from an application connecting to {service} to see and revoke what you granted here. You are signed out now.',
  'links.privacy': 'Privacy',
  'links.terms': 'Terms',
  'links.support': 'Help',
} as const;

/** The key of one built-in page string (`'login.heading'`, `'error.csrf.title'`, …). */
export type MessageKey = keyof typeof en;

/** A complete dictionary: every {@link MessageKey}, in one language. */
export type Messages = { readonly [K in MessageKey]: string };
