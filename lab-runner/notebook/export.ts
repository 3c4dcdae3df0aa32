/**
 * The notebook as Markdown: what Export downloads, for one lesson or the whole course. Plain CommonMark that reads
 * well as text, renders on any forge, and prints: progress as a table, then the timeline, each command and cell in
 * a fenced block with its output (escape sequences removed), each check with its criteria, each note verbatim.
 */
import type { ExerciseProgress, LessonProgress, NotebookEntry } from '../schemas/api.ts';
import { stripAnsi } from './ansi.ts';

export interface ExportedLesson {
  slug: string;
  title: string;
  exercises: { id: string; title: string }[];
  entries: NotebookEntry[];
  progress: LessonProgress;
}

const stateWords: Record<ExerciseProgress['state'], string> = {
  'not-started': 'not started',
  attempted: 'attempted',
  passed: '✓ passed',
  'passed-with-help': '✓ passed with help',
};

/** A fence longer than any run of backticks in the text, so output containing ``` cannot end the block early. */
function fenced(text: string, info = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text.replace(/\n$/, '')}\n${fence}`;
}

/** Text for a table cell or a heading: one line, pipes escaped. */
const inline = (text: string): string => text.replace(/\s+/g, ' ').replaceAll('|', '\\|').trim();

const clock = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

const duration = (ms: number): string => (ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

function entryMarkdown(entry: NotebookEntry, titles: Map<string, string>): string {
  const exercise = entry.exercise ? ` · ${inline(titles.get(entry.exercise) ?? entry.exercise)}` : '';
  const when = clock(entry.startedAt);
  switch (entry.kind) {
    case 'command': {
      const output = stripAnsi(entry.output.replaceAll('\r\n', '\n'));
      return [`### ${when} · command${exercise}`, '', fenced(`$ ${entry.command}\n${output}`, 'console'), '', `Exit status ${entry.exitCode}${entry.truncated ? ' (output cut)' : ''}.`].join('\n');
    }
    case 'cell':
      return [
        `### ${when} · cell${exercise}`,
        '',
        fenced(entry.code, 'sh'),
        '',
        fenced(stripAnsi(entry.output) || '(no output)', 'text'),
        '',
        `Exit status ${entry.exitCode}, ${duration(entry.durationMs)}${entry.truncated ? ' (output cut)' : ''}.`,
      ].join('\n');
    case 'check': {
      const criteria = entry.criteria.map((criterion) => {
        const detail = criterion.passed ? '' : [criterion.expected && `expected ${criterion.expected}`, criterion.actual && `found ${criterion.actual}`].filter(Boolean).join('; ');
        return `- ${criterion.passed ? '✓' : '✗'} ${inline(criterion.description)}${detail ? ` — ${inline(detail)}` : ''}`;
      });
      return [`### ${when} · check${exercise}: ${entry.passed ? '✓ passed' : '✗ not yet'}`, '', ...criteria].join('\n');
    }
    case 'note':
      return [`### ${when} · note${exercise}`, '', entry.markdown].join('\n');
    case 'solution':
      return `### ${when} · solution shown${exercise}`;
  }
}

function lessonBody(lesson: ExportedLesson, level: '#' | '##'): string {
  const titles = new Map(lesson.exercises.map((exercise) => [exercise.id, exercise.title]));
  const sub = level === '#' ? '##' : '###';
  const rows = lesson.progress.exercises.map((progress) => {
    const firstPass = progress.timeToPassMs !== undefined ? duration(progress.timeToPassMs) : '';
    return `| ${inline(titles.get(progress.exercise) ?? progress.exercise)} | ${stateWords[progress.state]} | ${progress.attempts} | ${firstPass} |`;
  });
  const timeline = lesson.entries.length
    ? lesson.entries.map((entry) => entryMarkdown(entry, titles).replace(/^### /, `${sub}# `)).join('\n\n')
    : '_Nothing recorded yet._';
  return [
    `${level} ${inline(lesson.title)}`,
    '',
    `${sub} Progress`,
    '',
    '| Exercise | State | Checks | Time to first pass |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `${sub} Timeline`,
    '',
    timeline,
  ].join('\n');
}

/** One lesson's notebook. */
export function lessonMarkdown(lesson: ExportedLesson, exportedAt: Date): string {
  return [`<!-- Kubelab notebook: lesson ${lesson.slug}, exported ${exportedAt.toISOString()} -->`, '', lessonBody(lesson, '#'), ''].join('\n');
}

/** The whole course's notebook: every lesson with anything recorded, in course order. */
export function courseMarkdown(lessons: ExportedLesson[], exportedAt: Date): string {
  const passed = lessons.flatMap((l) => l.progress.exercises).filter((e) => e.state === 'passed' || e.state === 'passed-with-help').length;
  const total = lessons.flatMap((l) => l.progress.exercises).length;
  const active = lessons.filter((lesson) => lesson.entries.length > 0);
  return [
    `<!-- Kubelab notebook: the whole course, exported ${exportedAt.toISOString()} -->`,
    '',
    '# Kubelab notebook',
    '',
    `${passed} of ${total} exercises passed, in ${active.length} of ${lessons.length} lessons.`,
    '',
    ...active.map((lesson) => lessonBody(lesson, '##') + '\n'),
  ].join('\n');
}
