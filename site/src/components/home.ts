/**
 * The home page's widgets: <kubelab-progress> and <kubelab-home> (markup in pages/index.astro). Progress comes
 * from the learner's notebook on the lab server when it answers, and from this browser's record either way
 * (lab/progress.ts); where the site is served without a lab server, or this browser never opened the launch link,
 * the page simply shows what the browser knows, with no error.
 */
import type { CourseProgress } from '@kubelab/lab-runner/api';
import { api, isSessionGone } from '../lab/api.ts';
import { passedCount } from '../lab/progress.ts';
import { store } from '../lab/store.ts';

/** The learner's progress from the lab server: asked once for the page, undefined when it cannot say. */
let courseProgress: Promise<CourseProgress | undefined> | undefined;
function serverProgress(): Promise<CourseProgress | undefined> {
  courseProgress ??= api.progress().catch(() => undefined);
  return courseProgress;
}

/** Exercises passed in a lesson: a ring, and the same number in words beside the lesson's link. */
class KubelabProgress extends HTMLElement {
  connectedCallback() {
    this.#render(undefined);
    void serverProgress().then((progress) => {
      if (progress) this.#render(progress);
    });
  }

  #render(progress: CourseProgress | undefined) {
    const lesson = this.dataset['lesson']!;
    const exercises = JSON.parse(this.dataset['exercises'] ?? '[]') as string[];
    const total = exercises.length;
    const passed = passedCount(exercises, progress?.lessons.find((l) => l.lesson === lesson), store.progress(lesson));
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

type HomeLesson = { slug: string; title: string; href: string };

/** Continue where you left off, and the environment badge (no lab running / lab ready (N nodes) / starting). */
class KubelabHome extends HTMLElement {
  async connectedCallback() {
    const lessons = JSON.parse(this.dataset['lessons'] ?? '[]') as HomeLesson[];
    this.#offerToContinue(lessons, undefined);
    void serverProgress().then((progress) => {
      if (progress) this.#offerToContinue(lessons, progress);
    });

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

  /**
   * The lesson the learner was last active in, by the notebook when the server keeps one (across browsers' tabs
   * and labs), else by this browser's last visit; a learner with neither is pointed at the first lesson.
   */
  #offerToContinue(lessons: HomeLesson[], progress: CourseProgress | undefined) {
    const slug = progress ? progress.continueWith : store.lastLesson()?.slug;
    const lesson = lessons.find((l) => l.slug === slug);
    const next = lesson
      ? { href: lesson.href, text: `Continue where you left off: ${lesson.title}` }
      : lessons[0] && { href: lessons[0].href, text: `Start with the first lesson: ${lessons[0].title}` };
    const cont = this.querySelector<HTMLElement>('[data-continue]')!;
    if (!next) return;
    const link = document.createElement('a');
    link.href = next.href;
    link.className = 'kl-button kl-button--primary';
    link.textContent = next.text;
    cont.replaceChildren(link);
    cont.hidden = false;
  }
}

customElements.define('kubelab-progress', KubelabProgress);
customElements.define('kubelab-home', KubelabHome);
