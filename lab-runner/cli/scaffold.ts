/**
 * `npx kubelab new lesson <slug>` and `npx kubelab new exercise <lesson> <id>`: the files an author starts from,
 * following the course's conventions (labs/README.md). They pass the schema and tsc as they are; the scaffolded
 * check fails, with a criterion saying so, until the author writes it.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { KubelabError } from '@kubelab/kit/errors';
import { repoRoot } from '@kubelab/kit/paths';
import { exerciseTags, lessonsDir as courseLessonsDir } from '@kubelab/labs/catalog';
import { coverageSection } from '@kubelab/labs/coverage';
import { courseModules, parseLessonDir, slugPattern, type CourseModule } from '@kubelab/labs/schema';
import { isProfile, profileNames, type Profile } from '@kubelab/labs/profiles';

export interface ScaffoldOptions {
  /** The lessons folder to write into: labs/lessons unless a test says otherwise. */
  lessonsDir?: string;
}

export interface Scaffolded {
  /** The lesson's folder name, for example "02-services". */
  dir: string;
  slug: string;
  /** Files created or changed, relative to the repository when inside it. */
  files: string[];
}

const slugRule = 'lowercase letters, digits and dashes (2 to 40), starting with a letter';

function shown(path: string): string {
  const inRepo = relative(repoRoot, path);
  return inRepo.startsWith('..') ? path : inRepo;
}

function suggestion(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+|-+$/g, '').slice(0, 40);
}

function checkName(kind: 'lesson slug' | 'exercise id', name: string): void {
  if (slugPattern.test(name)) return;
  const better = suggestion(name);
  throw new KubelabError('E_INVALID_NAME', `${JSON.stringify(name)} is not a valid ${kind}: use ${slugRule}`, {
    hint: slugPattern.test(better) ? `For example: ${better}` : `For example: ${kind === 'lesson slug' ? 'services' : 'first-service'}`,
  });
}

function lessonFolders(root: string): { dir: string; order: number; slug: string }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const parsed = parseLessonDir(entry.name);
      return parsed ? [{ dir: entry.name, ...parsed }] : [];
    })
    .sort((a, b) => a.order - b.order);
}

function pickModule(requested: string | undefined, root: string, last: string | undefined): CourseModule {
  if (requested !== undefined) {
    const match = courseModules.find((name) => name.toLowerCase() === requested.toLowerCase());
    if (!match) {
      throw new KubelabError('E_USAGE', `unknown module ${JSON.stringify(requested)}`, {
        hint: `Modules: ${courseModules.join(', ')}. A new module is declared in labs/course.ts first.`,
      });
    }
    return match;
  }
  // By default a new lesson continues the module of the lesson before it.
  const previous = last ? /^module:\s*(.+?)\s*$/m.exec(readFileSync(join(root, last, 'index.mdx'), 'utf8'))?.[1] : undefined;
  return courseModules.find((name) => name === previous) ?? courseModules[0];
}

function refuseExisting(path: string, what: string): void {
  if (existsSync(path)) {
    throw new KubelabError('E_SCAFFOLD_EXISTS', `${shown(path)} already exists`, { hint: `Pick another ${what}, or edit the existing one.` });
  }
}

const titleOf = (slug: string) => slug.charAt(0).toUpperCase() + slug.slice(1).replaceAll('-', ' ');

function lessonPage(input: { title: string; slug: string; module: CourseModule; cluster: Profile; exercise: string }): string {
  const lab = input.cluster === 'multi' ? 'a real three-node cluster' : 'a real single-node cluster';
  return `---
title: ${input.title}
description: TODO Say in one sentence what the learner will be able to do.
module: ${input.module}
cluster: ${input.cluster}
minutes: 30
goals:
  - TODO The first thing the learner will be able to do
---

TODO Introduce the idea in a paragraph or two: what it is, and why the learner needs it.

<Terminal />

Your lab is ${lab}. Start it from the panel, then make sure you can reach it:

\`\`\`sh
kubectl get nodes
\`\`\`

## How it works

{/* Every lesson has at least one diagram. Inline SVG drawn with currentColor follows light and dark mode;
    its title element is what a screen reader says. */}
<figure>
  <svg viewBox="0 0 400 120" role="img" aria-labelledby="${input.slug}-diagram-title" style="max-width:100%;height:auto">
    <title id="${input.slug}-diagram-title">TODO What the diagram shows</title>
    <g fill="none" stroke="currentColor" stroke-width="2">
      <rect x="10" y="35" width="150" height="50" rx="10" />
      <rect x="240" y="35" width="150" height="50" rx="10" />
      <path d="M 160 60 L 236 60" />
    </g>
    <g fill="currentColor" font-family="sans-serif" font-size="16" text-anchor="middle">
      <text x="85" y="65">TODO</text>
      <text x="315" y="65">TODO</text>
    </g>
  </svg>
  <figcaption>TODO One sentence on what to notice.</figcaption>
</figure>

## Try it

${exerciseCard(input.exercise)}`;
}

const exerciseCard = (id: string) => `<Exercise id="${id}">
TODO The task, in a sentence or two.
</Exercise>
`;

