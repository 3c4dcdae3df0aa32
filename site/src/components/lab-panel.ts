/** The lab panel's custom element, <kubelab-lab> (markup in LabPanel.astro). */
import { labController, type LabSnapshot } from '../lab/controller.ts';
import type { Step } from '../lab/api.ts';
import { store } from '../lab/store.ts';
import { confirmDialog } from '../lib/confirm.ts';
import { formatDuration, sentence } from '../lib/format.ts';
import { inlineMarkdown } from '../lib/inline-md.ts';

const PROFILE_LABEL = { single: '1 node', multi: '3 nodes' } as const;

const ERROR_TITLES: Record<string, string> = {
  E_CAPACITY_REACHED: 'The lab server is full',
  E_CLUSTER_GONE: 'Your cluster is gone',
  E_NETWORK: 'The lab server is not answering',
  E_UNKNOWN_LESSON: 'The lab server does not know this lesson',
};

class KubelabLab extends HTMLElement {
  #stepSeen = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastPhase: string | undefined;
  #readyAfter: number | undefined;

  connectedCallback() {
    const lab = labController();
    if (!lab) return;
    store.setLastLesson(lab.lesson);

    this.#on('[data-action="start"]', () => void lab.start());
    this.#on('[data-action="recreate"]', () => void lab.recreate());
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
    this.#render(lab.snapshot);
    void lab.resume();
  }

