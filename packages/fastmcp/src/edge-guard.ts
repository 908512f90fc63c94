import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type NodeGuardCallOptions,
  type NodeGuardOutcome,
  type NodeRequestLike,
  writeNodeResponse,
} from '@mcp-auth/core/node-http';

// fastmcp's HTTP server (mcp-proxy) reads and parses the MCP endpoint's body itself and only
// then calls `authenticate(req)`. To authenticate before a byte is read, core's guard starts on
// Node's `http.server.request.start` diagnostics channel, which fires just before the server's
// 'request' listeners run: the stream is paused there, and only resumed for mcp-proxy once the
// guard has authenticated the caller and asks for the body (it sees the same `data` events as
// mcp-proxy). A refused caller's bytes are dropped as they arrive, never buffered or parsed,
// and mcp-proxy is handed the JSON `null` so that it goes straight on to `authenticate`, which
// throws the guard's answer.
const REQUEST_START = 'http.server.request.start';
const NULL_BODY = Buffer.from('null');

type NodeGuard = (
  request: NodeRequestLike,
  options?: NodeGuardCallOptions,
) => Promise<NodeGuardOutcome>;

/** Runs core's MCP guard on every request to one path as it arrives. */
export class EdgeGuard {
  readonly #guard: NodeGuard;
  readonly #outcomes = new WeakMap<object, Promise<NodeGuardOutcome>>();
  #path: string | undefined;
  #subscribed = false;

  constructor(guard: NodeGuard) {
    this.#guard = guard;
  }

  readonly #onRequest = (message: unknown): void => {
    const { request, response } = (message ?? {}) as {
      request?: IncomingMessage;
      response?: ServerResponse;
    };
    if (request === undefined || !this.#matches(request.url)) return;
    const outcome = this.#run(request, response);
    this.#outcomes.set(request, outcome);
    if (response !== undefined) takeOverCors(request, response, outcome);
  };

  #run(request: IncomingMessage, response: ServerResponse | undefined): Promise<NodeGuardOutcome> {
    let bodyRead = false;
    // Held until the guard asks for the body (after authentication), or refuses without it.
    request.pause();
    const requestLike: NodeRequestLike = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      // The guard takes the verified credential off both (forwardAuthorization).
      rawHeaders: request.rawHeaders,
      on(event, listener) {
        request.on(event, listener as (...args: unknown[]) => void);
        if (event === 'data' && !bodyRead) {
          bodyRead = true;
          resumeWithConsumer(request, 1);
        }
        return requestLike;
      },
      removeListener(event, listener) {
        request.removeListener(event, listener as (...args: unknown[]) => void);
        return requestLike;
      },
      [Symbol.asyncIterator]: () => request[Symbol.asyncIterator](),
    };
    const outcome = this.#guard(requestLike, response ? { response } : {});
    return outcome.then((result) => {
      if (!bodyRead) dropBody(request);
      return result;
    });
  }

  #matches(url: string | undefined): boolean {
    // The same normalisation as mcp-proxy's endpoint match.
    try {
      return new URL(url ?? '', 'http://localhost').pathname === this.#path;
    } catch {
      return false;
    }
  }

  /** Starts guarding requests to `path` (the MCP endpoint). */
  start(path: string): void {
    this.#path = path;
    if (this.#subscribed) return;
    subscribe(REQUEST_START, this.#onRequest);
    this.#subscribed = true;
  }

  /** Stops guarding. */
  stop(): void {
    if (!this.#subscribed) return;
    unsubscribe(REQUEST_START, this.#onRequest);
    this.#subscribed = false;
  }

  /** The guard's answer for `request`, or undefined when it did not pass through the channel. */
  outcome(request: object): Promise<NodeGuardOutcome> | undefined {
    return this.#outcomes.get(request);
  }
}

/**
 * mcp-proxy sets its own CORS headers (`Access-Control-Allow-Origin: *` for any `Origin`) and
 * answers every OPTIONS with a bare 204, both synchronously as the request starts, right after
 * this channel. On the MCP endpoint the guard's browser rules decide instead: mcp-proxy's
 * `Access-Control-*` headers are dropped during that synchronous start, and a preflight gets
 * the guard's answer (204 with the allowed methods and headers, or 403 for a foreign `Origin`).
 */
function takeOverCors(
  request: IncomingMessage,
  response: ServerResponse,
  outcome: Promise<NodeGuardOutcome>,
): void {
  const setHeader = response.setHeader;
  response.setHeader = function (this: ServerResponse, name: string, value: never) {
    return /^access-control-/i.test(name) ? this : setHeader.call(this, name, value);
  } as typeof response.setHeader;
  queueMicrotask(() => {
    response.setHeader = setHeader;
  });
  if (request.method?.toUpperCase() !== 'OPTIONS') return;
  const { writeHead, end } = response;
  response.writeHead = function (this: ServerResponse) {
    return this;
  } as typeof response.writeHead;
  response.end = function (this: ServerResponse) {
    response.writeHead = writeHead;
    response.end = end;
    void outcome.then((result) =>
      writeNodeResponse(response, result.ok ? { status: 204, headers: {} } : result.response),
    );
    return this;
  } as typeof response.end;
}

/**
 * A refused request's body is dropped chunk by chunk (never kept, never waited for): whoever
 * reads the stream sees a complete JSON `null` body at once — so that mcp-proxy, which waits
 * for the body's end before it calls `authenticate`, answers the refusal without waiting for
 * bytes a client may never send (a 4 MiB announcement, a stalled upload).
 */
function dropBody(request: IncomingMessage): void {
  const emit = request.emit;
  request.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
    if (event === 'data' || event === 'end') return true;
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof request.emit;
  const answer = () => {
    emit.call(request, 'data', NULL_BODY);
    emit.call(request, 'end');
  };
  if (request.listenerCount('data') > 0) answer();
  // mcp-proxy attaches `data` then `end` in one statement: answer once both are there.
  else whenDataListenerAdded(request, () => process.nextTick(answer));
  request.resume();
}

/**
 * Resumes the held stream once mcp-proxy listens to it too (it may attach its `data` listener
 * after the guard decided), so that it never misses a chunk or the end.
 */
function resumeWithConsumer(request: IncomingMessage, ownListeners: number): void {
  if (request.listenerCount('data') > ownListeners) request.resume();
  else whenDataListenerAdded(request, () => request.resume());
}

/** Runs `then` once, right after the next `data` listener is added with `request.on`. */
function whenDataListenerAdded(request: IncomingMessage, then: () => void): void {
  const on = request.on;
  request.on = function (this: IncomingMessage, event: string | symbol, listener: never) {
    const result = on.call(this, event, listener);
    if (event === 'data') {
      request.on = on;
      then();
    }
    return result;
  } as typeof request.on;
}
