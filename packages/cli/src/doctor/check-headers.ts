import { parseJsonObject } from '../json.js';
import type { DoctorContext } from './context.js';
import { REF } from './references.js';

/**
 * MCP 2026-07-28 standard headers must agree with the body: checks
 * `header-mismatch-rejected` (needs a valid token: an unauthenticated request is answered 401
 * before its body is read).
 */
export async function checkHeaderMismatch(ctx: DoctorContext): Promise<void> {
  const token = ctx.options.accessToken;
  ctx.progress('Mcp-Method header mismatch');
  if (token === undefined) {
    ctx.add({
      id: 'header-mismatch-rejected',
      title: 'An Mcp-Method header that disagrees with the body is refused (-32020)',
      status: 'skip',
      detail:
        'needs --token-env: an unauthenticated request is answered 401 before its body is read',
      reference: REF.headerMismatch,
    });
    return;
  }
  const mismatch = await ctx.http(
    ctx.mcpUrl,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/list',
        'mcp-name': 'mcp-auth-doctor-probe',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'mcp-auth-doctor-probe', arguments: {} },
      }),
    },
    true,
  );
  const error = mismatch.ok
    ? (parseJsonObject(mismatch.text)?.['error'] as
        | { code?: unknown; message?: unknown }
        | undefined)
    : undefined;
  const code = error?.code;
  const refused = mismatch.ok && mismatch.status === 400 && code === -32020;
  // A server that does not speak 2026-07-28 refuses the protocol version itself: nothing to check.
  const olderProtocol =
    !refused &&
    mismatch.ok &&
    mismatch.status === 400 &&
    typeof error?.message === 'string' &&
    /protocol version/i.test(error.message);
  ctx.add({
    id: 'header-mismatch-rejected',
    title: 'An Mcp-Method header that disagrees with the body is refused (-32020)',
    status: refused ? 'pass' : olderProtocol ? 'skip' : 'fail',
    detail: !mismatch.ok
      ? mismatch.error
      : `tools/call body with Mcp-Method: tools/list → HTTP ${mismatch.status}${
          typeof code === 'number' ? `, JSON-RPC ${code}` : ''
        }${
          refused
            ? ''
            : olderProtocol
              ? ' (the server does not speak protocol 2026-07-28)'
              : ' (expected 400 with -32020)'
        }`,
    reference: REF.headerMismatch,
  });
}
