/** The exercise card's custom element, <kubelab-exercise> (markup in Exercise.astro). */
import { labController } from '../lab/controller.ts';
import { ApiError, type CheckResult } from '../lab/api.ts';
import { store, type ExerciseProgress } from '../lab/store.ts';
import { confirmDialog } from '../lib/confirm.ts';
import { formatDuration, sentence } from '../lib/format.ts';
import { escapeHtml, inlineMarkdown } from '../lib/inline-md.ts';

const cards = () => [...document.querySelectorAll<KubelabExercise>('kubelab-exercise')];

class KubelabExercise extends HTMLElement {
  get exercise(): string {
    return this.dataset['exercise']!;
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

    const shown = Math.min(this.progress.hintsShown ?? 0, Number(this.dataset['hints']));
    for (let i = 0; i < shown; i++) this.#nextHint(false);
    if (this.progress.withHelp) this.#showSolution(false);
    this.#renderState();

    const lab = labController();
    lab?.addEventListener('change', () => {
      const s = lab.snapshot;
      if (s.phase !== 'ready') return;
      // The first exercise not yet passed starts its clock when the lab is ready.
      const first = cards().find((card) => !card.progress.passedAt);
      if (first === this && !this.progress.startedAt) this.#update((p) => ({ ...p, startedAt: Date.now() }));
      // Results the server remembers (from an earlier page load): show them if this card has none.
      const remembered = s.summary?.results?.[this.exercise];
      if (remembered && !this.querySelector('[data-result] .kl-result')) this.#showResult(remembered, false);
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
    const button = this.#button('check');
    const result = this.querySelector<HTMLElement>('[data-result]')!;
    this.#start();
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    result.innerHTML = '<p class="kl-result__pending">Checking your cluster…</p>';
    try {
      if (!lab) throw new ApiError(409, { code: 'E_NO_LAB', message: 'There is no lab on this page.' });
      const outcome = await lab.check(this.exercise);
      this.#showResult(outcome, true);
    } catch (error) {
      this.#showError(error);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  #showResult(outcome: CheckResult, fresh: boolean) {
    const result = this.querySelector<HTMLElement>('[data-result]')!;
    const met = outcome.criteria.filter((c) => c.passed).length;
    const total = outcome.criteria.length;
    const items = outcome.criteria
      .map((c) => {
        const details = c.passed
          ? ''
          : [
              c.expected !== undefined ? `<div><dt>Expected</dt><dd>${inlineMarkdown(c.expected)}</dd></div>` : '',
              c.actual !== undefined ? `<div><dt>Found</dt><dd>${inlineMarkdown(c.actual)}</dd></div>` : '',
              c.hint ? `<div><dt>Hint</dt><dd>${inlineMarkdown(c.hint)}</dd></div>` : '',
            ].join('');
        return (
          `<li class="kl-criterion" data-passed="${c.passed}" data-criterion="${escapeHtml(c.id)}">` +
          `<span class="kl-criterion__mark" aria-hidden="true">${c.passed ? '✓' : '✗'}</span>` +
          `<span class="sr-only">${c.passed ? 'Met:' : 'Not met:'}</span> ` +
          `<span class="kl-criterion__text">${inlineMarkdown(c.description)}</span>` +
          (details ? `<dl class="kl-criterion__details">${details}</dl>` : '') +
          `</li>`
        );
      })
      .join('');
    const summary = outcome.passed
      ? `✓ Passed: ${total === 1 ? 'the criterion is' : `all ${total} criteria are`} met.`
      : `✗ Not yet: ${met} of ${total} criteria met.`;
    result.innerHTML =
      `<div class="kl-result" data-passed="${outcome.passed}">` +
      `<p class="kl-result__summary" tabindex="-1">${summary} <span class="kl-muted">(checked in ${formatDuration(outcome.durationMs)})</span></p>` +
      `<ul class="kl-result__criteria" aria-label="Criteria">${items}</ul></div>`;
    if (outcome.passed) {
      const wasPassed = Boolean(this.progress.passedAt);
      this.#update((p) => {
        const now = Date.now();
        return wasPassed ? { ...p, lastCheck: { passed: true, at: now } } : { ...p, passedAt: now, tookMs: p.startedAt ? now - p.startedAt : undefined, lastCheck: { passed: true, at: now } };
      });
      if (fresh && !wasPassed) this.#onFirstPass();
    } else if (fresh) {
      this.#update((p) => ({ ...p, lastCheck: { passed: false, at: Date.now() } }));
    }
    if (fresh) result.querySelector<HTMLElement>('.kl-result__summary')?.focus();
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
    const result = this.querySelector<HTMLElement>('[data-result]')!;
    let message: string;
    let hint: string | undefined;
    if (error instanceof ApiError) {
      message = sentence(error.message);
      hint = error.hint ? sentence(error.hint) : undefined;
      if (error.code === 'E_CLUSTER_GONE') hint = 'Press Recreate in the lab panel to get a fresh cluster. Your check history is kept.';
    } else {
      message = 'The check could not run.';
      hint = error instanceof Error ? error.message : String(error);
    }
    result.innerHTML =
      `<div class="kl-result kl-result--error" role="alert"><p class="kl-result__summary" tabindex="-1">` +
      `<span aria-hidden="true">⚠</span> ${escapeHtml(message)}</p>` +
      (hint ? `<p class="kl-hint">${inlineMarkdown(hint)}</p>` : '') +
      `</div>`;
    result.querySelector<HTMLElement>('.kl-result__summary')?.focus();
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
    if (!labController()?.ready) {
      this.#showError(
        new ApiError(409, {
          code: 'E_NO_LAB',
          message: 'There is nothing to reset: no lab is running for this lesson.',
          hint: 'Press Start lab in the lab panel first.',
        }),
      );
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
    const lab = labController();
    const result = this.querySelector<HTMLElement>('[data-result]')!;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    result.innerHTML = '<p class="kl-result__pending">Resetting the exercise…</p>';
    try {
      if (!lab) throw new ApiError(409, { code: 'E_NO_LAB', message: 'There is no lab on this page.' });
      await lab.resetExercise(this.exercise);
      this.#update((p) => ({ ...p, passedAt: undefined, tookMs: undefined, lastCheck: undefined, startedAt: Date.now() }));
      result.innerHTML =
        '<div class="kl-result" data-reset><p class="kl-result__summary" tabindex="-1">' +
        '<span aria-hidden="true">↺</span> Exercise reset: the cluster is back in its starting state.</p></div>';
      result.querySelector<HTMLElement>('.kl-result__summary')?.focus();
    } catch (error) {
      this.#showError(error);
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  }

  #renderState() {
    const p = this.progress;
    const line = this.querySelector<HTMLElement>('[data-state-line]')!;
    const text = line.querySelector<HTMLElement>('[data-state-text]')!;
    const mark = line.querySelector<HTMLElement>('.kl-exercise__mark')!;
    const help = p.withHelp ? ' · solved with help' : '';
    if (p.passedAt) {
      line.dataset['state'] = 'passed';
      mark.textContent = '✓';
      text.textContent = `Passed${p.tookMs ? ` in ${formatDuration(p.tookMs)}` : ''}${help}`;
    } else {
      line.dataset['state'] = p.withHelp ? 'help' : 'open';
      mark.textContent = '○';
      text.textContent = p.withHelp ? 'Not passed yet · solution shown (solved with help)' : 'Not passed yet';
    }
    this.dataset['passed'] = String(Boolean(p.passedAt));
    this.toggleAttribute('data-with-help', Boolean(p.withHelp));
  }
}

customElements.define('kubelab-exercise', KubelabExercise);
