/**
 * Text as the notebook stores it: valid UTF-8 (anything else decoded with U+FFFD, so binary output cannot break
 * the database, the API's JSON or an export), no NUL characters, and at most a given size, cut on a character
 * boundary with a visible marker saying how much was left out. Oversized input is cut, never refused: the rest of
 * the record still counts.
 */

const decoder = new TextDecoder('utf-8', { fatal: false });

export interface BoundedText {
  text: string;
  /** Part of the input was left out (the marker says how much). */
  truncated: boolean;
}

/** The marker that ends a cut text: what the notebook and the export show. */
export const truncationMarker = (omittedBytes: number): string => `\n[… truncated: ${omittedBytes} more bytes not kept]`;

/** Bytes or text as storable text of at most `maxBytes` UTF-8 bytes (plus the marker); `totalBytes` if more was seen than given. */
export function boundedText(input: Uint8Array | string, maxBytes: number, totalBytes?: number): BoundedText {
  const decoded = (typeof input === 'string' ? input : decoder.decode(input)).replaceAll('\0', '\uFFFD');
  const bytes = Buffer.from(decoded, 'utf8');
  const seen = Math.max(totalBytes ?? 0, typeof input === 'string' ? bytes.length : input.length);
  if (bytes.length <= maxBytes && seen <= (typeof input === 'string' ? bytes.length : input.length)) {
    return { text: decoded, truncated: false };
  }
  let cut = Math.min(maxBytes, bytes.length);
  // Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (cut > 0 && cut < bytes.length && (bytes[cut]! & 0xc0) === 0x80) cut--;
  const kept = bytes.subarray(0, cut).toString('utf8');
  return { text: kept + truncationMarker(Math.max(0, seen - cut)), truncated: true };
}
