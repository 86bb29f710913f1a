/**
 * D15: the closed conversations to re-read, a page at a time (`Backend.closedConversations`,
 * newest first, `CLOSED_PAGE` per page; the next page is the one closed before the last row).
 * A new search drops what the one before it was still loading.
 */
import { CLOSED_PAGE, toDeskError, type Backend, type ClosedQuery, type DeskError } from "../backend";
import type { ClosedConversation } from "../protocol";

/** What the filters ask for; paging adds `before` and `before_reference`. */
export type ClosedFilters = Omit<ClosedQuery, "before" | "before_reference">;

export class ClosedPages {
  rows = $state<ClosedConversation[]>([]);
  /** A page is on its way (the first one: `rows` is empty). */
  loading = $state(false);
  /** The last page was full: there may be more. */
  more = $state(false);
  error = $state<DeskError | null>(null);
  #filters: ClosedFilters | null = null;
  #asked = 0;

  constructor(private readonly backend: Backend) {}

  /** The first page for these filters (what was listed goes). */
  search(filters: ClosedFilters): Promise<void> {
    this.#filters = filters;
    this.rows = [];
    this.more = false;
    return this.#page(null);
  }

  /** The page after the last row. */
  loadMore(): Promise<void> {
    const last = this.rows.at(-1);
    if (!this.#filters || !last || this.loading) return Promise.resolve();
    return this.#page(last);
  }

  /** The same search again (after an error, or back online). */
  retry(): Promise<void> {
    if (!this.#filters) return Promise.resolve();
    return this.rows.length > 0 && this.error ? this.loadMore() : this.search(this.#filters);
  }

  /** The page after `last` (by close time, then reference: two closed in the same
   * millisecond are not skipped), or the first. */
  async #page(last: ClosedConversation | null): Promise<void> {
    const asked = ++this.#asked;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.backend.closedConversations({
        ...this.#filters!,
        before: last?.closed_at ?? null,
        before_reference: last?.reference,
      });
      if (asked !== this.#asked) return;
      const seen = new Set(this.rows.map((r) => r.reference));
      this.rows = [...this.rows, ...page.filter((r) => !seen.has(r.reference))];
      this.more = page.length >= CLOSED_PAGE;
    } catch (e) {
      if (asked !== this.#asked) return;
      this.error = toDeskError(e);
    } finally {
      if (asked === this.#asked) this.loading = false;
    }
  }
}
