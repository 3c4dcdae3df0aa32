import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { sessionAuth, sessionOf } from '../plugins/auth.ts';
import { courseMarkdown, lessonMarkdown, type ExportedLesson } from '../notebook/export.ts';
import {
  bearerSecurity,
  CellEntry,
  CellsCleared,
  CourseProgress,
  errorResponses,
  FocusBody,
  LessonExerciseParams,
  LessonParams,
  NewNoteBody,
  Notebook,
  NotebookQuery,
  NoteEntry,
  NoteParams,
  NoteSaved,
  RunCellBody,
  SaveNoteBody,
  SessionParams,
} from '../schemas/api.ts';
import { errors } from '../sessions/errors.ts';
import type { LabLesson } from '../sessions/manager.ts';
import { KubelabError } from '@kubelab/kit/errors';

/** Learner routes need the launch token (cookie or bearer), as starting a lab does: a notebook is private. */
const launchSecurity: Record<string, string[]>[] = [{ launchCookie: [] }, { launchToken: [] }];

const noteNotFound = (id: number) => new KubelabError('E_NOT_FOUND', `this lesson has no note ${id} of yours`, { hint: 'GET /api/notebook/{lesson} lists your notes.' });

/**
 * The lab notebook: a learner's timeline per lesson (terminal commands, cells, checks, notes), notes, progress,
 * and Markdown export; and, on a session, running a code block as a cell and saying which exercise is open. The
 * learner is the request's (plugins/learner.ts); one learner never reads or changes another's.
 */
const notebookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['notebook'];
  const learnerRoute = { preValidation: app.edge.launch.require };

  async function lessonOf(slug: string): Promise<LabLesson> {
    const lesson = await app.lessons.find(slug);
    if (!lesson) throw errors.unknownLesson(slug, (await app.lessons.all()).map((l) => l.slug));
    return lesson;
  }

  async function exported(request: FastifyRequest, lesson: LabLesson): Promise<ExportedLesson> {
    const [entries, [progress]] = await Promise.all([
      app.notebook.entries(request.learner, lesson.slug),
      app.notebook.progress(request.learner, { [lesson.slug]: lesson.exercises.map((e) => e.id) }),
    ]);
    return { slug: lesson.slug, title: lesson.page.title, exercises: lesson.exercises.map(({ id, title }) => ({ id, title })), entries, progress: progress! };
  }

  const attachment = (name: string) => `attachment; filename="${name}"`;

  app.get(
    '/api/progress',
    {
      ...learnerRoute,
      schema: {
        summary: "The learner's progress in every lesson, and where to continue",
        tags,
        security: launchSecurity,
        response: { 200: CourseProgress, ...errorResponses(401, 403, 429) },
      },
    },
    async (request) => {
      const lessons = await app.lessons.all();
      const progress = await app.notebook.progress(request.learner, Object.fromEntries(lessons.map((l) => [l.slug, l.exercises.map((e) => e.id)])));
      const [latest] = await app.notebook.lessons(request.learner);
      return { lessons: progress, ...(latest && lessons.some((l) => l.slug === latest.lesson) ? { continueWith: latest.lesson } : {}) };
    },
  );

  app.get(
    '/api/notebook/:lesson',
    {
      ...learnerRoute,
      schema: {
        summary: "The learner's notebook of a lesson: timeline, cell outputs, progress",
        description: '?exercise= keeps the entries of one exercise; ?after=<id> only the newer ones.',
        tags,
        security: launchSecurity,
        params: LessonParams,
        querystring: NotebookQuery,
        response: { 200: Notebook, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const lesson = await lessonOf(request.params.lesson);
      const { exercise, after } = request.query;
      const [entries, cells, [progress]] = await Promise.all([
        app.notebook.entries(request.learner, lesson.slug, { ...(exercise ? { exercise } : {}), ...(after ? { after } : {}) }),
        app.notebook.latestCells(request.learner, lesson.slug),
        app.notebook.progress(request.learner, { [lesson.slug]: lesson.exercises.map((e) => e.id) }),
      ]);
      return { lesson: lesson.slug, entries, cells, progress: progress! };
    },
  );

  app.post(
    '/api/notebook/:lesson/notes',
    {
      ...learnerRoute,
      schema: {
        summary: 'Add a note',
        description: 'A note beyond 64 KiB is kept cut, with a marker; the request is not refused.',
        tags,
        security: launchSecurity,
        params: LessonParams,
        body: NewNoteBody,
        response: { 201: NoteEntry, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const lesson = await lessonOf(request.params.lesson);
      const { markdown, exercise } = request.body;
      const note = await app.notebook.addNote(request.learner, lesson.slug, { markdown, ...(exercise ? { exercise } : {}) });
      return reply.code(201).send(note);
    },
  );

  app.put(
    '/api/notebook/:lesson/notes/:note',
    {
      ...learnerRoute,
      schema: {
        summary: 'Save a note',
        description:
          'Saves over the revision the text was edited from. If the note has a newer revision (saved from another tab), the text is kept as a new note and `conflict` is true: nothing is lost.',
        tags,
        security: launchSecurity,
        params: NoteParams,
        body: SaveNoteBody,
        response: { 200: NoteSaved, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const lesson = await lessonOf(request.params.lesson);
      const { markdown, revision } = request.body;
      const saved = await app.notebook.saveNote(request.learner, lesson.slug, request.params.note, revision, markdown);
      if (!saved) throw noteNotFound(request.params.note);
      return saved;
    },
  );

  app.delete(
    '/api/notebook/:lesson/notes/:note',
    {
      ...learnerRoute,
      schema: {
        summary: 'Delete a note',
        tags,
        security: launchSecurity,
        params: NoteParams,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const lesson = await lessonOf(request.params.lesson);
      if (!(await app.notebook.deleteNote(request.learner, lesson.slug, request.params.note))) throw noteNotFound(request.params.note);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/notebook/:lesson/cells/clear',
    {
      ...learnerRoute,
      schema: {
        summary: 'Clear outputs: hide every cell output of the lesson from the page (the timeline keeps them)',
        tags,
        security: launchSecurity,
        params: LessonParams,
        response: { 200: CellsCleared, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => ({ cleared: await app.notebook.clearCells(request.learner, (await lessonOf(request.params.lesson)).slug) }),
  );

  app.post(
    '/api/notebook/:lesson/exercises/:exercise/solution-shown',
    {
      ...learnerRoute,
      schema: {
        summary: 'Record that the learner looked at the solution',
        description: 'A later pass counts as "passed with help".',
        tags,
        security: launchSecurity,
        params: LessonExerciseParams,
        response: { 204: Type.Null({ description: 'Recorded.' }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const lesson = await lessonOf(request.params.lesson);
      const exercise = lesson.exercises.find((e) => e.id === request.params.exercise);
      if (!exercise) throw errors.unknownExercise(request.params.exercise, lesson.slug, lesson.exercises.map((e) => e.id));
      await app.notebook.addSolutionShown(request.learner, lesson.slug, exercise.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/notebook/:lesson/export.md',
    {
      ...learnerRoute,
      schema: {
        summary: "Export the lesson's notebook as Markdown",
        tags,
        security: launchSecurity,
        params: LessonParams,
        response: { 200: Type.String(), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const lesson = await lessonOf(request.params.lesson);
      const markdown = lessonMarkdown(await exported(request, lesson), new Date());
      return reply.type('text/markdown; charset=utf-8').header('content-disposition', attachment(`kubelab-${lesson.slug}.md`)).send(markdown);
    },
  );

  app.get(
    '/api/notebook/export.md',
    {
      ...learnerRoute,
      schema: {
        summary: 'Export the whole course notebook as Markdown',
        tags,
        security: launchSecurity,
        response: { 200: Type.String(), ...errorResponses(401, 403, 429) },
      },
    },
    async (request, reply) => {
      const lessons = await Promise.all((await app.lessons.all()).map((lesson) => exported(request, lesson)));
      return reply.type('text/markdown; charset=utf-8').header('content-disposition', attachment('kubelab-notebook.md')).send(courseMarkdown(lessons, new Date()));
    },
  );

  // ── On a lab session ─────────────────────────────────────────────────────────────────────────────────────────

  const auth = sessionAuth('header');
  const { perSession } = app.edge;

  app.post(
    '/api/sessions/:id/cells',
    {
      config: { longRunning: true },
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: 'Run a code block as a notebook cell',
        description:
          "Runs the code with bash in the lab's toolbox (the terminal's user, kubeconfig and working directory; not its interactive shell, no terminal), " +
          'at most 60 s and 64 KiB of output, and records it in the notebook. 409 E_SESSION_BUSY: two cells of this lab are already running. 409 E_CLUSTER_GONE: Recreate the lab.',
        tags,
        security: bearerSecurity,
        params: SessionParams,
        body: RunCellBody,
        response: { 200: CellEntry, ...errorResponses(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const { exercise } = request.body;
      if (exercise) app.sessions.exercises.find(session, exercise);
      return app.sessions.runCell(session, request.body);
    },
  );

  app.put(
    '/api/sessions/:id/focus',
    {
      preValidation: auth,
      preHandler: perSession,
      schema: {
        summary: 'Say which exercise the learner has open',
        description: 'The journal files the terminal commands that follow under it (null: none).',
        tags,
        security: bearerSecurity,
        params: SessionParams,
        body: FocusBody,
        response: { 204: Type.Null({ description: 'Noted.' }), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      const { exercise } = request.body;
      session.focusOn(exercise === null ? undefined : app.sessions.exercises.find(session, exercise).id);
      return reply.code(204).send(null);
    },
  );
};

export default notebookRoutes;
