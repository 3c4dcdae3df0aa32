/** The lab panel's custom element, <kubelab-lab> (markup and templates in LabPanel.astro). */
import { clusterProfiles } from '@kubelab/labs/profiles';
import { labController, type LabPhase, type LabSnapshot } from '../lab/controller.ts';
import type { Profile, Step } from '../lab/api.ts';
import { errorTitle, lifetimeWords, restoreChoiceWords, restoredWords, SELF_PACED_ONLY } from '../lab/messages.ts';
import { lessonNotebook } from '../lab/notebook.ts';
import { exerciseStanding } from '../lab/progress.ts';
import { restoredExercises } from '../lab/reducer.ts';
import { store } from '../lab/store.ts';
import { confirmDialog } from '../lib/confirm.ts';
import { formatDuration, sentence } from '../lib/format.ts';
import { inlineMarkdown } from '../lib/inline-md.ts';
import type { KubelabTerminal } from '../terminal/kubelab-terminal.ts';
import type { KubelabLayout } from './layout.ts';

/** The element matching `selector` inside `root`; the markup is ours, so a missing one is a bug worth a clear error. */
function part<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`<kubelab-lab>: no ${selector} in LabPanel.astro`);
  return found;
}

/** The environment badge in the panel's bar: words and a state for its ○ ● ◐ ✗ mark. */
const BADGE: Record<LabPhase, [text: string, state: string]> = {
  idle: ['No lab running', 'none'],
  resuming: ['Reconnecting…', 'busy'],
  starting: ['Starting…', 'busy'],
  provisioning: ['Starting…', 'busy'],
  ready: ['Lab ready', 'ready'],
  failed: ['Lab needs attention', 'failed'],
  unavailable: [SELF_PACED_ONLY.badge, 'none'],
};

const STATUS: Record<LabPhase, string> = {
  idle: 'Not started',
  resuming: 'Starting',
  starting: 'Starting',
  provisioning: 'Starting',
  ready: 'Lab ready',
  failed: 'Stopped by an error',
  unavailable: SELF_PACED_ONLY.badge,
};

/** How often the time left is redrawn (it is shown to the minute). */
const LIFETIME_TICK_MS = 15_000;

class KubelabLab extends HTMLElement {
  #stepSeen = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastPhase: LabPhase | undefined;
  #readyAfter: number | undefined;
  #lifetimeTimer: ReturnType<typeof setInterval> | undefined;
  /** The deadline whose warning has been announced (once per deadline: an extension moves it). */
  #warnedFor: number | undefined;
  /** Why the last Extend was refused, shown in the lifetime line until the lab changes. */
  #extendProblem: string | undefined;
  /** The learner set Recreate's restore choice while this failure shows: keep it, rather than the default. */
  #restoreChosen = false;

