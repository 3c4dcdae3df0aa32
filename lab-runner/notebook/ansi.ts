/**
 * Terminal output (ANSI / ECMA-48) to safe HTML for a notebook cell, and to plain text for Markdown export.
 *
 * The text comes from a cluster and is untrusted: every character is HTML-escaped, and the only markup we write
 * is our own <span>, whose class and style are built from numbers, never from the text.
 *
 * SGR colours 0–15 become classes (`ansi-fg-N`, `ansi-bg-N`) so the stylesheet can follow the light/dark theme;
 * 256-colour and truecolour become an inline `#rrggbb`. Inverse video swaps the colours it knows and adds
 * `ansi-inverse`, which the stylesheet must declare *before* the colour classes: it only supplies the swapped
 * default colours (CSS cannot swap two properties), and any explicit colour on the same span wins.
 *
 * Every other escape sequence is dropped. Of cursor movement we keep only what a log viewer needs: a lone \r lets
 * what follows replace the line (progress bars), \b removes the character before it, and erase-in-line after a
 * \r blanks the line. One pass over the text with no backtracking regex, so a megabyte renders in milliseconds.
 */
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** A palette index 0–15 (rendered as a themeable class) or a fixed '#rrggbb'. */
type Colour = number | string;

interface Pen {
  foreground: Colour | null;
  background: Colour | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
}

/** A piece of text in one style. `spanOpenTag` is '' for unstyled text and null for a line break. */
interface Run {
  spanOpenTag: string | null;
  text: string;
}

/** Text written on the current line; `keptLength` lets \b shorten it without copying the string each time. */
interface LineChunk {
  spanOpenTag: string;
  text: string;
  keptLength: number;
}

const ESC = 0x1b;
const BEL = 0x07;
const BACKSPACE = 0x08;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CANCEL = 0x18;
const SUBSTITUTE = 0x1a;
const DELETE = 0x7f;
const C1_STRING_TERMINATOR = 0x9c;

/** Bigger than any meaningful SGR number, small enough that accumulating digits never leaves the safe integers. */
const PARAMETER_CAP = 100_000;
/** An empty parameter: 0 where SGR says so, but never a colour component. */
const MISSING = -1;

const CUBE_LEVELS = [0, 95, 135, 175, 215, 255];

export function ansiToHtml(text: string): string {
  const html: string[] = [];
  let openTag = '';
  // Line breaks wait for the next text: inside the open span if that text continues it (fewer tags), after the
  // span's end otherwise, so a line's span never ends at the start of the next line.
  let pendingLineBreaks = '';
  for (const run of interpret(text)) {
    if (run.spanOpenTag === null) {
      pendingLineBreaks += '\n';
      continue;
    }
    if (run.spanOpenTag !== openTag) {
      if (openTag) html.push('</span>');
      html.push(pendingLineBreaks);
      if (run.spanOpenTag) html.push(run.spanOpenTag);
      openTag = run.spanOpenTag;
    } else {
      html.push(pendingLineBreaks);
    }
    pendingLineBreaks = '';
    html.push(escapeHtml(run.text));
  }
  if (openTag) html.push('</span>');
  html.push(pendingLineBreaks);
  return html.join('');
}

export function stripAnsi(text: string): string {
  return interpret(text)
    .map((run) => (run.spanOpenTag === null ? '\n' : run.text))
    .join('');
}

