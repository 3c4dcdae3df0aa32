/** The home page's widgets: <kubelab-progress> and <kubelab-home> (markup in pages/index.astro). */
import { api, isSessionGone } from '../lab/api.ts';
import { store } from '../lab/store.ts';

/** Exercises passed per lesson, from this browser's progress: a ring and the same number in words. */
class KubelabProgress extends HTMLElement {
  connectedCallback() {
    const lesson = this.dataset['lesson']!;
    const total = Number(this.dataset['total']);
    const passed = Object.values(store.progress(lesson)).filter((p) => p.passedAt).length;
    const percent = total ? Math.round((Math.min(passed, total) / total) * 100) : 0;
    const ring = this.querySelector('.kl-ring__value');
    ring?.setAttribute('stroke-dasharray', `${percent} 100`);
    ring?.toggleAttribute('hidden', percent === 0);
    const label = this.querySelector('.kl-ring__label');
    if (label) label.textContent = `${passed}/${total}`;
    const item = this.closest<HTMLElement>('.kl-map__lesson');
    const text = item?.querySelector('[data-progress-text]');
    if (text) text.textContent = `${passed} of ${total} ${total === 1 ? 'exercise' : 'exercises'} passed${passed === total && total ? ' ✓' : ''}`;
    item?.toggleAttribute('data-done', passed === total && total > 0);
  }
}

/** Continue where you left off, and the environment badge (no lab running / lab ready (N nodes) / starting). */
class KubelabHome extends HTMLElement {
  async connectedCallback() {
    const lessons = JSON.parse(this.dataset['lessons'] ?? '[]') as { slug: string; title: string; href: string }[];
    const last = store.lastLesson();
    const lesson = lessons.find((l) => l.slug === last?.slug);
    const next = lesson
      ? { href: lesson.href, text: `Continue where you left off: ${lesson.title}` }
      : lessons[0] && { href: lessons[0].href, text: `Start with the first lesson: ${lessons[0].title}` };
    const cont = this.querySelector<HTMLElement>('[data-continue]')!;
    if (next) {
      const link = document.createElement('a');
      link.href = next.href;
      link.className = 'kl-button kl-button--primary';
      link.textContent = next.text;
      cont.replaceChildren(link);
      cont.hidden = false;
    }

    const env = this.querySelector<HTMLElement>('[data-env]')!;
    for (const session of store.sessions()) {
      try {
        const summary = await api.session(session);
        const title = lessons.find((l) => l.slug === session.lesson)?.title ?? session.lesson;
        const nodes = summary.nodes.length;
        if (summary.state === 'ready') {
          env.textContent = `Lab ready${nodes ? ` (${nodes} ${nodes === 1 ? 'node' : 'nodes'})` : ''}: ${title}`;
          env.dataset['state'] = 'ready';
          return;
        }
        if (summary.state === 'provisioning') {
          env.textContent = `Lab starting: ${title}`;
          env.dataset['state'] = 'busy';
          return;
        }
      } catch (error) {
        if (isSessionGone(error)) store.setSession(session.lesson, undefined);
      }
    }
  }
}

customElements.define('kubelab-progress', KubelabProgress);
customElements.define('kubelab-home', KubelabHome);
