import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exchangeToken } from './exchange-token.js';

const base = {
  tokenEndpoint: 'https://auth.example.com/token',
  clientAuth: { clientId: 'mcp-server', clientSecret: 'secret-0123456789' },
  subjectToken: 'eyJ.subject.token',
  audience: 'https://api.example.com/',
};

describe('exchangeToken (RFC 8693 client side)', () => {
  it('bad options are TypeErrors: a non-https endpoint, no subject token, no audience, no client', async () => {
    for (const options of [
      { ...base, tokenEndpoint: 'http://auth.example.com/token' },
      { ...base, tokenEndpoint: 'not a url' },
      { ...base, subjectToken: '' },
      { ...base, audience: '' },
      { ...base, clientAuth: { clientId: '', clientSecret: 'x' } },
    ]) {
      await expect(exchangeToken(options)).rejects.toBeInstanceOf(TypeError);
    }
  });

  it('sends the RFC 8693 form with Basic credentials; a URL audience as resource, a name as audience', async () => {
    const seen: { auth: string | undefined; form: URLSearchParams }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, form: new URLSearchParams(body) });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            access_token: 'downstream',
            token_type: 'Bearer',
            expires_in: 60,
            scope: 'a b',
            issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    try {
      const out = await exchangeToken({ ...base, tokenEndpoint: endpoint, scope: ['a', 'b'] });
      expect(out).toEqual({
        accessToken: 'downstream',
        tokenType: 'Bearer',
        expiresIn: 60,
        scopes: ['a', 'b'],
      });
      await exchangeToken({ ...base, tokenEndpoint: endpoint, audience: 'calendar-api' });
      const [first, second] = seen;
      expect(first!.auth).toBe(
        `Basic ${Buffer.from('mcp-server:secret-0123456789').toString('base64')}`,
      );
      expect(Object.fromEntries(first!.form)).toEqual({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: 'eyJ.subject.token',
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        resource: 'https://api.example.com/',
        scope: 'a b',
      });
      expect(second!.form.get('audience')).toBe('calendar-api');
      expect(second!.form.has('resource')).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('an unreachable server → TemporarilyUnavailableError (503), without the token in the message', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await exchangeToken({
      ...base,
      tokenEndpoint: `http://127.0.0.1:${port}/token`,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'temporarily_unavailable', status: 503 });
    expect(String((error as Error).message)).not.toContain('subject');
  });
});
