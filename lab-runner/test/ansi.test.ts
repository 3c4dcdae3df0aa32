import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ansiToHtml, stripAnsi } from '../notebook/ansi.ts';

const ESC = '\x1b';
const BEL = '\x07';
const ST = `${ESC}\\`;

describe('colours and styles in a cell output', () => {
  it('draws a red word with the red class and keeps its text', () => {
    assert.equal(ansiToHtml(`${ESC}[31mError${ESC}[0m: pod failed`), '<span class="ansi-fg-1">Error</span>: pod failed');
  });

  it('uses classes for the 16 basic colours, bright and background ones included', () => {
    assert.equal(ansiToHtml(`${ESC}[92;44mok${ESC}[m`), '<span class="ansi-fg-10 ansi-bg-4">ok</span>');
    assert.equal(ansiToHtml(`${ESC}[107mx`), '<span class="ansi-bg-15">x</span>');
    assert.equal(ansiToHtml(`${ESC}[1;2;3;4mx`), '<span class="ansi-bold ansi-dim ansi-italic ansi-underline">x</span>');
  });

  it('closes the span on a reset, and reopens one when the style changes', () => {
    assert.equal(ansiToHtml(`${ESC}[32mRunning${ESC}[0m 1/1`), '<span class="ansi-fg-2">Running</span> 1/1');
    assert.equal(ansiToHtml(`${ESC}[32mRunning${ESC}[m 1/1`), '<span class="ansi-fg-2">Running</span> 1/1');
    assert.equal(
      ansiToHtml(`${ESC}[31mred ${ESC}[1mbold red${ESC}[22m red${ESC}[39m plain`),
      '<span class="ansi-fg-1">red </span><span class="ansi-fg-1 ansi-bold">bold red</span><span class="ansi-fg-1"> red</span> plain',
    );
    assert.equal(ansiToHtml(`${ESC}[4;3mx${ESC}[24my${ESC}[23mz`), '<span class="ansi-italic ansi-underline">x</span><span class="ansi-italic">y</span>z');
  });

  it('writes no empty spans and closes the one still open at the end', () => {
    assert.equal(ansiToHtml(`${ESC}[31m${ESC}[32mgreen${ESC}[0m${ESC}[33m`), '<span class="ansi-fg-2">green</span>');
    assert.equal(ansiToHtml(`${ESC}[36mSTATUS\nRunning`), '<span class="ansi-fg-6">STATUS\nRunning</span>');
    assert.equal(ansiToHtml(`${ESC}[1m`), '');
    assert.equal(ansiToHtml(`${ESC}[31mError\n${ESC}[0m\n`), '<span class="ansi-fg-1">Error</span>\n\n');
  });

  it('computes the hex of a 256-colour', () => {
    assert.equal(ansiToHtml(`${ESC}[38;5;208mwarn`), '<span style="color:#ff8700">warn</span>');
    assert.equal(ansiToHtml(`${ESC}[48;5;21mx`), '<span style="background-color:#0000ff">x</span>');
    assert.equal(ansiToHtml(`${ESC}[38;5;244mx`), '<span style="color:#808080">x</span>');
    assert.equal(ansiToHtml(`${ESC}[38;5;232mx${ESC}[38;5;255my`), '<span style="color:#080808">x</span><span style="color:#eeeeee">y</span>');
    assert.equal(ansiToHtml(`${ESC}[38;5;1mx`), '<span class="ansi-fg-1">x</span>', 'the basic 16 stay themeable');
  });

  it('gives truecolour its exact hex, in the ; and the : forms', () => {
    assert.equal(ansiToHtml(`${ESC}[38;2;255;100;0mx`), '<span style="color:#ff6400">x</span>');
    assert.equal(ansiToHtml(`${ESC}[1;48;2;0;0;0;38;2;18;52;86mx`), '<span class="ansi-bold" style="color:#123456;background-color:#000000">x</span>');
    assert.equal(ansiToHtml(`${ESC}[38:2::1:2:3mx`), '<span style="color:#010203">x</span>');
    assert.equal(ansiToHtml(`${ESC}[38:5:208mx`), '<span style="color:#ff8700">x</span>');
  });

  it('swaps foreground and background for inverse video', () => {
    assert.equal(ansiToHtml(`${ESC}[7;31;42mx${ESC}[27my`), '<span class="ansi-fg-2 ansi-bg-1 ansi-inverse">x</span><span class="ansi-fg-1 ansi-bg-2">y</span>');
    assert.equal(ansiToHtml(`${ESC}[7mx`), '<span class="ansi-inverse">x</span>');
  });

  it('ignores what it cannot understand instead of throwing', () => {
    assert.equal(ansiToHtml(`${ESC}[38;5mx`), 'x');
    assert.equal(ansiToHtml(`${ESC}[38;5;mx`), 'x');
    assert.equal(ansiToHtml(`${ESC}[38;5;999mx`), 'x');
    assert.equal(ansiToHtml(`${ESC}[38;2;1;2mx`), 'x');
    assert.equal(ansiToHtml(`${ESC}[38;2;1;2;300mx`), 'x');
    assert.equal(ansiToHtml(`${ESC}[99999999999999999999999mx`), 'x');
    assert.equal(ansiToHtml(`${ESC}[58;5;1mx`), 'x', 'an underline colour is not read as blink and bold');
    assert.equal(ansiToHtml(`${ESC}[${'1;'.repeat(100_000)}1mx`), '<span class="ansi-bold">x</span>');
    assert.equal(ansiToHtml(`${ESC}[${';'.repeat(100_000)}31mx`), '<span class="ansi-fg-1">x</span>');
  });
});

