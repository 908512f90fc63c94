// Issue 12 item 1: a slow client cannot hold a connection (and a half-read body) open: the
// demo's Node server cuts off requests whose headers or body do not arrive in time.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_TIMEOUTS } from '../src/app.js';
import { startTestDemo, type TestDemo } from './harness.js';

let t: TestDemo;

beforeAll(async () => {
  // Short limits so the test runs fast; the defaults are 10 s and 30 s.
  t = await startTestDemo({
    serverTimeouts: { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 },
  });
});

afterAll(async () => {
  await t?.demo.close();
});

/** Writes `text` and never more; resolves with what the server answered when it closed. */
function trickle(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(t.demo.port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

describe('demo: limits on slow clients (issue 12 item 1)', () => {
  it('defaults: headers within 10 s, the whole request within 30 s', () => {
    expect(SERVER_TIMEOUTS).toMatchObject({ headersTimeout: 10_000, requestTimeout: 30_000 });
  });

  it('headers that never end are answered 408 and the connection closed', async () => {
    const answer = await trickle(`POST /mcp HTTP/1.1\r\nHost: localhost:${t.demo.port}\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a body that never completes is answered 408 and the connection closed', async () => {
    const answer = await trickle(
      `POST /token HTTP/1.1\r\nHost: localhost:${t.demo.port}\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});