function interpret(text: string): Run[] {
  const runs: Run[] = [];
  const line: LineChunk[] = [];
  const pen = resetPen();
  let penTag = '';
  // After a lone \r the cursor is at column 0: the next text replaces the line. Deferred, so that "done\r" at the
  // very end, or "\r\n", leaves the line as it was.
  let cursorAtLineStart = false;

  const flushLine = (): void => {
    for (const chunk of line) {
      if (chunk.keptLength > 0) runs.push({ spanOpenTag: chunk.spanOpenTag, text: chunk.text.slice(0, chunk.keptLength) });
    }
    line.length = 0;
  };

  const removeLastCharacter = (): void => {
    const last = line.at(-1);
    if (!last) return;
    const end = last.keptLength;
    const isSurrogatePair = end >= 2 && isLowSurrogate(last.text.charCodeAt(end - 1)) && isHighSurrogate(last.text.charCodeAt(end - 2));
    last.keptLength = end - (isSurrogatePair ? 2 : 1);
    if (last.keptLength === 0) line.pop();
  };

  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);

    if (isPrintable(code)) {
      let end = index + 1;
      while (end < text.length && isPrintable(text.charCodeAt(end))) end++;
      if (cursorAtLineStart) {
        line.length = 0;
        cursorAtLineStart = false;
      }
      // Always a new chunk, even in the same style: appending to one that \b has shortened would copy it.
      line.push({ spanOpenTag: penTag, text: text.slice(index, end), keptLength: end - index });
      index = end;
      continue;
    }

    if (code === LINE_FEED) {
      flushLine();
      runs.push({ spanOpenTag: null, text: '\n' });
      cursorAtLineStart = false;
      index++;
      continue;
    }
    if (code === CARRIAGE_RETURN) {
      cursorAtLineStart = true;
      index++;
      continue;
    }
    if (code === BACKSPACE) {
      if (!cursorAtLineStart) removeLastCharacter();
      index++;
      continue;
    }
    if (code !== ESC) {
      index++; // any other C0 or C1 control, or DEL
      continue;
    }

    const introducer = text.charCodeAt(index + 1); // NaN past the end
    if (introducer === 0x5b /* [ */) {
      const sequence = readControlSequence(text, index + 2);
      if (sequence.final === 'm' && /^[\d;:]*$/.test(sequence.parameters)) {
        applySgr(pen, parseSgrParameters(sequence.parameters));
        penTag = spanOpenTag(pen);
      } else if (sequence.final === 'K' && /^\d*$/.test(sequence.parameters)) {
        // Erase in line: 2 is the whole line; 0 (the default) is from the cursor on, which is everything only when
        // a \r has put the cursor at the start. The common "\r\x1b[K" clears a spinner.
        const mode = sequence.parameters === '' ? 0 : Number(sequence.parameters);
        if (mode === 2 || (mode === 0 && cursorAtLineStart)) line.length = 0;
      }
      index = sequence.next;
    } else if (introducer === 0x5d /* ] OSC */ || introducer === 0x50 /* P DCS */ || introducer === 0x58 /* X SOS */ || introducer === 0x5e /* ^ PM */ || introducer === 0x5f /* _ APC */) {
      // OSC 8 hyperlinks, OSC 133/633 shell marks, window titles…: the payload goes, text between them stays.
      index = skipControlString(text, index + 2);
    } else if (introducer >= 0x20 && introducer <= 0x2f) {
      // ESC, intermediates, one final byte: character-set designations such as ESC ( B.
      let end = index + 1;
      while (end < text.length && isIntermediate(text.charCodeAt(end))) end++;
      index = end < text.length && isEscapeFinal(text.charCodeAt(end)) ? end + 1 : end;
    } else if (isEscapeFinal(introducer)) {
      index += 2; // ESC 7, ESC =, ESC M, ESC c…
    } else {
      index++; // a lone ESC (or one at the very end): drop it and read what follows as usual
    }
  }
  flushLine();
  return runs;
}

/** Reads a CSI sequence from just after "ESC [". A truncated one runs to the end of the text; a broken one ends before the byte that broke it. */
function readControlSequence(text: string, start: number): { parameters: string; final: string; next: number } {
  let end = start;
  while (end < text.length && isParameterOrIntermediate(text.charCodeAt(end))) end++;
  if (end >= text.length) return { parameters: '', final: '', next: text.length };
  const code = text.charCodeAt(end);
  if (code >= 0x40 && code <= 0x7e) return { parameters: text.slice(start, end), final: text[end]!, next: end + 1 };
  return { parameters: '', final: '', next: end };
}

/**
 * Skips an OSC/DCS/SOS/PM/APC payload, ended by BEL, ST (ESC \ or U+009C), CAN or SUB. Another ESC ends it without
 * being consumed, as in a terminal. So does a line feed, which no terminal does: a lost terminator must not hide
 * the rest of a cell's output, and none of the strings we expect spans lines.
 */
function skipControlString(text: string, start: number): number {
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === BEL || code === CANCEL || code === SUBSTITUTE || code === C1_STRING_TERMINATOR) return index + 1;
    if (code === ESC) return text.charCodeAt(index + 1) === 0x5c /* \ */ ? index + 2 : index;
    if (code === LINE_FEED) return index;
  }
  return text.length;
}

/** "1;38:2::255:0:0" → [[1], [38, 2, MISSING, 255, 0, 0]]: groups split by ';', sub-parameters by ':'. */
function parseSgrParameters(parameters: string): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let value = MISSING;
  for (let index = 0; index <= parameters.length; index++) {
    const char = parameters[index];
    if (char === undefined || char === ';' || char === ':') {
      group.push(value);
      value = MISSING;
      if (char !== ':') {
        groups.push(group);
        group = [];
      }
    } else {
      value = Math.min((value === MISSING ? 0 : value) * 10 + (char.charCodeAt(0) - 0x30), PARAMETER_CAP);
    }
  }
  return groups;
}

