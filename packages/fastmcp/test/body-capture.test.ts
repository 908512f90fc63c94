// BodyCapture: the copy of the MCP endpoint's body that lets fastmcp's authenticate hook run
// core's guard (403 step-up, SECURITY-CASES 39). The server's own reader must see exactly the
// bytes it would have seen without the copy.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BODY_TOO_LARGE, BodyCapture } from '../src/body-capture.js';

interface Seen {
  read: string;
  kept: Uint8Array | typeof BODY_TOO_LARGE | undefined;
}

let server: Server | undefined;
let capture: BodyCapture | undefined;
afterEach(async () => {
  capture?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server reading bodies the way mcp-proxy does (`data`/`end` after a tick). */
async function listen(seen: Seen[]): Promise<string> {
  server = createServer(async (req: IncomingMessage, res) => {
    await Promise.resolve(); // mcp-proxy awaits before it starts reading
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ read: Buffer.concat(chunks).toString(), kept: capture?.take(req) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const text = (kept: Seen['kept']) =>
  kept instanceof Uint8Array ? new TextDecoder().decode(kept) : kept;

describe('BodyCapture', () => {
  it('keeps the POST body of the endpoint and leaves the stream to its reader', async () => {
    const seen: Seen[] = [];
    const base = await listen(seen);
    capture = new BodyCapture(1024 * 1024);
    capture.start('/mcp');
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      pad: 'x'.repeat(200_000),
    });
    await (await fetch(`${base}/mcp?x=1`, { method: 'POST', body })).text();
    expect(seen[0]!.read).toBe(body);
    expect(text(seen[0]!.kept)).toBe(body);
  });

  it('keeps nothing for other paths, other methods, or after stop()', async () => {
    const seen: Seen[] = [];
    const base = await listen(seen);
    capture = new BodyCapture(1024);
    capture.start('/mcp');
    await (await fetch(`${base}/token`, { method: 'POST', body: 'a=1' })).text();
    await (await fetch(`${base}/mcp`, { method: 'PUT', body: 'a=1' })).text();
    capture.stop();
    await (await fetch(`${base}/mcp`, { method: 'POST', body: '{}' })).text();
    expect(seen.map((s) => s.read)).toEqual(['a=1', 'a=1', '{}']);
    expect(seen.map((s) => s.kept)).toEqual([undefined, undefined, undefined]);
  });

  it('reports a body over the cap as too large, without keeping it all', async () => {
    const seen: Seen[] = [];
    const base = await listen(seen);
    capture = new BodyCapture(100);
    capture.start('/mcp');
    await (await fetch(`${base}/mcp`, { method: 'POST', body: 'x'.repeat(100) })).text();
    await (await fetch(`${base}/mcp`, { method: 'POST', body: 'x'.repeat(101) })).text();
    expect(text(seen[0]!.kept)).toBe('x'.repeat(100));
    expect(seen[1]!.kept).toBe(BODY_TOO_LARGE);
    expect(seen[1]!.read).toBe('x'.repeat(101));
  });
});
