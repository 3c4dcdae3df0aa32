import { Type, type Static } from '@fastify/type-provider-typebox';
import { errorCodes } from '@kubelab/kit/errors';
import { profileNames } from '@kubelab/labs/profiles';
import { CheckResultSchema, CriterionSchema } from '@kubelab/checkers';
import { serverProfiles } from '../config.ts';
import { nodeViewIds, NODE_VIEW_MAX_BYTES } from '../providers/node-views.ts';
import { nodeRoles } from '../providers/provider.ts';

/**
 * The HTTP API's schemas, and the single source of its types: request validation, response serialization, the
 * OpenAPI document and every TypeScript type of the API (`Static<>` of these schemas) come from here. The server
 * returns these types, and the site, the typed client, the tests and the bench import them (type-only), so a
 * field added in one place and not the other is a compile error, not a field Fastify silently drops.
 */

export const ErrorDetail = Type.Object(
  {
    code: Type.Enum(errorCodes, { description: 'Stable error code, e.g. E_TOKEN_INVALID.' }),
    message: Type.String({ description: 'What went wrong, in plain words.' }),
    hint: Type.Optional(Type.String({ description: 'What to do next.' })),
  },
  { $id: 'ErrorDetail' },
);

export const ErrorBody = Type.Object({ error: Type.Ref('ErrorDetail') }, { $id: 'ErrorBody', description: 'Every error response.' });

export const errorRef = Type.Ref('ErrorBody');

/** Error responses for the given statuses, all with the ErrorBody shape. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorRef> {
  return Object.fromEntries(statuses.map((status) => [status, errorRef]));
}

const slug = Type.String({ pattern: '^[a-z][a-z0-9-]{1,39}$', description: 'A lesson or exercise id.' });
export const SessionId = Type.String({ pattern: '^[0-9a-f]{1,64}$', description: 'The session id returned by POST /api/sessions.' });
export const Profile = Type.Enum(profileNames, { description: 'single: 1 node; multi: 3 nodes.' });
export const SessionState = Type.Union(
  [Type.Literal('provisioning'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('ended')],
  { description: 'provisioning → ready (or failed); ended after DELETE.' },
);

export const Step = Type.Object(
  {
    id: Type.String(),
    title: Type.String({ description: 'What the learner sees, e.g. "Starting terminal".' }),
    state: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
    elapsedMs: Type.Integer({ minimum: 0 }),
    detail: Type.Optional(Type.String({ description: 'The latest progress line, or the outcome.' })),
  },
  { $id: 'Step' },
);

/** The check result shapes are the checkers' own schemas: one definition from the grader to the card that shows it. */
export const Criterion = CriterionSchema;
export const CheckResult = CheckResultSchema;

export const Lifetime = Type.Object(
  {
    expiresAt: Type.Optional(Type.String({ description: 'When the lab reaches its time limit (with its extensions), ISO 8601; absent when it has none.' })),
    expiresInMs: Type.Optional(
      Type.Integer({ minimum: 0, description: "The same, from the server's clock when it answered: what a client counts down from, whatever its own clock says." }),
    ),
    warnBeforeMs: Type.Optional(Type.Integer({ minimum: 0, description: 'The warning window before the time limit.' })),
    warning: Type.Optional(Type.Boolean({ description: 'The lab is in its warning window: it ends soon unless extended.' })),
    extensionsLeft: Type.Optional(Type.Integer({ minimum: 0, description: 'How many more times POST /api/sessions/{id}/extend may add time.' })),
    extendMinutes: Type.Optional(Type.Integer({ minimum: 0, description: 'What one extension adds.' })),
    idleMinutes: Type.Optional(Type.Integer({ minimum: 1, description: 'The lab ends after this long without terminal input or API use.' })),
    idleEndsAt: Type.Optional(Type.String({ description: 'When it ends for want of use, if nothing happens before (ISO 8601).' })),
  },
  {
    $id: 'Lifetime',
    description: 'Absent on a server whose labs live until the learner ends them (self-paced); a workshop has a time limit and an idle timeout.',
  },
);

