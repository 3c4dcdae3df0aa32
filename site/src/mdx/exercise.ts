/**
 * The exercise card's custom element, <kubelab-exercise> (markup and the parts it clones in Exercise.astro). Its
 * state line (not started, attempted, passed, passed with help) comes from the learner's notebook when the lab
 * server keeps one, and from this browser's record otherwise (lab/progress.ts).
 *
 * Auto-check (a switch on the card) shows each result the lab server sends as Check shows it, without moving focus,
 * and only when something in it changed; it switches itself off, saying why, when the exercise passes or the lab
 * cannot be checked any more (lab/auto-check.ts has the words, the controller runs the stream).
 */
import { labController, type AutoCheckEnd, type AutoCheckRun } from '../lab/controller.ts';
import { LabError, problemOf, type CheckResult, type Criterion } from '../lab/api.ts';
import { AUTO_CHECK_ON, autoCheckCountWords, autoCheckOffWords, resultSignature } from '../lab/auto-check.ts';
import { exerciseFocus } from '../lab/exercise-focus.ts';
import { forLearner, PROBLEMS, type Problem } from '../lab/messages.ts';
import { restoredExercises, type LabPhase } from '../lab/reducer.ts';
import { lessonNotebook } from '../lab/notebook.ts';
import { exerciseStanding, type ProgressState } from '../lab/progress.ts';
import { store, type ExerciseProgress } from '../lab/store.ts';
import { confirmDialog } from '../lib/confirm.ts';
import { formatDuration, formatWhen, sentence } from '../lib/format.ts';
import { inlineMarkdown } from '../lib/inline-md.ts';

const cards = () => [...document.querySelectorAll<KubelabExercise>('kubelab-exercise')];

/** Where a result shown on the card came from, when not from the learner's own Check: said after its duration. */
type Origin = 'auto-check' | 'restored';
const ORIGIN_WORDS: Record<Origin, string> = { 'auto-check': 'by auto-check', restored: 'restored on the new cluster by replaying its solution' };

interface ShowResult {
  /** A new result: it counts in this browser's progress (and a first pass scrolls to the next card). */
  record: boolean;
  /** Move focus to its summary (after the learner's Check, not when it arrives by itself). */
  focus: boolean;
  origin?: Origin | undefined;
}

class KubelabExercise extends HTMLElement {
  /** The auto-check this card runs, while it runs. */
  #autoRun: AutoCheckRun | undefined;
  #autoChecks = 0;

  get exercise(): string {
    return this.dataset['exercise']!;
  }
  /** The exercise's title, as its heading shows it. */
  get exerciseTitle(): string {
    return this.querySelector('.kl-exercise__title > span:last-child')?.textContent?.trim() ?? this.exercise;
  }
  get lesson(): string {
    return this.dataset['lesson']!;
  }
  get progress(): ExerciseProgress {
    return store.progress(this.lesson)[this.exercise] ?? {};
  }

