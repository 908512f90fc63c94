const MCP = 'MCP 2025-11-25';

/** The specification sections each doctor check is based on. */
export const REF = {
  https: `${MCP} › Communication Security; OAuth 2.1 §1.5`,
  unauthenticated: `${MCP} › Token Handling, Error Handling; RFC 6750 §3`,
  challenge: `${MCP} › Protected Resource Metadata Discovery Requirements; RFC 9728 §5.1`,
  scope: `${MCP} › Protected Resource Metadata Discovery Requirements; RFC 6750 §3`,
  prm: `${MCP} › Authorization Server Location; RFC 9728 §3`,
  prmResource: 'RFC 9728 §3.3; RFC 8707 §2',
  prmServers: `${MCP} › Authorization Server Location; RFC 9728 §2`,
  prmBearer: `${MCP} › Token Requirements; RFC 9728 §2; RFC 6750 §2.3`,
  asm: `${MCP} › Authorization Server Metadata Discovery; RFC 8414 §3.1`,
  issuer: 'RFC 8414 §3.3',
  endpoints: `RFC 8414 §2; ${MCP} › Communication Security`,
  pkce: `${MCP} › Authorization Code Protection; RFC 7636 §4.2; RFC 9700 §2.1.1`,
  iss: 'RFC 9207 §3; RFC 9700 §4.4.2',
  grants: 'OAuth 2.1 §10.1, §10.2; RFC 9700 §2.1.2, §2.4',
  grantsAdvertised: 'RFC 8414 §2 (grant_types_supported)',
  clientCredentials:
    'OAuth 2.1 §4.2, §2.4; MCP extension io.modelcontextprotocol/oauth-client-credentials',
  privateKeyJwt: 'RFC 7523 §2.2; RFC 8414 §2 (*_auth_signing_alg_values_supported); RFC 8725 §3.1',
  jwtBearer:
    'RFC 7523 §2.1; MCP extension io.modelcontextprotocol/enterprise-managed-authorization',
  tokenExchange: 'RFC 8693 §2.1; OAuth 2.1 §2.4',
  registration: `${MCP} › Client Registration Approaches; RFC 7591 §3`,
  dcr: 'RFC 7591 §3.1, §3.2.1',
  dcrRedirect: `${MCP} › Communication Security; RFC 7591 §2; RFC 9700 §4.1`,
  authorize: 'RFC 6749 §4.1.1; RFC 7636 §4.3',
  plain: `${MCP} › Authorization Code Protection; RFC 7636 §4.3, §7.2; RFC 9700 §2.1.1`,
  redirect: `${MCP} › Open Redirection; RFC 9700 §2.1, §4.1.3; RFC 6749 §4.1.2.1`,
  forged: `${MCP} › Token Handling; OAuth 2.1 §5.2; RFC 9068 §4`,
  none: 'RFC 8725 §3.1, §3.2; RFC 9068 §4',
  audience: `${MCP} › Token Audience Binding and Validation; RFC 8707 §2; RFC 9068 §4`,
  query: `${MCP} › Token Requirements; RFC 6750 §2.3, §3.1`,
  valid: `${MCP} › Token Requirements; RFC 6750 §2.1`,
  offlineAccess: 'MCP 2026-07-28 › Scope Selection Strategy (SEP-2207); RFC 9728 §2',
  headerMismatch: 'MCP 2026-07-28 › Streamable HTTP › Standard Request Headers (SEP-2243)',
} as const;
