/**
 * Characters that change how text is displayed without being visible themselves: bidi
 * controls (U+061C, U+200E/F, U+202A–E, U+2066–9), zero-width and joiner characters
 * (U+200B–D, U+2060–4, U+FEFF), soft hyphen, variation selectors, Mongolian free variation
 * selectors, interlinear annotation marks. Used to refuse them in identifiers and to show them
 * visibly on pages (look-alike client identities, issue 19).
 */
export function isInvisibleFormat(c: number): boolean {
  return (
    c === 0xad ||
    c === 0x34f ||
    c === 0x61c ||
    (c >= 0x180b && c <= 0x180f) ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x206f) ||
    c === 0xfeff ||
    (c >= 0xfe00 && c <= 0xfe0f) ||
    (c >= 0xfff9 && c <= 0xfffb)
  );
}

/** True for C0 and C1 control characters and DEL. */
export function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/**
 * `text` with every control or invisible formatting character replaced by a visible
 * `[U+XXXX]` marker, so a right-to-left override or a zero-width space cannot disguise
 * what a user reads.
 */
export function revealInvisible(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    out +=
      isControl(c) || isInvisibleFormat(c)
        ? `[U+${c.toString(16).toUpperCase().padStart(4, '0')}]`
        : ch;
  }
  return out;
}
