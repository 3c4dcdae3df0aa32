/**
 * The page's ids for its code blocks when they run as notebook cells. The server keeps each cell's latest output
 * under this id, so it must come out the same on every load of the lesson: it is made from the block's code (a
 * short hash) and, for a block whose code appears more than once on the page, its ordinal among those twins.
 * Editing one block changes only that block's id; its old output stays in the timeline but no longer shows under
 * the block, which is right, since it is no longer that block's output.
 */

/** 32-bit FNV-1a over the UTF-16 code units: tiny, synchronous, and stable across browsers and Node. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The cell id of each code block, given the blocks' code in page order (matches ^[A-Za-z0-9_-]{1,100}$). */
export function cellIdsFor(codes: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return codes.map((code) => {
    const hash = `c${fnv1a(code.trim()).toString(36).padStart(7, '0')}`;
    const ordinal = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, ordinal);
    return ordinal === 1 ? hash : `${hash}-${ordinal}`;
  });
}