function applySgr(pen: Pen, groups: number[][]): void {
  for (let index = 0; index < groups.length; index++) {
    const group = groups[index]!;
    const code = group[0] === MISSING ? 0 : group[0]!;

    if (code === 38 || code === 48 || code === 58) {
      let colour: Colour | null;
      if (group.length > 1) {
        colour = extendedColourFromSubParameters(group.slice(1));
      } else {
        // The ';' form spreads the colour over the following groups; consume them even when they are incomplete,
        // or "38;5;1" without its colour would read as blink and bold.
        const mode = groups[index + 1]?.[0];
        if (mode === 5) {
          colour = paletteColour(groups[index + 2]?.[0]);
          index += 2;
        } else if (mode === 2) {
          colour = rgbColour(groups[index + 2]?.[0], groups[index + 3]?.[0], groups[index + 4]?.[0]);
          index += 4;
        } else {
          colour = null;
          index += 1;
        }
      }
      // 58 is the underline colour, which we do not draw.
      if (colour !== null && code === 38) pen.foreground = colour;
      if (colour !== null && code === 48) pen.background = colour;
      continue;
    }

    if (code === 0) Object.assign(pen, resetPen());
    else if (code === 1) pen.bold = true;
    else if (code === 2) pen.dim = true;
    else if (code === 3) pen.italic = true;
    else if (code === 4) pen.underline = group[1] !== 0; // 4:0 is "no underline"; 4:1–4:5 are underline styles
    else if (code === 7) pen.inverse = true;
    else if (code === 22) {
      pen.bold = false;
      pen.dim = false;
    }
    else if (code === 23) pen.italic = false;
    else if (code === 24) pen.underline = false;
    else if (code === 27) pen.inverse = false;
    else if (code >= 30 && code <= 37) pen.foreground = code - 30;
    else if (code === 39) pen.foreground = null;
    else if (code >= 40 && code <= 47) pen.background = code - 40;
    else if (code === 49) pen.background = null;
    else if (code >= 90 && code <= 97) pen.foreground = code - 90 + 8;
    else if (code >= 100 && code <= 107) pen.background = code - 100 + 8;
    // Blink, conceal, strike-through, fonts…: ignored, the text shows plainly.
  }
}

/** The ':' form: 5:n, or 2:r:g:b with an optional colour-space id before r (2:id:r:g:b, usually written 2::r:g:b). */
function extendedColourFromSubParameters(subParameters: number[]): Colour | null {
  const [mode, ...rest] = subParameters;
  if (mode === 5) return paletteColour(rest[0]);
  if (mode === 2) {
    const [red, green, blue] = rest.length >= 4 ? rest.slice(1) : rest;
    return rgbColour(red, green, blue);
  }
  return null;
}

/** xterm's 256 colours: 0–15 the themeable basic ones, 16–231 a 6×6×6 cube, 232–255 a grey ramp. */
function paletteColour(index: number | undefined): Colour | null {
  if (index === undefined || index < 0 || index > 255) return null;
  if (index < 16) return index;
  if (index >= 232) {
    const grey = 8 + 10 * (index - 232);
    return hexColour(grey, grey, grey);
  }
  const cubeIndex = index - 16;
  return hexColour(CUBE_LEVELS[Math.floor(cubeIndex / 36)]!, CUBE_LEVELS[Math.floor(cubeIndex / 6) % 6]!, CUBE_LEVELS[cubeIndex % 6]!);
}

function rgbColour(red: number | undefined, green: number | undefined, blue: number | undefined): Colour | null {
  const isComponent = (value: number | undefined): value is number => value !== undefined && value >= 0 && value <= 255;
  if (!isComponent(red) || !isComponent(green) || !isComponent(blue)) return null;
  return hexColour(red, green, blue);
}

function hexColour(red: number, green: number, blue: number): string {
  return `#${[red, green, blue].map((component) => component.toString(16).padStart(2, '0')).join('')}`;
}

function resetPen(): Pen {
  return { foreground: null, background: null, bold: false, dim: false, italic: false, underline: false, inverse: false };
}

/** The <span> that draws text in this pen, or '' when the pen is the default one. */
function spanOpenTag(pen: Pen): string {
  const shownForeground = pen.inverse ? pen.background : pen.foreground;
  const shownBackground = pen.inverse ? pen.foreground : pen.background;
  const classes: string[] = [];
  const styles: string[] = [];
  if (typeof shownForeground === 'number') classes.push(`ansi-fg-${shownForeground}`);
  else if (shownForeground !== null) styles.push(`color:${shownForeground}`);
  if (typeof shownBackground === 'number') classes.push(`ansi-bg-${shownBackground}`);
  else if (shownBackground !== null) styles.push(`background-color:${shownBackground}`);
  if (pen.bold) classes.push('ansi-bold');
  if (pen.dim) classes.push('ansi-dim');
  if (pen.italic) classes.push('ansi-italic');
  if (pen.underline) classes.push('ansi-underline');
  if (pen.inverse) classes.push('ansi-inverse');
  if (classes.length === 0 && styles.length === 0) return '';
  const classAttribute = classes.length > 0 ? ` class="${classes.join(' ')}"` : '';
  const styleAttribute = styles.length > 0 ? ` style="${styles.join(';')}"` : '';
  return `<span${classAttribute}${styleAttribute}>`;
}

/** Text we keep as is: everything but the C0 controls (tab excepted), DEL and the C1 controls. */
function isPrintable(code: number): boolean {
  return code === TAB || (code >= 0x20 && code < DELETE) || code > 0x9f;
}

function isParameterOrIntermediate(code: number): boolean {
  return code >= 0x20 && code <= 0x3f;
}

function isIntermediate(code: number): boolean {
  return code >= 0x20 && code <= 0x2f;
}

function isEscapeFinal(code: number): boolean {
  return code >= 0x30 && code <= 0x7e;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