  #update(change: (p: ExerciseProgress) => ExerciseProgress) {
    store.updateExercise(this.lesson, this.exercise, change);
    this.#renderState();
  }

  connectedCallback() {
    this.#button('check').addEventListener('click', () => void this.check());
    this.#button('hint').addEventListener('click', () => this.#nextHint(true));
    this.#button('solution').addEventListener('click', () => void this.#toggleSolution());
    this.#button('reset').addEventListener('click', () => void this.#reset());
    this.#autoSwitch.addEventListener('change', () => void this.#toggleAutoCheck());
    this.#syncAutoSwitch();

    const shown = Math.min(this.progress.hintsShown ?? 0, Number(this.dataset['hints']));
    for (let i = 0; i < shown; i++) this.#nextHint(false);
    if (this.progress.withHelp) this.#showSolution(false);
    this.#renderState();
    exerciseFocus().watch(this, this.exercise);
    const notebook = lessonNotebook();
    notebook?.addEventListener('change', () => this.#renderState());
    void notebook?.ensureLoaded();

    const lab = labController();
    let previous: LabPhase | undefined = lab?.snapshot.phase;
    lab?.addEventListener('change', () => {
      const s = lab.snapshot;
      const was = previous;
      previous = s.phase;
      if (s.phase !== 'ready') return;
      // The first exercise not yet passed starts its clock when the lab is ready.
      const first = cards().find((card) => !card.progress.passedAt);
      if (first === this && !this.progress.startedAt) this.#update((p) => ({ ...p, startedAt: Date.now() }));
      const remembered = s.summary?.results?.[this.exercise];
      if (was !== 'ready') {
        // A lab that has just become ready: the card's result from a Recreate with restore, which replayed this
        // exercise and checked it again; an error the card showed (the cluster gone, no lab yet) is stale now.
        const restored = (was === 'provisioning' || was === 'starting') && restoredExercises(s.steps).includes(this.exercise);
        if (restored && remembered) {
          this.#showResult(remembered, { record: false, focus: false, origin: 'restored' });
          return;
        }
        if (this.#result.querySelector('.kl-result--error')) this.#result.replaceChildren();
      }
      // Results the server remembers (from an earlier page load): show them if this card has none.
      if (remembered && !this.#result.querySelector('.kl-result')) this.#showResult(remembered, { record: false, focus: false });
    });
  }

  #button(action: string): HTMLButtonElement {
    return this.querySelector<HTMLButtonElement>(`[data-action="${action}"]`)!;
  }

  #start() {
    if (!this.progress.startedAt) this.#update((p) => ({ ...p, startedAt: Date.now() }));
  }

  /** Check: ask the lab-runner to grade this exercise, then show the criteria and move focus to the result. */
  async check() {
    const lab = labController();
    this.#start();
    await this.#busy(this.#button('check'), 'Checking your cluster…', async () => {
      if (!lab) throw new LabError(PROBLEMS.noLabOnPage);
      this.#showResult(await lab.check(this.exercise), { record: true, focus: true });
      // The check is in the notebook now: the timeline and this card's state follow.
      void lessonNotebook()?.refresh();
    });
  }

  /** Runs Check or Reset: the button busy and a line saying what is happening, then the outcome or the error. */
  async #busy(button: HTMLButtonElement, pending: string, work: () => Promise<void>) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    const line = this.#part('pending');
    line.textContent = pending;
    this.#result.replaceChildren(line);
    try {
      await work();
    } catch (error) {
      this.#showError(error);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  get #result(): HTMLElement {
    return this.querySelector<HTMLElement>('[data-result]')!;
  }

  /** A fresh copy of one of the card's parts (<template data-parts> in Exercise.astro). */
  #part(name: string): HTMLElement {
    const template = this.querySelector<HTMLTemplateElement>('template[data-parts]')!;
    const part = template.content.querySelector<HTMLElement>(`[data-part="${name}"]`)!;
    return part.cloneNode(true) as HTMLElement;
  }

  /** Sets the text (or, for catalog strings, the escaped inline Markdown) of the element at `selector` in `root`. */
  #fill(root: HTMLElement, selector: string, text: string, markdown = false) {
    const target = root.querySelector<HTMLElement>(selector)!;
    if (markdown) target.innerHTML = inlineMarkdown(text);
    else target.textContent = text;
  }

  #showResult(outcome: CheckResult, { record, focus, origin }: ShowResult) {
    const met = outcome.criteria.filter((c) => c.passed).length;
    const total = outcome.criteria.length;
    const result = this.#part('result');
    result.dataset['passed'] = String(outcome.passed);
    result.dataset['signature'] = resultSignature(outcome);
    if (origin) {
      result.dataset['origin'] = origin;
      this.#fill(result, '[data-origin]', `, ${ORIGIN_WORDS[origin]}`);
    }
    this.#fill(
      result,
      '[data-summary]',
      outcome.passed ? `✓ Passed: ${total === 1 ? 'the criterion is' : `all ${total} criteria are`} met.` : `✗ Not yet: ${met} of ${total} criteria met.`,
    );
    this.#fill(result, '[data-took]', formatDuration(outcome.durationMs));
    result.querySelector('[data-criteria]')!.replaceChildren(...outcome.criteria.map((c) => this.#criterion(c)));
    this.#result.replaceChildren(result);
    if (outcome.passed) {
      const wasPassed = Boolean(this.progress.passedAt);
      this.#update((p) => {
        const now = Date.now();
        return wasPassed ? { ...p, lastCheck: { passed: true, at: now } } : { ...p, passedAt: now, tookMs: p.startedAt ? now - p.startedAt : undefined, lastCheck: { passed: true, at: now } };
      });
      if (record && !wasPassed) this.#onFirstPass();
    } else if (record) {
      this.#update((p) => ({ ...p, lastCheck: { passed: false, at: Date.now() } }));
    }
    if (focus) result.querySelector<HTMLElement>('.kl-result__summary')?.focus();
  }

  /** One criterion: ✓ or ✗, its text, and for ✗ what was expected, what was found and the hint. */
  #criterion(c: Criterion): HTMLElement {
    const li = this.#part('criterion');
    li.dataset['criterion'] = c.id;
    li.dataset['passed'] = String(c.passed);
    this.#fill(li, '[data-mark]', c.passed ? '✓' : '✗');
    this.#fill(li, '[data-met]', c.passed ? 'Met:' : 'Not met:');
    this.#fill(li, '[data-text]', c.description, true);
    const rows: [string, string | undefined][] = c.passed ? [] : [['Expected', c.expected], ['Found', c.actual], ['Hint', c.hint || undefined]];
    const details = rows.flatMap(([term, value]) => {
      if (value === undefined) return [];
      const row = this.#part('detail');
      this.#fill(row, '[data-term]', term);
      this.#fill(row, '[data-value]', value, true);
      return [row];
    });
    const list = li.querySelector('[data-details]')!;
    if (details.length) list.replaceChildren(...details);
    else list.remove();
    return li;
  }

  #onFirstPass() {
    const all = cards();
    const next = all.slice(all.indexOf(this) + 1).find((card) => !card.progress.passedAt);
    if (!next) return;
    if (!next.progress.startedAt) store.updateExercise(next.lesson, next.exercise, (p) => ({ ...p, startedAt: Date.now() }));
    const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
    setTimeout(() => next.scrollIntoView({ behavior: reduce ? 'auto' : 'smooth', block: 'center' }), 1200);
  }

  #showError(error: unknown) {
    this.#showProblem(problemOf(error), true);
  }

  #showProblem(problem: Problem, focus: boolean) {
    problem = forLearner(problem);
    const alert = this.#part('error');
    this.#fill(alert, '[data-message]', sentence(problem.message));
    if (problem.hint) this.#fill(alert, '[data-error-hint]', sentence(problem.hint), true);
    else alert.querySelector('[data-error-hint]')!.remove();
    this.#result.replaceChildren(alert);
    if (focus) alert.querySelector<HTMLElement>('.kl-result__summary')?.focus();
  }

  // ---- auto-check ----

  get #autoSwitch(): HTMLInputElement {
    return this.querySelector<HTMLInputElement>('[data-action="auto-check"]')!;
  }

  /** The switch turned on or off by the learner. */
  async #toggleAutoCheck() {
    this.#syncAutoSwitch();
    if (!this.#autoSwitch.checked) {
      this.#autoRun?.stop();
      return;
    }
    const lab = labController();
    if (!lab) {
      this.#autoCheckEnded({ why: 'failed', problem: PROBLEMS.noLabOnPage });
      return;
    }
    this.#start();
    this.#autoChecks = 0;
    const run = lab.autoCheck(this.exercise, (result) => this.#onAutoCheck(result));
    this.#autoRun = run;
    this.#sayAuto('on', AUTO_CHECK_ON);
    this.querySelector<HTMLElement>('[data-auto-count]')!.textContent = '';
    const end = await run.ended;
    if (this.#autoRun !== run) return; // turned off and on again meanwhile: the new run speaks for itself
    this.#autoRun = undefined;
    this.#autoCheckEnded(end);
  }

  /** A result of auto-check: shown (and announced) when it says something new; counted either way. */
  #onAutoCheck(result: CheckResult) {
    this.#autoChecks++;
    this.querySelector<HTMLElement>('[data-auto-count]')!.textContent = autoCheckCountWords(this.#autoChecks, new Date());
    const shown = this.#result.querySelector<HTMLElement>('.kl-result[data-signature]');
    if (shown?.dataset['signature'] !== resultSignature(result)) this.#showResult(result, { record: true, focus: false, origin: 'auto-check' });
    // Each check is in the notebook: the timeline and this card's state follow.
    void lessonNotebook()?.refresh();
  }

  /** The switch goes off, with a word why (not when the learner turned it off: the switch says that itself). */
  #autoCheckEnded(end: AutoCheckEnd) {
    this.#autoSwitch.checked = false;
    this.#syncAutoSwitch();
    const phase = labController()?.snapshot.phase ?? 'idle';
    if (end.why === 'off') this.#sayAuto('idle', '');
    else this.#sayAuto('off', autoCheckOffWords(end, phase, (id) => cards().find((card) => card.exercise === id)?.exerciseTitle ?? id));
    // The lab could not be checked: the card shows the problem and what to do, as Check would (no focus move).
    if (end.why === 'failed') this.#showProblem(end.problem, false);
  }

  #sayAuto(state: 'idle' | 'on' | 'off', words: string) {
    const line = this.querySelector<HTMLElement>('[data-auto-line]')!;
    line.dataset['state'] = state;
    line.querySelector<HTMLElement>('[data-auto-status]')!.textContent = words;
    if (state === 'idle') line.querySelector<HTMLElement>('[data-auto-count]')!.textContent = '';
  }

  /** The switch's visible On/Off beside its position (colour is never the only sign). */
  #syncAutoSwitch() {
    const on = this.#autoSwitch.checked;
    this.querySelector<HTMLElement>('[data-switch-state]')!.textContent = on ? 'On' : 'Off';
    this.dataset['autoCheck'] = on ? 'on' : 'off';
  }

  #nextHint(fromClick: boolean) {
    const list = this.querySelector<HTMLElement>('[data-hint-list]')!;
    const hidden = [...list.querySelectorAll<HTMLElement>('li[hidden]')];
    const next = hidden[0];
    if (!next) return;
    next.hidden = false;
    list.hidden = false;
    const total = Number(this.dataset['hints']);
    const shown = total - hidden.length + 1;
    const button = this.#button('hint');
    if (shown >= total) {
      button.textContent = 'No more hints';
      button.disabled = true;
    } else {
      button.textContent = 'Next hint';
    }
    if (fromClick) {
      this.#start();
      this.#update((p) => ({ ...p, hintsShown: Math.max(p.hintsShown ?? 0, shown) }));
      next.tabIndex = -1;
      next.focus();
    }
  }

  async #toggleSolution() {
    const panel = this.querySelector<HTMLElement>('[data-solution]')!;
    if (!panel.hidden) {
      panel.hidden = true;
      this.#syncSolutionButton();
      return;
    }
    if (!this.progress.withHelp) {
      const ok = await confirmDialog({
        title: 'Show the reference solution?',
        body: 'Trying first is how the lesson sticks. If you look, this exercise is marked “solved with help” (you can still check it).',
        confirmLabel: 'Show me the answer',
        cancelLabel: 'Keep trying',
        returnFocus: this.#button('solution'),
      });
      if (!ok) return;
      this.#start();
      this.#update((p) => ({ ...p, withHelp: true }));
      // A site served without a lab server keeps the browser's record only: nothing more to say then.
      lessonNotebook()?.solutionShown(this.exercise).catch(() => undefined);
    }
    this.#showSolution(true);
  }

  #showSolution(focus: boolean) {
    const panel = this.querySelector<HTMLElement>('[data-solution]')!;
    panel.hidden = false;
    this.#syncSolutionButton();
    if (focus) {
      const heading = panel.querySelector<HTMLElement>('h4');
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }
  }

  #syncSolutionButton() {
    const panel = this.querySelector<HTMLElement>('[data-solution]')!;
    const button = this.#button('solution');
    button.textContent = panel.hidden ? 'Show solution' : 'Hide solution';
    button.setAttribute('aria-expanded', String(!panel.hidden));
  }

  async #reset() {
    const button = this.#button('reset');
    const lab = labController();
    if (!lab?.ready) {
      this.#showError(new LabError(PROBLEMS.nothingToReset));
      return;
    }
    const ok = await confirmDialog({
      title: 'Reset this exercise?',
      body: 'This removes what you made for this exercise and puts the cluster back in its starting state.',
      confirmLabel: 'Reset',
      cancelLabel: 'Cancel',
      returnFocus: button,
    });
    if (!ok) return;
    await this.#busy(button, 'Resetting the exercise…', async () => {
      await lab.resetExercise(this.exercise);
      this.#update((p) => ({ ...p, passedAt: undefined, tookMs: undefined, lastCheck: undefined, startedAt: Date.now() }));
      const done = this.#part('reset');
      this.#result.replaceChildren(done);
      done.querySelector<HTMLElement>('.kl-result__summary')?.focus();
    });
  }

  #renderState() {
    const local = this.progress;
    const server = lessonNotebook()?.progress?.exercises.find((e) => e.exercise === this.exercise);
    const standing = exerciseStanding(server, local);
    const line = this.querySelector<HTMLElement>('[data-state-line]')!;
    line.dataset['state'] = standing.state;
    line.querySelector<HTMLElement>('[data-state-mark]')!.textContent = STATE_MARKS[standing.state];
    const words: string[] = [STATE_WORDS[standing.state]];
    if (standing.passed) {
      if (standing.timeToPassMs !== undefined) words[0] += ` in ${formatDuration(standing.timeToPassMs)}`;
      if (standing.firstPassAt) words.push(`first passed ${formatWhen(standing.firstPassAt)}`);
    } else {
      if (standing.attempts) words.push(`${standing.attempts} ${standing.attempts === 1 ? 'check' : 'checks'}`);
      if (local.withHelp) words.push('solution shown');
    }
    line.querySelector<HTMLElement>('[data-state-text]')!.textContent = words.join(' · ');
    this.dataset['passed'] = String(standing.passed);
    this.toggleAttribute('data-with-help', standing.state === 'passed-with-help' || Boolean(local.withHelp));
  }
}

const STATE_MARKS: Record<ProgressState, string> = { 'not-started': '○', attempted: '◔', passed: '✓', 'passed-with-help': '✓' };
const STATE_WORDS: Record<ProgressState, string> = {
  'not-started': 'Not started',
  attempted: 'Attempted, not passed yet',
  passed: 'Passed',
  'passed-with-help': 'Passed with help (solution shown)',
};

customElements.define('kubelab-exercise', KubelabExercise);