  /** The terminal element; its methods exist once its module has loaded (when a lab starts), hence `?.()`. */
  get #terminal(): KubelabTerminal | null {
    return this.querySelector('kubelab-terminal');
  }

  get #profile(): Profile {
    return this.dataset['profile'] === 'multi' ? 'multi' : 'single';
  }

  connectedCallback() {
    const lab = labController();
    if (!lab) return;
    store.setLastLesson(lab.lesson);

    this.#on('[data-action="start"]', () => void lab.start());
    this.#on('[data-action="recreate"]', () => void lab.recreate({ restore: this.#restoreWanted() }));
    this.#on('[data-action="dismiss-restored"]', () => {
      part(this, '[data-restored]').hidden = true;
      this.#terminal?.focusTerminal?.();
    });
    part(this, '[data-restore-choice]').addEventListener('change', () => (this.#restoreChosen = true));
    // The notebook's progress may arrive after the failure shows: the restore choice's default follows it.
    lessonNotebook()?.addEventListener('change', () => {
      if (lab.snapshot.phase === 'failed') this.#renderRestoreChoice(lab.snapshot);
    });
    this.#on('[data-action="retry"]', () => void lab.retry());
    this.#on('[data-action="end"]', async (button) => {
      const ok = await confirmDialog({
        title: 'End this lab?',
        body: 'Your cluster and everything in it will be deleted. Your progress on the exercises is kept.',
        confirmLabel: 'End lab and delete the cluster',
        cancelLabel: 'Keep the lab',
        returnFocus: button,
      });
      if (!ok) return;
      await lab.end();
      this.querySelector<HTMLElement>('[data-action="start"]')?.focus();
    });
    this.#on('[data-action="extend"]', async (button) => {
      button.disabled = true;
      try {
        await lab.extend();
        this.#extendProblem = undefined;
      } catch (error) {
        this.#extendProblem = sentence(error instanceof Error ? error.message : String(error));
      } finally {
        button.disabled = false;
        this.#renderLifetime(lab.snapshot);
      }
    });
    this.#on('[data-action="collapse"]', () => this.#setCollapsed(true));
    this.#on('[data-action="expand"]', () => this.#setCollapsed(false));

    const srToggle = this.querySelector<HTMLInputElement>('[data-setting="screen-reader"]');
    const terminal = this.querySelector('kubelab-terminal');
    if (srToggle && terminal) {
      srToggle.checked = store.setting('screen-reader', false);
      terminal.toggleAttribute('screen-reader', srToggle.checked);
      srToggle.addEventListener('change', () => {
        store.setSetting('screen-reader', srToggle.checked);
        terminal.toggleAttribute('screen-reader', srToggle.checked);
      });
    }

    this.#setupTabs();
    const layout = this.closest('kubelab-layout');
    layout?.addEventListener('collapsechange', () => this.#syncCollapsed());
    this.#syncCollapsed();

    lab.addEventListener('change', () => this.#render(lab.snapshot));
    lab.addEventListener('reveal', () => {
      this.#setCollapsed(false);
      this.#selectTab('terminal');
    });
    // Widgets elsewhere (the Notebook's Re-run) say what happened through the panel's live region.
    lab.addEventListener('announce', (event) => {
      part(this, '[data-announce]').textContent = (event as CustomEvent<string>).detail;
    });
    this.#render(lab.snapshot);
    void lab.resume();
  }

  #on(selector: string, handler: (button: HTMLButtonElement) => void) {
    this.querySelectorAll<HTMLButtonElement>(selector).forEach((button) => button.addEventListener('click', () => handler(button)));
  }

  #setCollapsed(collapsed: boolean) {
    const layout: KubelabLayout | null = this.closest('kubelab-layout');
    layout?.setCollapsed?.(collapsed); // optional: layout.ts may define the element after this one
    this.#syncCollapsed();
    const target = collapsed ? '[data-action="expand"]' : '[data-action="collapse"]';
    this.querySelector<HTMLElement>(target)?.focus();
  }

  #syncCollapsed() {
    const collapsed = this.closest('kubelab-layout')?.hasAttribute('data-collapsed') ?? false;
    this.querySelector('[data-action="expand"]')?.setAttribute('aria-expanded', String(!collapsed));
    this.querySelector('[data-action="collapse"]')?.setAttribute('aria-expanded', String(!collapsed));
  }

  #setupTabs() {
    const tabs = [...this.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    tabs.forEach((tab, index) => {
      tab.addEventListener('click', () => this.#selectTab(tab.id.replace('kl-tab-', '')));
      tab.addEventListener('keydown', (event) => {
        let next: number | undefined;
        if (event.key === 'ArrowRight') next = (index + 1) % tabs.length;
        else if (event.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
        else if (event.key === 'Home') next = 0;
        else if (event.key === 'End') next = tabs.length - 1;
        const target = next === undefined ? undefined : tabs[next];
        if (!target) return;
        event.preventDefault();
        this.#selectTab(target.id.replace('kl-tab-', ''));
        target.focus();
      });
    });
  }

  #selectTab(name: string) {
    for (const tab of this.querySelectorAll<HTMLButtonElement>('[role="tab"]')) {
      const selected = tab.id === `kl-tab-${name}`;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      const panel = this.querySelector<HTMLElement>(`#${tab.getAttribute('aria-controls')}`);
      if (panel) panel.hidden = !selected;
    }
    if (name === 'terminal') this.#terminal?.fit?.();
    // Printing while the Notebook is open prints the timeline (the print styles in NotebookPanel.astro).
    if (name === 'notebook') document.documentElement.dataset['klPrint'] = 'notebook';
    else delete document.documentElement.dataset['klPrint'];
    this.dispatchEvent(new CustomEvent('tabchange', { detail: { tab: name } }));
  }

  /** Shows the view for the phase, and the bar and footer; says the big changes and moves focus with them. */
  #render(s: LabSnapshot) {
    const previous = this.#lastPhase;
    this.#lastPhase = s.phase;
    if (s.phase === 'ready' && (previous === 'provisioning' || previous === 'starting') && s.startedAt) {
      this.#readyAfter = Date.now() - s.startedAt;
    } else if (s.phase !== 'ready') {
      this.#readyAfter = undefined;
    }
    this.dataset['phase'] = s.phase;
    if (s.phase !== 'failed') this.#restoreChosen = false;
    const focusInPanel = this.contains(document.activeElement) || document.activeElement === document.body;

    const view = s.phase === 'starting' ? 'provisioning' : s.phase;
    for (const section of this.querySelectorAll<HTMLElement>('[data-view]')) section.hidden = section.dataset['view'] !== view;
    this.#renderIdle(s);
    this.#renderProvisioning(s);
    if (s.phase === 'failed') this.#renderFailed(s);
    if (s.phase === 'unavailable') this.#renderUnavailable();
    this.#renderLifetime(s);
    this.#renderChrome(s);
    if (previous !== s.phase) this.#renderRestored(s, previous);
    if (previous !== s.phase) {
      this.#announce(s);
      if (focusInPanel) this.#moveFocus(s.phase, previous);
    }
  }

  #renderUnavailable() {
    part(this, '[data-unavailable-title]').textContent = SELF_PACED_ONLY.title;
    part(this, '[data-unavailable-body]').innerHTML = inlineMarkdown(SELF_PACED_ONLY.body);
  }

  /**
   * The lab's time limit above the terminal (a workshop's; nothing for a self-paced lab): the time left, and from
   * the warning on, what happens and Extend. Redrawn every few seconds while the lab is ready; the warning is
   * announced once.
   */
  #renderLifetime(s: LabSnapshot) {
    const line = part(this, '[data-lifetime]');
    const lifetime = s.phase === 'ready' ? s.lifetime : undefined;
    if (lifetime && !this.#lifetimeTimer) {
      this.#lifetimeTimer = setInterval(() => {
        const lab = labController();
        if (lab) this.#renderLifetime(lab.snapshot);
      }, LIFETIME_TICK_MS);
    } else if (!lifetime && this.#lifetimeTimer) {
      clearInterval(this.#lifetimeTimer);
      this.#lifetimeTimer = undefined;
      this.#extendProblem = undefined;
    }
    line.hidden = !lifetime;
    if (!lifetime) return;
    const ms = lifetime.deadline - Date.now();
    const warning = ms <= lifetime.warnBeforeMs;
    const words = lifetimeWords({ ms, warning, extensionsLeft: lifetime.extensionsLeft, extendMinutes: lifetime.extendMinutes });
    line.dataset['state'] = warning ? 'warning' : 'quiet';
    part(this, '[data-lifetime-text]').textContent = this.#extendProblem && warning ? `${words.text} ${this.#extendProblem}` : words.text;
    const extend = part<HTMLButtonElement>(this, '[data-action="extend"]');
    extend.hidden = !words.canExtend;
    extend.textContent = words.extendLabel;
    if (warning && this.#warnedFor !== lifetime.deadline) {
      this.#warnedFor = lifetime.deadline;
      part(this, '[data-announce]').textContent = words.text;
    }
  }

  #renderIdle(s: LabSnapshot) {
    const notice = part(this, '[data-notice]');
    notice.hidden = !s.notice;
    notice.textContent = s.notice ?? '';
  }

  #renderProvisioning(s: LabSnapshot) {
    const restoring = s.restoring.length;
    part(this, '[data-lead]').textContent =
      s.phase === 'starting'
        ? 'Asking the lab server for a cluster…'
        : s.steps.length === 0
          ? 'The lab server accepted; waiting for the first step…'
          : restoring
            ? `Your new cluster is being made, then ${restoring === 1 ? 'the exercise you passed is' : `the ${restoring} exercises you passed are`} restored. Each step is ticked when it is done.`
            : 'Your cluster is being made. Each step is ticked when it is done.';
    this.#renderSteps(part<HTMLOListElement>(this, '[data-steps]'), s.steps);
    this.#tick(s);
    const underway = s.phase === 'starting' || s.phase === 'provisioning';
    if (underway && !this.#timer) {
      this.#timer = setInterval(() => {
        const lab = labController();
        if (lab) this.#tick(lab.snapshot);
      }, 1000);
    } else if (!underway && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #renderFailed(s: LabSnapshot) {
    const error = s.error;
    if (!error) return;
    part(this, '[data-error-title]').textContent = errorTitle(error, s.canRecreate);
    part(this, '[data-error-message]').textContent = sentence(error.message);
    part(this, '[data-error-hint]').hidden = !error.hint;
    part(this, '[data-error-hint-text]').innerHTML = error.hint ? inlineMarkdown(sentence(error.hint)) : '';
    part(this, '[data-error-code]').textContent = `Error code: ${error.code}`;
    part(this, '[data-action="recreate"]').hidden = !s.canRecreate;
    part(this, '[data-action="retry"]').hidden = s.canRecreate;
    this.#renderRestoreChoice(s);
    part(this, '[data-failed-steps]').hidden = s.steps.length === 0;
    this.#renderSteps(part<HTMLOListElement>(this, '[data-steps-failed]'), s.steps);
  }

  /** The lesson's exercises (id and title), from the panel's markup. */
  get #exercises(): { id: string; title: string }[] {
    try {
      return JSON.parse(this.dataset['exercises'] ?? '[]') as { id: string; title: string }[];
    } catch {
      return [];
    }
  }

  /** The titles of the lesson's exercises the learner has passed: the notebook's progress, or this browser's. */
  #passedTitles(): string[] {
    const server = lessonNotebook()?.progress;
    const local = store.progress(labController()?.lesson ?? '');
    return this.#exercises
      .filter((exercise) => exerciseStanding(server?.exercises.find((e) => e.exercise === exercise.id), local[exercise.id]).passed)
      .map((exercise) => exercise.title);
  }

  /** Recreate's restore choice: beside Recreate only, checked by default when there is something to restore. */
  #renderRestoreChoice(s: LabSnapshot) {
    const shown = s.phase === 'failed' && s.canRecreate;
    const passed = shown ? this.#passedTitles() : [];
    part(this, '[data-restore]').hidden = !shown;
    const detail = part(this, '[data-restore-detail]');
    detail.hidden = !shown;
    detail.textContent = shown ? restoreChoiceWords(passed) : '';
    if (shown && !this.#restoreChosen) part<HTMLInputElement>(this, '[data-restore-choice]').checked = passed.length > 0;
  }

  #restoreWanted(): boolean {
    return !part(this, '[data-restore]').hidden && part<HTMLInputElement>(this, '[data-restore-choice]').checked;
  }

  /**
   * After a Recreate with restore (watched on this page, not found on a reload): a line above the terminal, and the
   * announcement, say which exercises pass again. It stays until dismissed or the lab changes.
   */
  #renderRestored(s: LabSnapshot, previous: LabPhase | undefined) {
    const line = part(this, '[data-restored]');
    const restored = s.phase === 'ready' && (previous === 'provisioning' || previous === 'starting') ? restoredExercises(s.steps) : [];
    line.hidden = restored.length === 0;
    if (!restored.length) return;
    const titles = new Map(this.#exercises.map((exercise) => [exercise.id, exercise.title]));
    const words = restoredWords(restored.map((id) => ({ title: titles.get(id) ?? id, passed: s.summary?.results?.[id]?.passed === true })));
    part(this, '[data-restored-text]').textContent = words;
  }

  /** The bar's environment badge and the footer: status line and End lab. */
  #renderChrome(s: LabSnapshot) {
    const size = this.#size(s);
    let [text, state] = BADGE[s.phase];
    if (s.phase === 'ready') text = `${text} (${size})`;
    if (s.phase === 'ready' && s.terminal?.state === 'reconnecting') [text, state] = ['Terminal reconnecting…', 'busy'];
    const badge = part(this, '[data-env]');
    badge.textContent = text;
    badge.dataset['state'] = state;
    part(this, '[data-status]').textContent =
      s.phase === 'ready' ? `${STATUS.ready}: ${size}${this.#readyAfter ? `, started in ${formatDuration(this.#readyAfter)}` : ''}` : STATUS[s.phase];
    part(this, '[data-action="end"]').hidden = !(s.canRecreate || s.phase === 'ready' || s.phase === 'provisioning');
    part<HTMLButtonElement>(this, '[data-action="start"]').disabled = s.phase === 'resuming';
  }

  /** "1 node", "3 nodes": the nodes the lab has, or the profile's before it has any. */
  #size(s: LabSnapshot): string {
    const nodes = s.summary?.nodes.length;
    return nodes ? `${nodes} ${nodes === 1 ? 'node' : 'nodes'}` : clusterProfiles[this.#profile].label;
  }

  /** Says the big changes out loud (the step list itself is not a live region: a dozen steps would be noise). */
  #announce(s: LabSnapshot) {
    const text =
      s.phase === 'starting'
        ? 'Starting your lab.'
        : s.phase === 'ready'
          ? `Lab ready: ${this.#size(s)}. The terminal is open.${this.#restoredSaid()}`
          : s.phase === 'failed'
            ? s.error
              ? `Your lab needs attention: ${sentence(s.error.message)}`
              : 'Your lab needs attention.'
            : undefined;
    if (text) part(this, '[data-announce]').textContent = text;
  }

  /** The restore line's words for the ready announcement, when it shows. */
  #restoredSaid(): string {
    const line = part(this, '[data-restored]');
    return line.hidden ? '' : ` ${part(this, '[data-restored-text]').textContent ?? ''}`;
  }

  /** Focus follows the learner's action, never steals it from the lesson. */
  #moveFocus(phase: LabPhase, previous: LabPhase | undefined) {
    if (phase === 'starting') this.querySelector<HTMLElement>('#kl-provisioning-title')?.focus();
    if (phase === 'failed') this.querySelector<HTMLElement>('#kl-failed-title')?.focus();
    if (phase === 'ready' && previous && previous !== 'resuming') {
      requestAnimationFrame(() => this.#terminal?.focusTerminal?.());
    }
  }

  #tick(s: LabSnapshot) {
    const elapsed = this.querySelector<HTMLElement>('[data-elapsed]');
    if (elapsed) elapsed.textContent = formatDuration(s.startedAt ? Date.now() - s.startedAt : 0);
    for (const li of this.querySelectorAll<HTMLElement>('[data-steps] li[data-state="running"]')) {
      const step = s.steps.find((candidate) => candidate.id === li.dataset['step']);
      const seen = step ? this.#stepSeen.get(`${step.id}:${step.elapsedMs}`) : undefined;
      const time = li.querySelector<HTMLElement>('[data-step-time]');
      if (step && seen && time) time.textContent = formatDuration(step.elapsedMs + (Date.now() - seen));
    }
  }

  /** The step list, one <li> per step from the panel's step template; existing items are updated in place. */
  #renderSteps(list: HTMLOListElement, steps: Step[]) {
    const template = part<HTMLTemplateElement>(this, 'template[data-step-template]');
    const items = steps.map((step) => {
      const key = `${step.id}:${step.elapsedMs}`;
      if (!this.#stepSeen.has(key)) this.#stepSeen.set(key, Date.now());
      const li =
        list.querySelector<HTMLLIElement>(`li[data-step="${CSS.escape(step.id)}"]`) ??
        part<HTMLLIElement>(template.content, 'li').cloneNode(true) as HTMLLIElement;
      li.dataset['step'] = step.id;
      li.dataset['state'] = step.state;
      part(li, '[data-step-mark]').textContent = step.state === 'done' ? '✓' : step.state === 'failed' ? '✗' : '…';
      part(li, '[data-step-state]').textContent = step.state === 'done' ? 'Done: ' : step.state === 'failed' ? 'Failed: ' : 'In progress: ';
      part(li, '[data-step-title]').textContent = step.title;
      part(li, '[data-step-time]').textContent = formatDuration(step.elapsedMs);
      part(li, '[data-step-detail]').textContent = step.detail ?? '';
      return li;
    });
    list.replaceChildren(...items);
  }
}

customElements.define('kubelab-lab', KubelabLab);
