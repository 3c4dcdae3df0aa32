import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kubelabMdastPlugin, parseCodeMeta } from '../src/mdx/mdast-plugin.ts';
import type { CatalogLesson } from '../src/lib/catalog.ts';
import { inlineMarkdown } from '../src/lib/inline-md.ts';
import { formatDuration, sentence } from '../src/lib/format.ts';

describe('code fence meta', () => {
  it('reads confirm, confirm="why", cell and norun, and leaves the rest for Expressive Code', () => {
    assert.deepEqual(parseCodeMeta(null), { run: true, cell: false, confirm: undefined, rest: null });
    assert.deepEqual(parseCodeMeta('confirm'), { run: true, cell: false, confirm: '', rest: null });
    assert.deepEqual(parseCodeMeta('title="x.sh" confirm="deletes every pod"'), { run: true, cell: false, confirm: 'deletes every pod', rest: 'title="x.sh"' });
    assert.deepEqual(parseCodeMeta('norun'), { run: false, cell: false, confirm: undefined, rest: null });
    assert.deepEqual(parseCodeMeta('confirmed'), { run: true, cell: false, confirm: undefined, rest: 'confirmed' });
  });

  it('reads cell, alone or beside the other words, and not inside another word', () => {
    assert.deepEqual(parseCodeMeta('cell'), { run: true, cell: true, confirm: undefined, rest: null });
    assert.deepEqual(parseCodeMeta('cell confirm="long" title="x"'), { run: true, cell: true, confirm: 'long', rest: 'title="x"' });
    assert.deepEqual(parseCodeMeta('title="cells"'), { run: true, cell: false, confirm: undefined, rest: 'title="cells"' });
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

describe('the <Exercise> check of the mdast plugin', () => {
  const lessonsDir = fileURLToPath(new URL('../../labs/lessons/', import.meta.url));
  const fileURL = pathToFileURL(`${lessonsDir}03-pods/index.mdx`);
  const lesson = (ids: string[]) =>
    ({ slug: 'pods', dir: '03-pods', order: 3, profile: 'single', page: {}, exercises: ids.map((id) => ({ id, title: id, hints: [], solution: '' })) }) as unknown as CatalogLesson;
  const card = (id: string) => ({ type: 'mdxJsxFlowElement', name: 'Exercise', attributes: [{ type: 'mdxJsxAttribute', name: 'id', value: id }], children: [] });
  const run = (catalog: () => CatalogLesson[], id: string) => {
    const plugin = kubelabMdastPlugin({ catalog, lessonsDir })({ fileURL, sourceFormat: 'mdx' } as never);
    return (plugin as unknown as { mdxJsxFlowElement: (node: unknown) => { attributes: { name: string; value: string }[] } }).mdxJsxFlowElement(card(id));
  };

  it('follows the catalog as `npm run dev` rewrites it, and says whether the exercise file exists', () => {
    let current = [lesson(['first-pod'])];
    const catalog = () => current;
    assert.throws(() => run(catalog, 'sidecar'), /<Exercise id="sidecar"> is not an exercise of lesson "pods": exercises\/sidecar\.ts exists, but the course catalog does not list it yet/);
    assert.throws(() => run(catalog, 'no-such'), /there is no exercises\/no-such\.ts \(it has: first-pod\)\. Create it with `npx kubelab new exercise pods no-such`/);
    current = [lesson(['first-pod', 'sidecar'])];
    assert.deepEqual(run(catalog, 'sidecar').attributes.at(-1), { type: 'mdxJsxAttribute', name: 'lesson', value: 'pods' });
  });
});
