import { generateKeyPair, generateSecret } from '@mcp-auth/core';
import { exportJwk, type Jwk } from '@mcp-auth/core/jwt';
import { EXIT_OK, parseCommand, stringOption, UsageError } from '../args.js';
import type { Command } from '../command.js';

const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
const HMAC_BYTES = { HS256: 32, HS384: 48, HS512: 64 } as const;

type Alg = keyof typeof HMAC_BYTES | (typeof ASYMMETRIC)[number];

/** What `keys generate --format json` prints. */
export type GeneratedKeys =
  | { readonly alg: 'HS256' | 'HS384' | 'HS512'; readonly secret: string }
  | {
      readonly alg: (typeof ASYMMETRIC)[number];
      readonly kid: string;
      readonly privateJwk: Jwk;
      readonly publicJwk: Jwk;
      readonly jwks: { readonly keys: readonly Jwk[] };
    };

/** Generates a secret or a key pair (exported for tests and programmatic use). */
export async function generateKeys(alg: Alg, kid?: string): Promise<GeneratedKeys> {
  if (alg === 'HS256' || alg === 'HS384' || alg === 'HS512') {
    return { alg, secret: generateSecret(HMAC_BYTES[alg]) };
  }
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(kid !== undefined ? { kid } : {}),
  });
  const privateJwk = await exportJwk(pair.privateKey);
  const publicJwk = await exportJwk(pair.publicKey);
  return { alg, kid: pair.publicKey.kid ?? '', privateJwk, publicJwk, jwks: { keys: [publicJwk] } };
}

function envLines(keys: GeneratedKeys, secretEnv: string, keyEnv: string): string {
  if ('secret' in keys) {
    return `# ${keys.alg} secret (${HMAC_BYTES[keys.alg]} random bytes, base64url). Keep it private.\n${secretEnv}=${keys.secret}\n`;
  }
  // JWK JSON never contains a single quote, so single-quoting is safe for shells and dotenv.
  return `# ${keys.alg} signing key (kid ${keys.kid}). Keep it private.
${keyEnv}='${JSON.stringify(keys.privateJwk)}'
# Public key set for services that verify tokens (safe to publish).
MCP_AUTH_JWKS='${JSON.stringify(keys.jwks)}'
`;
}

/** `mcp-auth keys generate`. */
export const keysGenerateCommand: Command = {
  path: ['keys', 'generate'],
  summary: 'generate an HMAC secret or a signing key pair (JWK)',
  help: `Usage: mcp-auth keys generate [--alg ALG] [--kid KID] [--format env|json] [--out FILE]

Generates a signing secret or key pair for access tokens.

Options:
  --alg ALG          HS256 (default), HS384, HS512, ES256, ES384, EdDSA, RS256, PS256
                     HS* gives a random secret (32/48/64 bytes); the others a JWK pair
  --kid KID          key id (default: the RFC 7638 thumbprint of the public key)
  --format FORMAT    env (default): lines for a .env file
                     json: {"alg","secret"} or {"alg","kid","privateJwk","publicJwk","jwks"}
  --json             same as --format json
  --env-name NAME    variable name for a secret (default JWT_SECRET) or a private JWK
                     (default MCP_AUTH_SIGNING_KEY)
  --out FILE         write to FILE (created with mode 0600, never overwritten) instead of stdout
  -h, --help         show this help

Use HS256 for one service; ES256 or EdDSA when several services verify tokens through a
published JWKS (MCP_AUTH_JWKS holds the public half).

Examples:
  mcp-auth keys generate >> .env
  mcp-auth keys generate --alg ES256 --kid 2025-01 --format json --out signing-key.json
`,
  async run(args, { io }) {
    const { values } = parseCommand(
      args,
      {
        alg: { type: 'string' },
        kid: { type: 'string' },
        format: { type: 'string' },
        json: { type: 'boolean' },
        'env-name': { type: 'string' },
        out: { type: 'string' },
      },
      { min: 0, max: 0, names: '' },
    );
    const alg = (stringOption(values, 'alg') ?? 'HS256') as Alg;
    if (!(alg in HMAC_BYTES) && !(ASYMMETRIC as readonly string[]).includes(alg)) {
      throw new UsageError(
        `--alg must be one of ${[...Object.keys(HMAC_BYTES), ...ASYMMETRIC].join(', ')}`,
      );
    }
    const format = values['json'] === true ? 'json' : (stringOption(values, 'format') ?? 'env');
    if (format !== 'env' && format !== 'json') throw new UsageError('--format must be env or json');
    const kid = stringOption(values, 'kid');
    if (kid !== undefined && alg in HMAC_BYTES) {
      throw new UsageError('--kid applies to key pairs; an HMAC secret has no key id here');
    }
    const envName = stringOption(values, 'env-name');
    if (envName !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(envName)) {
      throw new UsageError('--env-name must be a valid environment variable name');
    }
    const keys = await generateKeys(alg, kid);
    const text =
      format === 'json'
        ? `${JSON.stringify(keys, null, 2)}\n`
        : envLines(keys, envName ?? 'JWT_SECRET', envName ?? 'MCP_AUTH_SIGNING_KEY');
    const out = stringOption(values, 'out');
    if (out !== undefined) {
      try {
        await io.writeFile(out, text);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new UsageError(
          code === 'EEXIST'
            ? `${out} already exists; not overwriting a key`
            : `cannot write ${out}`,
        );
      }
      io.stderr(
        `wrote ${alg} ${'secret' in keys ? 'secret' : `key pair (kid ${keys.kid})`} to ${out}\n`,
      );
    } else {
      io.stdout(text);
    }
    return EXIT_OK;
  },
};
