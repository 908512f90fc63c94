import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../src/doctor/types.js';
import { type FakeDefects, type FakeMcpServer, startFakeMcpServer } from './fake-mcp-server.js';
import { runCli } from './helpers.js';

const servers: FakeMcpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function doctor(
  defects: FakeDefects = {},
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  const server = await startFakeMcpServer(defects);
  servers.push(server);
  const r = await runCli(['doctor', server.url, '--json', '--timeout', '5000', ...extra], { env });
  const report = JSON.parse(r.stdout) as DoctorReport;
  const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
  const failing = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  return { r, report, status, failing, server };
}

describe('doctor against a conforming hand-written server', () => {
  it('passes every check and exits 0', async () => {
    const { r, report, failing } = await doctor();
    expect(failing).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.ok).toBe(true);
    const passed = report.checks.filter((c) => c.status === 'pass').map((c) => c.id);
    expect(passed).toEqual(
      expect.arrayContaining([
        'unauthenticated-401',
        'challenge-resource-metadata',
        'prm-document',
        'prm-resource',
        'prm-authorization-servers',
        'as-metadata',
        'as-issuer',
        'as-pkce-s256-only',
        'as-iss-parameter',
        'client-registration',
        'dcr-register',
        'dcr-rejects-insecure-redirect',
        'authorize-valid-request',
        'pkce-plain-refused',
        'redirect-uri-exact',
        'token-forged-signature',
        'token-alg-none',
        'token-foreign-audience',
        'token-in-query-ignored',
      ]),
    );
    for (const c of report.checks) expect(c.reference, c.id).toMatch(/RFC|MCP|OAuth/);
  });

  it('with --token-env the query check is conclusive, and the token never appears in the output', async () => {
    const server = await startFakeMcpServer();
    servers.push(server);
    const token = await server.mint();
    const r = await runCli(['doctor', server.url, '--json', '--token-env', 'T'], {
      env: { T: token },
    });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.checks.find((c) => c.id === 'token-valid-accepted')?.status).toBe('pass');
    expect(report.checks.find((c) => c.id === 'token-in-query-ignored')?.limits).toBeUndefined();
    expect(r.stdout).not.toContain(token);
    expect(r.stderr).not.toContain(token);
  });

  it('prints a table with the spec reference per check', async () => {
    const server = await startFakeMcpServer();
    servers.push(server);
    const r = await runCli(['doctor', server.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASS\s+unauthenticated-401/);
    expect(r.stdout).toContain('RFC 9728 §5.1');
    expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(r.stdout).not.toContain('\u001b['); // not a TTY: no colors
  });
});

describe('doctor against deliberately broken servers (each defect fails its check, exit 1)', () => {
  const cases: [string, FakeDefects, string[]][] = [
    [
      'no resource_metadata in the 401 challenge (RFC 9728 §5.1)',
      { noResourceMetadata: true },
      ['challenge-resource-metadata'],
    ],
    [
      'PKCE plain allowed (RFC 7636 §4.3, RFC 9700 §2.1.1)',
      { plainAllowed: true },
      ['as-pkce-s256-only', 'pkce-plain-refused'],
    ],
    ['metadata issuer mismatch (RFC 8414 §3.3)', { issuerMismatch: true }, ['as-issuer']],
    [
      'accepts ?access_token= (RFC 6750 §2.3, SECURITY-CASES 37)',
      { acceptsQueryToken: true },
      ['prm-bearer-methods', 'token-in-query-ignored'],
    ],
    [
      'redirect URIs matched by prefix (RFC 9700 §4.1.3, SECURITY-CASES 1)',
      { looseRedirect: true },
      ['redirect-uri-exact'],
    ],
    [
      'tokens decoded but not verified (SECURITY-CASES 40)',
      { acceptsAnyToken: true },
      ['token-forged-signature', 'token-foreign-audience'],
    ],
    [
      'PRM resource is not the MCP URL (RFC 9728 §3.3, SECURITY-CASES 22)',
      { resourceMismatch: true },
      ['prm-resource'],
    ],
    [
      'registration takes http redirect URIs (SECURITY-CASES 20)',
      { acceptsInsecureRedirect: true },
      ['dcr-rejects-insecure-redirect'],
    ],
    [
      'issue 11: offline_access in the PRM scopes_supported (SEP-2207)',
      { advertisesOfflineAccess: true },
      ['prm-no-offline-access'],
    ],
  ];
  it.each(cases)('%s', async (_name, defects, expected) => {
    const { r, failing, report } = await doctor(defects);
    expect(failing.sort()).toEqual([...expected].sort());
    expect(r.code).toBe(1);
    expect(report.ok).toBe(false);
  });

  it('a query-reading server is caught conclusively with a valid token', async () => {
    const server = await startFakeMcpServer({ acceptsQueryToken: true });
    servers.push(server);
    const r = await runCli(['doctor', server.url, '--json', '--token-env', 'T'], {
      env: { T: await server.mint() },
    });
    const check = (JSON.parse(r.stdout) as DoctorReport).checks.find(
      (c) => c.id === 'token-in-query-ignored',
    );
    expect(check?.status).toBe('fail');
    expect(check?.detail).toContain('200');
    expect(r.code).toBe(1);
  });

  it('issue 11: with a valid token, an Mcp-Method header the server ignores fails header-mismatch-rejected', async () => {
    for (const [defects, expected] of [
      [{ ignoresHeaderMismatch: true }, 'fail'],
      [{}, 'pass'],
      // A 2025-era server (MCP SDK v1) refuses the protocol version: nothing to check there.
      [{ olderProtocolOnly: true }, 'skip'],
    ] as const) {
      const server = await startFakeMcpServer(defects);
      servers.push(server);
      const r = await runCli(['doctor', server.url, '--json', '--token-env', 'T'], {
        env: { T: await server.mint() },
      });
      const check = (JSON.parse(r.stdout) as DoctorReport).checks.find(
        (c) => c.id === 'header-mismatch-rejected',
      );
      expect(check?.status).toBe(expected);
    }
  });

  it('an unreachable server fails the first check and exits 1', async () => {
    const server = await startFakeMcpServer();
    const url = server.url;
    await server.close();
    const r = await runCli(['doctor', url, '--json', '--timeout', '2000']);
    expect(r.code).toBe(1);
    expect(
      JSON.parse(r.stdout).checks.map((c: { id: string; status: string }) => `${c.id}:${c.status}`),
    ).toContain('unauthenticated-401:fail');
  });

  it('--no-register skips the authorization probes instead of failing them', async () => {
    const { r, status } = await doctor({}, ['--no-register']);
    expect(r.code).toBe(0);
    expect(status('dcr-register')).toBe('skip');
    expect(status('pkce-plain-refused')).toBe('skip');
  });
});

