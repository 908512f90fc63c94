import { createRemoteKeySet, createSecretKey, type JwtKey } from '@mcp-auth/core';
import {
  createLocalKeySet,
  type HmacJwsAlgorithm,
  importJwk,
  importPem,
  JWS_ALGORITHMS,
  type Jwk,
  type JwsAlgorithm,
  type KeySet,
} from '@mcp-auth/core/jwt';
import { type ParsedValues, stringOption, UsageError } from './args.js';
import type { CliIo } from './io.js';

/** Options every key-taking command shares. */
export const KEY_OPTIONS = {
  'secret-env': { type: 'string' },
  'key-file': { type: 'string' },
  'key-env': { type: 'string' },
  alg: { type: 'string' },
  kid: { type: 'string' },
} as const;

/** Help lines for {@link KEY_OPTIONS}. */
export const KEY_OPTIONS_HELP = `  --secret-env NAME   HMAC secret from environment variable NAME (default: JWT_SECRET)
  --key-file PATH     a JWK, a JWKS, a PEM key, or the JSON of "mcp-auth keys generate"
  --key-env NAME      a JWK (JSON) from environment variable NAME (e.g. MCP_AUTH_SIGNING_KEY)
  --alg ALG           algorithm of the key when the key does not say (default HS256 for secrets)
  --kid KID           key id to put in the token header`;

