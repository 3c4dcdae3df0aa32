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

/** Shared schemas, added once with app.addSchema so routes and the OpenAPI document refer to them by $id. */
export const sharedSchemas = [ErrorDetail, ErrorBody, Step, CheckResult, Lifetime, SessionSummary];

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
export const EnvironmentReset = Type.Object({ state: Type.Literal('provisioning') });

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

/** What `Type.Ref('<id>')` points at, so `Static<>` sees through the refs. */
type Refs = {
  ErrorDetail: typeof ErrorDetail;
  ErrorBody: typeof ErrorBody;
  Step: typeof Step;
  CheckResult: typeof CheckResult;
  Lifetime: typeof Lifetime;
  SessionSummary: typeof SessionSummary;
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

export const bearerSecurity = [{ sessionToken: [] }];
export const querySecurity = [{ sessionTokenQuery: [] }];
export const adminSecurity = [{ adminToken: [] }];
