/**
 * The Co-browsing page's form (A3, C2, C4): three lists — the brand's site origins, the
 * elements always hidden, the fields shown as typed — each edited in place, added to from a
 * "new" input and removed from; per-row problems; saving like the other pages (re-read the
 * settings, put `cobrowse` on them with this page's three lists, PUT the whole document).
 *
 * Rows have ids of their own, so a problem stays on its row; the hub names rows by list and
 * index (`cobrowse.unmask.3`), mapped to the row sent there. Whether co-browsing is offered at
 * all is the desk option `desk.cobrowse` (the Desk options page's): read here, never sent.
 */
import { toApiError, type Api, type ApiError } from "./api";
import {
  COBROWSE_LISTS,
  cobrowseListProblems,
  entryProblem,
  hubTarget,
  listsOf,
  mostOf,
  type CobrowseList,
} from "./cobrowse";
import type { Problem } from "./fields";
import type { Elsewhere } from "./form.svelte";
import { getPath, withPath, type ProjectSettings } from "./settings";

export interface Entry {
  readonly id: number;
  text: string;
  /** The text as loaded; `null` for an entry added on this page. */
  readonly original: string | null;
}

let nextId = 1;
const entry = (text: string, original: string | null): Entry => ({ id: nextId++, text, original });

type PerList<T> = Record<CobrowseList, T>;
const perList = <T>(make: (list: CobrowseList) => T): PerList<T> =>
  Object.fromEntries(COBROWSE_LISTS.map((list) => [list, make(list)])) as PerList<T>;

export class CobrowseForm {
  rows: PerList<Entry[]> = $state(perList(() => []));
  /** What each "new" input holds, not added yet (unsaved too: leaving asks, saving refuses). */
  drafts: PerList<string> = $state(perList(() => ""));
  draftProblems: PerList<Problem | null> = $state(perList(() => null));
  /** By row id. */
  problems: Record<number, Problem> = $state({});
  /** A whole list's problem (too many entries; the hub's `cobrowse.mask`). */
  listProblems: PerList<Problem | null> = $state(perList(() => null));
  elsewhere: Elsewhere[] = $state([]);
  failure: ApiError | null = $state(null);
  saving = $state(false);
  /** Bumped after each refused save, so the page moves focus to the error summary. */
  refusals = $state(0);
  /** The desk option: whether agents may ask at all (as last saved). */
  offered = $state(true);
  baseline = $state("");

  readonly dirty = $derived(
    COBROWSE_LISTS.some((list) => this.drafts[list].trim() !== "") || JSON.stringify(this.outgoingAll()) !== this.baseline,
  );

  constructor(settings: ProjectSettings) {
    this.load(settings);
  }

  /** Shows `settings` as saved: the rows, the baseline, no problems. */
  load(settings: ProjectSettings): void {
    const lists = listsOf(settings.cobrowse);
    this.rows = perList((list) => lists[list].map((text) => entry(text, text)));
    this.baseline = JSON.stringify(lists);
    this.offered = getPath(settings, "desk.cobrowse") !== false;
    this.drafts = perList(() => "");
    this.clearProblems();
  }

  /** Back to what was loaded. */
  discard(): void {
    const lists = JSON.parse(this.baseline) as PerList<string[]>;
    this.rows = perList((list) => lists[list].map((text) => entry(text, text)));
    this.drafts = perList(() => "");
    this.clearProblems();
  }

  clearProblems(): void {
    this.problems = {};
    this.draftProblems = perList(() => null);
    this.listProblems = perList(() => null);
    this.elsewhere = [];
    this.failure = null;
  }

  /** A list as it would be sent: a text typed here is trimmed; one left as loaded is sent as it was. */
  outgoing(list: CobrowseList): string[] {
    return this.rows[list].map((r) => (r.text === r.original ? r.text : r.text.trim()));
  }

  outgoingAll(): PerList<string[]> {
    return perList((list) => this.outgoing(list));
  }

  /** Whether `text` may be added to `list`: its own problem, a repeat, a full list; `null` when it may. */
  addProblem(list: CobrowseList, text: string): Problem | null {
    const own = entryProblem(list, text);
    if (own?.key === "cobrowse.required_origin") return { key: "cobrowse.add_required_origin" };
    if (own?.key === "cobrowse.required_selector") return { key: "cobrowse.add_required_selector" };
    if (own) return own;
    const at = this.rows[list].findIndex((r) => r.text.trim() === text.trim());
    if (at >= 0) return { key: "list.add_duplicate", params: { row: at + 1 } };
    const most = mostOf(list);
    if (this.rows[list].length >= most) return { key: "list.full", params: { max: most } };
    return null;
  }