function parseAlg(values: ParsedValues): JwsAlgorithm | undefined {
  const alg = stringOption(values, 'alg');
  if (alg === undefined) return undefined;
  if (!(JWS_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new UsageError(`--alg must be one of ${JWS_ALGORITHMS.join(', ')}`);
  }
  return alg as JwsAlgorithm;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The keys found in a key file or variable, by kind. */
interface KeyMaterial {
  readonly privateJwk?: Jwk;
  readonly publicJwks: readonly Jwk[];
}

function materialFromJson(text: string, where: string): KeyMaterial {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UsageError(`${where} is not valid JSON`);
  }
  if (!isObject(doc)) throw new UsageError(`${where} must hold a JSON object`);
  // The JSON of `mcp-auth keys generate --format json`.
  if (isObject(doc['privateJwk']) || isObject(doc['publicJwk'])) {
    const publicJwks = isObject(doc['publicJwk']) ? [doc['publicJwk'] as Jwk] : [];
    return {
      ...(isObject(doc['privateJwk']) ? { privateJwk: doc['privateJwk'] as Jwk } : {}),
      publicJwks,
    };
  }
  if (Array.isArray(doc['keys'])) {
    const keys = (doc['keys'] as unknown[]).filter(isObject) as Jwk[];
    const privates = keys.filter((k) => typeof k.d === 'string' || typeof k.k === 'string');
    return {
      ...(privates.length === 1 ? { privateJwk: privates[0] } : {}),
      publicJwks: keys,
    };
  }
  if (typeof doc['kty'] === 'string') {
    const jwk = doc as Jwk;
    const isPrivate = typeof jwk.d === 'string' || typeof jwk.k === 'string';
    return { ...(isPrivate ? { privateJwk: jwk } : {}), publicJwks: [jwk] };
  }
  throw new UsageError(`${where} is not a JWK, a JWKS or the output of "mcp-auth keys generate"`);
}

async function readKeyText(
  values: ParsedValues,
  io: CliIo,
): Promise<{ text: string; where: string } | undefined> {
  const file = stringOption(values, 'key-file');
  const env = stringOption(values, 'key-env');
  if (file !== undefined) {
    try {
      return { text: await io.readFile(file), where: `--key-file ${file}` };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new UsageError(
        `cannot read --key-file ${file}${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
  }
  if (env !== undefined) {
    const text = io.env[env];
    if (text === undefined || text === '')
      throw new UsageError(`environment variable ${env} is not set`);
    return { text, where: `environment variable ${env}` };
  }
  return undefined;
}

function countSources(values: ParsedValues, extra: readonly string[] = []): number {
  return ['secret-env', 'key-file', 'key-env', ...extra].filter(
    (n) => stringOption(values, n) !== undefined,
  ).length;
}

async function secretKey(values: ParsedValues, io: CliIo, envName: string): Promise<JwtKey> {
  const secret = io.env[envName];
  if (secret === undefined || secret === '') {
    throw new UsageError(`environment variable ${envName} is not set (the HMAC secret)`);
  }
  const alg = parseAlg(values) ?? 'HS256';
  if (!alg.startsWith('HS'))
    throw new UsageError('--secret-env needs an HMAC --alg (HS256, HS384, HS512)');
  const kid = stringOption(values, 'kid');
  return createSecretKey(secret, {
    alg: alg as HmacJwsAlgorithm,
    ...(kid !== undefined ? { kid } : {}),
  });
}

/**
 * The key to sign with: `--secret-env`, `--key-file`, `--key-env`, or by default the
 * `JWT_SECRET` environment variable. Errors name the source, never its content.
 */
export async function signingKeyFromFlags(values: ParsedValues, io: CliIo): Promise<JwtKey> {
  if (countSources(values) > 1) {
    throw new UsageError('give only one of --secret-env, --key-file, --key-env');
  }
  const secretEnv = stringOption(values, 'secret-env');
  if (secretEnv !== undefined) return secretKey(values, io, secretEnv);
  const source = await readKeyText(values, io);
  if (source === undefined) {
    if (io.env['JWT_SECRET'] !== undefined && io.env['JWT_SECRET'] !== '') {
      return secretKey(values, io, 'JWT_SECRET');
    }
    throw new UsageError(
      'no signing key: set JWT_SECRET, or pass --secret-env NAME, --key-file PATH or --key-env NAME',
    );
  }
  const alg = parseAlg(values);
  const kid = stringOption(values, 'kid');
  if (source.text.trimStart().startsWith('-----BEGIN')) {
    if (alg === undefined || alg.startsWith('HS')) {
      throw new UsageError('a PEM key needs --alg (RS256, PS256, ES256, ES384 or EdDSA)');
    }
    return importPem(source.text, alg, kid !== undefined ? { kid } : {});
  }
  const material = materialFromJson(source.text, source.where);
  if (material.privateJwk === undefined) {
    throw new UsageError(`${source.where} holds no private key or secret to sign with`);
  }
  return importJwk(material.privateJwk, {
    ...(alg !== undefined ? { alg } : {}),
    ...(kid !== undefined ? { kid } : {}),
  });
}

/**
 * The key (or key set) to verify with, or `undefined` when no key option was given:
 * `--secret-env`, `--key-file`, `--key-env` or `--jwks-url`.
 */
export async function loadVerificationKey(
  values: ParsedValues,
  io: CliIo,
  options: { timeoutMs: number },
): Promise<JwtKey | KeySet | undefined> {
  if (countSources(values, ['jwks-url']) > 1) {
    throw new UsageError('give only one of --secret-env, --key-file, --key-env, --jwks-url');
  }
  const secretEnv = stringOption(values, 'secret-env');
  if (secretEnv !== undefined) return secretKey(values, io, secretEnv);
  const jwksUrl = stringOption(values, 'jwks-url');
  if (jwksUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(jwksUrl);
    } catch {
      throw new UsageError('--jwks-url is not an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UsageError('--jwks-url must be an http(s) URL');
    }
    return createRemoteKeySet(url, {
      fetch: io.fetch,
      timeoutMs: options.timeoutMs,
      cooldownMs: 0,
    });
  }
  const source = await readKeyText(values, io);
  if (source === undefined) return undefined;
  const alg = parseAlg(values);
  if (source.text.trimStart().startsWith('-----BEGIN')) {
    if (alg === undefined || alg.startsWith('HS')) {
      throw new UsageError('a PEM key needs --alg (RS256, PS256, ES256, ES384 or EdDSA)');
    }
    return importPem(source.text, alg);
  }
  const material = materialFromJson(source.text, source.where);
  if (material.publicJwks.length > 1) {
    return createLocalKeySet({ keys: [...material.publicJwks] });
  }
  const jwk = material.publicJwks[0] ?? material.privateJwk;
  if (jwk === undefined) throw new UsageError(`${source.where} holds no key`);
  return importJwk(jwk, alg !== undefined ? { alg } : {});
}
