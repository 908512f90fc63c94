import {
  importKeyRing,
  type Jwk,
  type KeyRingDocument,
  type KeyRingStatus,
} from '@mcp-auth/core/jwt';
import {
  EXIT_FAILED,
  EXIT_OK,
  intOption,
  parseCommand,
  stringOption,
  UsageError,
} from '../args.js';
import type { Command } from '../command.js';
import { renderTable } from '../io.js';
import { generateKeys } from './keys-generate.js';

const STEPS = ['init', 'add-next', 'promote', 'retire', 'status'] as const;
type Step = (typeof STEPS)[number];
const ALGS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;
type RingEntry = KeyRingDocument['keys'][number];
const YEAR = 365 * 86_400;

/** Private JWK members: never printed, and dropped from retired keys. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function publicOnly(jwk: Jwk): Jwk {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(jwk)) {
    if (!PRIVATE_MEMBERS.includes(name)) out[name] = value;
  }
  return out as Jwk;
}

function sinceMs(entry: RingEntry): number {
  const t = entry.since === undefined ? Number.NaN : Date.parse(entry.since);
  return Number.isFinite(t) ? t : 0;
}

/** What `keys rotate --json` prints: public information only. */
export interface KeyRingSummary {
  readonly step: Step;
  readonly keys: readonly {
    kid: string;
    alg: string;
    status: KeyRingStatus;
    since: string | undefined;
  }[];
  readonly jwks: { readonly keys: readonly Jwk[] };
  /** What to do next, and from when it is safe. */
  readonly advice: string;
}

interface Timing {
  now: number;
  publishWaitMs: number;
  retireAfterMs: number;
}

/**
 * Computes the next state of a key ring (exported for tests and programmatic use). Throws a
 * `UsageError` when the step does not apply, and `{ tooEarly }` when the timing rule says wait.
 */
export async function rotateKeyRing(
  step: Exclude<Step, 'status'>,
  ring: KeyRingDocument | undefined,
  timing: Timing,
  options: { alg?: (typeof ALGS)[number]; kid?: string; force?: boolean; from?: Jwk } = {},
): Promise<{ ring: KeyRingDocument; tooEarly?: string }> {
  const now = new Date(timing.now).toISOString();
  const entries = [...(ring?.keys ?? [])];
  const current = entries.find((e) => e.status === 'current');
  const next = entries.find((e) => e.status === 'next');
  const newKey = async (): Promise<Jwk> => {
    const alg = options.alg ?? (current?.jwk.alg as (typeof ALGS)[number] | undefined) ?? 'ES256';
    const keys = await generateKeys(alg, options.kid);
    if ('secret' in keys) throw new UsageError('key rings hold asymmetric keys');
    if (entries.some((e) => e.jwk.kid === keys.kid)) {
      throw new UsageError(`the ring already has a key with kid ${keys.kid}`);
    }
    return keys.privateJwk;
  };
  switch (step) {
    case 'init': {
      if (ring !== undefined) throw new UsageError('init creates a ring; do not pass --ring');
      const jwk = options.from ?? (await newKey());
      return { ring: { version: 1, keys: [{ status: 'current', since: now, jwk }] } };
    }
    case 'add-next': {
      if (next)
        throw new UsageError(`the ring already has a next key (${next.jwk.kid}); promote it first`);
      return {
        ring: {
          version: 1,
          keys: [...entries, { status: 'next', since: now, jwk: await newKey() }],
        },
      };
    }
    case 'promote': {
      if (!next || !current) throw new UsageError('the ring has no next key: run add-next first');
      const safeAt = sinceMs(next) + timing.publishWaitMs;
      if (timing.now < safeAt && !options.force) {
        return { ring: ring as KeyRingDocument, tooEarly: new Date(safeAt).toISOString() };
      }
      const keys: RingEntry[] = entries.map((e) => {
        if (e === current) return { status: 'retired', since: now, jwk: publicOnly(e.jwk) };
        if (e === next) return { status: 'current', since: now, jwk: e.jwk };
        return e;
      });
      return { ring: { version: 1, keys } };
    }
    case 'retire': {
      const retired = entries.filter((e) => e.status === 'retired');
      if (retired.length === 0) throw new UsageError('the ring has no retired key');
      const due = retired.filter(
        (e) => options.force || timing.now >= sinceMs(e) + timing.retireAfterMs,
      );
      if (due.length === 0) {
        const first = Math.min(...retired.map((e) => sinceMs(e) + timing.retireAfterMs));
        return { ring: ring as KeyRingDocument, tooEarly: new Date(first).toISOString() };
      }
      return { ring: { version: 1, keys: entries.filter((e) => !due.includes(e)) } };
    }
  }
}

