// `req.auth` and `req.body` without adding a property to the request.
//
// Express gives every request a hidden class of its own (`Object.setPrototypeOf(req,
// app.request)` on each one), so adding a property to a request builds a new map for it and
// copies its descriptors (~1.3 KB): for `req.auth`, about 30,000 CPU instructions per request
// under MCP SDK v2 (bench/README.md, "Session 7"), more than the rest of the guard's own
// JavaScript, and as much again for `req.body` ("Session 8"). Instead, each is an accessor on the
// app's request prototype (`app.request`, made per application from `express.request`), reading
// and writing a WeakMap keyed by the request: `req.auth` and `req.body` read and assign as before
// (the MCP SDKs' `toNodeHandler` and `handleRequest` read `req.auth`; a body parser mounted after
// the guard assigns `req.body` through it), and the request object itself is left as Express
// made it. What differs from an own property: `Object.keys(req)`, `{ ...req }` and
// `Object.hasOwn(req, name)` do not show it, `'body' in req` is true before anything set it, and
// `delete req.auth` does not clear it (assign `undefined`).
import type { McpAuthInfo } from '@mcp-auth/core/mcp';

/** The request properties set through an accessor. */
type Slot = 'auth' | 'body';

interface SlotState {
  /** The value of each request. */
  readonly values: WeakMap<object, unknown>;
  /** Request prototypes seen, and whether this slot's accessor is there. */
  readonly accessorOn: WeakMap<object, boolean>;
  readonly descriptor: PropertyDescriptor;
}

function slotState(): SlotState {
  const values = new WeakMap<object, unknown>();
  return {
    values,
    accessorOn: new WeakMap(),
    descriptor: {
      configurable: true,
      enumerable: false,
      get(this: object): unknown {
        return values.get(this);
      },
      set(this: object, value: unknown): void {
        values.set(this, value);
      },
    },
  };
}

const SLOTS: Readonly<Record<Slot, SlotState>> = { auth: slotState(), body: slotState() };

/**
 * Installs the accessor of `name` on `proto` when it is a top-level Express application's
 * request prototype (`app.request` has an own `app`, which no parent app mounted) and nothing
 * of that name is there yet. A sub-app's requests get a plain property: Express switches a
 * request's prototype back to the parent app's when it leaves the sub-app, and the value must
 * stay. Node's own `IncomingMessage.prototype`, shared by every request of every framework, is
 * never touched.
 */
function installAccessor(proto: object, name: Slot): boolean {
  if (!Object.hasOwn(proto, 'app') || Object.hasOwn(proto, name)) return false;
  const app = (proto as { app?: unknown }).app;
  if (typeof app !== 'function' || (app as { parent?: unknown }).parent !== undefined) return false;
  Object.defineProperty(proto, name, SLOTS[name].descriptor);
  return true;
}

/**
 * Sets `req[name]` to `value`: through the app prototype's accessor when there is one (no
 * property added to the request), else as an own property (a request outside an Express app,
 * or one that already has its own property of that name).
 */
function setOnRequest(name: Slot, req: object, value: unknown): void {
  const slot = SLOTS[name];
  const proto = Object.getPrototypeOf(req) as object | null;
  let accessor = false;
  if (proto !== null) {
    const known = slot.accessorOn.get(proto);
    accessor = known ?? installAccessor(proto, name);
    if (known === undefined) slot.accessorOn.set(proto, accessor);
  }
  if (accessor && !Object.hasOwn(req, name)) slot.values.set(req, value);
  else (req as Record<Slot, unknown>)[name] = value;
}

/** Sets `req.auth` (see the module comment). */
export function setRequestAuth(req: object, value: McpAuthInfo): void {
  setOnRequest('auth', req, value);
}

/** Sets `req.body`, the JSON-RPC body the guard parsed (see the module comment). */
export function setRequestBody(req: object, value: unknown): void {
  setOnRequest('body', req, value);
}