export const SessionSummary = Type.Object(
  {
    id: Type.String(),
    lesson: Type.String(),
    state: SessionState,
    profile: Profile,
    nodes: Type.Array(Type.Object({ name: Type.String(), role: Type.Enum(nodeRoles) })),
    steps: Type.Array(Type.Ref('Step')),
    results: Type.Record(Type.String(), Type.Ref('CheckResult'), { description: 'The latest check of each exercise, by exercise id.' }),
    error: Type.Optional(Type.Ref('ErrorDetail')),
    lifetime: Type.Optional(Type.Ref('Lifetime')),
  },
  { $id: 'SessionSummary' },
);

/** The session schemas that others refer to by $id; sharedSchemas (below) adds the notebook's. */
const sessionSchemas = [ErrorDetail, ErrorBody, Step, CheckResult, Lifetime, SessionSummary];

export const Health = Type.Object({
  status: Type.Literal('ok'),
  sessions: Type.Integer({ minimum: 0, description: 'Live sessions (provisioning or ready).' }),
  capacity: Type.Integer({ minimum: 0, description: 'How many live sessions this server allows.' }),
});

export const LessonList = Type.Array(
  Type.Object({
    slug: Type.String(),
    title: Type.String(),
    profile: Profile,
    exercises: Type.Array(Type.Object({ id: Type.String(), title: Type.String() })),
    nodeAccess: Type.Boolean({ description: "The lesson needs the cluster's nodes themselves (static pods, kubectl debug node, etcd snapshots)." }),
    startable: Type.Boolean({
      description: 'Whether this server starts labs for it: false for a lesson that needs node access on a workshop server (self-paced only; POST /api/sessions answers 409 E_SELF_PACED_ONLY).',
    }),
  }),
);

export const CreateSessionBody = Type.Object({ lesson: slug }, { additionalProperties: false });

export const CreatedSession = Type.Object({
  id: Type.String(),
  token: Type.String({ description: 'The session secret: send it as "Authorization: Bearer <token>", or ?token= for events and the terminal.' }),
  lesson: Type.String(),
  state: SessionState,
});

export const SessionParams = Type.Object({ id: SessionId });
export const ExerciseParams = Type.Object({ id: SessionId, exercise: Type.String({ minLength: 1, maxLength: 100, description: 'An exercise id of the session lesson.' }) });
export const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ description: 'The session token.' })) });

export const ExerciseReset = Type.Object({ exercise: Type.String(), reset: Type.Literal(true) });

/** A lab as the host sees it (GET /api/admin/sessions): with its cluster's name, which learners are never shown. */
export const AdminSession = Type.Object({
  id: Type.String(),
  lesson: Type.String(),
  state: SessionState,
  cluster: Type.String({ description: 'The Docker/kind cluster the lab holds (npx kubelab cluster list).' }),
  createdAt: Type.String(),
  lastActivityAt: Type.String({ description: "The learner's last terminal input or API request (to the minute)." }),
  expiresAt: Type.Optional(Type.String({ description: 'When it reaches its time limit; absent when it has none.' })),
  idleEndsAt: Type.Optional(Type.String({ description: 'When it ends for want of use, if nothing happens before.' })),
  extensions: Type.Integer({ minimum: 0 }),
  error: Type.Optional(Type.Ref('ErrorDetail')),
});

export const AdminSessionList = Type.Object({
  profile: Type.Enum(serverProfiles, { description: 'Who this server is for: self-paced (one learner) or workshop (a room).' }),
  capacity: Type.Integer({ minimum: 0 }),
  sessions: Type.Array(AdminSession, { description: 'Every lab that has not ended, oldest first.' }),
});
export const EnvironmentReset = Type.Object({
  state: Type.Literal('provisioning'),
  restoring: Type.Array(Type.String(), { description: 'The exercises that will be replayed and checked again (restore), in the order their steps run.' }),
});
export const RecreateBody = Type.Object(
  {
    restore: Type.Optional(
      Type.Boolean({ description: "Replay the reference solutions of the exercises the learner has passed in this lesson, then check them again (a step each). The journal and notes are untouched." }),
    ),
  },
  { additionalProperties: false },
);

