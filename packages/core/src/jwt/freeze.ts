/** Freezes a JSON value and everything inside it. @internal */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    // for…in over own JSON properties: no intermediate array (this runs once per cached token).
    for (const name in value) {
      const inner = (value as Record<string, unknown>)[name];
      if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
    }
  }
  return value;
}
