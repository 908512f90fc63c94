/**
 * What DPoP (RFC 9449) adds to a protected MCP `tools/call`, in process (issue 15): the same
 * Express middleware `mcpAuth({ server, policy }).mount()` puts in front of `/mcp` (router, then
 * `protect`: body read and parsed, token verified from its cache, revocation lookup, proof
 * checked, call decided), fed a fresh Node `IncomingMessage` per request, CPU time per request
 * (`process.cpuUsage`, every thread). Proofs are signed before the timing (client work); each
 * request carries a new one (a proof is single use).
 *
 * - `dpop.inprocess.bearer-plain`: a Bearer token on a server without DPoP (the cached bearer
 *   path as it was);
 * - `dpop.inprocess.bearer`: a Bearer token on a server with DPoP on (baseline of the pair: the
 *   bearer path must not pay for DPoP being available);
 * - `dpop.inprocess.dpop-es256` / `dpop.inprocess.dpop-eddsa`: `Authorization: DPoP` + a proof
 *   signed with ES256 (the MCP SDK v2 client's default) or EdDSA: one signature verification,
 *   the `ath` hash, the thumbprint check and one replay marker in the MemoryStore.
 *
 * - `dpop.guard.bearer` / `dpop.guard.dpop-es256`: core's `createMcpGuard` alone (no Express,
 *   no Node request: the body handed over as text), Bearer vs ES256 DPoP on the same servers;
 * - `dpop.reference.es256-verify`: one bare `node:crypto` ES256 verification (P-256, IEEE P1363
 *   signature) of a proof-sized input: the floor of any DPoP check on this machine, measured in
 *   the same rounds; `overhead_us` of the DPoP cases = what they add beyond their signature.
 *   Core's Node entry verifies through `node:crypto` like this (its JWS backend);
 * - `dpop.reference.es256-verify-webcrypto`: the same verification through WebCrypto
 *   (`crypto.subtle.verify`, awaited), what core's Web-standard entry (`index.ts`: Deno, Bun,
 *   Workers, a browser bundle) pays per proof; `overhead_webcrypto_us` = added minus it.
 *
 * Target: a DPoP call adds ≤ 60 µs of server CPU over a bearer one.
 *
 * `pnpm bench dpop` (~20 s) runs on the sources through tsx (whose `keepNames` wraps closures in
 * `__name` calls). On the built packages, as users run them:
 * `pnpm exec turbo run build --filter @mcp-auth/express`, then
 * `TSX_TSCONFIG_PATH=bench/http/tsconfig.dist.json node --import tsx bench/run.ts dpop` (no
 * `@mcp-auth/source` condition, no `paths`: the packages resolve to `dist/`). Each entry records
 * `core` (`src` or `dist`), where `@mcp-auth/core` resolved.
 * Knobs: MCP_AUTH_BENCH_DPOP_ROUNDS [7], MCP_AUTH_BENCH_DPOP_BATCH [1000].
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  createAuthorizationServer,
  createDefaultPolicies,
  DevIdentityProvider,
  MemoryStore,
} from '@mcp-auth/core';
import { computeAccessTokenHash } from '@mcp-auth/core/jwt';
import { createMcpGuard } from '@mcp-auth/core/mcp';
import { mcpAuth } from '@mcp-auth/express';
import type { RequestHandler } from 'express';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { computeS256Challenge, generateCodeVerifier } from '@mcp-auth/core/testing';
import { type Bench, median } from './harness.js';
import { ISSUER, RESOURCE } from './http/common.js';

const ROUNDS = Number(process.env['MCP_AUTH_BENCH_DPOP_ROUNDS'] ?? 7);
const BATCH = Number(process.env['MCP_AUTH_BENCH_DPOP_BATCH'] ?? 1000);
const BODY = Buffer.from(
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'get_weather', arguments: { city: 'Paris' } },
  }),
);
const NAMES = [
  'dpop.inprocess.bearer',
  'dpop.inprocess.bearer-plain',
  'dpop.inprocess.dpop-es256',
  'dpop.inprocess.dpop-eddsa',
  'dpop.reference.es256-verify',
  'dpop.guard.bearer',
  'dpop.guard.dpop-es256',
  'dpop.reference.es256-verify-webcrypto',
] as const;
// Where @mcp-auth/core resolved: the sources (`pnpm bench`) or dist/ (TSX_TSCONFIG_PATH above).
const CORE = import.meta.resolve('@mcp-auth/core').includes('/dist/') ? 'dist' : 'src';

type Middleware = (req: IncomingMessage) => Promise<void>;

function run(handler: RequestHandler): Middleware {
  const refused = () => {
    throw new Error('dpop bench: the request was refused');
  };
  const res = {
    status: () => res,
    set: () => res,
    setHeader: () => res,
    json: refused,
    end: refused,
  };
  return (req) =>
    new Promise((resolve, reject) => {
      handler(req as never, res as never, (error?: unknown) => (error ? reject(error) : resolve()));
    });
}

function request(authorization: string, dpop?: string): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = '/mcp';
  req.headers = {
    host: '127.0.0.1',
    'content-type': 'application/json',
    'content-length': String(BODY.length),
    accept: 'application/json, text/event-stream',
    authorization,
    'mcp-protocol-version': '2025-06-18',
    ...(dpop === undefined ? {} : { dpop }),
  };
  req.push(BODY);
  req.push(null);
  return req;
}

async function protectedServer(dpop: boolean) {
  const policy = createDefaultPolicies();
  const server = createAuthorizationServer({
    issuer: ISSUER,
    resource: RESOURCE,
    signingKey: 'dpop-bench-secret-0123456789-abcdefghijklmnop',
    policy,
    store: new MemoryStore({ maxEntries: 1_000_000 }),
    dpop,
    identityProvider: new DevIdentityProvider({
      users: [{ username: 'alice', password: 'demo', attributes: {}, scopes: ['mcp:tools:read'] }],
    }),
  });
  await server.ready();
  const auth = mcpAuth({ server, policy });
  const router = run(auth.router);
  const guard = run(auth.protect);
  const tokens = await server.tokenService();
  const mint = async (jkt?: string) => {
    const verifier = generateCodeVerifier();
    const code = await tokens.issueAuthorizationCode({
      clientId: 'bench-client',
      redirectUri: 'http://127.0.0.1/cb',
      codeChallenge: await computeS256Challenge(verifier),
      codeChallengeMethod: 'S256',
      scopes: ['mcp:tools:read'],
      resource: RESOURCE,
      identity: { sub: 'alice', attributes: {}, grantableScopes: ['mcp:tools:read'] },
    });
    const answer = await tokens.redeemAuthorizationCode({
      code,
      clientId: 'bench-client',
      redirectUri: 'http://127.0.0.1/cb',
      codeVerifier: verifier,
      ...(jkt === undefined ? {} : { dpop: { jkt, bindRefreshToken: true } }),
    });
    return answer.access_token;
  };
  const core = createMcpGuard({
    verifier: server.tokenVerifier,
    policy,
    resourceMetadataUrl: server.resourceMetadataUrl,
    ...(server.dpop === undefined ? {} : { dpop: server.dpop }),
  });
  const text = BODY.toString('utf8');
  return {
    mint,
    check: async (headers: Record<string, string>) => {
      const outcome = await core.check({
        method: 'POST',
        header: (name) => headers[name],
        headerNames: Object.keys(headers),
        readBody: async () => text,
      });
      if (!outcome.ok) throw new Error('dpop bench: the guard refused the request');
    },
    protect: async (req: IncomingMessage) => {
      await router(req);
      await guard(req);
      if ((req as { auth?: unknown }).auth === undefined) throw new Error('dpop bench: no auth');
    },
  };
}

/** A DPoP key, its bound token, and `count` proofs for it signed ahead of time. */
async function dpopClient(
  mint: (jkt: string) => Promise<string>,
  alg: 'ES256' | 'EdDSA',
  count: number,
) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const token = await mint(await calculateJwkThumbprint(jwk, 'sha256'));
  const ath = await computeAccessTokenHash(token);
  const proofs: string[] = [];
  for (let i = 0; i < count; i++) {
    proofs.push(
      await new SignJWT({
        jti: crypto.randomUUID(),
        htm: 'POST',
        htu: RESOURCE,
        iat: Math.floor(Date.now() / 1000),
        ath,
      })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk } as never)
        .sign(privateKey),
    );
  }
  let next = 0;
  return { authorization: `DPoP ${token}`, proof: () => proofs[next++]! };
}