  /** Adds `list`'s draft (trimmed) at the end and empties it; answers its index, or `null` with the draft's problem. */
  addDraft(list: CobrowseList): number | null {
    const problem = this.addProblem(list, this.drafts[list]);
    this.draftProblems[list] = problem;
    if (problem) return null;
    this.rows[list].push(entry(this.drafts[list].trim(), null));
    this.drafts[list] = "";
    return this.rows[list].length - 1;
  }

  /** Removes row `index` of `list`; answers it. */
  remove(list: CobrowseList, index: number): Entry | null {
    const [gone] = this.rows[list].splice(index, 1);
    if (gone) delete this.problems[gone.id];
    return gone ?? null;
  }

  /** The three lists to send, or `null` with the problems filled (on the rows, the lists, the drafts). */
  validate(): PerList<string[]> | null {
    const problems: Record<number, Problem> = {};
    const listProblems = perList<Problem | null>(() => null);
    const draftProblems = perList<Problem | null>(() => null);
    const out = this.outgoingAll();
    let ok = true;
    for (const list of COBROWSE_LISTS) {
      const found = cobrowseListProblems(list, out[list]);
      found.items.forEach((problem, i) => {
        if (problem) problems[this.rows[list][i].id] = problem;
      });
      listProblems[list] = found.list;
      // Text typed in "new" but not added: saving without it would lose it unseen.
      draftProblems[list] = this.drafts[list].trim() === "" ? null : { key: "list.draft_pending" };
      ok &&= !found.list && !draftProblems[list] && found.items.every((p) => p === null);
    }
    this.problems = problems;
    this.listProblems = listProblems;
    this.draftProblems = draftProblems;
    this.elsewhere = [];
    this.failure = null;
    return ok ? out : null;
  }

  /** Every problem in the page's order (list by list: the list's, its rows', its draft's), for the error summary. */
  problemList(): { list: CobrowseList; index: number | null; entry: Entry | null; draft?: true; problem: Problem }[] {
    return COBROWSE_LISTS.flatMap((list) => [
      ...(this.listProblems[list] ? [{ list, index: null, entry: null, problem: this.listProblems[list]! }] : []),
      ...this.rows[list].flatMap((r, index) => (this.problems[r.id] ? [{ list, index, entry: r, problem: this.problems[r.id] }] : [])),
      ...(this.draftProblems[list] ? [{ list, index: null, entry: null, draft: true as const, problem: this.draftProblems[list]! }] : []),
    ]);
  }

  /**
   * Validates, then stores the three lists on the settings as they are now. Answers the stored
   * settings, or `null` when refused (problems, `failure`). Throws nothing.
   */
  async save(api: Api, project: string): Promise<ProjectSettings | null> {
    if (this.saving) return null;
    const lists = this.validate();
    if (!lists) {
      this.refusals++;
      return null;
    }
    const sent = perList((list) => this.rows[list].map((r) => r.id));
    this.saving = true;
    try {
      const now = await api.settings(project);
      const before = now.cobrowse !== null && typeof now.cobrowse === "object" ? now.cobrowse : {};
      const saved = await api.saveSettings(project, withPath(now, "cobrowse", { ...before, ...lists }));
      this.load(saved);
      return saved;
    } catch (e) {
      const error = toApiError(e);
      const problems: Record<number, Problem> = {};
      const listProblems = perList<Problem | null>(() => null);
      const elsewhere: Elsewhere[] = [];
      for (const [path, message] of Object.entries(error.fields)) {
        const hub: Problem = { key: "field.hub", detail: message };
        const target = hubTarget(path);
        if (!target) elsewhere.push({ path, message });
        else if (target.index !== null && target.index < sent[target.list].length) problems[sent[target.list][target.index]] = hub;
        else listProblems[target.list] = hub;
      }
      this.problems = problems;
      this.listProblems = listProblems;
      this.elsewhere = elsewhere;
      this.failure = error;
      this.refusals++;
      return null;
    } finally {
      this.saving = false;
    }
  }
}