function summarize(step: Step, ring: KeyRingDocument, timing: Timing): KeyRingSummary {
  const next = ring.keys.find((e) => e.status === 'next');
  const retired = ring.keys.filter((e) => e.status === 'retired');
  const at = (ms: number) => new Date(ms).toISOString();
  let advice: string;
  if (next) {
    advice = `deploy this ring everywhere, then promote (safe from ${at(sinceMs(next) + timing.publishWaitMs)})`;
  } else if (retired.length > 0) {
    const first = Math.min(...retired.map((e) => sinceMs(e) + timing.retireAfterMs));
    advice = `deploy this ring everywhere, then retire (safe from ${at(first)})`;
  } else {
    advice = 'deploy this ring; to rotate, run add-next';
  }
  return {
    step,
    keys: ring.keys.map((e) => ({
      kid: String(e.jwk.kid),
      alg: String(e.jwk.alg),
      status: e.status,
      since: e.since,
    })),
    jwks: { keys: ring.keys.map((e) => publicOnly(e.jwk)) },
    advice,
  };
}

async function readRing(
  path: string,
  read: (p: string) => Promise<string>,
): Promise<KeyRingDocument> {
  let text: string;
  try {
    text = await read(path);
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  try {
    await importKeyRing(text); // validates: one current, private keys where they sign, kids
  } catch (error) {
    throw new UsageError(`${path} is not a usable key ring: ${(error as Error).message}`);
  }
  return JSON.parse(text) as KeyRingDocument;
}

/** A private JWK from a file: the JWK itself, or `keys generate --json` output (`privateJwk`). */
async function readSigningJwk(path: string, read: (p: string) => Promise<string>): Promise<Jwk> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await read(path));
  } catch {
    throw new UsageError(`cannot read ${path} as JSON`);
  }
  const holder = parsed as { privateJwk?: unknown } | null;
  const jwk = (typeof holder?.privateJwk === 'object' ? holder.privateJwk : parsed) as Jwk | null;
  if (typeof jwk !== 'object' || jwk === null || typeof (jwk as { d?: unknown }).d !== 'string') {
    throw new UsageError(`${path} holds no private JWK (a JWK with "d", or keys generate JSON)`);
  }
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) {
    throw new UsageError(`${path}: the key needs a kid (verifiers pick the key by kid)`);
  }
  try {
    await importKeyRing({ version: 1, keys: [{ status: 'current', jwk }] });
  } catch (error) {
    throw new UsageError(`${path} is not a usable signing key: ${(error as Error).message}`);
  }
  return jwk;
}

