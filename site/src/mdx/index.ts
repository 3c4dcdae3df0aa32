/**
 * The author's vocabulary. Every lesson page gets these without importing them (see mdast-plugin.ts):
 *
 *   <Terminal />                         where the lab panel is: a marker (the panel sits right of the lesson;
 *                                        on narrow screens it becomes a link to the panel below)
 *   <Exercise id="first-pod">…</Exercise> an exercise card: task, Check, hints, solution, reset
 *   ```sh [confirm | confirm="why"] [norun]  a runnable code block: Run and Copy; `confirm` asks first
 */
export { default as Exercise } from './Exercise.astro';
export { default as Terminal } from './Terminal.astro';
export { default as RunnableCode } from './RunnableCode.astro';
