/**
 * The live replay's clock (D5). rrweb's live mode plays an event `timestamp - baseline` ms after
 * `startLive(baseline)`; the timestamps are the visitor's clock, which is not the agent's.
 *
 * - `begin` gives the baseline for a fresh replay: the first event's time minus a small buffer,
 *   so the two clocks' difference (skew) never matters and the replay trails the page by about
 *   the buffer.
 * - `pace` retimes each batch before it is added: when a batch arrives whose newest event would
 *   play more than the buffer later than now — a relay that starts a late view from an older
 *   full snapshot, a page that sent a burst after a stall — the batch (and all later ones) is
 *   moved earlier by what it is behind, so what is late plays at once, in order, and the
 *   replay catches up instead of lagging for ever. Times never go backwards.
 */
export type Timed = { timestamp: number };

export class Pacer {
  #buffer: number;
  #now: () => number;
  #baseline = 0;
  #start = 0;
  #shift = 0;
  #last = -Infinity;

  constructor(bufferMs = 300, now: () => number = () => performance.now()) {
    this.#buffer = bufferMs;
    this.#now = now;
  }

  /** The baseline for `startLive`, from the first batch of a replay (its first event). */
  begin(events: readonly Timed[]): number {
    this.#start = this.#now();
    this.#shift = 0;
    this.#last = -Infinity;
    this.#baseline = (events[0]?.timestamp ?? 0) - this.#buffer;
    return this.#baseline;
  }

  /** How far the replay's times are moved earlier now, ms. */
  get shift(): number {
    return this.#shift;
  }

  /** Retimes a batch (in place) so that it plays within the buffer of now, in order. */
  pace<T extends Timed>(events: T[]): T[] {
    if (events.length === 0) return events;
    const newest = Math.max(...events.map((e) => e.timestamp));
    const elapsed = this.#now() - this.#start;
    // When the newest would play (after startLive), past the buffer from now:
    const behind = newest - this.#baseline - elapsed - this.#buffer;
    if (behind > this.#shift) this.#shift = behind;
    for (const event of events) {
      const t = Math.max(event.timestamp - this.#shift, this.#last);
      event.timestamp = t;
      this.#last = t;
    }
    return events;
  }
}
