/**
 * Today's figures (D15), kept fresh: read with `Backend.todayStats` every `REFRESH_MS`, after
 * each close, and when the link comes back. A failed read keeps the last figures (and says
 * when they are from); none yet shows "—". A hub older than the sales figure sends no `sales`:
 * read as none.
 */
import type { Backend, TodayStats } from "../backend";

/** How often the figures are read again. */
export const REFRESH_MS = 30_000;

export class TodayFigures {
  stats = $state<TodayStats | null>(null);
  /** When `stats` was read (epoch ms). */
  at = $state<number | null>(null);
  /** The last read failed: the figures shown may be old. */
  stale = $state(false);
  #inFlight: Promise<void> | null = null;

  constructor(private readonly backend: Backend) {}

  refresh(): Promise<void> {
    // One read at a time; a refresh asked meanwhile is served by the one under way.
    this.#inFlight ??= this.backend
      .todayStats()
      .then((stats) => {
        this.stats = { ...stats, sales: Array.isArray(stats.sales) ? stats.sales : [] };
        this.at = Date.now();
        this.stale = false;
      })
      .catch(() => {
        this.stale = true;
      })
      .finally(() => {
        this.#inFlight = null;
      });
    return this.#inFlight;
  }
}
