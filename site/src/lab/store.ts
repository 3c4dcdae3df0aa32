/**
 * What the browser remembers, in localStorage: the lab session per lesson (so a reload reconnects to the same
 * cluster), exercise progress per lesson (for the cards and the course map), the last lesson opened, the
 * learner's panel settings, and the text of notes not saved yet. Every read tolerates missing or corrupt data.
 */
import type { Credentials, Profile } from './api.ts';

const PREFIX = 'kubelab:';

function read<T>(key: string): T | undefined {
  try {
    const text = localStorage.getItem(PREFIX + key);
    return text === null ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === undefined) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    /* storage full or disabled: the page still works, it just forgets */
  }
}

export interface StoredSession extends Credentials {
  lesson: string;
  profile?: Profile;
  createdAt: number;
}

export interface ExerciseProgress {
  /** When the learner started on it (first interaction, lab ready, or the previous exercise passing). */
  startedAt?: number;
  passedAt?: number;
  /** Milliseconds from startedAt to the pass. */
  tookMs?: number;
  /** The learner looked at the reference solution. */
  withHelp?: boolean;
  hintsShown?: number;
  lastCheck?: { passed: boolean; at: number };
}

export type LessonProgress = Record<string, ExerciseProgress>;

/** A note's text the server has not confirmed yet, kept until it has: a reload or a crash loses nothing. */
export interface NoteBackup {
  text: string;
  /** The note it belongs to; absent for a note never saved. */
  id?: number;
  exercise?: string;
  at: number;
}

export const store = {
  session: (lesson: string) => {
    const value = read<StoredSession>(`session:${lesson}`);
    return value && typeof value.id === 'string' && typeof value.token === 'string' ? value : undefined;
  },
  setSession: (lesson: string, session: StoredSession | undefined) => write(`session:${lesson}`, session),
  /** Every lesson with a remembered session (for the home page's environment badge). */
  sessions: (): StoredSession[] => {
    const out: StoredSession[] = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key?.startsWith(`${PREFIX}session:`)) {
          const value = store.session(key.slice(`${PREFIX}session:`.length));
          if (value) out.push(value);
        }
      }
    } catch {
      /* no storage */
    }
    return out;
  },
  progress: (lesson: string): LessonProgress => read<LessonProgress>(`progress:${lesson}`) ?? {},
  updateExercise: (lesson: string, exercise: string, update: (current: ExerciseProgress) => ExerciseProgress): ExerciseProgress => {
    const all = store.progress(lesson);
    const next = update({ ...(all[exercise] ?? {}) });
    all[exercise] = next;
    write(`progress:${lesson}`, all);
    return next;
  },
  noteBackups: (lesson: string): Record<string, NoteBackup> => read<Record<string, NoteBackup>>(`note-backups:${lesson}`) ?? {},
  setNoteBackup: (lesson: string, key: string, backup: NoteBackup | undefined) => {
    const all = store.noteBackups(lesson);
    if (backup) all[key] = backup;
    else delete all[key];
    write(`note-backups:${lesson}`, Object.keys(all).length ? all : undefined);
  },
  lastLesson: () => read<{ slug: string; at: number }>('last-lesson'),
  setLastLesson: (slug: string) => write('last-lesson', { slug, at: Date.now() }),
  setting: <T>(name: string, fallback: T): T => read<T>(`setting:${name}`) ?? fallback,
  setSetting: (name: string, value: unknown) => write(`setting:${name}`, value),
};
