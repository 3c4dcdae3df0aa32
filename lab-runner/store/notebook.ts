import type { DatabaseSync } from 'node:sqlite';
import type { CellEntry, CheckEntry, CommandEntry, ExerciseProgress, LessonProgress, NotebookEntry, NoteEntry, NoteSaved, SolutionEntry } from '../schemas/api.ts';
import { redactSecrets } from '../notebook/redact.ts';
import { boundedText } from '../notebook/text.ts';
import type { ShellCommand } from '../notebook/shell-marks.ts';
import type { Store } from './store.ts';

/**
 * The lab notebook's storage: the one module every notebook read and write goes through. A learner's journal is
 * kept by learner and lesson, not by session, so it outlives labs, clusters and lab-runner restarts. The interface
 * is asynchronous so that a server-backed implementation (Postgres) can follow behind it; the SQLite one answers at
 * once. Every write is committed before its promise resolves (store.ts: WAL): what a route acknowledged survives a
 * crash of the lab-runner.
 *
 * Sizes are bounded here, for every caller: a command line, a cell's code, a note or an output beyond its limit is
 * cut with a marker (never refused), and command lines, cell code and output excerpts are redacted of secrets.
 */

export const NOTEBOOK_LIMITS = {
  commandBytes: 8 * 1024,
  outputBytes: 16 * 1024,
  noteBytes: 64 * 1024,
  cellCodeBytes: 16 * 1024,
} as const;

export const entryKinds = ['command', 'cell', 'check', 'note', 'solution'] as const;
export type EntryKind = (typeof entryKinds)[number];

/** What a caller gives for a new entry: the fields of its kind, without what the store assigns. */
type New<T extends NotebookEntry> = Omit<T, 'id' | 'kind' | 'revision' | 'updatedAt' | 'lesson' | 'truncated' | 'cleared' | 'outputBytes'> & { truncated?: boolean };

export type NewCommand = New<CommandEntry> & { outputBytes?: number };

/** A command the shell's marks reported (notebook/shell-marks.ts), as the journal records it. */
export function commandFromShell(command: ShellCommand, exercise?: string): NewCommand {
  return {
    command: command.command,
    exitCode: command.exitCode,
    output: command.output,
    outputBytes: command.outputBytes,
    truncated: command.truncated,
    startedAt: command.startedAt.toISOString(),
    endedAt: command.endedAt.toISOString(),
    ...(exercise ? { exercise } : {}),
  };
}
export type NewCell = New<CellEntry>;
export type NewCheck = New<CheckEntry>;
export type NewNote = Omit<New<NoteEntry>, 'startedAt'> & { startedAt?: string };

export interface EntryQuery {
  exercise?: string;
  /** Only entries with a greater id (what a client that has the rest needs). */
  after?: number;
  limit?: number;
}

export interface NotebookRepository {
  addCommand(learner: string, lesson: string, sessionId: string | undefined, entry: NewCommand): Promise<CommandEntry>;
  addCell(learner: string, lesson: string, sessionId: string | undefined, entry: NewCell): Promise<CellEntry>;
  addCheck(learner: string, lesson: string, sessionId: string | undefined, entry: NewCheck): Promise<CheckEntry>;
  addSolutionShown(learner: string, lesson: string, exercise: string): Promise<SolutionEntry>;
  addNote(learner: string, lesson: string, note: NewNote): Promise<NoteEntry>;
  /** Saves `markdown` over revision `revision` of the note; on a newer revision, saves it as a new note instead. */
  saveNote(learner: string, lesson: string, id: number, revision: number, markdown: string): Promise<NoteSaved | undefined>;
  deleteNote(learner: string, lesson: string, id: number): Promise<boolean>;
  /** The lesson's timeline, oldest first. */
  entries(learner: string, lesson: string, query?: EntryQuery): Promise<NotebookEntry[]>;
  /** The latest run of each cell of the lesson that Clear outputs has not hidden. */
  latestCells(learner: string, lesson: string): Promise<CellEntry[]>;
  clearCells(learner: string, lesson: string): Promise<number>;
  /** Progress in the given lessons' exercises (every exercise named, started or not). */
  progress(learner: string, exercisesByLesson: Record<string, readonly string[]>): Promise<LessonProgress[]>;
  /** The lessons the learner has a journal for, the most recently active first. */
  lessons(learner: string): Promise<{ lesson: string; lastActivityAt: string }[]>;
}

interface RawEntry {
  id: number;
  lesson: string;
  exercise: string | null;
  kind: EntryKind;
  started_at: string;
  ended_at: string | null;
  body: string;
  revision: number;
  updated_at: string;
}

