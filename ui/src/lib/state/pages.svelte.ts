/**
 * Older pages of one thread, read from the desk's cache with `Backend.thread` (P5).
 *
 * The desk's conversation views carry only their latest messages (the Rust side trims snapshots);
 * the thread shows those, and this loads what came before, a page at a time, when the agent
 * scrolls up. The pages are kept as a plain (`$state.raw`) array: no per-message proxies, and a
 * prepend replaces the array once.
 *
 * Invariant: `older` leads, without a gap, up to `anchor`, the first live message when the first
 * page was asked for. When the live messages no longer hold that message (a fresh snapshot
 * with another window), the pages are dropped and paging starts again from the new first one.
 */
import type { ConversationRef, Message } from "../protocol";
import { toDeskError, type Backend, type DeskError } from "../backend";

/** Messages per page: a few screens of bubbles, one indexed cache read (P6). */
export const PAGE = 50;

export class ThreadPages {
  /** Earlier messages, oldest first. */
  older = $state.raw<Message[]>([]);
  loading = $state(false);
  /** The start of the conversation is reached. */
  done = $state(false);
  error = $state<DeskError | null>(null);
  #anchor: number | null = null;
  #generation = 0;

  constructor(
    private readonly backend: Backend,
    readonly reference: ConversationRef,
  ) {}

  #valid(live: readonly Message[]): boolean {
    return this.#anchor === null || live.some((m) => m.id === this.#anchor);
  }

  /** The whole known thread: the pages, then the live messages not already in them. */
  merged(live: readonly Message[]): Message[] {
    const older = this.older;
    if (older.length === 0 || !this.#valid(live)) return [...live];
    const last = older[older.length - 1].id;
    let ids: Set<number> | null = null;
    const rest = live.filter((m) => {
      if (m.id > last) return true;
      ids ??= new Set(older.map((o) => o.id));
      return !ids.has(m.id);
    });
    return [...older, ...rest];
  }

  /** Whether the pages no longer fit the live messages (they are dropped on the next load). */
  stale(live: readonly Message[]): boolean {
    return this.older.length > 0 && !this.#valid(live);
  }

  /** Loads the page before the first known message; resolves with how many came. */
  async loadOlder(live: readonly Message[], limit = PAGE): Promise<number> {
    if (this.loading || (this.done && !this.stale(live))) return 0;
    if (this.stale(live)) this.reset();
    const generation = this.#generation;
    const first = this.older[0]?.id ?? minId(live);
    if (this.older.length === 0) this.#anchor = first;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.backend.thread(this.reference, first, limit);
      if (generation !== this.#generation) return 0;
      const fresh = page.filter((m) => first === null || m.id < first);
      if (fresh.length > 0) this.older = [...fresh, ...this.older];
      if (page.length < limit) this.done = true;
      return fresh.length;
    } catch (e) {
      if (generation === this.#generation) this.error = toDeskError(e);
      return 0;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  reset(): void {
    this.#generation++;
    this.older = [];
    this.done = false;
    this.loading = false;
    this.error = null;
    this.#anchor = null;
  }
}

function minId(messages: readonly Message[]): number | null {
  let min: number | null = null;
  for (const m of messages) if (min === null || m.id < min) min = m.id;
  return min;
}
