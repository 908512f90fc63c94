/**
 * The one JSON body rule of core: UTF-8 (fatal), nesting capped before `JSON.parse` runs,
 * then `JSON.parse`. The MCP guard (`resource/json-rpc.ts`, JSON-RPC errors) and the
 * authorization server's registration endpoint (`http/form.ts`, OAuth errors) both parse with
 * it and differ only in what they answer and in their caps.
 */

import { utf8DecodeStrict } from '../encoding/utf8.js';

/** Default cap on JSON nesting in a request body: deeper bodies are refused before `JSON.parse`. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** Parsed JSON, or why the text is not acceptable JSON. */
export type ParsedJson =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'invalid' | 'too_deep' };

/** A request body's text: strict UTF-8 (`undefined` when not), a leading BOM dropped. */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  return utf8DecodeStrict(bytes, { stripBom: true });
}

/**
 * True when no array or object in `text` nests deeper than `maxDepth`. One linear pass that
 * skips string contents, run before `JSON.parse` so a body of a million `[` costs microseconds
 * instead of a deep recursive parse.
 */
export function withinJsonDepth(text: string, maxDepth: number): boolean {
  // Nesting never exceeds the number of openers: most bodies have a handful, found by native
  // indexOf scans, so the character loop below only runs for bodies that could be too deep.
  let openers = 0;
  for (const opener of ['[', '{']) {
    for (let at = text.indexOf(opener); at !== -1; at = text.indexOf(opener, at + 1))
      if (++openers > maxDepth) break;
    if (openers > maxDepth) break;
  }
  if (openers <= maxDepth) return true;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return false;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return true;
}

/** Parses body bytes (or text): not UTF-8 or not JSON → `invalid`; nested too deep → `too_deep`. */
export function parseJson(raw: Uint8Array | string, maxDepth: number): ParsedJson {
  const text = typeof raw === 'string' ? raw : decodeUtf8Strict(raw);
  if (text === undefined) return { ok: false, reason: 'invalid' };
  if (!withinJsonDepth(text, maxDepth)) return { ok: false, reason: 'too_deep' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}
