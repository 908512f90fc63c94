import { describe, expect, it } from 'vitest';
import { createProtectedResourceMetadata, protectedResourceMetadataUrl } from './metadata.js';

describe('createProtectedResourceMetadata (RFC 9728 §2)', () => {
  it('describes a standalone resource server that accepts an authorization server’s tokens', () => {
    const resource = 'https://notes.example.com/mcp';
    expect(
      createProtectedResourceMetadata({
        resource,
        authorizationServers: ['https://auth.example.com'],
        scopesSupported: ['mcp:tools:read'],
        resourceName: 'Notes',
      }),
    ).toEqual({
      resource,
      authorization_servers: ['https://auth.example.com'],
      scopes_supported: ['mcp:tools:read'],
      bearer_methods_supported: ['header'],
      resource_name: 'Notes',
    });
    expect(protectedResourceMetadataUrl(resource)).toBe(
      'https://notes.example.com/.well-known/oauth-protected-resource/mcp',
    );
  });

  it('refuses a relative resource or an empty list of authorization servers', () => {
    expect(() =>
      createProtectedResourceMetadata({
        resource: '/mcp',
        authorizationServers: ['https://a.test'],
      }),
    ).toThrow(TypeError);
    expect(() =>
      createProtectedResourceMetadata({ resource: 'https://a.test/mcp', authorizationServers: [] }),
    ).toThrow(TypeError);
  });
});
