/**
 * The `resource` URL of the SDK `AuthInfo`s the guard hands on: one read-only `URL` per resource
 * string, shared by every request for that resource. A verified token's resource is one of the
 * few this server serves, and parsing a fresh `URL` per request cost ~3,000 instructions and
 * ~250 bytes that, on a per-request MCP SDK v2 server, survive until a major collection
 * (bench/README.md, session 8).
 *
 * Shared, so it cannot be changed: its setters throw a `TypeError`, `searchParams` is a copy
 * (changing it does not change the URL), and the object is frozen. It is a `URL` in every other
 * way (`instanceof URL`, `href`, `toString()`, `toJSON()`); derive another URL with
 * `new URL(path, resource)`.
 */
class ReadonlyURL extends URL {
  /** A copy: changing it leaves this URL as it is. */
  override get searchParams(): URLSearchParams {
    return new URLSearchParams(this.search);
  }
}

// Every settable part keeps URL's own getter and gets a setter that refuses (WebIDL attributes:
// accessors on `URL.prototype` in every runtime).
for (const part of [
  'href',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const) {
  const own = Object.getOwnPropertyDescriptor(URL.prototype, part);
  Object.defineProperty(ReadonlyURL.prototype, part, {
    configurable: true,
    enumerable: own?.enumerable ?? true,
    get: own?.get,
    set() {
      readOnly(part);
    },
  });
}

function readOnly(part: string): never {
  throw new TypeError(
    `AuthInfo.resource is read-only (shared by every request for this resource): cannot set ${part}; derive a new URL with new URL(…, resource)`,
  );
}

/** Distinct resources remembered; past it the cache starts again (it holds no security state). */
const MAX_RESOURCES = 64;
const parsed = new Map<string, URL>();

/** The shared read-only URL of `value`, or `undefined` when it is not a URL. */
export function resourceUrl(value: string): URL | undefined {
  const known = parsed.get(value);
  if (known !== undefined) return known;
  let url: URL;
  try {
    url = Object.freeze(new ReadonlyURL(value));
  } catch {
    return undefined;
  }
  if (parsed.size >= MAX_RESOURCES) parsed.clear();
  parsed.set(value, url);
  return url;
}
