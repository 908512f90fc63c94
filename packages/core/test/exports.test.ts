/**
 * The public surface of `@mcp-auth/core`, one snapshot per entry: a new public name (or a
 * name that moves) changes a snapshot here, so it is a visible decision in review. Runtime
 * names come from importing the entry; type names from the entry file's explicit export lists
 * (every entry lists its names: no `export *`, but for a Node face re-exporting its Web twin).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

type Condition = string | { readonly [condition: string]: Condition };
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, Condition>;
};

/** The source files of an entry (`@mcp-auth/source`, its `node` and `default` faces). */
function sourcesOf(subpath: string): { web: string; node: string } {
  const entry = manifest.exports[subpath];
  if (entry === undefined || typeof entry === 'string') throw new Error(`no entry ${subpath}`);
  const source = entry['@mcp-auth/source'];
  if (source === undefined) throw new Error(`${subpath}: no @mcp-auth/source condition`);
  if (typeof source === 'string') return { web: source, node: source };
  const web = source.default;
  const node = source.node ?? web;
  if (typeof web !== 'string' || typeof node !== 'string') throw new Error(`${subpath}: shape`);
  return { web, node };
}

/** Names an entry file exports as types only (`export type { … }`, `type X` in a list). */
function typeNames(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const names: string[] = [];
  for (const match of text.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    for (const raw of (match[2] ?? '').split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      const isType = match[1] !== undefined || item.startsWith('type ');
      const name =
        item
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)
          .pop()
          ?.trim() ?? '';
      if (isType) names.push(name);
    }
  }
  return names.sort();
}

async function runtimeNames(file: string): Promise<string[]> {
  const module = (await import(join(root, file))) as Record<string, unknown>;
  return Object.keys(module).sort();
}

async function surface(subpath: string): Promise<{ runtime: string[]; types: string[] }> {
  const { web } = sourcesOf(subpath);
  return { runtime: await runtimeNames(web), types: typeNames(web) };
}

const CODE_ENTRIES = Object.keys(manifest.exports).filter(
  (subpath) => subpath !== './package.json' && !subpath.endsWith('.json'),
);