function exerciseFile(path: string): string {
  return `import { defineExercise, deletes, pod } from '@kubelab/labs';

// The file name is the exercise's id; the <Exercise id> card on the page shows it. See labs/README.md.
export default defineExercise({
  title: 'TODO A short title for the task',
  hints: [
    'TODO The least revealing hint: which command or idea to look at.',
    'TODO A nudge toward the flag or field that matters.',
    'TODO Nearly the answer.',
  ],
  // Shown behind "Show solution", and applied by labs:test. End by waiting until the cluster has settled.
  solution: \`kubectl run web --image=kubelab/web:1.0
kubectl wait --for=condition=Ready pod/web --timeout=120s\`,
  // setup: apply({ … }),  // optional: the starting state, for example a broken pod to debug
  cleanup: deletes('pod/web'),
  // Other correct answers, in another style (YAML instead of kubectl run, extra labels, the image with its
  // registry); labs:test proves each one passes, so the check judges the outcome, not the route.
  variants: [
    {
      name: 'hand-written YAML, the image with its registry',
      apply: \`kubectl apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {tier: demo}}
spec: {containers: [{name: web, image: docker.io/kubelab/web:1.0}]}
YAML
kubectl wait --for=condition=Ready pod/web --timeout=120s\`,
    },
  ],
  // The wrong answers learners really give (at least two); labs:test proves each one fails on the criterion it names.
  nearMisses: [
    {
      name: 'the right pod under another name',
      apply: \`kubectl run web-1 --image=kubelab/web:1.0
kubectl wait --for=condition=Ready pod/web-1 --timeout=120s\`,
      failsOn: 'exists',
    },
    {
      name: 'TODO another wrong answer learners give',
      apply: \`kubectl run web --image=kubelab/web:2.0\`,
      failsOn: 'write-this-check',
    },
  ],
  check: async (cluster) => {
    const web = await pod.read(cluster, 'web');
    return [
      pod.exists(web, 'web'),
      // Replace this with the facts the task asks for: pod.running(web), pod.hasLabel(web, 'app', 'web'), …
      {
        id: 'write-this-check',
        description: 'Write this check: ${path}',
        passed: false,
        hint: 'This exercise has no check yet.',
      },
    ];
  },
});
`;
}

/** Creates labs/lessons/NN-slug (the next free NN) with its page and one exercise. */
export function newLesson(
  input: { slug: string; module?: string; cluster?: string; exercise?: string },
  options: ScaffoldOptions = {},
): Scaffolded {
  const root = options.lessonsDir ?? courseLessonsDir;
  checkName('lesson slug', input.slug);
  const cluster = input.cluster ?? 'single';
  if (!isProfile(cluster)) {
    throw new KubelabError('E_UNKNOWN_PROFILE', `unknown cluster ${JSON.stringify(cluster)}`, { hint: `Use one of: ${profileNames.join(', ')}.` });
  }
  const exercise = input.exercise ?? `first-${input.slug}`;
  if (input.exercise === undefined && !slugPattern.test(exercise)) {
    throw new KubelabError('E_INVALID_NAME', `the slug is too long to name the first exercise "${exercise}"`, { hint: 'Name it with --exercise <id>.' });
  }
  checkName('exercise id', exercise);
  const existing = lessonFolders(root);
  const same = existing.find((lesson) => lesson.slug === input.slug);
  if (same) refuseExisting(join(root, same.dir), 'slug');
  const order = Math.max(0, ...existing.map((lesson) => lesson.order)) + 1;
  if (order > 99) throw new KubelabError('E_USAGE', 'the course already has lesson 99: lesson folders are numbered 01 to 99');
  const dir = `${String(order).padStart(2, '0')}-${input.slug}`;
  const folder = join(root, dir);
  refuseExisting(folder, 'slug');
  const module = pickModule(input.module, root, existing.at(-1)?.dir);

  const page = join(folder, 'index.mdx');
  const file = join(folder, 'exercises', `${exercise}.ts`);
  mkdirSync(join(folder, 'exercises'), { recursive: true });
  writeFileSync(page, lessonPage({ title: titleOf(input.slug), slug: input.slug, module, cluster, exercise }), { flag: 'wx' });
  writeFileSync(file, exerciseFile(shown(file)), { flag: 'wx' });
  // The lesson's section of COVERAGE.md (beside the lessons folder), so the coverage test holds from the start.
  const coverage = join(dirname(root), 'COVERAGE.md');
  const before = existsSync(coverage) ? readFileSync(coverage, 'utf8') : '# Course coverage\n';
  appendFileSync(coverage, `${before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n'}${coverageSection(input.slug, exercise)}`);
  return { dir, slug: input.slug, files: [shown(page), shown(file), shown(coverage)] };
}

/** Adds exercises/<id>.ts to a lesson (named by slug or folder) and its <Exercise id> card to the page's end. */
export function newExercise(lesson: string, id: string, options: ScaffoldOptions = {}): Scaffolded {
  const root = options.lessonsDir ?? courseLessonsDir;
  const lessons = lessonFolders(root);
  const found = lessons.find((candidate) => candidate.slug === lesson || candidate.dir === lesson);
  if (!found) {
    throw new KubelabError('E_UNKNOWN_LESSON', `no lesson "${lesson}" in ${shown(root)}`, {
      hint: lessons.length ? `Lessons: ${lessons.map((l) => l.slug).join(', ')}.` : 'Create one with: npx kubelab new lesson <slug>',
    });
  }
  checkName('exercise id', id);
  const folder = join(root, found.dir);
  const file = join(folder, 'exercises', `${id}.ts`);
  refuseExisting(file, 'id');
  const page = join(folder, 'index.mdx');
  const text = readFileSync(page, 'utf8');
  const files = [shown(file)];
  mkdirSync(join(folder, 'exercises'), { recursive: true });
  writeFileSync(file, exerciseFile(shown(file)), { flag: 'wx' });
  if (!exerciseTags(text).includes(id)) {
    writeFileSync(page, `${text.replace(/\n*$/, '\n')}\n${exerciseCard(id)}`);
    files.push(shown(page));
  }
  return { dir: found.dir, slug: found.slug, files };
}
