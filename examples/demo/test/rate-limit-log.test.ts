// The demo's send_email rate limit (5 calls a minute per user) through the official SDK v2
// client: the refused call is a tool error the model can read, the tool does not run, and the
// demo's log says so (the decision line before it says allowed=true: the policy allowed it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDemo, type TestDemo, TestClient } from './harness.js';

let t: TestDemo;
let bob: TestClient;

beforeAll(async () => {
  t = await startTestDemo();
  bob = new TestClient(t.demo.mcpUrl, { username: 'bob' }, undefined, 'v2');
  await bob.connect();
});

afterAll(async () => {
  await bob?.close();
  await t?.demo.close();
});

describe('demo rate limit: send_email', () => {
  it('the 6th call in a minute is refused as rate_limited, logged, and does not run', async () => {
    // The window is the wall-clock minute: 11 calls put 6 in one window whatever the clock.
    let refused: { isError: boolean; text: string } | undefined;
    for (let i = 1; i <= 11 && refused === undefined; i++) {
      const result = await bob.call('send_email', {
        to: 'carol@example.com',
        subject: `n${i}`,
        body: '',
      });
      if (result.isError) refused = result;
    }
    expect(refused?.text).toMatch(
      /^Access denied \(rate_limited\): rate limit "send-email-per-user" allows 5 calls per 60 s for each subject; retry after \d+ s$/,
    );
    const lines = t.logs.filter((line) => line.includes('code=rate_limited'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /authz tool=send_email user="bob" client="[^"]+" allowed=false code=rate_limited rule=send-email-per-user reason="rate limit send-email-per-user: retry after \d+ s"/,
    );
    // Each call that ran has its allowed line; the refused one ran nothing.
    const ran = t.ran.filter((tool) => tool === 'send_email').length;
    expect(
      t.logs.filter((line) => line.includes('tool=send_email') && line.includes('allowed=true')),
    ).toHaveLength(ran + 1);
  });
});