function toEntry(raw: RawEntry): NotebookEntry {
  const base = {
    id: raw.id,
    lesson: raw.lesson,
    ...(raw.exercise ? { exercise: raw.exercise } : {}),
    startedAt: raw.started_at,
    ...(raw.ended_at ? { endedAt: raw.ended_at } : {}),
    revision: raw.revision,
    updatedAt: raw.updated_at,
  };
  return { ...base, kind: raw.kind, ...(JSON.parse(raw.body) as object) } as NotebookEntry;
}

const secretFree = (text: string, maxBytes: number) => boundedText(redactSecrets(text).text, maxBytes);

export class SqliteNotebook implements NotebookRepository {
  readonly #db: DatabaseSync;
  readonly #store: Store;
  readonly #now: () => Date;

  constructor(store: Store, options: { now?: () => Date } = {}) {
    this.#store = store;
    this.#db = store.database;
    this.#now = options.now ?? (() => new Date());
  }

  #insert(learner: string, lesson: string, kind: EntryKind, fields: {
    exercise?: string | undefined;
    sessionId?: string | undefined;
    startedAt: string;
    endedAt?: string | undefined;
    body: object;
  }): NotebookEntry {
    const now = this.#now().toISOString();
    const raw = this.#db
      .prepare(
        `INSERT INTO journal (learner, lesson, exercise, kind, session_id, started_at, ended_at, body, revision, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING *`,
      )
      .get(learner, lesson, fields.exercise ?? null, kind, fields.sessionId ?? null, fields.startedAt, fields.endedAt ?? null, JSON.stringify(fields.body), now) as unknown as RawEntry;
    return toEntry(raw);
  }

  async addCommand(learner: string, lesson: string, sessionId: string | undefined, entry: NewCommand): Promise<CommandEntry> {
    const command = secretFree(entry.command, NOTEBOOK_LIMITS.commandBytes);
    const output = secretFree(entry.output, NOTEBOOK_LIMITS.outputBytes);
    return this.#insert(learner, lesson, 'command', {
      exercise: entry.exercise,
      sessionId,
      startedAt: entry.startedAt,
      endedAt: entry.endedAt,
      body: {
        command: command.text,
        exitCode: entry.exitCode,
        output: output.text,
        outputBytes: entry.outputBytes ?? Buffer.byteLength(entry.output),
        truncated: Boolean(entry.truncated) || output.truncated || command.truncated,
      },
    }) as CommandEntry;
  }

  async addCell(learner: string, lesson: string, sessionId: string | undefined, entry: NewCell): Promise<CellEntry> {
    const code = secretFree(entry.code, NOTEBOOK_LIMITS.cellCodeBytes);
    const output = secretFree(entry.output, NOTEBOOK_LIMITS.outputBytes);
    return this.#insert(learner, lesson, 'cell', {
      exercise: entry.exercise,
      sessionId,
      startedAt: entry.startedAt,
      endedAt: entry.endedAt,
      body: {
        cell: entry.cell.slice(0, 100),
        code: code.text,
        exitCode: entry.exitCode,
        output: output.text,
        durationMs: entry.durationMs,
        truncated: Boolean(entry.truncated) || output.truncated,
        cleared: false,
      },
    }) as CellEntry;
  }

  async addCheck(learner: string, lesson: string, sessionId: string | undefined, entry: NewCheck): Promise<CheckEntry> {
    return this.#insert(learner, lesson, 'check', {
      exercise: entry.exercise,
      sessionId,
      startedAt: entry.startedAt,
      endedAt: entry.endedAt,
      body: { passed: entry.passed, criteria: entry.criteria, durationMs: entry.durationMs },
    }) as CheckEntry;
  }

  async addSolutionShown(learner: string, lesson: string, exercise: string): Promise<SolutionEntry> {
    return this.#insert(learner, lesson, 'solution', { exercise, startedAt: this.#now().toISOString(), body: {} }) as SolutionEntry;
  }

  async addNote(learner: string, lesson: string, note: NewNote): Promise<NoteEntry> {
    const markdown = boundedText(note.markdown, NOTEBOOK_LIMITS.noteBytes);
    return this.#insert(learner, lesson, 'note', {
      exercise: note.exercise,
      startedAt: note.startedAt ?? this.#now().toISOString(),
      body: { markdown: markdown.text, truncated: markdown.truncated },
    }) as NoteEntry;
  }

  async saveNote(learner: string, lesson: string, id: number, revision: number, text: string): Promise<NoteSaved | undefined> {
    const markdown = boundedText(text, NOTEBOOK_LIMITS.noteBytes);
    const body = JSON.stringify({ markdown: markdown.text, truncated: markdown.truncated });
    return this.#store.transaction(() => {
      const current = this.#db
        .prepare(`SELECT * FROM journal WHERE id = ? AND learner = ? AND lesson = ? AND kind = 'note'`)
        .get(id, learner, lesson) as unknown as RawEntry | undefined;
      if (!current) return undefined;
      if (current.revision !== revision) {
        // Another tab saved this note since this one loaded it: both texts are kept.
        const note = this.#insert(learner, lesson, 'note', { exercise: current.exercise ?? undefined, startedAt: this.#now().toISOString(), body: JSON.parse(body) as object });
        return { note: note as NoteEntry, conflict: true };
      }
      const raw = this.#db
        .prepare(`UPDATE journal SET body = ?, revision = revision + 1, updated_at = ? WHERE id = ? RETURNING *`)
        .get(body, this.#now().toISOString(), id) as unknown as RawEntry;
      return { note: toEntry(raw) as NoteEntry, conflict: false };
    });
  }

  async deleteNote(learner: string, lesson: string, id: number): Promise<boolean> {
    const { changes } = this.#db.prepare(`DELETE FROM journal WHERE id = ? AND learner = ? AND lesson = ? AND kind = 'note'`).run(id, learner, lesson);
    return Number(changes) > 0;
  }

  async entries(learner: string, lesson: string, query: EntryQuery = {}): Promise<NotebookEntry[]> {
    const rows = this.#db
      .prepare(
        `SELECT * FROM journal WHERE learner = :learner AND lesson = :lesson AND id > :after
           AND (:exercise IS NULL OR exercise = :exercise)
         ORDER BY id LIMIT :limit`,
      )
      .all({ learner, lesson, after: query.after ?? 0, exercise: query.exercise ?? null, limit: query.limit ?? -1 }) as unknown as RawEntry[];
    return rows.map(toEntry);
  }

  async latestCells(learner: string, lesson: string): Promise<CellEntry[]> {
    const rows = this.#db
      .prepare(
        `SELECT * FROM journal WHERE id IN (
           SELECT max(id) FROM journal WHERE learner = ? AND lesson = ? AND kind = 'cell' GROUP BY json_extract(body, '$.cell'))
         AND json_extract(body, '$.cleared') = 0 ORDER BY id`,
      )
      .all(learner, lesson) as unknown as RawEntry[];
    return rows.map(toEntry) as CellEntry[];
  }

  async clearCells(learner: string, lesson: string): Promise<number> {
    const { changes } = this.#db
      .prepare(`UPDATE journal SET body = json_set(body, '$.cleared', json('true')) WHERE learner = ? AND lesson = ? AND kind = 'cell' AND json_extract(body, '$.cleared') = 0`)
      .run(learner, lesson);
    return Number(changes);
  }

  async progress(learner: string, exercisesByLesson: Record<string, readonly string[]>): Promise<LessonProgress[]> {
    const summary = this.#db.prepare(
      `SELECT exercise,
              sum(kind = 'check') AS attempts,
              min(CASE WHEN kind = 'check' AND json_extract(body, '$.passed') THEN started_at END) AS first_pass,
              min(started_at) AS first_seen,
              min(CASE WHEN kind = 'solution' THEN started_at END) AS solution_shown
         FROM journal WHERE learner = ? AND lesson = ? AND exercise IS NOT NULL AND kind != 'note'
        GROUP BY exercise`,
    );
    const latest = this.#db.prepare('SELECT max(updated_at) AS at FROM journal WHERE learner = ? AND lesson = ?');
    return Object.entries(exercisesByLesson).map(([lesson, exercises]) => {
      const rows = new Map(
        (summary.all(learner, lesson) as { exercise: string; attempts: number; first_pass: string | null; first_seen: string; solution_shown: string | null }[]).map((row) => [row.exercise, row]),
      );
      const lastActivityAt = (latest.get(learner, lesson) as { at: string | null } | undefined)?.at ?? undefined;
      return {
        lesson,
        ...(lastActivityAt ? { lastActivityAt } : {}),
        exercises: exercises.map((exercise): ExerciseProgress => {
          const row = rows.get(exercise);
          if (!row) return { exercise, state: 'not-started', attempts: 0 };
          if (!row.first_pass) return { exercise, state: row.attempts > 0 || row.solution_shown ? 'attempted' : 'not-started', attempts: row.attempts };
          const helped = row.solution_shown !== null && row.solution_shown <= row.first_pass;
          return {
            exercise,
            state: helped ? 'passed-with-help' : 'passed',
            attempts: row.attempts,
            firstPassAt: row.first_pass,
            timeToPassMs: Math.max(0, Date.parse(row.first_pass) - Date.parse(row.first_seen)),
          };
        }),
      };
    });
  }

  async lessons(learner: string): Promise<{ lesson: string; lastActivityAt: string }[]> {
    return (this.#db
      .prepare('SELECT lesson, max(updated_at) AS at FROM journal WHERE learner = ? GROUP BY lesson ORDER BY at DESC')
      .all(learner) as { lesson: string; at: string }[]).map((row) => ({ lesson: row.lesson, lastActivityAt: row.at }));
  }
}