describe('doctor details', () => {
  it('does not wait for an event stream that stays open (Streamable HTTP)', async () => {
    const server = await startFakeMcpServer({ openEventStream: true });
    servers.push(server);
    const r = await runCli(
      ['doctor', server.url, '--json', '--timeout', '3000', '--token-env', 'T'],
      {
        env: { T: await server.mint() },
      },
    );
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.checks.find((c) => c.id === 'token-valid-accepted')?.status).toBe('pass');
    expect(r.code).toBe(0);
  });

  it('finds AS metadata for an issuer with a path in the MCP discovery order (RFC 8414 §3.1, §5)', async () => {
    const mcp = 'https://mcp.example.test/mcp';
    const issuer = 'https://auth.example.test/tenant1';
    const asked: string[] = [];
    const fakeFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      asked.push(`${init?.method ?? 'GET'} ${url.origin}${url.pathname}`);
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        new Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json', ...headers },
        });
      if (url.href === mcp)
        return json(
          401,
          {},
          {
            'www-authenticate': `Bearer resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"`,
          },
        );
      if (url.pathname === '/.well-known/oauth-protected-resource/mcp')
        return json(200, { resource: mcp, authorization_servers: [issuer] });
      if (url.href === `${issuer}/.well-known/openid-configuration`)
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
        });
      return json(404, {});
    };
    const r = await runCli(['doctor', mcp, '--json'], { fetch: fakeFetch });
    const report = JSON.parse(r.stdout) as DoctorReport;
    const status = (id: string) => report.checks.find((c) => c.id === id)?.status;
    expect(
      asked.filter((a) => a.includes('.well-known') && a.includes('auth.example.test')),
    ).toEqual([
      'GET https://auth.example.test/.well-known/oauth-authorization-server/tenant1',
      'GET https://auth.example.test/.well-known/openid-configuration/tenant1',
      'GET https://auth.example.test/tenant1/.well-known/openid-configuration',
    ]);
    expect(status('as-metadata')).toBe('pass');
    expect(status('as-issuer')).toBe('pass');
    expect(status('as-iss-parameter')).toBe('warn');
    expect(status('client-registration')).toBe('warn');
    expect(status('pkce-plain-refused')).toBe('skip');
  });

  it('shows progress on stderr only on a TTY, and clears it', async () => {
    const server = await startFakeMcpServer();
    servers.push(server);
    const tty = await runCli(['doctor', server.url], { tty: true });
    expect(tty.stderr).toContain('protected-resource metadata');
    expect(tty.stderr.endsWith('\r\u001b[2K')).toBe(true);
    expect(tty.stdout).toContain('\u001b[32mPASS');
    const pipe = await runCli(['doctor', server.url]);
    expect(pipe.stderr).toBe('');
  });
});