/** `mcp-auth keys rotate`. */
export const keysRotateCommand: Command = {
  path: ['keys', 'rotate'],
  summary: 'rotate signing keys: init, add-next, promote, retire, status',
  help: `Usage: mcp-auth keys rotate STEP [--ring FILE] [--out FILE] [options]

Rotates the access-token signing keys of an authorization server configured with
signingKeys (see docs/key-rotation.md). The key ring file holds private keys: this command
reads --ring and writes the next state to --out (created with mode 0600, never overwritten);
it prints only public information (kids, states, the public JWKS).

Steps:
  init       a new ring with one current key                      (--out)
             --from FILE keeps your present signing key (a private JWK, or the
             JSON of "keys generate"): tokens already issued keep verifying
  add-next   publish a next key: in the JWKS, not signing yet     (--ring, --out)
  promote    next → current (signs), current → retired            (--ring, --out)
             refused until the next key was published --publish-wait seconds ago
  retire     remove retired keys older than --retire-after         (--ring, --out)
  status     show the ring and what is safe to do next             (--ring)

Options:
  --ring FILE             the current key ring
  --out FILE              where to write the next ring
  --alg ALG               new key algorithm: ES256 (default, or the current key's), ES384,
                          EdDSA, RS256, PS256
  --kid KID               new key id (default: its RFC 7638 thumbprint)
  --from FILE             init: the present signing key to start the ring with
  --publish-wait SECONDS  how long a next key is published before promote (default 900:
                          the verifiers' JWKS cache age, 600, plus the JWKS HTTP max-age, 300)
  --retire-after SECONDS  how long a retired key stays published (default 3660: the longest
                          access-token lifetime, 3600, plus clock skew)
  --force                 skip the timing rule (tokens may fail verification)
  --json                  print the summary as JSON
  -h, --help              show this help

Examples:
  mcp-auth keys rotate init --out keyring.json
  mcp-auth keys rotate add-next --ring keyring.json --out keyring.2.json
  mcp-auth keys rotate promote --ring keyring.2.json --out keyring.3.json
  mcp-auth keys rotate retire --ring keyring.3.json --out keyring.4.json
`,
  async run(args, { io, out: styles }) {
    const { values, positionals } = parseCommand(
      args,
      {
        ring: { type: 'string' },
        out: { type: 'string' },
        alg: { type: 'string' },
        kid: { type: 'string' },
        from: { type: 'string' },
        'publish-wait': { type: 'string' },
        'retire-after': { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      { min: 1, max: 1, names: 'STEP' },
    );
    const step = positionals[0] as Step;
    if (!(STEPS as readonly string[]).includes(step)) {
      throw new UsageError(`STEP must be one of ${STEPS.join(', ')}`);
    }
    const alg = stringOption(values, 'alg');
    if (alg !== undefined && !(ALGS as readonly string[]).includes(alg)) {
      throw new UsageError(`--alg must be one of ${ALGS.join(', ')}`);
    }
    const timing: Timing = {
      now: io.now(),
      publishWaitMs: intOption(values, 'publish-wait', 900, { min: 0, max: YEAR }) * 1000,
      retireAfterMs: intOption(values, 'retire-after', 3660, { min: 0, max: YEAR }) * 1000,
    };
    const ringPath = stringOption(values, 'ring');
    const out = stringOption(values, 'out');
    if (step !== 'init' && ringPath === undefined) throw new UsageError('--ring FILE is required');
    if (step !== 'status' && out === undefined) {
      throw new UsageError(
        '--out FILE is required (the ring holds private keys; it is never printed)',
      );
    }
    const ring = ringPath === undefined ? undefined : await readRing(ringPath, io.readFile);
    const print = (summary: KeyRingSummary) => {
      if (values['json'] === true) {
        io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      const rows = summary.keys.map((k) => [k.kid, k.alg, k.status, k.since ?? '']);
      io.stdout(
        `${renderTable(['kid', 'alg', 'status', 'since'], rows, styles)}${summary.advice}\n`,
      );
    };
    if (step === 'status') {
      print(summarize(step, ring as KeyRingDocument, timing));
      return EXIT_OK;
    }
    const fromPath = stringOption(values, 'from');
    if (fromPath !== undefined && step !== 'init') throw new UsageError('--from applies to init');
    const from = fromPath === undefined ? undefined : await readSigningJwk(fromPath, io.readFile);
    const result = await rotateKeyRing(step, ring, timing, {
      ...(from !== undefined ? { from } : {}),
      ...(alg !== undefined ? { alg: alg as (typeof ALGS)[number] } : {}),
      ...(stringOption(values, 'kid') !== undefined ? { kid: stringOption(values, 'kid') } : {}),
      force: values['force'] === true,
    });
    if (result.tooEarly !== undefined) {
      io.stderr(
        `not yet: ${step} is safe from ${result.tooEarly} (the timing rule in docs/key-rotation.md); --force overrides\n`,
      );
      return EXIT_FAILED;
    }
    try {
      await io.writeFile(out as string, `${JSON.stringify(result.ring, null, 2)}\n`);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new UsageError(
        code === 'EEXIST'
          ? `${out} already exists; not overwriting a key ring`
          : `cannot write ${out}`,
      );
    }
    io.stderr(`wrote the ring after ${step} to ${out}\n`);
    print(summarize(step, result.ring, timing));
    return EXIT_OK;
  },
};
