import { Type, type Static } from 'typebox';

/**
 * The result shapes, declared once as JSON schemas: the lab-runner's API serves them as they are (with these
 * $ids in its OpenAPI document), and every TypeScript type of a result is `Static<>` of them.
 */

/** One thing a check verifies, with what it expected and what it found, so a learner sees *why* it failed. */
export const CriterionSchema = Type.Object(
  {
    id: Type.String({ description: 'Stable within the exercise; near-misses name the criterion they fail on.' }),
    description: Type.String(),
    passed: Type.Boolean(),
    expected: Type.Optional(Type.String()),
    actual: Type.Optional(Type.String()),
    hint: Type.Optional(Type.String({ description: 'Shown only when the criterion failed.' })),
  },
  { $id: 'Criterion' },
);

export const CheckResultSchema = Type.Object(
  {
    exercise: Type.String(),
    passed: Type.Boolean(),
    criteria: Type.Array(CriterionSchema),
    durationMs: Type.Integer({ minimum: 0 }),
  },
  { $id: 'CheckResult' },
);

/** A criterion whose id is one of `Id`: what a check returns, so near-misses can name only ids it reports. */
export type Criterion<Id extends string = string> = Omit<Static<typeof CriterionSchema>, 'id'> & { id: Id };
export type CheckResult = Static<typeof CheckResultSchema>;