export default async function dpopBench(bench: Bench): Promise<void> {
  if (!NAMES.some((name) => bench.wants(name))) return;
  const withDpop = await protectedServer(true);
  // The bearer baseline on a DPoP server of its own: its store does not fill with the proof
  // markers of the DPoP cases (a bigger heap and map would be charged to the bearer path).
  const bearerServer = await protectedServer(true);
  const plain = await protectedServer(false);
  const bearer = `Bearer ${await bearerServer.mint()}`;
  const bearerPlain = `Bearer ${await plain.mint()}`;
  const perCase = (ROUNDS + 2) * BATCH + 1;
  const es256 = await dpopClient((jkt) => withDpop.mint(jkt), 'ES256', perCase);
  const eddsa = await dpopClient((jkt) => withDpop.mint(jkt), 'EdDSA', perCase);
  const direct = await dpopClient((jkt) => withDpop.mint(jkt), 'ES256', perCase);

  // The floor: one ES256 verification with node:crypto, nothing else.
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const signer = createPrivateKey({ key: await exportJWK(privateKey), format: 'jwk' });
  const checker = createPublicKey({ key: await exportJWK(publicKey), format: 'jwk' });
  const input = Buffer.from(es256.proof());
  const signature = sign('sha256', input, { key: signer, dsaEncoding: 'ieee-p1363' });
  const rawVerify = async () => {
    if (!verify('sha256', input, { key: checker, dsaEncoding: 'ieee-p1363' }, signature))
      throw new Error('dpop bench: reference signature');
  };
  // The same through WebCrypto: a non-extractable public CryptoKey, awaited per verification.
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' } as const;
  const webKey = await crypto.subtle.importKey(
    'jwk',
    await exportJWK(publicKey),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const webVerify = async () => {
    if (!(await crypto.subtle.verify(ecdsa, webKey, signature, input)))
      throw new Error('dpop bench: reference signature (WebCrypto)');
  };

  const cases: [string, () => Promise<void>][] = [
    [NAMES[0], () => bearerServer.protect(request(bearer))],
    [NAMES[1], () => plain.protect(request(bearerPlain))],
    [NAMES[2], () => withDpop.protect(request(es256.authorization, es256.proof()))],
    [NAMES[3], () => withDpop.protect(request(eddsa.authorization, eddsa.proof()))],
    [NAMES[4], rawVerify],
    [NAMES[5], () => bearerServer.check({ authorization: bearer })],
    [NAMES[6], () => withDpop.check({ authorization: direct.authorization, dpop: direct.proof() })],
    [NAMES[7], webVerify],
  ];
  // Rounds interleave the cases (two warm-up rounds); the median CPU per request is kept.
  const samples = cases.map(() => [] as number[]);
  // The order rotates per round: the garbage a case leaves is collected during the next one's
  // batch, so no case always follows the heaviest.
  for (let round = -2; round < ROUNDS; round++) {
    for (let j = 0; j < cases.length; j++) {
      const c = (j + round + 2) % cases.length;
      const fn = cases[c]![1];
      const start = process.cpuUsage();
      for (let i = 0; i < BATCH; i++) await fn();
      const used = process.cpuUsage(start);
      if (round >= 0) samples[c]!.push((used.user + used.system) / BATCH);
    }
  }
  const medians = samples.map(median);
  const r1 = (n: number) => Math.round(n * 10) / 10;
  for (const [c, [name]] of cases.entries()) {
    const extra: Record<string, unknown> = { unit: 'CPU µs per request (median_us)', core: CORE };
    if (name === NAMES[4] || name === NAMES[7]) {
      const unit = 'CPU µs per verification (median_us)';
      bench.record(name, medians[c]!, {}, { unit, core: CORE });
      continue;
    }
    // The guard-only pair has its own baseline.
    const baseline = name.startsWith('dpop.guard.') ? NAMES[5] : NAMES[0];
    const from = medians[cases.findIndex(([n]) => n === baseline)]!;
    if (name === NAMES[0] || name === NAMES[5]) {
      bench.record(name, medians[c]!, {}, extra);
      continue;
    }
    extra['added_cpu_us'] = r1(medians[c]! - from);
    if (name !== NAMES[1]) {
      extra['overhead_us'] = r1(medians[c]! - from - medians[4]!);
      extra['overhead_webcrypto_us'] = r1(medians[c]! - from - medians[7]!);
    }
    bench.record(
      name,
      medians[c]!,
      { baseline, target: name === NAMES[1] ? 'added_cpu_us ≈ 0' : 'added_cpu_us <= 60' },
      extra,
    );
  }
}
