/**
 * The typing draft (W3, D11), throttled: at most one `draft` every `interval` ms while the
 * visitor types (the first at once, the latest text at the end of each interval), and an empty
 * draft at once when the field is cleared or the message is sent.
 */
export const DRAFT_INTERVAL_MS = 500;

export interface Timers {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export class DraftThrottle {
  private last = "";
  private lastAt = -Infinity;
  private latest = "";
  private timer: unknown = null;

  constructor(
    private send: (text: string) => void,
    private timers: Timers,
    private interval = DRAFT_INTERVAL_MS,
  ) {}

  input(text: string): void {
    this.latest = text;
    if (!text.trim()) {
      this.cancel();
      if (this.last !== "") this.emit("");
      return;
    }
    if (this.timer !== null) return; // the trailing send takes the latest text
    const wait = this.lastAt + this.interval - this.timers.now();
    if (wait <= 0) this.emit(text);
    else this.timer = this.timers.setTimeout(() => this.trailing(), wait);
  }

  /** The message went: the agent's preview clears. */
  sent(): void {
    this.cancel();
    this.latest = "";
    if (this.last !== "") this.emit("");
  }

  private trailing(): void {
    this.timer = null;
    if (this.latest.trim() && this.latest !== this.last) this.emit(this.latest);
  }

  private emit(text: string): void {
    this.last = text;
    this.lastAt = this.timers.now();
    this.send(text);
  }

  private cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
