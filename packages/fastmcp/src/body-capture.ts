import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

// fastmcp's HTTP server (mcp-proxy) reads the MCP endpoint's body itself and then calls
// `authenticate(req)` without it, and fastmcp's Hono app never sees that endpoint. To decide on
// a `tools/call` at the HTTP edge (403 step-up), the wrapper keeps a copy of the bytes mcp-proxy
// reads: Node publishes every incoming request on this diagnostics channel just before the
// server's 'request' listeners run, and the copy is taken as the `data` events go by — the
// stream's flow is untouched, so mcp-proxy reads exactly what it would have read.
const REQUEST_START = 'http.server.request.start';

/** The body was over the cap; only the first bytes were kept. */
export const BODY_TOO_LARGE = Symbol('mcp-auth: body too large');

interface Captured {
  chunks: Uint8Array[];
  size: number;
}

/** Keeps a copy of the POST bodies sent to one path, for `authenticate` to read back. */
export class BodyCapture {
  readonly #maxBytes: number;
  readonly #bodies = new WeakMap<object, Captured>();
  #path: string | undefined;
  #subscribed = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  readonly #onRequest = (message: unknown): void => {
    const request = (message as { request?: IncomingMessage } | null)?.request;
    if (request?.method !== 'POST' || !this.#matches(request.url)) return;
    const captured: Captured = { chunks: [], size: 0 };
    const maxBytes = this.#maxBytes;
    const emit = request.emit;
    request.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
      if (event === 'data' && captured.size <= maxBytes) {
        const chunk = args[0];
        if (chunk instanceof Uint8Array) {
          captured.size += chunk.length;
          // Past the cap one chunk more is kept, so the guard sees the size and answers 413.
          captured.chunks.push(chunk);
        }
      }
      return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
    } as typeof request.emit;
    this.#bodies.set(request, captured);
  };

  #matches(url: string | undefined): boolean {
    // The same normalisation as mcp-proxy's endpoint match.
    try {
      return new URL(url ?? '', 'http://localhost').pathname === this.#path;
    } catch {
      return false;
    }
  }

  /** Starts keeping the bodies of POST requests to `path` (the MCP endpoint). */
  start(path: string): void {
    this.#path = path;
    if (this.#subscribed) return;
    subscribe(REQUEST_START, this.#onRequest);
    this.#subscribed = true;
  }

  /** Stops keeping bodies. */
  stop(): void {
    if (!this.#subscribed) return;
    unsubscribe(REQUEST_START, this.#onRequest);
    this.#subscribed = false;
  }

  /**
   * The body kept for `request`, {@link BODY_TOO_LARGE} when it was over the cap, or undefined
   * when none was kept. The copy lives as long as the request object.
   */
  take(request: object): Uint8Array | typeof BODY_TOO_LARGE | undefined {
    const captured = this.#bodies.get(request);
    if (captured === undefined) return undefined;
    if (captured.size > this.#maxBytes) return BODY_TOO_LARGE;
    if (captured.chunks.length === 1) return captured.chunks[0];
    const body = new Uint8Array(captured.size);
    let offset = 0;
    for (const chunk of captured.chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    return body;
  }
}
