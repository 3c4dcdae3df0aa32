/** The lesson/lab split, <kubelab-layout> (markup in TwoColumnContent.astro). */
import { store } from '../lab/store.ts';
import type { KubelabTerminal } from '../terminal/kubelab-terminal.ts';

const MIN = 25;
const MAX = 75;

/** The lesson/lab split: a draggable, keyboard-operable separator, and the lab panel's collapsed state. */
export class KubelabLayout extends HTMLElement {
  #percent = 45;

  connectedCallback() {
    const splitter = this.querySelector<HTMLElement>('.kl-layout__splitter');
    this.#setWidth(store.setting('lab-width', 45));
    this.toggleAttribute('data-collapsed', store.setting('lab-collapsed', false));
    if (!splitter) return;

    splitter.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      splitter.setPointerCapture(event.pointerId);
      this.toggleAttribute('data-resizing', true);
      const box = this.getBoundingClientRect();
      const move = (e: PointerEvent) => {
        const fromRight = box.right - e.clientX;
        this.#setWidth((fromRight / box.width) * 100);
      };
      const up = () => {
        splitter.removeEventListener('pointermove', move);
        splitter.removeEventListener('pointerup', up);
        splitter.removeEventListener('pointercancel', up);
        this.removeAttribute('data-resizing');
        store.setSetting('lab-width', this.#percent);
        this.#notifyResize();
      };
      splitter.addEventListener('pointermove', move);
      splitter.addEventListener('pointerup', up);
      splitter.addEventListener('pointercancel', up);
    });

    splitter.addEventListener('keydown', (event) => {
      const step = event.shiftKey ? 10 : 2;
      let next: number | undefined;
      if (event.key === 'ArrowLeft') next = this.#percent + step;
      else if (event.key === 'ArrowRight') next = this.#percent - step;
      else if (event.key === 'Home') next = MAX;
      else if (event.key === 'End') next = MIN;
      else if (event.key === 'Enter') {
        event.preventDefault();
        this.setCollapsed(!this.hasAttribute('data-collapsed'));
        return;
      }
      if (next === undefined) return;
      event.preventDefault();
      this.#setWidth(next);
      store.setSetting('lab-width', this.#percent);
      this.#notifyResize();
    });

    splitter.addEventListener('dblclick', () => {
      this.#setWidth(45);
      store.setSetting('lab-width', 45);
      this.#notifyResize();
    });
  }

  setCollapsed(collapsed: boolean) {
    this.toggleAttribute('data-collapsed', collapsed);
    store.setSetting('lab-collapsed', collapsed);
    this.dispatchEvent(new CustomEvent('collapsechange', { detail: { collapsed } }));
    this.#notifyResize();
  }

  #setWidth(percent: number) {
    this.#percent = Math.round(Math.min(MAX, Math.max(MIN, percent)));
    this.style.setProperty('--kl-lab-width', `${this.#percent}%`);
    const splitter = this.querySelector<HTMLElement>('.kl-layout__splitter');
    splitter?.setAttribute('aria-valuenow', String(this.#percent));
    splitter?.setAttribute('aria-valuetext', `lab panel ${this.#percent}% wide`);
  }

  #notifyResize() {
    // Until a lab starts, the terminal's module (and so fit()) is not loaded: the element is still a plain one.
    const terminal: KubelabTerminal | null = this.querySelector('kubelab-terminal');
    terminal?.fit?.();
  }
}

customElements.define('kubelab-layout', KubelabLayout);

declare global {
  interface HTMLElementTagNameMap {
    'kubelab-layout': KubelabLayout;
  }
}
