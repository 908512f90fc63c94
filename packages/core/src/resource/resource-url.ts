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
  override get href(): string {
    return super.href;
  }
  override set href(_value: string) {
    readOnly('href');
  }
  override get protocol(): string {
    return super.protocol;
  }
  override set protocol(_value: string) {
    readOnly('protocol');
  }
  override get username(): string {
    return super.username;
  }
  override set username(_value: string) {
    readOnly('username');
  }
  override get password(): string {
    return super.password;
  }
  override set password(_value: string) {
    readOnly('password');
  }
  override get host(): string {
    return super.host;
  }
  override set host(_value: string) {
    readOnly('host');
  }
  override get hostname(): string {
    return super.hostname;
  }
  override set hostname(_value: string) {
    readOnly('hostname');
  }
  override get port(): string {
    return super.port;
  }
  override set port(_value: string) {
    readOnly('port');
  }
  override get pathname(): string {
    return super.pathname;
  }
  override set pathname(_value: string) {
    readOnly('pathname');
  }
  override get search(): string {
    return super.search;
  }
  override set search(_value: string) {
    readOnly('search');
  }
  override get hash(): string {
    return super.hash;
  }
  override set hash(_value: string) {
    readOnly('hash');
  }
  /** A copy: changing it leaves this URL as it is. */
  override get searchParams(): URLSearchParams {
    return new URLSearchParams(super.search);
  }
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
