import { sanitize } from '../io.js';
import type { DoctorContext } from './context.js';
import { REF } from './references.js';

/** RFC 7523 §2.1: the JWT bearer grant (ID-JAG, enterprise-managed authorization). */
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** RFC 8693 §2.1: token exchange. */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** Methods with which a client proves who it is at the token endpoint (not `none`). */
const CONFIDENTIAL_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
];
/** Methods whose JWTs are signed, so the metadata must list their algorithms (RFC 8414 §2). */
const JWT_METHODS = ['private_key_jwt', 'client_secret_jwt'];

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v) => typeof v === 'string') : undefined;
}

function list(values: readonly string[]): string {
  return JSON.stringify(values.map((v) => sanitize(v, 60)));
}

/**
 * Checks what the authorization-server metadata says about its grants and client
 * authentication (issue 14): `as-grants` reports the grants advertised; then, only for what is
 * advertised, `as-client-credentials` (a machine grant needs a confidential authentication
 * method), `as-jwt-signing-algs` (for each endpoint advertising `private_key_jwt` or
 * `client_secret_jwt`, the matching `*_auth_signing_alg_values_supported` is present and
 * never lists `none`; `HS*` only with `client_secret_jwt`), `as-jwt-bearer` and
 * `as-token-exchange` (a confidential method to authenticate the client presenting them).
 */
export function checkAdvertisedGrants(ctx: DoctorContext, asm: Record<string, unknown>): void {
  const grants = strings(asm['grant_types_supported']);
  const tokenMethods = strings(asm['token_endpoint_auth_methods_supported']) ?? [
    'client_secret_basic', // RFC 8414 §2's default
  ];
  const confidential = tokenMethods.filter((m) => CONFIDENTIAL_METHODS.includes(m));
  const machine = [
    grants?.includes('client_credentials') ? 'client_credentials (machine clients)' : undefined,
    grants?.includes(JWT_BEARER)
      ? 'jwt-bearer (ID-JAG, enterprise-managed authorization)'
      : undefined,
    grants?.includes(TOKEN_EXCHANGE) ? 'token-exchange (RFC 8693)' : undefined,
  ].filter((g) => g !== undefined);
  ctx.add({
    id: 'as-grants',
    title: 'Grants the authorization server advertises',
    status: grants === undefined ? 'warn' : 'pass',
    detail:
      grants === undefined
        ? 'grant_types_supported is missing: RFC 8414 §2 then means ["authorization_code", "implicit"]; list the grants served'
        : `grant_types_supported = ${list(grants)}${machine.length > 0 ? `; beyond the code flow: ${machine.join(', ')}` : ''}`,
    reference: REF.grantsAdvertised,
  });
  const needsConfidential = (id: string, grant: string, title: string, reference: string) => {
    if (!grants?.includes(grant)) return;
    ctx.add({
      id,
      title,
      status: confidential.length > 0 ? 'pass' : 'fail',
      detail:
        confidential.length > 0
          ? `advertised, with client authentication ${list(confidential)}`
          : `${sanitize(grant, 60)} is advertised but token_endpoint_auth_methods_supported lists no confidential method (${list(tokenMethods)}): no client could use it`,
      reference,
    });
  };
  needsConfidential(
    'as-client-credentials',
    'client_credentials',
    'Client credentials: a confidential authentication method is offered',
    REF.clientCredentials,
  );
  checkSigningAlgs(ctx, asm);
  needsConfidential(
    'as-jwt-bearer',
    JWT_BEARER,
    'JWT bearer (ID-JAG) grant: the presenting client can authenticate',
    REF.jwtBearer,
  );
  needsConfidential(
    'as-token-exchange',
    TOKEN_EXCHANGE,
    'Token exchange: the exchanging client can authenticate',
    REF.tokenExchange,
  );
}

/** `as-jwt-signing-algs`, added only when an endpoint advertises a JWT client authentication. */
function checkSigningAlgs(ctx: DoctorContext, asm: Record<string, unknown>): void {
  const problems: string[] = [];
  const seen: string[] = [];
  for (const endpoint of ['token', 'revocation', 'introspection']) {
    const methods = strings(asm[`${endpoint}_endpoint_auth_methods_supported`]) ?? [];
    const jwtMethods = methods.filter((m) => JWT_METHODS.includes(m));
    if (jwtMethods.length === 0) continue;
    seen.push(`${endpoint} (${jwtMethods.join(', ')})`);
    const name = `${endpoint}_endpoint_auth_signing_alg_values_supported`;
    const algs = strings(asm[name]);
    if (algs === undefined || algs.length === 0) {
      problems.push(`${name} is missing (RFC 8414 §2: required with ${jwtMethods.join(', ')})`);
      continue;
    }
    if (algs.some((a) => a.toLowerCase() === 'none')) problems.push(`${name} lists "none"`);
    const hmac = algs.filter((a) => /^HS/i.test(a));
    if (hmac.length > 0 && !jwtMethods.includes('client_secret_jwt')) {
      problems.push(
        `${name} lists ${list(hmac)} without client_secret_jwt (private_key_jwt is asymmetric)`,
      );
    }
  }
  if (seen.length === 0) return;
  ctx.add({
    id: 'as-jwt-signing-algs',
    title: 'JWT client authentication lists safe signing algorithms',
    status: problems.length === 0 ? 'pass' : 'fail',
    detail:
      problems.length === 0
        ? `signing algorithms listed for ${seen.join('; ')}, none of them "none"`
        : problems.join('; '),
    reference: REF.privateKeyJwt,
  });
}
