/**
 * The window of one thread (P5): at most `CAP` messages, read from the desk's cache a page at a
 * time around what the agent reads, so that scrolling a 10,000-message history holds a few
 * hundred messages, not all of them.
 *
 * The desk's conversation views carry only their latest messages (the Rust side trims
 * snapshots). The window starts there, at the present: the live messages, and before them the
 * pages loaded with `Backend.thread` when the agent scrolls up. Past the cap, the newest end is
 * let go of, live messages included, and the window no longer reaches the present: live
 * messages then stay out of it (the thread says new ones came), and scrolling down loads the
 * pages after it with `Backend.threadAfter` until it catches up with the live messages again.
 * Scrolling down lets go of the oldest end the same way. `toPresent` drops the window for the
 * live messages.
 *
 * Each change of the window replaces one plain (`$state.raw`) array of at most `CAP` messages: no
 * per-message proxies, nothing that grows with the history, and never more than the cap, even for
 * a moment. Past it, letting go of one end and growing at the other are two updates, a `settle`
 * apart: the virtualized list keeps what is on screen in place when rows come or go at one end
 * at a time (VList `shift`), not at both at once.
 *
 * Under a filter (D13) the window holds only the messages the filter shows (a narrow filter shows
 * little of each page; the cap counts what is shown). Its edges are kept as the ids of the
 * messages read, so the next page starts where the last one stopped.
 *
 * Invariant while `present`: the window leads, without a gap, up to `anchor`, a live message when
 * it was read (the first one when the first page was asked for). When the live messages no
 * longer hold it (a fresh snapshot with another window), the pages are dropped and paging
 * starts again from the new first one.
 */
import { tick } from "svelte";
import type { ConversationRef, Message } from "../protocol";
import { toDeskError, type Backend, type DeskError } from "../backend";
import { inFilter, type ThreadFilter } from "../thread";

/** Messages per page: a few screens of bubbles, one indexed cache read (P6). */
export const PAGE = 50;

/** The most messages a thread holds (live ones included): some 40 screens of bubbles. */
export const CAP = 400;

export type PagesOptions = {
  /** The window's cap (tests use smaller ones). */
  cap?: number;
  /** Waits until the list has taken in a change, before the next one. */
  settle?: () => Promise<void>;
};

export class ThreadPages {
  /** The window's messages read from the cache (those of the filter), oldest first. While
   * `present`, the live messages after them follow (`view`). */
  loaded = $state.raw<Message[]>([]);
  /** The window reaches the present: the live messages follow it, new ones append. */
  present = $state(true);
  /** The window starts with the conversation's first message. */
  done = $state(false);
  /** Something was read from the cache (the thread is more than the live messages). */
  readAny = $state(false);
  /** When `done`: the date of the conversation's first message. */
  startAt = $state<number | null>(null);
  /** Which end is being read. */
  loading = $state<"older" | "newer" | null>(null);
  error = $state<DeskError | null>(null);
  /** The end whose read failed (what a retry asks again). */
  failed = $state<"older" | "newer">("older");
  /** Bumped when the window is dropped for the present: the list starts afresh at the bottom. */
  epoch = $state(0);

  /** Id of the oldest message read (the lower edge), and its date. */
  #first: number | null = null;
  #firstAt: number | null = null;
  /** Id of the newest message of the window while it does not reach the present. */
  #last: number | null = null;
  #anchor: number | null = null;
  #generation = 0;
  readonly #cap: number;
  readonly #settle: () => Promise<void>;

  constructor(
    private readonly backend: Backend,
    readonly reference: ConversationRef,
    readonly filter: ThreadFilter = "all",
    private readonly options: PagesOptions = {},
  ) {
    this.#cap = options.cap ?? CAP;
    this.#settle = options.settle ?? tick;
  }

  get cap(): number {
    return this.#cap;
  }

