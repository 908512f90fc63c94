/**
 * JWT verification benchmarks (issue 2). Ratios are against `jwt.hmac-floor`: node:crypto
 * HMAC-SHA256 over the same signing input, the least any HS256 verification must do.
 */
import { createHmac } from 'node:crypto';
// The Node entry explicitly: under tsx, tsconfig `paths` would map `@mcp-auth/core` to the
// Web entry (src/index.ts) and bypass the `node` export condition.
import { createJwtVerifier, exportJwk, signJwt } from '../packages/core/src/jwt.js';
import { createSecretKey, generateKeyPair } from '../packages/core/src/index.node.js';
import * as jose from 'jose';
import { type Bench, type CaseOptions, median } from './harness.js';

interface Case {
  name: string;
  fn: () => unknown;
  options?: CaseOptions;
}

/**
 * Runs cases in interleaved rounds (a batch of each per round) and records each case's
 * median µs/op: on a busy machine, load then shifts every case alike and the ratios stay
 * meaningful. Baselines come first in `cases`.
 */
async function runInterleaved(bench: Bench, cases: Case[], rounds = 31): Promise<void> {
  const batches: number[] = [];
  for (const c of cases) {
    const end = performance.now() + 150;
    let calls = 0;
    while (performance.now() < end) {
      await c.fn();
      calls++;
    }
    batches.push(Math.max(1, Math.round(calls / 15))); // ~10 ms per batch
  }
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const { fn } = cases[i]!;
      const batch = batches[i]!;
      const start = performance.now();
      for (let k = 0; k < batch; k++) await fn();
      samples[i]!.push(((performance.now() - start) * 1000) / batch);
    }
  }
  cases.forEach((c, i) => {
    if (bench.wants(c.name) || cases.some((o) => o.options?.baseline === c.name)) {
      bench.record(c.name, median(samples[i]!), c.options);
    }
  });
}

const ISS = 'https://as.example.com';
const AUD = 'https://mcp.example.com/mcp';
const TOKENS = 20_000;

function claims(i: number) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISS,
    sub: `user-${i % 100}`,
    aud: AUD,
    exp: now + 3600,
    iat: now,
    jti: `jti-${i.toString(36).padStart(8, '0')}`,
    client_id: 'client-abc',
    scope: 'mcp:tools:read mcp:tools:write',
  };
}

export default async function jwtBench(bench: Bench): Promise<void> {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const key = await createSecretKey(secret);
  const options = { typ: 'at+jwt', issuer: ISS, audience: AUD };

  // Distinct tokens, more than the verifier caches, so every call is a first sighting.
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) tokens.push(await signJwt(claims(i), key, { typ: 'at+jwt' }));
  const inputs = tokens.map((t) => t.slice(0, t.lastIndexOf('.')));

  let f = 0;
  const coreVerifier = createJwtVerifier(key, { ...options, cacheSize: 1000 });
  let c = 0;
  // The same token again, through a verifier of its own so the first-sighting case
  // cannot evict it.
  const repeatVerifier = createJwtVerifier(key, { ...options, cacheSize: 1000 });
  const repeat = tokens[0]!;
  await repeatVerifier.verify(repeat);
  // The floor and the two core cases interleave (see runInterleaved).
  await runInterleaved(bench, [
    {
      name: 'jwt.hmac-floor',
      fn: () =>
        createHmac('sha256', secret)
          .update(inputs[f++ % TOKENS]!)
          .digest(),
    },
    {
      name: 'jwt.verify.hs256.core',
      // Distinct tokens, 20× the cache size: every call is a first sighting.
      fn: () => coreVerifier.verify(tokens[c++ % TOKENS]!),
      options: { baseline: 'jwt.hmac-floor', target: 'ratio <= 2.0' },
    },
    {
      name: 'jwt.verify.hs256.core-repeat',
      fn: () => repeatVerifier.verify(repeat),
      options: { baseline: 'jwt.hmac-floor', target: 'ratio <= 0.5' },
    },
  ]);

  let j = 0;
  await bench.run(
    'jwt.verify.hs256.jose',
    () => jose.jwtVerify(tokens[j++ % TOKENS]!, secret, { ...options, algorithms: ['HS256'] }),
    { baseline: 'jwt.hmac-floor' },
  );

  const es = await generateKeyPair('ES256', { extractable: true });
  const esTokens: string[] = [];
  for (let i = 0; i < 2000; i++)
    esTokens.push(await signJwt(claims(i), es.privateKey, { typ: 'at+jwt' }));
  const esVerifier = createJwtVerifier(es.publicKey, { ...options, cacheSize: 0 });
  let e = 0;
  await bench.run(
    'jwt.verify.es256.core',
    () => esVerifier.verify(esTokens[e++ % esTokens.length]!),
    {
      baseline: 'jwt.hmac-floor',
    },
  );
  const joseEs = await jose.importJWK(await exportJwk(es.publicKey), 'ES256');
  let je = 0;
  await bench.run(
    'jwt.verify.es256.jose',
    () =>
      jose.jwtVerify(esTokens[je++ % esTokens.length]!, joseEs, {
        ...options,
        algorithms: ['ES256'],
      }),
    { baseline: 'jwt.hmac-floor' },
  );
}