export const NodeViewId = Type.Enum(nodeViewIds, { description: 'A read-only node view (GET /api/node-views lists them).' });
export const NodeViewList = Type.Array(
  Type.Object({
    id: NodeViewId,
    title: Type.String(),
    description: Type.String(),
    controlPlaneOnly: Type.Boolean({ description: 'Only a control-plane node has it.' }),
  }),
);
export const NodeViewParams = Type.Object({
  id: SessionId,
  node: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,99}$', description: "A node of the session's cluster, as its summary names it." }),
  view: NodeViewId,
});
export const NodeViewResult = Type.Object({
  view: NodeViewId,
  node: Type.String(),
  output: Type.String({ description: `What the view printed (stdout and stderr), at most ${NODE_VIEW_MAX_BYTES / 1024} KiB.` }),
  exitCode: Type.Integer({ description: '-1 when it was stopped (too long, or too much output).' }),
  truncated: Type.Boolean(),
});

// ── The lab notebook ───────────────────────────────────────────────────────────────────────────────────────────

const entryFields = {
  id: Type.Integer({ minimum: 1 }),
  lesson: Type.String(),
  exercise: Type.Optional(Type.String({ description: 'The exercise the learner had open, or that the entry is about.' })),
  startedAt: Type.String({ description: 'ISO 8601.' }),
  endedAt: Type.Optional(Type.String()),
  revision: Type.Integer({ minimum: 1, description: 'Notes change: each save is a new revision.' }),
  updatedAt: Type.String(),
};

export const CommandEntry = Type.Object(
  {
    ...entryFields,
    kind: Type.Literal('command'),
    command: Type.String({ description: "The line, from the shell's history; secrets redacted." }),
    exitCode: Type.Integer(),
    output: Type.String({ description: 'The start of its output, with its ANSI escape sequences (bounded).' }),
    outputBytes: Type.Integer({ minimum: 0 }),
    truncated: Type.Boolean(),
  },
  { description: 'A command typed in the terminal.' },
);

export const CellEntry = Type.Object(
  {
    ...entryFields,
    kind: Type.Literal('cell'),
    cell: Type.String({ description: "Which block of the page ran (the page's id for it)." }),
    code: Type.String(),
    exitCode: Type.Integer({ description: '-1 when it was stopped (too long).' }),
    output: Type.String({ description: 'stdout and stderr, with ANSI escape sequences (bounded).' }),
    durationMs: Type.Integer({ minimum: 0 }),
    truncated: Type.Boolean(),
    cleared: Type.Boolean({ description: 'Clear outputs hid it from the page; the journal keeps it.' }),
  },
  { description: 'A code block run as a notebook cell.' },
);

export const CheckEntry = Type.Object(
  {
    ...entryFields,
    kind: Type.Literal('check'),
    passed: Type.Boolean(),
    criteria: Type.Array(CriterionSchema),
    durationMs: Type.Integer({ minimum: 0 }),
  },
  { description: 'A check of an exercise.' },
);

export const NoteEntry = Type.Object(
  { ...entryFields, kind: Type.Literal('note'), markdown: Type.String(), truncated: Type.Boolean() },
  { description: "The learner's own note, in Markdown." },
);

export const SolutionEntry = Type.Object({ ...entryFields, kind: Type.Literal('solution') }, { description: 'The learner looked at the solution.' });

export const NotebookEntry = Type.Union([CommandEntry, CellEntry, CheckEntry, NoteEntry, SolutionEntry], { $id: 'NotebookEntry' });

export const progressStates = ['not-started', 'attempted', 'passed', 'passed-with-help'] as const;

export const ExerciseProgress = Type.Object({
  exercise: Type.String(),
  state: Type.Enum(progressStates, { description: 'passed-with-help: the solution was shown before the first pass.' }),
  attempts: Type.Integer({ minimum: 0, description: 'Checks run.' }),
  firstPassAt: Type.Optional(Type.String()),
  timeToPassMs: Type.Optional(Type.Integer({ minimum: 0, description: 'From the first thing done in the exercise to its first pass.' })),
});

export const LessonProgress = Type.Object({
  lesson: Type.String(),
  exercises: Type.Array(ExerciseProgress),
  lastActivityAt: Type.Optional(Type.String({ description: 'The latest entry of its notebook.' })),
});

export const CourseProgress = Type.Object({
  lessons: Type.Array(LessonProgress, { description: 'Every lesson of the course, in course order.' }),
  continueWith: Type.Optional(Type.String({ description: 'The lesson the learner was last active in: "continue where you left off".' })),
});

export const LessonParams = Type.Object({ lesson: slug });
export const NoteParams = Type.Object({ lesson: slug, note: Type.Integer({ minimum: 1 }) });
export const LessonExerciseParams = Type.Object({ lesson: slug, exercise: slug });
export const NotebookQuery = Type.Object({
  exercise: Type.Optional(slug),
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'Only entries after this id.' })),
});