  #keep(messages: readonly Message[]): readonly Message[] {
    const filter = this.filter;
    return filter === "all" ? messages : messages.filter((m) => inFilter(m, filter));
  }

  #valid(live: readonly Message[]): boolean {
    return this.#anchor === null || live.some((m) => m.id === this.#anchor);
  }

  /** What the thread shows: the window, then (while it reaches the present) the live messages
   * of the filter not already in it. */
  view(live: readonly Message[]): readonly Message[] {
    if (!this.present) return this.loaded;
    if (!this.#valid(live)) return this.#keep(live);
    return this.#merge(this.loaded, live);
  }

  /** `loaded`, then the live messages of the filter not already in it. */
  #merge(loaded: readonly Message[], live: readonly Message[]): readonly Message[] {
    const shown = this.#keep(live);
    if (loaded.length === 0) return shown;
    const last = loaded[loaded.length - 1].id;
    let ids: Set<number> | null = null;
    const rest = shown.filter((m) => {
      if (m.id > last) return true;
      ids ??= new Set(loaded.map((o) => o.id));
      return !ids.has(m.id);
    });
    return rest.length === 0 ? loaded : [...loaded, ...rest];
  }

  /** Whether the pages no longer fit the live messages (they are dropped on the next load). */
  stale(live: readonly Message[]): boolean {
    return this.present && this.#first !== null && !this.#valid(live);
  }

  /** Loads the page before the window; resolves with how many of its messages it shows. */
  async loadOlder(live: readonly Message[], limit = PAGE): Promise<number> {
    if (this.loading || (this.done && !this.stale(live))) return 0;
    if (this.stale(live)) this.#restart();
    const generation = this.#generation;
    let before = this.#first;
    if (before === null && this.present) {
      // The first page: before the live messages (all of them when there are none).
      const oldest = oldestOf(live);
      before = oldest?.id ?? null;
      this.#anchor = before;
      this.#firstAt = oldest?.at ?? null;
    }
    this.loading = "older";
    this.error = null;
    try {
      const page = await this.backend.thread(this.reference, before, limit);
      if (generation !== this.#generation) return 0;
      const older = before === null ? page : page.filter((m) => m.id < before);
      if (older.length > 0) {
        this.#first = older[0].id;
        this.#firstAt = older[0].at;
        this.readAny = true;
      } else if (this.#first === null) {
        this.#first = before;
      }
      let start = page.length < limit;
      let kept = this.#keep(older);
      const excess = this.view(live).length + kept.length - this.#cap;
      if (excess > 0) {
        // Over the cap: first let go of the newest end (the live messages too: the window no
        // longer reaches the present), then, once the list has taken that in, the page.
        this.#dropNewest(live, excess);
        await this.#settle();
        if (generation !== this.#generation) return 0;
        if (kept.length > this.#cap) {
          kept = kept.slice(kept.length - this.#cap);
          this.#first = kept[0].id;
          this.#firstAt = kept[0].at;
          start = false;
        }
      }
      // The page and, at the start, the marker: both at the start of the list, at once.
      if (kept.length > 0) {
        this.loaded = [...kept, ...this.loaded];
        if (!this.present && this.#last === null) this.#last = kept[kept.length - 1].id;
      }
      if (start) {
        this.done = true;
        this.startAt = this.#firstAt;
      }
      return kept.length;
    } catch (e) {
      if (generation === this.#generation) {
        this.error = toDeskError(e);
        this.failed = "older";
      }
      return 0;
    } finally {
      if (generation === this.#generation) this.loading = null;
    }
  }

  /** Loads the page after a window that does not reach the present; resolves with how many of
   * its messages it shows. Reaching the newest cached message, the window reaches the present
   * again (the live messages follow it). */
  async loadNewer(live: readonly Message[], limit = PAGE): Promise<number> {
    if (this.loading || this.present || this.#last === null) return 0;
    const generation = this.#generation;
    const after = this.#last;
    this.loading = "newer";
    this.error = null;
    try {
      const page = await this.backend.threadAfter(this.reference, after, limit);
      if (generation !== this.#generation) return 0;
      const newer = page.filter((m) => m.id > after);
      if (newer.length > 0) {
        this.#last = newer[newer.length - 1].id;
        this.readAny = true;
      }
      const kept = this.#keep(newer);
      const reaches = page.length < limit;
      let next = kept.length > 0 ? [...this.loaded, ...kept] : this.loaded;
      const excess = (reaches ? this.#merge(next, live).length : next.length) - this.#cap;
      if (excess > 0) {
        // Over the cap: first let go of the oldest end, then, once the list has taken that in,
        // the page.
        this.#dropOldest(excess);
        await this.#settle();
        if (generation !== this.#generation) return 0;
        next = next.slice(Math.min(excess, next.length));
        if (next.length > 0) {
          this.#first = next[0].id;
          this.#firstAt = next[0].at;
        }
      }
      this.loaded = next;
      if (reaches) {
        // The newest cached message: the live messages follow from here.
        this.#anchor = oldestOf(live)?.id ?? null;
        this.#last = null;
        this.present = true;
      }
      return kept.length;
    } catch (e) {
      if (generation === this.#generation) {
        this.error = toDeskError(e);
        this.failed = "newer";
      }
      return 0;
    } finally {
      if (generation === this.#generation) this.loading = null;
    }
  }

  /** Live messages came while the window reaches the present: over the cap, let go of its oldest
   * end (the thread calls this when it follows them at the bottom). */
  fit(live: readonly Message[]): void {
    if (this.loading || !this.present) return;
    const excess = this.view(live).length - this.#cap;
    if (excess > 0) this.#dropOldest(excess);
  }

  /** Drops the window for the live messages (the thread's "New messages ↓" when the window does
   * not reach the present). */
  toPresent(): void {
    this.#restart();
    this.epoch++;
  }

  /** The same window under another filter: what is loaded stays when it has every message and
   * reaches the present; otherwise the new one starts from the present. */
  withFilter(filter: ThreadFilter): ThreadPages {
    const next = new ThreadPages(this.backend, this.reference, filter, this.options);
    if (this.filter !== "all" || !this.present || this.#first === null) return next;
    next.loaded = next.#keep(this.loaded) as Message[];
    next.done = this.done;
    next.readAny = this.readAny;
    next.startAt = this.startAt;
    next.#first = this.#first;
    next.#firstAt = this.#firstAt;
    next.#anchor = this.#anchor;
    return next;
  }

  /** Lets go of the `count` newest messages shown: the window no longer reaches the present. */
  #dropNewest(live: readonly Message[], count: number): void {
    const view = this.view(live);
    if (this.#first === null) {
      const oldest = oldestOf(live);
      this.#first = oldest?.id ?? null;
      this.#firstAt = oldest?.at ?? null;
    }
    const kept = view.slice(0, Math.max(0, view.length - count));
    this.#last = kept.length > 0 ? kept[kept.length - 1].id : null;
    this.#anchor = null;
    this.loaded = kept as Message[];
    this.present = false;
  }

  /** Lets go of (at most) the `count` oldest messages loaded. */
  #dropOldest(count: number): void {
    const drop = Math.min(count, this.loaded.length);
    if (drop <= 0) return;
    this.loaded = this.loaded.slice(drop);
    this.done = false;
    this.startAt = null;
    if (this.loaded.length > 0) {
      this.#first = this.loaded[0].id;
      this.#firstAt = this.loaded[0].at;
    } else if (this.present) {
      // Only live messages left: the next page starts before them again.
      this.#first = null;
      this.#firstAt = null;
      this.#anchor = null;
    }
  }

  #restart(): void {
    this.#generation++;
    this.loaded = [];
    this.present = true;
    this.done = false;
    this.readAny = false;
    this.startAt = null;
    this.loading = null;
    this.error = null;
    this.#first = null;
    this.#firstAt = null;
    this.#last = null;
    this.#anchor = null;
  }
}

function oldestOf(messages: readonly Message[]): Message | null {
  let oldest: Message | null = null;
  for (const m of messages) if (oldest === null || m.id < oldest.id) oldest = m;
  return oldest;
}
