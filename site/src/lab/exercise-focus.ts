/**
 * Which exercise the learner has open: the card they last touched (focus, click, typing), or the one that
 * scrolled into the middle of the screen. The lab is told (debounced, and only when it changed), so the commands
 * typed in the terminal are filed under that exercise in the notebook; cells run outside a card use it too. A
 * card that scrolls away leaves the last one open: the learner may be reading on while they work on it.
 */
import { labController } from './controller.ts';

/** How long the open exercise must stay the same before the lab is told. */
const SETTLE_MS = 800;

class ExerciseFocus {
  #current: string | null = null;
  #told: string | null | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #observer: IntersectionObserver | undefined;

  get current(): string | null {
    return this.#current;
  }

  /** Follows a card: interaction with it opens it, and so does scrolling it to the middle of the screen. */
  watch(card: HTMLElement, exercise: string): void {
    const open = () => this.#open(exercise);
    card.addEventListener('focusin', open);
    card.addEventListener('pointerdown', open);
    this.#observer ??= new IntersectionObserver(
      (records) => {
        const inTheMiddle = records.filter((record) => record.isIntersecting).at(-1)?.target;
        const id = inTheMiddle instanceof HTMLElement ? inTheMiddle.dataset['exercise'] : undefined;
        if (id) this.#open(id);
      },
      // A band across the middle third of the screen: the card the learner is reading.
      { rootMargin: '-33% 0px -33% 0px' },
    );
    this.#observer.observe(card);
  }

  /** The lab (re)started: it knows of no open exercise yet. */
  labReady(): void {
    this.#told = undefined;
    this.#schedule();
  }

  #open(exercise: string): void {
    if (this.#current === exercise) return;
    this.#current = exercise;
    this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tell(), SETTLE_MS);
  }

  async #tell(): Promise<void> {
    const lab = labController();
    const exercise = this.#current;
    if (!lab?.ready || this.#told === exercise) return;
    try {
      await lab.focusExercise(exercise);
      this.#told = exercise;
    } catch {
      // Only the filing of the next commands is at stake: the next change of exercise tries again.
    }
  }
}

let focus: ExerciseFocus | undefined;

/** The page's one tracker of the open exercise. */
export function exerciseFocus(): ExerciseFocus {
  if (!focus) {
    focus = new ExerciseFocus();
    const lab = labController();
    let wasReady = lab?.ready ?? false;
    lab?.addEventListener('change', () => {
      if (lab.ready && !wasReady) focus?.labReady();
      wasReady = lab.ready;
    });
  }
  return focus;
}
