import { describe, expect, it } from 'vitest';
import { STORE_KEYS } from './keys.js';

// The keys are the wire contract between instances sharing a store (Redis): a change here is a
// breaking change, so this test spells every one out.
describe('store keys (the wire contract)', () => {
  it('the token service keys', () => {
    const h = 'H';
    expect([
      STORE_KEYS.code(h),
      STORE_KEYS.codeGrant(h),
      STORE_KEYS.refresh(h),
      STORE_KEYS.refreshGrant(h),
      STORE_KEYS.refreshRotated(h),
      STORE_KEYS.revokedJti('J'),
      STORE_KEYS.revokedGrant('G'),
      STORE_KEYS.upstream('G'),
      STORE_KEYS.dpopProof('K', 'J'),
    ]).toEqual([
      'tok:code:H',
      'tok:code-grant:H',
      'tok:rt:H',
      'tok:rt-grant:H',
      'tok:rt-rotated:H',
      'tok:revoked:jti:J',
      'tok:revoked:grant:G',
      'tok:upstream:G',
      'tok:dpop:K:J',
    ]);
  });

  it('the authorization server keys', () => {
    expect([
      STORE_KEYS.client('C'),
      STORE_KEYS.consent('H'),
      STORE_KEYS.interaction('I'),
      STORE_KEYS.loginAttempt('I', 2),
      STORE_KEYS.upstreamState('S'),
      STORE_KEYS.clientMetadataDocument('H'),
      STORE_KEYS.assertionJti('H'),
      STORE_KEYS.rateLimit('register', 'addr:1.2.3.4'),
      STORE_KEYS.loginFailures('user:H'),
      STORE_KEYS.loginLock('addr:1.2.3.4'),
      STORE_KEYS.sessionEnded('S'),
    ]).toEqual([
      'as:client:C',
      'as:consent:H',
      'as:interaction:I',
      'as:login-attempt:I:2',
      'as:upstream-state:S',
      'as:cimd:H',
      'as:jti:H',
      'as:rl:register:addr:1.2.3.4',
      'as:login:n:user:H',
      'as:login:lock:addr:1.2.3.4',
      'as:session-ended:S',
    ]);
  });

  it('the grant management and rate-limit keys', () => {
    expect([
      STORE_KEYS.grant('G'),
      STORE_KEYS.userGrants('U'),
      STORE_KEYS.revokedClient('H'),
      STORE_KEYS.revokedUser('U'),
      STORE_KEYS.toolRateLimit('H', 42),
    ]).toEqual([
      'tok:grant:G',
      'tok:user-grants:U',
      'tok:revoked:client:H',
      'tok:revoked:user:U',
      'rl:H:42',
    ]);
  });

  it('the builders are frozen', () => {
    expect(Object.isFrozen(STORE_KEYS)).toBe(true);
  });
});