describe('output from the cluster cannot inject markup', () => {
  it('escapes every HTML-special character', () => {
    assert.equal(ansiToHtml(`<script>alert("x")</script> & 'y'`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  });

  it('escapes inside coloured spans and inside dropped sequences too', () => {
    assert.equal(ansiToHtml(`${ESC}[31m<img src=x onerror=alert(1)>`), '<span class="ansi-fg-1">&lt;img src=x onerror=alert(1)&gt;</span>');
    assert.equal(ansiToHtml(`${ESC}]8;;"><script>${ST}<b>${ESC}]8;;${ST}`), '&lt;b&gt;');
    assert.equal(ansiToHtml(`${ESC}[<script>m`), 'cript&gt;m', 'a CSI ends at its first letter, as in a terminal');
  });
});

describe('escape sequences that are not styles disappear', () => {
  it('drops cursor movement, erase and mode changes', () => {
    assert.equal(ansiToHtml(`${ESC}[2A${ESC}[1Gdone${ESC}[0J${ESC}[?25l${ESC}[?25h`), 'done');
    assert.equal(ansiToHtml(`${ESC}(B${ESC}=${ESC}7a${ESC}8${ESC}Mb`), 'ab');
  });

  it('drops OSC 133 / 633 shell-integration marks, ended by BEL or by ST', () => {
    assert.equal(ansiToHtml(`${ESC}]133;A${BEL}$ ${ESC}]133;B${BEL}kubectl get pods\n${ESC}]133;C${BEL}No resources found${ESC}]133;D;0${BEL}`), '$ kubectl get pods\nNo resources found');
    assert.equal(ansiToHtml(`${ESC}]633;E;kubectl get ns${ST}${ESC}]633;C${ST}default`), 'default');
    assert.equal(ansiToHtml(`${ESC}]0;window title${BEL}x`), 'x');
  });

  it('keeps the text of an OSC 8 hyperlink and drops the link', () => {
    assert.equal(ansiToHtml(`see ${ESC}]8;id=1;https://kubernetes.io/docs${ST}the docs${ESC}]8;;${ST}.`), 'see the docs.');
    assert.equal(ansiToHtml(`${ESC}]8;;https://kubernetes.io${BEL}${ESC}[4mdocs${ESC}[24m${ESC}]8;;${BEL}`), '<span class="ansi-underline">docs</span>');
  });

  it('drops an escape cut off at the very end of the text', () => {
    assert.equal(ansiToHtml(`done${ESC}`), 'done');
    assert.equal(ansiToHtml(`done${ESC}[`), 'done');
    assert.equal(ansiToHtml(`done${ESC}[38;5;2`), 'done');
    assert.equal(ansiToHtml(`done${ESC}]133;D;0`), 'done');
    assert.equal(ansiToHtml(`done${ESC}(`), 'done');
  });

  it('lets an unterminated OSC hide no more than the rest of its line', () => {
    assert.equal(ansiToHtml(`a${ESC}]133;A\nb`), 'a\nb');
  });

  it('drops other control characters but keeps tabs and newlines', () => {
    assert.equal(ansiToHtml('NAME\tREADY\x00\x07\x0b\x7f\x9b\n'), 'NAME\tREADY\n');
  });
});

describe('carriage returns and backspaces', () => {
  it('shows only the last state of a progress bar', () => {
    assert.equal(ansiToHtml('10%\r50%\r100%\n'), '100%\n');
    assert.equal(ansiToHtml(`pulling\n${ESC}[32m10%\r50%${ESC}[0m\ndone`), 'pulling\n<span class="ansi-fg-2">50%</span>\ndone');
  });

  it('turns \\r\\n into \\n and keeps a line that nothing overwrites', () => {
    assert.equal(ansiToHtml('a\r\nb\r\n'), 'a\nb\n');
    assert.equal(ansiToHtml('saved\r'), 'saved');
  });

  it('clears a spinner erased with \\r and erase-in-line', () => {
    assert.equal(ansiToHtml(`waiting...\r${ESC}[K`), '');
    assert.equal(ansiToHtml(`waiting...\r${ESC}[2Kready\n`), 'ready\n');
  });

  it('overwrites only the line the \\r is on', () => {
    assert.equal(ansiToHtml('line one\nabc\rxy'), 'line one\nxy');
  });

  it('removes the character before a backspace, never past the start of the line', () => {
    assert.equal(ansiToHtml('ab\bc'), 'ac');
    assert.equal(ansiToHtml('\bx'), 'x');
    assert.equal(ansiToHtml('a\nb\b\bc'), 'a\nc');
    assert.equal(ansiToHtml(`${ESC}[31mab${ESC}[0m\b\bc`), 'c');
    assert.equal(ansiToHtml('pod 🚀\b!'), 'pod !');
  });
});

describe('plain text for Markdown export', () => {
  it('strips styles and other sequences without escaping HTML', () => {
    assert.equal(stripAnsi(`${ESC}[1;31m<b>Error</b>${ESC}[0m & more${ESC}]133;D;0${BEL}\r\n`), '<b>Error</b> & more\n');
    assert.equal(stripAnsi(`${ESC}]8;;https://kubernetes.io${ST}docs${ESC}]8;;${ST}`), 'docs');
  });

  it('applies the same \\r and \\b rules', () => {
    assert.equal(stripAnsi(`${ESC}[32m10%\r50%\r100%${ESC}[0m\nab\bc`), '100%\nac');
  });
});

describe('a megabyte of output', () => {
  it('renders a megabyte of mixed colour text in one pass', () => {
    const lines: string[] = [];
    const plainLines: string[] = [];
    let size = 0;
    for (let index = 0; size < 1_000_000; index++) {
      const line = `${ESC}[32mok${ESC}[0m pod-${index} <${ESC}[38;5;${index % 256}m${index}${ESC}[0m> ${ESC}[1;48;2;${index % 256};0;0mdone${ESC}[m\r\n`;
      lines.push(line);
      plainLines.push(`ok pod-${index} <${index}> done\n`);
      size += line.length;
    }
    const input = lines.join('');
    const plain = plainLines.join('');

    const html = ansiToHtml(input);
    assert.ok(html.length > plain.length && html.length < input.length * 3, `html length ${html.length} for ${input.length} characters of input`);
    assert.ok(!html.includes(ESC));
    assert.equal(html.split('&lt;').length - 1, lines.length, 'every line keeps its escaped "<"');
    assert.equal(stripAnsi(input), plain);
  });

  it('takes back many characters of one long line without copying it for each backspace', () => {
    const input = `${'x'.repeat(200_000)}${`\b${ESC}[m`.repeat(100_000)}`;
    assert.equal(stripAnsi(input), 'x'.repeat(100_000));
  });
});
