import { describe, expect, it } from 'vitest';
import { DEMO_USERS, DevIdentityProvider, hashPassword } from './dev.js';

describe('DevIdentityProvider', () => {
  const provider = new DevIdentityProvider({
    iterations: 10_000,
    users: [
      {
        username: 'alice',
        password: 'correct horse',
        scopes: ['read'],
        attributes: { role: 'admin' },
      },
    ],
  });

  it('returns the identity for the right password', async () => {
    const identity = await provider.authenticate('alice', 'correct horse');
    expect(identity).toEqual({
      sub: 'alice',
      attributes: { role: 'admin' },
      grantableScopes: ['read'],
      displayName: 'alice',
    });
  });

  it('an unknown user and a wrong password both give undefined', async () => {
    expect(await provider.authenticate('alice', 'correct horsE')).toBeUndefined();
    expect(await provider.authenticate('mallory', 'correct horse')).toBeUndefined();
    expect(await provider.authenticate('', '')).toBeUndefined();
  });

  it('accepts a hash from hashPassword (salted: two hashes of one password differ)', async () => {
    const a = await hashPassword('pw-123456', 10_000);
    const b = await hashPassword('pw-123456', 10_000);
    expect(a).toMatch(/^pbkdf2-sha256\$10000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    const hashed = new DevIdentityProvider({
      users: [{ username: 'bob', passwordHash: a, scopes: [] }],
    });
    expect((await hashed.authenticate('bob', 'pw-123456'))?.sub).toBe('bob');
    expect(await hashed.authenticate('bob', 'pw-12345')).toBeUndefined();
  });

  it('rejects bad configuration with a TypeError', () => {
    expect(() => new DevIdentityProvider({ users: [] })).toThrow(TypeError);
    expect(() => new DevIdentityProvider({ users: [{ username: 'a', scopes: [] }] })).toThrow(
      TypeError,
    );
    expect(
      () =>
        new DevIdentityProvider({
          users: [
            { username: 'a', password: 'x', scopes: [] },
            { username: 'a', password: 'y', scopes: [] },
          ],
        }),
    ).toThrow(TypeError);
    expect(
      () =>
        new DevIdentityProvider({ users: [{ username: 'a', passwordHash: 'plain', scopes: [] }] }),
    ).toThrow(TypeError);
  });
});

describe('DEMO_USERS', () => {
  const provider = new DevIdentityProvider({ users: DEMO_USERS, iterations: 10_000 });
  const READ = 'mcp:tools:read';
  const WRITE = 'mcp:tools:write';
  const ADMIN = 'mcp:tools:admin';

  it('alice (viewer), bob (editor) and carol (admin) log in with the password demo', async () => {
    const roles: Record<string, { role: string; scopes: string[] }> = {
      alice: { role: 'viewer', scopes: [READ] },
      bob: { role: 'editor', scopes: [READ, WRITE] },
      carol: { role: 'admin', scopes: [READ, WRITE, ADMIN] },
    };
    expect(DEMO_USERS.map((u) => u.username)).toEqual(Object.keys(roles));
    for (const [username, { role, scopes }] of Object.entries(roles)) {
      expect(await provider.authenticate(username, 'demo')).toEqual({
        sub: username,
        attributes: { role },
        grantableScopes: scopes,
        displayName: username,
      });
      expect(await provider.authenticate(username, 'Demo')).toBeUndefined();
    }
  });

  it('is frozen, so one server cannot change the users another one sees', () => {
    expect(Object.isFrozen(DEMO_USERS)).toBe(true);
    for (const user of DEMO_USERS) {
      expect(Object.isFrozen(user)).toBe(true);
      expect(Object.isFrozen(user.scopes)).toBe(true);
      expect(Object.isFrozen(user.attributes)).toBe(true);
    }
  });
});
