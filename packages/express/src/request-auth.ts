// `req.auth` without adding a property to the request.
//
// Express gives every request a hidden class of its own (`Object.setPrototypeOf(req,
// app.request)` on each one), so adding a property to a request builds a new map for it: for
// `req.auth`, about 30,000 CPU instructions per request under MCP SDK v2 (bench/README.md,
// "Session 7"), more than the rest of the guard's own JavaScript. Instead, `auth` is an accessor
// on the app's request prototype (`app.request`, made per application from `express.request`),
// reading and writing a WeakMap keyed by the request: `req.auth` reads and assigns as before
// (the MCP SDKs' `toNodeHandler` and `handleRequest` read it), and the request object itself is
// left as Express made it. What differs from an own property: `Object.keys(req)`, `{ ...req }`
// and `Object.hasOwn(req, 'auth')` do not show it, and `delete req.auth` does not clear it
// (assign `undefined`).
import type { McpAuthInfo } from '@mcp-auth/core/mcp';

const AUTH_OF_REQUEST = new WeakMap<object, unknown>();

// Request prototypes seen, and whether `auth` is this module's accessor there.
const accessorOn = new WeakMap<object, boolean>();

const descriptor: PropertyDescriptor = {
  configurable: true,
  enumerable: false,
  get(this: object): unknown {
    return AUTH_OF_REQUEST.get(this);
  },
  set(this: object, value: unknown): void {
    AUTH_OF_REQUEST.set(this, value);
  },
};

/**
 * Installs the accessor on `proto` when it is a top-level Express application's request
 * prototype (`app.request` has an own `app`, which no parent app mounted) and nothing named
 * `auth` is there yet. A sub-app's requests get a plain property: Express switches a request's
 * prototype back to the parent app's when it leaves the sub-app, and `req.auth` must stay.
 * Node's own `IncomingMessage.prototype`, shared by every request of every framework, is never
 * touched.
 */
function installAccessor(proto: object): boolean {
  if (!Object.hasOwn(proto, 'app') || Object.hasOwn(proto, 'auth')) return false;
  const app = (proto as { app?: unknown }).app;
  if (typeof app !== 'function' || (app as { parent?: unknown }).parent !== undefined) return false;
  Object.defineProperty(proto, 'auth', descriptor);
  return true;
}

/**
 * Sets `req.auth` to `value`: through the app prototype's accessor when there is one (no
 * property added to the request), else as an own property (a request outside an Express app,
 * or one that already has its own `auth`).
 */
export function setRequestAuth(req: object, value: McpAuthInfo): void {
  const proto = Object.getPrototypeOf(req) as object | null;
  let accessor = false;
  if (proto !== null) {
    const known = accessorOn.get(proto);
    accessor = known ?? installAccessor(proto);
    if (known === undefined) accessorOn.set(proto, accessor);
  }
  if (accessor && !Object.hasOwn(req, 'auth')) AUTH_OF_REQUEST.set(req, value);
  else (req as { auth?: unknown }).auth = value;
}
