/** Something to undo later: an object with `dispose()` (node-pty's IDisposable fits), or a plain function. */
export type Teardown = { dispose(): void } | (() => void);

/**
 * Collects the teardowns of one owner (a pty's listeners, a connection's socket listeners) so they are undone
 * together, after ttyd's `register(...)`. Forgetting one would keep a closed socket or an old pty reachable.
 */
export class DisposableStore {
  #teardowns: (() => void)[] = [];
  #disposed = false;

  /** Adds `teardown` and returns it. Added after dispose(), it is undone at once: a late listener must not leak. */
  add<T extends Teardown>(teardown: T): T {
    const item: Teardown = teardown;
    const undo = typeof item === 'function' ? item : () => item.dispose();
    if (this.#disposed) undo();
    else this.#teardowns.push(undo);
    return teardown;
  }

  /** Undoes everything added, once. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const undo of this.#teardowns.splice(0)) undo();
  }
}
