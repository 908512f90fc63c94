import { DEMO_USERS as CORE_DEMO_USERS, type DevUser } from '@mcp-auth/core';

/** The password of every demo user. */
export const DEMO_PASSWORD = 'demo';

/** The scopes of the demo, from the least to the most powerful. */
export const SCOPES = {
  read: 'mcp:tools:read',
  write: 'mcp:tools:write',
  admin: 'mcp:tools:admin',
} as const;

/** The demo's roles and the scopes each role may be granted at most. */
export const ROLE_SCOPES: Readonly<Record<string, readonly string[]>> = {
  viewer: [SCOPES.read],
  editor: [SCOPES.read, SCOPES.write],
  admin: [SCOPES.read, SCOPES.write, SCOPES.admin],
};

/** Builds one demo user: `role` is both a token attribute and what decides the grantable scopes. */
export function createDemoUser(username: string, role: string, displayName?: string): DevUser {
  return {
    username,
    password: DEMO_PASSWORD,
    displayName: displayName ?? username,
    attributes: { role },
    scopes: [...(ROLE_SCOPES[role] ?? [])],
  };
}

/**
 * Core's demo users (alice viewer: read; bob editor: read + write; carol admin: all three;
 * password `demo`), with the display names the consent page shows.
 */
export const DEMO_USERS: readonly DevUser[] = Object.freeze(
  CORE_DEMO_USERS.map((user) => ({
    ...user,
    displayName: `${user.username[0]!.toUpperCase()}${user.username.slice(1)} (${String(user.attributes?.['role'])})`,
  })),
);
