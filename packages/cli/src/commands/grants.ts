// `mcp-auth grants list|revoke` and `mcp-auth clients delete`: grant management against the
// store an authorization server uses (Redis, shared by its instances). Revocations set the same
// markers as the server, so every instance refuses the tokens at once. Nothing secret is
// printed: grants carry ids, client names, scopes and dates, never a token.
import {
  createGrantManager,
  type GrantInfo,
  type GrantManager,
  type Store,
} from '@mcp-auth/core/store';
import {
  EXIT_FAILED,
  EXIT_OK,
  intOption,
  parseCommand,
  stringOption,
  UsageError,
} from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { renderTable, sanitize } from '../io.js';

const STORE_OPTIONS = {
  'redis-url': { type: 'string' },
  'key-prefix': { type: 'string' },
  'access-token-ttl': { type: 'string' },
  'refresh-token-ttl': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const STORE_HELP = `Store options:
  --redis-url <url>          the server's Redis (default: $MCP_AUTH_REDIS_URL); needs @mcp-auth/redis
  --key-prefix <prefix>      the server's RedisStore keyPrefix (default "mcp-auth:"; the demo's
                             is "mcp-auth-demo:")
  --access-token-ttl <s>     the server's access-token lifetime in seconds (default 3600)
  --refresh-token-ttl <s>    the server's refresh-token lifetime in seconds (default 2592000)
  --json                     print JSON
  -h, --help                 show this help`;

/** A store and a way to close it. */
interface OpenedStore {
  readonly store: Store;
  close(): Promise<void>;
}

/** Opens the store a command works on. */
type StoreOpener = (url: string, keyPrefix: string | undefined) => Promise<OpenedStore>;

// How long one Redis command of these commands may take before the command fails (exit 2).
const CLI_REDIS_TIMEOUT_MS = 5_000;

// `@mcp-auth/redis` is optional for the CLI: loaded only by these commands.
const REDIS_PACKAGE = '@mcp-auth/redis';

const openRedis: StoreOpener = async (url, keyPrefix) => {
  let module: {
    RedisStore: new (options: {
      url: string;
      keyPrefix?: string;
      commandTimeoutMs?: number;
    }) => Store & { close(): Promise<void> };
  };
  try {
    module = (await import(REDIS_PACKAGE)) as typeof module;
  } catch {
    throw new UsageError(`install ${REDIS_PACKAGE} next to @mcp-auth/cli to reach a Redis store`);
  }
  let store: Store & { close(): Promise<void> };
  try {
    // An operator's one-off command, perhaps over a long link: not a request path's 500 ms.
    store = new module.RedisStore({
      url,
      commandTimeoutMs: CLI_REDIS_TIMEOUT_MS,
      ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    });
  } catch {
    // Never echo the URL: it may hold a password.
    throw new UsageError('--redis-url must be a redis:// or rediss:// URL');
  }
  return { store, close: () => store.close() };
};

async function withManager<T>(
  values: Record<string, string | boolean | undefined>,
  ctx: CommandContext,
  work: (manager: GrantManager) => Promise<T>,
): Promise<T> {
  const url = stringOption(values, 'redis-url') ?? ctx.io.env['MCP_AUTH_REDIS_URL'];
  if (url === undefined || url === '') {
    throw new UsageError('--redis-url (or MCP_AUTH_REDIS_URL) is required');
  }
  const range = { min: 1, max: 10 * 365 * 86_400 };
  const accessTokenTtlSeconds = intOption(values, 'access-token-ttl', 3600, range);
  const refreshTokenTtlSeconds = intOption(values, 'refresh-token-ttl', 30 * 86_400, range);
  const opened = await openRedis(url, stringOption(values, 'key-prefix'));
  try {
    return await work(
      createGrantManager({ store: opened.store, accessTokenTtlSeconds, refreshTokenTtlSeconds }),
    );
  } finally {
    await opened.close();
  }
}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

const date = (ms: number | undefined) =>
  ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function grantRows(grants: readonly GrantInfo[]): string[][] {
  return grants.map((g) => [
    g.grantId,
    sanitize(g.clientName ?? '-'),
    sanitize(g.clientId),
    g.scopes.join(' ') || '-',
    sanitize(g.resource),
    date(g.createdAt),
    date(g.lastUsedAt),
  ]);
}

/** `mcp-auth grants list`. */
export const grantsListCommand: Command = {
  path: ['grants', 'list'],
  summary: "list a user's grants in the server's store",
  help: `Usage: mcp-auth grants list --user <sub> [store options]

Lists what the user granted: grant id, client (name and id), scopes, resource, when it was
granted and last used (token issued). Read from the authorization server's store.

${STORE_HELP}

Exit code: 0 listed (also when empty), 2 usage error or store unreachable (each Redis command
may take 5 s).
`,
  async run(args, ctx) {
    const { values } = parseCommand(
      args,
      { user: { type: 'string' }, ...STORE_OPTIONS },
      { min: 0, max: 0, names: '' },
    );
    const user = required(values, 'user');
    const grants = await withManager(values, ctx, (m) => m.list(user));
    if (values['json'] === true) {
      ctx.io.stdout(`${JSON.stringify({ user, grants })}\n`);
      return EXIT_OK;
    }
    if (grants.length === 0) {
      ctx.io.stdout(`${sanitize(user)} holds no grants\n`);
      return EXIT_OK;
    }
    ctx.io.stdout(
      `${renderTable(['grant', 'client', 'client id', 'scopes', 'resource', 'granted', 'last used'], grantRows(grants), ctx.out)}\n`,
    );
    return EXIT_OK;
  },
};

/** `mcp-auth grants revoke`. */
export const grantsRevokeCommand: Command = {
  path: ['grants', 'revoke'],
  summary: "revoke one or all of a user's grants",
  help: `Usage: mcp-auth grants revoke --user <sub> (--grant <id> | --all) [store options]

Revokes a grant of the user (or all of them): its access tokens are refused at once by every
instance's revocation check, its refresh token at the next refresh. The client must ask the
user again (a remembered consent is not withdrawn here: the server's grants API does that).

${STORE_HELP}

Exit code: 0 revoked, 1 no such grant of this user, 2 usage error or store unreachable.
`,
  async run(args, ctx) {
    const { values } = parseCommand(
      args,
      {
        user: { type: 'string' },
        grant: { type: 'string' },
        all: { type: 'boolean' },
        ...STORE_OPTIONS,
      },
      { min: 0, max: 0, names: '' },
    );
    const user = required(values, 'user');
    const grant = stringOption(values, 'grant');
    const all = values['all'] === true;
    if ((grant === undefined) === !all)
      throw new UsageError('pass exactly one of --grant and --all');
    if (all) {
      const count = await withManager(values, ctx, (m) => m.revokeAll(user));
      if (values['json'] === true) ctx.io.stdout(`${JSON.stringify({ user, revoked: count })}\n`);
      else
        ctx.io.stdout(
          `${ctx.out.green('✔')} revoked ${count} grant${count === 1 ? '' : 's'} of ${sanitize(user)}\n`,
        );
      return EXIT_OK;
    }
    const done = await withManager(values, ctx, (m) => m.revoke(user, grant!));
    if (values['json'] === true) {
      ctx.io.stdout(`${JSON.stringify({ user, grant, revoked: done })}\n`);
    } else if (done) {
      ctx.io.stdout(
        `${ctx.out.green('✔')} revoked grant ${sanitize(grant!)} of ${sanitize(user)}\n`,
      );
    } else {
      ctx.io.stderr(`${ctx.err.red('✘')} ${sanitize(user)} holds no grant ${sanitize(grant!)}\n`);
    }
    return done ? EXIT_OK : EXIT_FAILED;
  },
};

/** `mcp-auth clients delete`. */
export const clientsDeleteCommand: Command = {
  path: ['clients', 'delete'],
  summary: 'delete a client and every token and grant it holds',
  help: `Usage: mcp-auth clients delete --client <client_id> [store options]

Deletes a client from the authorization server's store: its registration (a registered client
cannot authenticate again) and cached metadata document, and every token and grant issued to it
until now — access tokens are refused at once by every instance, refresh tokens and codes when
presented. A client configured in the server's options keeps its configuration; a Client ID
Metadata Document client may come back, with new grants only.

${STORE_HELP}

Exit code: 0 deleted, 2 usage error or store unreachable.
`,
  async run(args, ctx) {
    const { values } = parseCommand(
      args,
      { client: { type: 'string' }, ...STORE_OPTIONS },
      { min: 0, max: 0, names: '' },
    );
    const client = required(values, 'client');
    await withManager(values, ctx, (m) => m.deleteClient(client));
    if (values['json'] === true) ctx.io.stdout(`${JSON.stringify({ client, deleted: true })}\n`);
    else
      ctx.io.stdout(
        `${ctx.out.green('✔')} deleted client ${sanitize(client)} and everything it held\n`,
      );
    return EXIT_OK;
  },
};