describe('public entries of @mcp-auth/core', () => {
  it('the entries are exactly these (a new entry gets a snapshot below)', () => {
    expect(CODE_ENTRIES).toEqual([
      '.',
      './node-http',
      './mcp',
      './jwt',
      './policy',
      './store',
      './pages',
      './testing',
      './observability',
      './audit-file',
      './internal',
    ]);
  });

  it('the root entry is what an application imports: at most 70 names, types included', async () => {
    const { runtime, types } = await surface('.');
    expect(runtime.length + types.length).toBeLessThanOrEqual(70);
  });

  it('root (.)', async () => {
    expect(await surface('.')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "ConfigError",
          "DEMO_USERS",
          "DevIdentityProvider",
          "JwtError",
          "McpResourceAuth",
          "MemoryStore",
          "OAuthError",
          "PolicyEngine",
          "PolicyValidationError",
          "UpstreamOAuthProvider",
          "authContextFromAuthInfo",
          "authRequired",
          "createAccessTokenVerifier",
          "createAuthorizationServer",
          "createDefaultPolicies",
          "createFetchMcpGuard",
          "createLoginThrottle",
          "createProtectedResourceMetadata",
          "createRemoteKeySet",
          "createRevocationChecker",
          "createSecretKey",
          "errorResponse",
          "errors",
          "exchangeToken",
          "fromFetchRequest",
          "generateKeyPair",
          "generateSecret",
          "isJwtError",
          "isOAuthError",
          "loadConfigFromEnv",
          "loadSigningKey",
          "policyJsonSchema",
          "protectedResourceMetadataUrl",
          "toFetchHandler",
          "toFetchResponse",
          "wellKnownPath",
        ],
        "types": [
          "AccessTokenVerifierOptions",
          "AuthContext",
          "AuthRequired",
          "AuthorizationServer",
          "AuthorizationServerOptions",
          "DevUser",
          "ExchangeTokenOptions",
          "FetchMcpGuard",
          "FetchMcpGuardOptions",
          "HttpRequest",
          "HttpResponse",
          "Identity",
          "IdentityAssertion",
          "IdentityProvider",
          "JwtErrorCode",
          "JwtKey",
          "LocalIdentityProvider",
          "LoginContext",
          "MappedIdentity",
          "McpCorsOptions",
          "McpResourceAuthOptions",
          "OAuthConfig",
          "OAuthErrorCode",
          "PolicyDecision",
          "PolicyDecisionEvent",
          "PolicyDocument",
          "PolicyEngineOptions",
          "ProtectedResourceOptions",
          "RedirectIdentityProvider",
          "TokenVerifier",
          "ToolCallAuthorization",
          "TrustedIdentityProvider",
          "UpstreamOAuthProviderOptions",
          "UpstreamUser",
        ],
      }
    `);
  });

  it('the root errors namespace: one OAuthError subclass per RFC error code', async () => {
    const { errors, OAuthError } = await import('../src/index.js');
    expect(Object.keys(errors).sort()).toMatchInlineSnapshot(`
      [
        "AccessDeniedError",
        "InsufficientScopeError",
        "InvalidClientError",
        "InvalidClientMetadataError",
        "InvalidDpopProofError",
        "InvalidGrantError",
        "InvalidRedirectUriError",
        "InvalidRequestError",
        "InvalidScopeError",
        "InvalidTargetError",
        "InvalidTokenError",
        "MethodNotAllowedError",
        "PayloadTooLargeError",
        "ServerError",
        "TemporarilyUnavailableError",
        "TooManyRequestsError",
        "UnauthorizedClientError",
        "UnsupportedGrantTypeError",
        "UnsupportedResponseTypeError",
        "UnsupportedTokenTypeError",
        "UseDpopNonceError",
      ]
    `);
    for (const ErrorClass of Object.values(errors))
      expect(ErrorClass.prototype).toBeInstanceOf(OAuthError);
  });

  it('./node-http', async () => {
    expect(await surface('./node-http')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "createNodeAuthorizationHandler",
          "createNodeBearerAuth",
          "createNodeMcpAuth",
          "createNodeMcpGuard",
          "nodeRequestHeaders",
          "nodeRequestTarget",
          "readNodeBody",
          "toHttpRequest",
          "writeNodeResponse",
        ],
        "types": [
          "NodeAuthOutcome",
          "NodeAuthorizationHandler",
          "NodeAuthorizationHandlerOptions",
          "NodeAuthorizationServer",
          "NodeBearerAuthOptions",
          "NodeGuardCallOptions",
          "NodeGuardOutcome",
          "NodeMcpAuth",
          "NodeMcpAuthOptions",
          "NodeMcpGuardOptions",
          "NodeRequestLike",
          "NodeResponseLike",
          "NodeRoute",
          "ReadNodeBodyOptions",
          "ToHttpRequestOptions",
        ],
      }
    `);
  });

  it('./mcp', async () => {
    expect(await surface('./mcp')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "DEFAULT_MAX_JSON_DEPTH",
          "DEFAULT_MAX_MCP_BODY_BYTES",
          "HEADER_MISMATCH_CODE",
          "MAX_AUTHORIZATION_HEADER_LENGTH",
          "MissingBearerTokenError",
          "authorizeMcpToolCall",
          "buildBearerChallenge",
          "buildDpopChallenge",
          "checkTokenVerifier",
          "checkToolRateLimit",
          "countInServerToolCall",
          "createDeniedToolResult",
          "createMcpGuard",
          "decodeMcpHeaderValue",
          "extractBearerToken",
          "filterToolList",
          "findToolCalls",
          "isAllowedAtEdge",
          "isDecidedAtEdge",
          "isDpopBound",
          "mcpEra",
          "toAuthInfo",
          "withDpopRequiredMetadata",
        ],
        "types": [
          "AuthorizeMcpToolCallOptions",
          "BearerChallengeOptions",
          "DeniedToolResult",
          "DpopChallengeOptions",
          "DpopNonceOptions",
          "DpopOptions",
          "DpopRequiredMetadataServer",
          "FetchMcpGuardOutcome",
          "McpAuthInfo",
          "McpEra",
          "McpGuard",
          "McpGuardOptions",
          "McpGuardOutcome",
          "McpGuardRequest",
          "McpToolCallAuthorization",
          "RateLimitRefusal",
          "ResourceAuthRequest",
          "ResourceDpopOptions",
          "ToolCall",
        ],
      }
    `);
  });

  it('./jwt', async () => {
    expect(await surface('./jwt')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "DEFAULT_ASSERTION_ALGORITHMS",
          "DEFAULT_MAX_TOKEN_LENGTH",
          "DPOP_ALGORITHMS",
          "JWS_ALGORITHMS",
          "computeAccessTokenHash",
          "computeJwkThumbprint",
          "createDpopProofVerifier",
          "createJwtVerifier",
          "createLocalKeySet",
          "decodeJwt",
          "exportJwk",
          "importJwk",
          "importKeyRing",
          "importPem",
          "normalizeDpopUrl",
          "signJwt",
          "toPublicKey",
          "verifyJwt",
          "verifyJwtAssertion",
        ],
        "types": [
          "AsymmetricJwsAlgorithm",
          "CreateSecretKeyOptions",
          "DecodeJwtOptions",
          "DpopProofRequest",
          "DpopProofVerifier",
          "DpopProofVerifierOptions",
          "GenerateKeyPairOptions",
          "HmacJwsAlgorithm",
          "ImportJwkOptions",
          "ImportPemOptions",
          "Jwk",
          "Jwks",
          "JwsAlgorithm",
          "JwtAssertionOptions",
          "JwtHeader",
          "JwtPayload",
          "JwtVerifier",
          "JwtVerifierOptions",
          "KeyRingDocument",
          "KeyRingSource",
          "KeyRingStatus",
          "KeySet",
          "LocalKeySet",
          "RemoteKeySetOptions",
          "SignJwtOptions",
          "SigningKeyRing",
          "VerifiedDpopProof",
          "VerifiedJwt",
          "VerifyJwtOptions",
        ],
      }
    `);
  });

  it('./policy', async () => {
    expect(await surface('./policy')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "MAX_TOOL_NAME_LENGTH",
          "OFFLINE_ACCESS",
          "ScopeHierarchy",
          "coveringScope",
          "defaultPolicyRules",
          "defaultScopeHierarchy",
          "isValidScopeToken",
          "isValidToolName",
          "resourceScopes",
          "scopeCovers",
        ],
        "types": [
          "AttributeCondition",
          "AttributePath",
          "PolicyCondition",
          "PolicyConditionInput",
          "PolicyConditionJson",
          "PolicyDecisionCode",
          "PolicyEffect",
          "PolicyEvaluationInput",
          "PolicyExplanation",
          "PolicyPredicate",
          "PolicyProblem",
          "PolicyRule",
          "PolicyRuleJson",
          "PolicySubject",
          "RateLimitDimension",
          "RateLimitJson",
          "RateLimitRule",
          "RuleExplanation",
          "ScalarValue",
          "ScopeCoverage",
          "ScopeHierarchyDeclaration",
          "ScopeRequirement",
          "ToolPatternLanguage",
          "ValueRef",
        ],
      }
    `);
  });

  it('./store', async () => {
    expect(await surface('./store')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "DISPOSABLE",
          "STORE_KEYS",
          "StoreFullError",
          "assertTtl",
          "countInWindow",
          "createGrantManager",
          "storeCall",
        ],
        "types": [
          "GrantInfo",
          "GrantManager",
          "GrantManagerOptions",
          "MemoryStoreOptions",
          "Store",
          "StoreValue",
          "StoreWriteOptions",
        ],
      }
    `);
  });

  it('./pages', async () => {
    expect(await surface('./pages')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "de",
          "en",
          "fr",
          "html",
          "negotiateLocale",
          "parseAcceptLanguage",
        ],
        "types": [
          "AuthorizationPage",
          "BrandColors",
          "Branding",
          "ConsentPage",
          "ConsentPageScope",
          "ErrorPage",
          "GrantsPage",
          "LanguageRange",
          "LoginPage",
          "MessageKey",
          "MessageValues",
          "Messages",
          "PageBranding",
          "PageClient",
          "PageContext",
          "PageForm",
          "PageGrant",
          "PageLanguageOptions",
          "PageOptions",
          "PageTemplate",
          "SafeHtml",
          "ServiceDisplay",
          "Translate",
        ],
      }
    `);
  });

  it('./testing', async () => {
    expect(await surface('./testing')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "CookieJar",
          "authorizeWithForms",
          "computeS256Challenge",
          "generateCodeVerifier",
          "parseForms",
          "storeContract",
        ],
        "types": [
          "AuthorizeWithFormsOptions",
          "AuthorizeWithFormsResult",
          "FetchLike",
          "ParsedForm",
          "StoreContractCase",
        ],
      }
    `);
  });

  it('./observability', async () => {
    expect(await surface('./observability')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "ATTRIBUTES",
          "AUDIT_GENESIS",
          "COUNTER_NAMES",
          "HISTOGRAM_NAMES",
          "SPAN_NAMES",
          "UNMATCHED_TOOL",
          "auditEventHash",
          "canonicalJson",
          "consoleAuditSink",
          "createAuditTrail",
          "instrumentStore",
          "observePolicyDecisions",
          "parseTraceContext",
          "storeKeyNamespace",
          "verifyAuditLog",
        ],
        "types": [
          "AuditChainHead",
          "AuditDetailValue",
          "AuditEvent",
          "AuditEventInput",
          "AuditEventType",
          "AuditLogProblem",
          "AuditLogVerification",
          "AuditRecorder",
          "AuditSink",
          "AuditTrail",
          "AuditTrailOptions",
          "CounterName",
          "HistogramName",
          "Instrumentation",
          "InstrumentationSpan",
          "PolicyObservers",
          "SpanName",
          "SpanOptions",
          "TelemetryAttributes",
          "TelemetryValue",
          "TraceContextCarrier",
        ],
      }
    `);
  });

  it('./audit-file (Node only)', async () => {
    expect(await surface('./audit-file')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "createFileAuditSink",
        ],
        "types": [
          "FileAuditSink",
          "FileAuditSinkOptions",
        ],
      }
    `);
  });

  it('./internal (unstable, for the CLI and tests)', async () => {
    expect(await surface('./internal')).toMatchInlineSnapshot(`
      {
        "runtime": [
          "MCP_TOOL_SCOPE_PREFIX",
          "PatternSyntaxError",
          "REGISTERED_ACCESS_TOKEN_CLAIMS",
          "base64UrlDecode",
          "base64UrlEncode",
          "compilePatternAutomaton",
          "createTokenService",
          "endpointDpop",
          "examplePatternMatch",
          "findPatternDifference",
          "generateRandomToken",
          "isHttpsOrLoopbackUrl",
          "isLoopbackHostname",
          "isPatternCoveredBy",
          "patternAutomatonMatches",
          "patternMatchesEveryName",
          "randomBytes",
          "readCapped",
          "utf8DecodeStrict",
        ],
        "types": [
          "CappedRead",
          "PatternAutomaton",
          "TokenService",
          "TokenServiceOptions",
        ],
      }
    `);
  });

  it("each entry's Node face exports the same names as its Web face", async () => {
    for (const subpath of CODE_ENTRIES) {
      const { web, node } = sourcesOf(subpath);
      if (web === node) continue;
      expect(await runtimeNames(node), subpath).toEqual(await runtimeNames(web));
      // Types too: the Node face installs its fast paths and re-exports its Web twin, nothing else.
      const twin = web.split('/').pop()!.replace(/\.ts$/, '.js');
      const exports = readFileSync(join(root, node), 'utf8').match(/^export\b.*$/gm);
      expect(exports, subpath).toEqual([`export * from './${twin}';`]);
    }
  });

  it('every public name has one home: no name is exported by two entries', async () => {
    const homes = new Map<string, string>();
    const twice: string[] = [];
    for (const subpath of CODE_ENTRIES) {
      const { runtime, types } = await surface(subpath);
      for (const name of [...runtime, ...types]) {
        const other = homes.get(name);
        if (other !== undefined) twice.push(`${name}: ${other} and ${subpath}`);
        homes.set(name, subpath);
      }
    }
    expect(twice).toEqual([]);
  });

  it('no `export *` anywhere in src: every index and entry lists its names', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (
          name.endsWith('.ts') &&
          // An entry's Node face re-exports its Web twin whole (checked above); nothing else may.
          !(dir === src && name.endsWith('.node.ts')) &&
          /^\s*export\s+(type\s+)?\*/m.test(readFileSync(path, 'utf8'))
        )
          offenders.push(path.slice(src.length + 1));
      }
    };
    walk(src);
    expect(offenders).toEqual([]);
  });
});
