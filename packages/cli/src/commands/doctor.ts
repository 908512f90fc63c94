import {
  EXIT_FAILED,
  EXIT_OK,
  intOption,
  parseCommand,
  stringOption,
  UsageError,
} from '../args.js';
import type { Command } from '../command.js';
import { runDoctor } from '../doctor/run-doctor.js';
import type { CheckStatus } from '../doctor/types.js';
import { renderTable, wrapText } from '../io.js';

/** `mcp-auth doctor`. */
export const doctorCommand: Command = {
  path: ['doctor'],
  summary: "check a running MCP server's auth surface against the MCP authorization spec",
  help: `Usage: mcp-auth doctor <MCP_URL> [--json] [--timeout MS] [--strict]
                      [--token-env NAME] [--foreign-token-env NAME]
                      [--client-id ID --redirect-uri URI] [--no-register]

Checks a running MCP server from the outside against the MCP authorization spec
(2025-06-18 / 2025-11-25) and the RFCs it builds on, and prints one line per check with
its spec reference:

  unauthenticated initialize → 401 with WWW-Authenticate: Bearer resource_metadata="…";
  protected-resource metadata (RFC 9728: resource equals the MCP URL, authorization_servers);
  authorization-server metadata (RFC 8414 / OIDC discovery: exact issuer, S256 only, iss
  parameter, endpoints over HTTPS); client registration (DCR or metadata documents);
  PKCE plain refused; exact redirect-URI matching; forged, unsigned and foreign-audience
  tokens refused with 401; a token in ?access_token= ignored.

Side effects: unless --no-register (or --client-id) is given, it registers throwaway public
clients with redirect URI https://doctor.invalid/cb (a name that never resolves); it starts
authorization requests that are never completed. It never logs in and never prints a token.

Options:
  --json                   print the report as JSON: {"url","ok","counts","checks":[…]}
  --timeout MS             timeout per request (default 10000)
  --strict                 warnings fail too
  --token-env NAME         a valid access token for this server in variable NAME: makes the
                           query-string check conclusive
  --foreign-token-env NAME a token from the same authorization server issued for ANOTHER
                           resource: makes the audience check conclusive
  --client-id ID           a pre-registered public client to probe the authorization endpoint
  --redirect-uri URI       its registered redirect URI
  --no-register            do not register clients
  -h, --help               show this help

Exit code: 0 when no check fails, 1 when one does (or warns, with --strict), 2 usage error.

Example:
  mcp-auth doctor http://localhost:3000/mcp
`,
  async run(args, { io, out, err }) {
    const { values, positionals } = parseCommand(
      args,
      {
        json: { type: 'boolean' },
        timeout: { type: 'string' },
        strict: { type: 'boolean' },
        'token-env': { type: 'string' },
        'foreign-token-env': { type: 'string' },
        'client-id': { type: 'string' },
        'redirect-uri': { type: 'string' },
        'no-register': { type: 'boolean' },
      },
      { min: 1, max: 1, names: 'MCP_URL' },
    );
    const url = positionals[0] as string;
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new UsageError(
        'MCP_URL must be an absolute http(s) URL, e.g. http://localhost:3000/mcp',
      );
    }
    const timeoutMs = intOption(values, 'timeout', 10_000, { min: 100, max: 300_000 });
    const fromEnv = (name: string): string | undefined => {
      const variable = stringOption(values, name);
      if (variable === undefined) return undefined;
      const value = io.env[variable]?.trim().replace(/^Bearer\s+/i, '');
      if (value === undefined || value === '')
        throw new UsageError(`environment variable ${variable} is not set`);
      return value;
    };
    const accessToken = fromEnv('token-env');
    const foreignToken = fromEnv('foreign-token-env');
    const clientId = stringOption(values, 'client-id');
    const redirectUri = stringOption(values, 'redirect-uri');
    if ((clientId === undefined) !== (redirectUri === undefined)) {
      throw new UsageError('--client-id and --redirect-uri go together');
    }
    const showProgress = io.stderrIsTTY && values['json'] !== true;
    let progressShown = false;
    const report = await runDoctor(url, {
      fetch: io.fetch,
      timeoutMs,
      now: io.now,
      strict: values['strict'] === true,
      register: values['no-register'] !== true,
      ...(accessToken !== undefined ? { accessToken } : {}),
      ...(foreignToken !== undefined ? { foreignToken } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      ...(redirectUri !== undefined ? { redirectUri } : {}),
      ...(showProgress
        ? {
            onProgress: (step: string) => {
              progressShown = true;
              io.stderr(`\r\u001b[2K${err.dim(`… ${step}`)}`);
            },
          }
        : {}),
    });
    if (progressShown) io.stderr('\r\u001b[2K');

    if (values['json'] === true) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? EXIT_OK : EXIT_FAILED;
    }
    const label = (s: CheckStatus) =>
      s === 'pass'
        ? out.green('PASS')
        : s === 'fail'
          ? out.red('FAIL')
          : s === 'warn'
            ? out.yellow('WARN')
            : out.dim('SKIP');
    const rows = report.checks.map((c) => [
      label(c.status),
      `${c.id}\n${out.dim(wrapText(c.title, 34))}`,
      wrapText(c.detail, 56) +
        (c.limits !== undefined ? `\n${out.dim(wrapText(`limit: ${c.limits}`, 56))}` : ''),
      c.reference.split('; ').join('\n'),
    ]);
    io.stdout(`mcp-auth doctor ${url}\n\n`);
    io.stdout(renderTable(['RESULT', 'CHECK', 'OBSERVED', 'SPEC'], rows, out));
    const { pass, fail, warn, skip } = report.counts;
    const summary = `${pass} passed, ${fail} failed, ${warn} warning${warn === 1 ? '' : 's'}, ${skip} skipped`;
    io.stdout(`\n${report.ok ? out.green(`✔ ${summary}`) : out.red(`✖ ${summary}`)}\n`);
    return report.ok ? EXIT_OK : EXIT_FAILED;
  },
};