export const Notebook = Type.Object({
  lesson: Type.String(),
  entries: Type.Array(Type.Ref('NotebookEntry'), { description: 'The timeline, oldest first.' }),
  cells: Type.Array(CellEntry, { description: 'The latest output of each cell the page shows (not cleared).' }),
  progress: LessonProgress,
});

/** Markdown is cut (with a marker), never refused, beyond the notebook's limit; this bounds only the request. */
const markdown = Type.String({ maxLength: 1024 * 1024, description: 'Markdown; kept up to 64 KiB, the rest cut with a marker.' });
export const NewNoteBody = Type.Object({ markdown, exercise: Type.Optional(slug) }, { additionalProperties: false });
export const SaveNoteBody = Type.Object(
  { markdown, revision: Type.Integer({ minimum: 1, description: 'The revision this text was edited from.' }) },
  { additionalProperties: false },
);
export const NoteSaved = Type.Object({
  note: NoteEntry,
  conflict: Type.Boolean({ description: 'The note had a newer revision (another tab): this text was kept as a new note instead of overwriting it.' }),
});
export const CellsCleared = Type.Object({ cleared: Type.Integer({ minimum: 0 }) });

export const RunCellBody = Type.Object(
  {
    cell: Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$', description: "The page's id for the block." }),
    code: Type.String({ minLength: 1, maxLength: 16 * 1024 }),
    exercise: Type.Optional(slug),
  },
  { additionalProperties: false },
);
export const FocusBody = Type.Object({ exercise: Type.Union([slug, Type.Null()]) }, { additionalProperties: false });

/** Shared schemas, added once with app.addSchema so routes and the OpenAPI document refer to them by $id. */
export const sharedSchemas = [...sessionSchemas, NotebookEntry];

/** What `Type.Ref('<id>')` points at, so `Static<>` sees through the refs. */
type Refs = {
  ErrorDetail: typeof ErrorDetail;
  ErrorBody: typeof ErrorBody;
  Step: typeof Step;
  CheckResult: typeof CheckResult;
  Lifetime: typeof Lifetime;
  SessionSummary: typeof SessionSummary;
  NotebookEntry: typeof NotebookEntry;
};

export type ErrorDetail = Static<typeof ErrorDetail, Refs>;
export type ErrorBody = Static<typeof ErrorBody, Refs>;
export type Profile = Static<typeof Profile>;
export type SessionState = Static<typeof SessionState>;
export type Step = Static<typeof Step>;
export type Criterion = Static<typeof Criterion>;
export type CheckResult = Static<typeof CheckResult>;
export type Lifetime = Static<typeof Lifetime>;
export type SessionSummary = Static<typeof SessionSummary, Refs>;
export type SessionNode = SessionSummary['nodes'][number];
export type Health = Static<typeof Health>;
export type LessonList = Static<typeof LessonList>;
export type CreatedSession = Static<typeof CreatedSession>;
export type ExerciseReset = Static<typeof ExerciseReset>;
export type EnvironmentReset = Static<typeof EnvironmentReset>;
export type NodeViewList = Static<typeof NodeViewList>;
export type NodeViewResult = Static<typeof NodeViewResult>;
export type AdminSession = Static<typeof AdminSession, Refs>;
export type AdminSessionList = Static<typeof AdminSessionList, Refs>;
export type CommandEntry = Static<typeof CommandEntry>;
export type CellEntry = Static<typeof CellEntry>;
export type CheckEntry = Static<typeof CheckEntry>;
export type NoteEntry = Static<typeof NoteEntry>;
export type SolutionEntry = Static<typeof SolutionEntry>;
export type NotebookEntry = Static<typeof NotebookEntry>;
export type ProgressState = (typeof progressStates)[number];
export type ExerciseProgress = Static<typeof ExerciseProgress>;
export type LessonProgress = Static<typeof LessonProgress>;
export type CourseProgress = Static<typeof CourseProgress>;
export type Notebook = Static<typeof Notebook, Refs>;
export type NoteSaved = Static<typeof NoteSaved>;

export const bearerSecurity = [{ sessionToken: [] }];
export const querySecurity = [{ sessionTokenQuery: [] }];
export const adminSecurity = [{ adminToken: [] }];
