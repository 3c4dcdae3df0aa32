import { HIGH_WATER_BYTES, LOW_WATER_BYTES } from './protocol.ts';

/**
 * Ack-based flow control for one WebSocket connection, after VS Code's terminal: the server counts the OUTPUT
 * payload bytes it has sent and the client has not yet acknowledged (the client acks from xterm's write
 * callback, so an ack means "rendered"). Above the high-water mark the output source is paused; it resumes once
 * the count falls under the low-water mark. The gap between the two marks keeps it from flapping.
 *
 * The pressure also counts the socket's own send buffer (`buffered()`), so a client that acks bytes it never
 * read (a buggy or hostile one) cannot make the server queue output without bound.
 */
export class FlowControl {
  readonly highWater: number;
  readonly lowWater: number;
  readonly #buffered: () => number;
  readonly #onChange: (paused: boolean) => void;
  #unacked = 0;
  #paused = false;

  constructor(options: {
    /** Called with true when the source must pause, and false when it may resume. */
    onChange: (paused: boolean) => void;
    /** Bytes queued in the socket and not yet handed to the kernel (ws: `socket.bufferedAmount`). */
    buffered?: () => number;
    highWater?: number;
    lowWater?: number;
  }) {
    this.highWater = options.highWater ?? HIGH_WATER_BYTES;
    this.lowWater = options.lowWater ?? LOW_WATER_BYTES;
    if (!(this.lowWater < this.highWater)) throw new RangeError('the low-water mark must be below the high-water mark');
    this.#buffered = options.buffered ?? (() => 0);
    this.#onChange = options.onChange;
  }

  /** OUTPUT payload bytes sent and not yet acknowledged. */
  get unacked(): number {
    return this.#unacked;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Records `bytes` of OUTPUT payload handed to the socket. */
  sent(bytes: number): void {
    this.#unacked += bytes;
    this.update();
  }

  /** Records an ack. Acks beyond what was sent are clamped: they can never buy credit for the future. */
  acked(bytes: number): void {
    this.#unacked = Math.max(0, this.#unacked - bytes);
    this.update();
  }

  /** Re-evaluates the pressure; call it when the socket's send buffer drains, too. */
  update(): void {
    const pressure = Math.max(this.#unacked, this.#buffered());
    if (!this.#paused && pressure > this.highWater) {
      this.#paused = true;
      this.#onChange(true);
    } else if (this.#paused && pressure < this.lowWater) {
      this.#paused = false;
      this.#onChange(false);
    }
  }
}
