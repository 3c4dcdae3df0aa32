/**
 * The author's vocabulary, wired into every lesson page (labs/lessons/NN-slug/index.mdx) by one Sätteri mdast
 * plugin, so lessons need no imports:
 *
 * - `<Terminal/>`, `<Exercise id="…">…</Exercise>` are imported from src/mdx/index.ts;
 * - an `<Exercise id>` that the lesson's catalog entry does not declare (no exercises/<id>.ts) fails the build,
 *   with file and line. The catalog is read through a function, so `npm run dev` sees it as it is regenerated;
 * - fenced ```sh (also bash, shell) blocks become runnable: Run, Run as cell and Copy. The meta word `confirm`
 *   (or `confirm="why"`) makes Run ask first, for destructive or long-running commands; `cell` makes the block a
 *   notebook cell, whose output shows under it; `norun` leaves a plain block.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MdastPluginDefinition, PluginFactoryContext } from 'satteri';
import type { CatalogLesson } from '../lib/catalog.ts';

type Factory = (ctx: PluginFactoryContext) => MdastPluginDefinition | undefined;

const VOCABULARY = ['Exercise', 'Terminal', 'RunnableCode'] as const;
const RUNNABLE_LANGS = new Set(['sh', 'bash', 'shell']);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const vocabularyModule = fileURLToPath(new URL('./index.ts', import.meta.url)).split(sep).join('/');

interface CodeMeta {
  run: boolean;
  /** The block is a notebook cell: it runs in the lab's toolbox and its output shows under it. */
  cell: boolean;
  /** undefined: no confirmation; '' or a reason: ask first. */
  confirm: string | undefined;
  /** The meta with our words removed, for Expressive Code (title="…", {1-3}, …). */
  rest: string | null;
}

/** Parses our words out of a code fence's meta: `confirm`, `confirm="reason"`, `cell`, `norun`. */
export function parseCodeMeta(meta: string | null | undefined): CodeMeta {
  let confirm: string | undefined;
  let run = true;
  let cell = false;
  const rest = (meta ?? '')
    .replace(/(^|\s)confirm(?:=(?:"([^"]*)"|'([^']*)'|(\S+)))?(?=\s|$)/, (_m, lead: string, dq?: string, sq?: string, bare?: string) => {
      confirm = dq ?? sq ?? bare ?? '';
      return lead;
    })
    .replace(/(^|\s)norun(?=\s|$)/, (_m, lead: string) => {
      run = false;
      return lead;
    })
    .replace(/(^|\s)cell(?=\s|$)/, (_m, lead: string) => {
      cell = true;
      return lead;
    })
    .trim();
  return { run, cell, confirm, rest: rest === '' ? null : rest };
}

function where(file: string, node: { position?: { start: { line: number; column: number } } | undefined }): string {
  const at = node.position ? `:${node.position.start.line}:${node.position.start.column}` : '';
  const path = relative(repoRoot, file);
  return `${path.startsWith('..') ? resolve(file) : path}${at}`;
}

export function kubelabMdastPlugin(options: { catalog: () => readonly CatalogLesson[]; lessonsDir: string }): Factory {
  const root = options.lessonsDir.split(sep).join('/').replace(/\/?$/, '/');
  return ({ fileURL, sourceFormat }) => {
    if (!fileURL || sourceFormat !== 'mdx') return undefined;
    const file = fileURLToPath(fileURL);
    if (!file.split(sep).join('/').startsWith(root) || basename(file) !== 'index.mdx') return undefined;
    const dir = basename(dirname(file));
    const lesson = options.catalog().find((entry) => entry.dir === dir);
    if (!lesson) {
      throw new Error(
        `${where(file, {})}: the course catalog has no lesson in folder "${dir}" yet. \`npm run dev\` rewrites the catalog ` +
          'on every change and reloads the page; if this stays, the catalog could not be written: `npm run catalog -w site` says why',
      );
    }
    const known = lesson.exercises.map((exercise) => exercise.id);
    return {
      name: 'kubelab-vocabulary',
      options: { position: true },
      before(tree, ctx) {
        const imported = new Set<string>();
        for (const child of tree.children) {
          if (child.type !== 'mdxjsEsm') continue;
          for (const name of VOCABULARY) if (new RegExp(`\\b${name}\\b`).test((child as { value: string }).value)) imported.add(name);
        }
        const names = VOCABULARY.filter((name) => !imported.has(name));
        if (names.length === 0) return;
        ctx.prependChild(tree, {
          type: 'mdxjsEsm',
          value: `import { ${names.join(', ')} } from ${JSON.stringify(vocabularyModule)};`,
        } as never);
      },
      mdxJsxFlowElement(node) {
        if (node.name !== 'Exercise') return undefined;
        const id = node.attributes.find((attr) => attr.type === 'mdxJsxAttribute' && attr.name === 'id');
        const value = id && 'name' in id ? id.value : undefined;
        if (typeof value !== 'string' || value === '') {
          throw new Error(`${where(file, node)}: <Exercise> needs an id, for example <Exercise id="${known[0] ?? 'first-pod'}">`);
        }
        if (!known.includes(value)) {
          const why = existsSync(join(dirname(file), 'exercises', `${value}.ts`))
            ? `exercises/${value}.ts exists, but the course catalog does not list it yet. \`npm run dev\` rewrites the catalog on every ` +
              'change and reloads the page; if this stays, the catalog could not be written: `npm run catalog -w site` says why'
            : `there is no exercises/${value}.ts (it has: ${known.join(', ') || 'none'}). Create it with \`npx kubelab new exercise ${lesson.slug} ${value}\``;
          throw new Error(`${where(file, node)}: <Exercise id="${value}"> is not an exercise of lesson "${lesson.slug}": ${why}`);
        }
        return {
          ...node,
          attributes: [...node.attributes, { type: 'mdxJsxAttribute', name: 'lesson', value: lesson.slug }],
        };
      },
      mdxJsxTextElement(node) {
        if (node.name === 'Exercise') {
          throw new Error(`${where(file, node)}: put <Exercise> on its own lines (a block), not inside a paragraph`);
        }
        return undefined;
      },
      code(node, ctx) {
        if (!node.lang || !RUNNABLE_LANGS.has(node.lang)) return;
        const meta = parseCodeMeta(node.meta);
        if (meta.rest !== (node.meta ?? null)) ctx.setProperty(node, 'meta', meta.rest);
        if (!meta.run) return;
        const attributes = [{ type: 'mdxJsxAttribute', name: 'code', value: node.value }];
        if (meta.confirm !== undefined) attributes.push({ type: 'mdxJsxAttribute', name: 'confirm', value: meta.confirm });
        if (meta.cell) attributes.push({ type: 'mdxJsxAttribute', name: 'cell', value: 'cell' });
        ctx.wrapNode(node, { type: 'mdxJsxFlowElement', name: 'RunnableCode', attributes, children: [] } as never);
      },
    } satisfies MdastPluginDefinition;
  };
}
