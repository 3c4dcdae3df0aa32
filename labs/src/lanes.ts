import type { Profile } from './profiles.ts';

/** What planLanes needs of a lesson: its slug, its cluster profile, and how much proving it takes. */
export interface LaneLesson {
  slug: string;
  profile: Profile;
  /** Scenarios labs:test runs for it (pristine, solution, variants, near-misses of every exercise). */
  scenarios: number;
  /**
   * What planLanes balances: the seconds the lesson took last time (see laneCosts), or its scenario count when no
   * lesson has been timed yet.
   */
  cost?: number;
}

/** One cluster's worth of work: lessons of one profile, proven one after another on one cluster. */
export interface Lane<L extends LaneLesson = LaneLesson> {
  profile: Profile;
  lessons: L[];
  scenarios: number;
  /** The sum of its lessons' costs. */
  cost: number;
}

/**
 * Splits the course into at most `jobs` lanes, each run on its own cluster side by side. Every profile gets a lane
 * (a lesson proven on a cluster of another shape proves nothing), even past `jobs`; spare lanes go, one at a
 * time, to the profile whose lanes carry the most cost each. Within a profile, lessons go heaviest first to
 * the lightest lane, and each lane keeps course order, so the slowest lane is as short as a greedy plan makes it.
 */
export function planLanes<L extends LaneLesson>(lessons: readonly L[], jobs: number): Lane<L>[] {
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a whole number ≥ 1 (got ${jobs})`);
  const byProfile = new Map<Profile, L[]>();
  for (const lesson of lessons) byProfile.set(lesson.profile, [...(byProfile.get(lesson.profile) ?? []), lesson]);
  const laneCount = new Map<Profile, number>([...byProfile.keys()].map((profile) => [profile, 1]));
  const costOf = (lesson: L) => lesson.cost ?? lesson.scenarios;
  const total = (profile: Profile) => byProfile.get(profile)!.reduce((sum, l) => sum + costOf(l), 0);
  for (let lanes = byProfile.size; lanes < jobs; lanes++) {
    const candidates = [...laneCount].filter(([profile, count]) => count < byProfile.get(profile)!.length);
    if (!candidates.length) break;
    const [busiest] = candidates.sort((a, b) => total(b[0]) / b[1] - total(a[0]) / a[1])[0]!;
    laneCount.set(busiest, laneCount.get(busiest)! + 1);
  }
  const plan: Lane<L>[] = [];
  for (const [profile, profileLessons] of byProfile) {
    const lanes: Lane<L>[] = Array.from({ length: laneCount.get(profile)! }, () => ({ profile, lessons: [], scenarios: 0, cost: 0 }));
    for (const lesson of [...profileLessons].sort((a, b) => costOf(b) - costOf(a))) {
      const lightest = lanes.reduce((min, lane) => (lane.cost < min.cost ? lane : min));
      lightest.lessons.push(lesson);
      lightest.scenarios += lesson.scenarios;
      lightest.cost += costOf(lesson);
    }
    for (const lane of lanes) lane.lessons.sort((a, b) => profileLessons.indexOf(a) - profileLessons.indexOf(b));
    plan.push(...lanes);
  }
  return plan;
}

/** The scenarios labs:test runs for an exercise: the pristine state, the solution, each variant and each near-miss. */
export function scenarioCount(exercise: { variants: readonly unknown[]; nearMisses: readonly unknown[] }): number {
  return 2 + exercise.variants.length + exercise.nearMisses.length;
}

/**
 * Each lesson's cost in seconds: how long it took the last time it was timed (`timed`, by lesson key), and for a
 * lesson never timed, its scenarios at the median seconds per scenario of those that were. A scenario count alone
 * weighs a lesson of quick RBAC reviews like one of pods that wait for their images and probes, and the lane that
 * draws the slow ones runs long. With nothing timed, the costs stay the scenario counts.
 */
export function laneCosts<L extends LaneLesson>(lessons: readonly L[], timed: Readonly<Record<string, number>>, keyOf: (lesson: L) => string): L[] {
  const rates = lessons
    .filter((lesson) => timed[keyOf(lesson)] !== undefined && lesson.scenarios > 0)
    .map((lesson) => timed[keyOf(lesson)]! / lesson.scenarios)
    .sort((a, b) => a - b);
  if (!rates.length) return lessons.map((lesson) => ({ ...lesson, cost: lesson.scenarios }));
  const median = rates[Math.floor(rates.length / 2)]!;
  return lessons.map((lesson) => ({ ...lesson, cost: timed[keyOf(lesson)] ?? lesson.scenarios * median }));
}
