/**
 * The most recent output of a terminal, kept so that a reconnecting client sees what it missed. A fixed-size ring
 * of bytes: appending never allocates, and the memory it holds never grows past its capacity however much the
 * shell prints.
 */
export class ReplayBuffer {
  readonly capacity: number;
  readonly #ring: Uint8Array;
  /** Where the next byte goes. */
  #end = 0;
  /** How many bytes the ring holds (at most capacity). */
  #size = 0;
  /** Whether older output has been overwritten since the last clear(). */
  #wrapped = false;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`a replay buffer needs a positive capacity, not ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Uint8Array(capacity);
  }

  /** How many bytes a snapshot would hold at most. */
  get size(): number {
    return this.#size;
  }

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (bytes.length >= this.capacity) {
      if (this.#size > 0 || bytes.length > this.capacity) this.#wrapped = true;
      this.#ring.set(bytes.subarray(bytes.length - this.capacity));
      this.#end = 0;
      this.#size = this.capacity;
      return;
    }
    const first = Math.min(bytes.length, this.capacity - this.#end);
    this.#ring.set(bytes.subarray(0, first), this.#end);
    this.#ring.set(bytes.subarray(first), 0);
    this.#end = (this.#end + bytes.length) % this.capacity;
    if (this.#size + bytes.length > this.capacity) this.#wrapped = true;
    this.#size = Math.min(this.capacity, this.#size + bytes.length);
  }

  /**
   * A copy of the buffered output, oldest first. When older output has been dropped, the copy starts at the
   * first line break of what remains (if there is one in the first 4 KiB), so a replay neither begins with half a
   * UTF-8 character nor, usually, in the middle of an escape sequence.
   */
  snapshot(): Uint8Array {
    const start = (this.#end - this.#size + this.capacity) % this.capacity;
    const out = new Uint8Array(this.#size);
    const first = Math.min(this.#size, this.capacity - start);
    out.set(this.#ring.subarray(start, start + first));
    out.set(this.#ring.subarray(0, this.#size - first), first);
    if (!this.#wrapped) return out;
    const newline = out.subarray(0, 4096).indexOf(0x0a);
    if (newline >= 0) return out.subarray(newline + 1);
    let skip = 0;
    while (skip < out.length && skip < 4 && (out[skip]! & 0xc0) === 0x80) skip++;
    return out.subarray(skip);
  }

  clear(): void {
    this.#end = 0;
    this.#size = 0;
    this.#wrapped = false;
  }
}
