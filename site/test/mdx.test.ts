import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCodeMeta } from '../src/mdx/mdast-plugin.ts';
import { inlineMarkdown } from '../src/lib/inline-md.ts';
import { formatDuration, sentence } from '../src/lib/format.ts';

describe('code fence meta', () => {
  it('reads confirm, confirm="why" and norun, and leaves the rest for Expressive Code', () => {
    assert.deepEqual(parseCodeMeta(null), { run: true, confirm: undefined, rest: null });
    assert.deepEqual(parseCodeMeta('confirm'), { run: true, confirm: '', rest: null });
    assert.deepEqual(parseCodeMeta('title="x.sh" confirm="deletes every pod"'), { run: true, confirm: 'deletes every pod', rest: 'title="x.sh"' });
    assert.deepEqual(parseCodeMeta('norun'), { run: false, confirm: undefined, rest: null });
    assert.deepEqual(parseCodeMeta('confirmed'), { run: true, confirm: undefined, rest: 'confirmed' });
  });
});

describe('inline markdown from the catalog', () => {
  it('escapes HTML and keeps code, bold and links', () => {
    assert.equal(inlineMarkdown('Use `<pod>` and **not** <b>'), 'Use <code>&lt;pod&gt;</code> and <strong>not</strong> &lt;b&gt;');
    assert.equal(inlineMarkdown('[docs](https://kubernetes.io)'), '<a href="https://kubernetes.io">docs</a>');
    assert.equal(inlineMarkdown('[x](javascript:alert(1))'), '[x](javascript:alert(1))');
  });
});

describe('words on screen', () => {
  it('formats durations', () => {
    assert.equal(formatDuration(812), '0.8 s');
    assert.equal(formatDuration(36_400), '36 s');
    assert.equal(formatDuration(125_000), '2 min 05 s');
  });
  it('makes server messages sentences', () => {
    assert.equal(sentence('the lab server is full: 1 of 1 in use'), 'The lab server is full: 1 of 1 in use.');
  });
});
