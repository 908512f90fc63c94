// The protected resources of one authorization server (`resource`, or several with
// `resources`): what the authorization flow knows of each, their RFC 9728 metadata and its
// routes, and one audience-bound token verifier per resource.
import type { TokenVerifier } from '../domain/auth-context.js';
import { jsonResponse } from '../http/responses.js';
import { scopeCovers } from '../policy/scopes.js';
import type { TokenService } from '../tokens/types.js';
import type { ResourceSettings, ServerSettings } from './authorization-server-options.js';
import type { Handler, RouteTable } from './authorization-server-routes.js';
import type { FlowResource } from './authorize.js';
import type { ServerDpop } from './token-dpop.js';
import {
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  wellKnownPath,
} from './metadata.js';

/** The flow's view of every resource, by URL. */
export function flowResources(settings: ServerSettings): ReadonlyMap<string, FlowResource> {
  return new Map(
    settings.resources.map((r): [string, FlowResource] => {
      const covers = r.coversScope;
      return [
        r.url,
        {
          url: r.url,
          name: r.name ?? new URL(r.url).host,
          coversScope: covers ?? ((granted, scope) => scopeCovers(granted, scope)),
          scopesSupported: r.scopesSupported,
          defaultScopes: r.defaultScopes ? () => r.defaultScopes! : undefined,
        },
      ];
    }),
  );
}

/** The RFC 9728 metadata document of one resource: this issuer, its scopes, name, docs. */
export function resourceMetadata(
  issuer: string,
  r: ResourceSettings,
  dpop?: ServerDpop | undefined,
): ProtectedResourceMetadata {
  return createProtectedResourceMetadata({
    resource: r.url,
    authorizationServers: [issuer],
    scopesSupported: r.scopesSupported(),
    ...(r.name !== undefined ? { resourceName: r.name } : {}),
    ...(r.documentation !== undefined ? { resourceDocumentation: r.documentation } : {}),
    ...(dpop === undefined
      ? {}
      : { dpopSigningAlgValuesSupported: dpop.context.verifier.algorithms }),
  });
}

/**
 * Serves each resource's metadata at its RFC 9728 well-known path. One resource: also at the
 * bare `/.well-known/oauth-protected-resource`, as always. Several: only at their own paths;
 * where two share a path (the same path on two hosts), the one on the issuer's origin wins and
 * the other's resource server serves its own (`server.forResource(url).protectedResourceMetadata()`).
 */
export function addResourceMetadataRoutes(
  table: RouteTable,
  settings: ServerSettings,
  headers: Record<string, string>,
): void {
  const serve =
    (r: ResourceSettings): Handler =>
    async () =>
      jsonResponse(200, resourceMetadata(settings.issuer, r, settings.dpop), headers);
  const [only] = settings.resources;
  if (settings.resources.length === 1 && only !== undefined) {
    for (const path of new Set([
      wellKnownPath('oauth-protected-resource', only.url),
      '/.well-known/oauth-protected-resource',
    ])) {
      table.add('GET', path, serve(only), true);
    }
    return;
  }
  const local = (r: ResourceSettings) => new URL(r.url).origin === settings.origin;
  const ordered = [
    ...settings.resources.filter(local),
    ...settings.resources.filter((r) => !local(r)),
  ];
  const taken = new Set<string>();
  for (const r of ordered) {
    const path = wellKnownPath('oauth-protected-resource', r.url);
    if (taken.has(path)) continue;
    taken.add(path);
    table.add('GET', path, serve(r), true);
  }
}

/**
 * One revocation-aware verifier per resource, each accepting only tokens whose `aud` is that
 * resource (a token for one resource is refused by the others), created on first use.
 */
export function resourceVerifiers(
  settings: ServerSettings,
  tokens: () => Promise<TokenService>,
): (url: string) => TokenVerifier {
  const verifiers = new Map<string, Promise<TokenVerifier>>();
  const verifierOf = (url: string): Promise<TokenVerifier> => {
    let verifier = verifiers.get(url);
    if (verifier === undefined) {
      verifier = tokens().then((service) =>
        url === settings.resource
          ? service.createAccessTokenVerifier()
          : service.createAccessTokenVerifier(url),
      );
      verifiers.set(url, verifier);
    }
    return verifier;
  };
  return (url) => ({ verify: async (token) => (await verifierOf(url)).verify(token) });
}

/** The settings of a configured resource, or a `TypeError` naming the configured ones. */
export function findResource(settings: ServerSettings, url: string): ResourceSettings {
  const found = settings.resources.find((r) => r.url === url);
  if (!found) {
    throw new TypeError(
      `forResource: ${String(url)} is not one of this server's resources (${settings.resources
        .map((r) => r.url)
        .join(', ')})`,
    );
  }
  return found;
}
