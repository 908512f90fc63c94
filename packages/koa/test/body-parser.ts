// A stand-in for koa-bodyparser (not installed here): reads the whole body, then sets
// `ctx.request.body` (parsed) and `ctx.request.rawBody` (text) the way it does.
import type { Middleware } from 'koa';

export function bodyParser(kind: 'json' | 'form'): Middleware {
  return async (ctx, next) => {
    const type = kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    if (ctx.method === 'POST' && ctx.is(type)) {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const request = ctx.request as { body?: unknown; rawBody?: string };
      request.rawBody = text;
      if (kind === 'json') {
        request.body = JSON.parse(text);
      } else {
        const parsed: Record<string, string | string[]> = {};
        for (const [name, value] of new URLSearchParams(text)) {
          const seen = parsed[name];
          parsed[name] =
            seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
        }
        request.body = parsed;
      }
    }
    await next();
  };
}