  #on(selector: string, handler: (button: HTMLButtonElement) => void) {
    this.querySelectorAll<HTMLButtonElement>(selector).forEach((button) => button.addEventListener('click', () => handler(button)));
  }

  #setCollapsed(collapsed: boolean) {
    const layout = this.closest('kubelab-layout') as (HTMLElement & { setCollapsed?: (c: boolean) => void }) | null;
    layout?.setCollapsed?.(collapsed);
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
        if (next === undefined) return;
        event.preventDefault();
        const tab = tabs[next]!;
        this.#selectTab(tab.id.replace('kl-tab-', ''));
        tab.focus();
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
    if (name === 'terminal') (this.querySelector('kubelab-terminal') as (HTMLElement & { fit?: () => void }) | null)?.fit?.();
  }

  #render(s: LabSnapshot) {
    const phase = s.phase === 'starting' ? 'provisioning' : s.phase;
    const previous = this.#lastPhase;
    this.#lastPhase = s.phase;
    if (s.phase === 'ready' && (previous === 'provisioning' || previous === 'starting') && s.startedAt) {
      this.#readyAfter = Date.now() - s.startedAt;
    } else if (s.phase !== 'ready') {
      this.#readyAfter = undefined;
    }
    this.dataset['phase'] = s.phase;
    const focusInPanel = this.contains(document.activeElement) || document.activeElement === document.body;

    for (const view of this.querySelectorAll<HTMLElement>('[data-view]')) view.hidden = view.dataset['view'] !== phase;

    // idle
    const notice = this.querySelector<HTMLElement>('[data-notice]')!;
    notice.hidden = !s.notice;
    notice.textContent = s.notice ?? '';

    // provisioning
    const lead = this.querySelector<HTMLElement>('[data-lead]')!;
    lead.textContent =
      s.phase === 'starting'
        ? 'Asking the lab server for a cluster…'
        : s.steps.length === 0
          ? 'The lab server accepted; waiting for the first step…'
          : 'Your cluster is being made. Each step is ticked when it is done.';
    this.#renderSteps(this.querySelector<HTMLOListElement>('[data-steps]')!, s.steps);
    this.#tick(s);
    if ((s.phase === 'starting' || s.phase === 'provisioning') && !this.#timer) {
      this.#timer = setInterval(() => this.#tick(labController()!.snapshot), 1000);
    } else if (s.phase !== 'starting' && s.phase !== 'provisioning' && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }

    // failed
    if (s.phase === 'failed' && s.error) {
      this.querySelector<HTMLElement>('[data-error-title]')!.textContent =
        ERROR_TITLES[s.error.code] ?? (s.canRecreate ? 'Your lab could not start' : 'The lab could not be started');
      this.querySelector<HTMLElement>('[data-error-message]')!.textContent = sentence(s.error.message);
      const hint = this.querySelector<HTMLElement>('[data-error-hint]')!;
      hint.hidden = !s.error.hint;
      hint.innerHTML = s.error.hint ? `<strong>What to do:</strong> ${inlineMarkdown(sentence(s.error.hint))}` : '';
      this.querySelector<HTMLElement>('[data-error-code]')!.textContent = `Error code: ${s.error.code}`;
      this.querySelector<HTMLElement>('[data-action="recreate"]')!.hidden = !s.canRecreate;
      this.querySelector<HTMLElement>('[data-action="retry"]')!.hidden = s.canRecreate;
      const failedSteps = this.querySelector<HTMLElement>('[data-failed-steps]')!;
      failedSteps.hidden = s.steps.length === 0;
      this.#renderSteps(this.querySelector<HTMLOListElement>('[data-steps-failed]')!, s.steps);
    }

    // bar, foot
    const env = this.querySelector<HTMLElement>('[data-env]')!;
    const nodes = s.summary?.nodes?.length;
    const profile = PROFILE_LABEL[this.dataset['profile'] === 'multi' ? 'multi' : 'single'];
    const size = nodes ? `${nodes} ${nodes === 1 ? 'node' : 'nodes'}` : profile;
    const envText: Record<string, [string, string]> = {
      idle: ['No lab running', 'none'],
      resuming: ['Reconnecting…', 'busy'],
      starting: ['Starting…', 'busy'],
      provisioning: ['Starting…', 'busy'],
      ready: [`Lab ready (${size})`, 'ready'],
      failed: ['Lab needs attention', 'failed'],
    };
    let [text, state] = envText[s.phase]!;
    if (s.phase === 'ready' && s.terminal?.state === 'reconnecting') [text, state] = ['Terminal reconnecting…', 'busy'];
    env.textContent = text;
    env.dataset['state'] = state;
    const status = this.querySelector<HTMLElement>('[data-status]')!;
    status.textContent =
      s.phase === 'ready'
        ? `Lab ready: ${size}${this.#readyAfter ? `, started in ${formatDuration(this.#readyAfter)}` : ''}`
        : s.phase === 'idle'
          ? 'Not started'
          : s.phase === 'failed'
            ? 'Stopped by an error'
            : 'Starting';
    this.querySelector<HTMLElement>('[data-action="end"]')!.hidden = !(s.canRecreate || s.phase === 'ready' || s.phase === 'provisioning');
    (this.querySelector('[data-action="start"]') as HTMLButtonElement).disabled = s.phase === 'resuming';

    // say the big changes out loud (the step list itself is not a live region: a dozen steps would be noise)
    if (previous !== s.phase) {
      const announce: Partial<Record<string, string>> = {
        starting: 'Starting your lab.',
        ready: `Lab ready: ${size}. The terminal is open.`,
        failed: s.error ? `Your lab needs attention: ${sentence(s.error.message)}` : 'Your lab needs attention.',
      };
      const text = announce[s.phase];
      if (text) this.querySelector<HTMLElement>('[data-announce]')!.textContent = text;
    }

    // focus follows the learner's action, never steals it from the lesson
    if (previous !== s.phase && focusInPanel) {
      if (s.phase === 'starting' && previous !== 'starting') this.querySelector<HTMLElement>('#kl-provisioning-title')?.focus();
      if (s.phase === 'failed') this.querySelector<HTMLElement>('#kl-failed-title')?.focus();
      if (s.phase === 'ready' && previous && previous !== 'resuming') {
        requestAnimationFrame(() => (this.querySelector('kubelab-terminal') as (HTMLElement & { focusTerminal?: () => void }) | null)?.focusTerminal?.());
      }
    }
  }

  #tick(s: LabSnapshot) {
    const elapsed = this.querySelector<HTMLElement>('[data-elapsed]');
    if (elapsed) elapsed.textContent = formatDuration(s.startedAt ? Date.now() - s.startedAt : 0);
    for (const li of this.querySelectorAll<HTMLElement>('[data-steps] li[data-state="running"]')) {
      const step = s.steps.find((candidate) => candidate.id === li.dataset['step']);
      const seen = step ? this.#stepSeen.get(`${step.id}:${step.elapsedMs}`) : undefined;
      const time = li.querySelector<HTMLElement>('.kl-step__time');
      if (step && seen && time) time.textContent = formatDuration(step.elapsedMs + (Date.now() - seen));
    }
  }

  #renderSteps(list: HTMLOListElement, steps: Step[]) {
    const items: HTMLLIElement[] = [];
    for (const step of steps) {
      const key = `${step.id}:${step.elapsedMs}`;
      if (!this.#stepSeen.has(key)) this.#stepSeen.set(key, Date.now());
      let li = list.querySelector<HTMLLIElement>(`li[data-step="${CSS.escape(step.id)}"]`);
      if (!li) {
        li = document.createElement('li');
        li.className = 'kl-step';
        li.dataset['step'] = step.id;
        li.innerHTML =
          '<span class="kl-step__mark" aria-hidden="true"></span><span class="sr-only kl-step__state"></span>' +
          '<span class="kl-step__title"></span> <span class="kl-step__time"></span><span class="kl-step__detail"></span>';
      }
      li.dataset['state'] = step.state;
      li.querySelector('.kl-step__mark')!.textContent = step.state === 'done' ? '✓' : step.state === 'failed' ? '✗' : '…';
      li.querySelector('.kl-step__state')!.textContent =
        step.state === 'done' ? 'Done: ' : step.state === 'failed' ? 'Failed: ' : 'In progress: ';
      li.querySelector('.kl-step__title')!.textContent = step.title;
      li.querySelector('.kl-step__time')!.textContent = formatDuration(step.elapsedMs);
      li.querySelector('.kl-step__detail')!.textContent = step.detail ?? '';
      items.push(li);
    }
    list.replaceChildren(...items);
  }
}

customElements.define('kubelab-lab', KubelabLab);
