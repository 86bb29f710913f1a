/**
 * A list page's form over one array of names in the settings (`optional_statuses`,
 * `conversation_types`): rows to add, rename, reorder and remove, per-row problems, undo of
 * removals, and saving like `SettingsForm` (re-read the settings, put on them only this list,
 * PUT the whole document).
 *
 * Rows have ids of their own, so a problem stays on its row when rows move; the hub names rows
 * by index (`optional_statuses.2`), mapped to ids as they were sent.
 */
import { toApiError, type Api, type ApiError } from "./api";
import type { Problem } from "./fields";
import type { Elsewhere } from "./form.svelte";
import { MOST_LIST_ITEMS, labelProblem, listProblems, nameProblem, sameNameKey, type ListSpec } from "./lists";
import { getPath, withPath, type ProjectSettings } from "./settings";

export interface Row {
  readonly id: number;
  text: string;
  /** The text as loaded; `null` for a row added on this page. */
  readonly original: string | null;
  /** Its French name (lists with `labels`); "" for none. */
  fr: string;
  /** Its names in every language as loaded (kept when the row is renamed). */
  readonly labels: Readonly<Record<string, string>>;
}

/** Language → text, by name. */
export type Labels = Record<string, Record<string, string>>;

export interface Removal {
  row: Row;
  /** Where it was. */
  index: number;
}

let nextId = 1;
const row = (text: string, original: string | null, labels: Record<string, string> = {}): Row => ({
  id: nextId++,
  text,
  original,
  fr: labels.fr ?? "",
  labels,
});

/** The labels object at `path`, or `{}`. */
export function labelsAt(settings: ProjectSettings, path: string | undefined): Labels {
  const value = path ? getPath(settings, path) : undefined;
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Labels) : {};
}

/** The array at `path`, or `[]` when the hub sent none (or not an array of strings). */
export function listAt(settings: ProjectSettings, path: string): string[] {
  const value = getPath(settings, path);
  return Array.isArray(value) ? value.map((v) => (typeof v === "string" ? v : String(v))) : [];
}

export class ListForm {
  readonly spec: ListSpec;
  rows: Row[] = $state([]);
  baseline: string[] = $state([]);
  /** The French names as loaded, by row position (lists with labels). */
  baselineFr: string[] = $state([]);
  loadedLabels: Labels = {};
  /** By row id. */
  problems: Record<number, Problem> = $state({});
  /** The French name's problem, by row id. */
  labelProblems: Record<number, Problem> = $state({});
  /** The whole list's problem (too many entries; the hub's `fields[path]`). */
  listProblem: Problem | null = $state(null);
  elsewhere: Elsewhere[] = $state([]);
  failure: ApiError | null = $state(null);
  saving = $state(false);
  /** Bumped after each refused save, so the page moves focus to the error summary. */
  refusals = $state(0);
  /** Removed rows, the last one last: "Undo" brings it back where it was. */
  removed: Removal[] = $state([]);
  /** The "new" input's text, not added yet (unsaved too: leaving asks, saving refuses). */
  draft = $state("");
  draftProblem: Problem | null = $state(null);

  readonly dirty = $derived(
    this.draft.trim() !== "" ||
      this.rows.length !== this.baseline.length ||
      this.rows.some((r, i) => r.text !== this.baseline[i] || r.fr !== (this.baselineFr[i] ?? "")),
  );

  constructor(spec: ListSpec, settings: ProjectSettings) {
    this.spec = spec;
    this.load(settings);
  }

  get path(): string {
    return this.spec.path;
  }

  /** Shows `settings` as saved: the rows, the baseline, no problems, nothing to undo. */
  load(settings: ProjectSettings): void {
    const list = listAt(settings, this.spec.path);
    this.loadedLabels = labelsAt(settings, this.spec.labels);
    this.baseline = list;
    this.rows = list.map((text) => row(text, text, this.loadedLabels[text] ?? {}));
    this.baselineFr = this.rows.map((r) => r.fr);
    this.removed = [];
    this.draft = "";
    this.clearProblems();
  }

  /** Back to what was loaded. */
  discard(): void {
    this.rows = this.baseline.map((text) => row(text, text, this.loadedLabels[text] ?? {}));
    this.removed = [];
    this.draft = "";
    this.clearProblems();
  }

  clearProblems(): void {
    this.problems = {};
    this.labelProblems = {};
    this.listProblem = null;
    this.draftProblem = null;
    this.elsewhere = [];
    this.failure = null;
  }

  /** What would be sent: a name typed here is trimmed; one left as loaded is sent as it was. */
  outgoing(): string[] {
    return this.rows.map((r) => (r.text === r.original ? r.text : r.text.trim()));
  }

  /**
   * The labels to send: each row's as loaded, under its name as sent (a rename carries them
   * over), with its French name as typed (trimmed; empty: none). Rows without any are left out.
   */
  outgoingLabels(names: readonly string[] = this.outgoing()): Labels {
    const out: Labels = {};
    this.rows.forEach((r, i) => {
      const labels: Record<string, string> = { ...r.labels };
      const fr = r.fr.trim();
      if (fr === "") delete labels.fr;
      else labels.fr = r.fr === (r.labels.fr ?? "") ? r.fr : fr;
      if (Object.keys(labels).length > 0) out[names[i]] = labels;
    });
    return out;
  }

  /**
   * Whether `text` may be added: its own problem, the same name as a row already there, or a
   * full list; `null` when it may.
   */
  addProblem(text: string): Problem | null {
    const own = nameProblem(text.trim() === "" ? text : text.trim());
    if (own) return own.key === "list.required" ? { key: "list.add_required" } : own;
    const key = sameNameKey(text);
    const at = this.rows.findIndex((r) => sameNameKey(r.text) === key);
    if (at >= 0) return { key: "list.add_duplicate", params: { row: at + 1 } };
    if (this.rows.length >= MOST_LIST_ITEMS) return { key: "list.full", params: { max: MOST_LIST_ITEMS } };
    return null;
  }

  /** Adds the draft (trimmed) at the end and empties it; answers its index, or `null` with `draftProblem`. */
  addDraft(): number | null {
    this.draftProblem = this.addProblem(this.draft);
    if (this.draftProblem) return null;
    this.rows.push(row(this.draft.trim(), null));
    this.draft = "";
    return this.rows.length - 1;
  }

  /** Moves row `index` by `by` (−1 up, +1 down); answers its new index, or `null` at an edge. */
  move(index: number, by: -1 | 1): number | null {
    const to = index + by;
    if (index < 0 || index >= this.rows.length || to < 0 || to >= this.rows.length) return null;
    const rows = [...this.rows];
    [rows[index], rows[to]] = [rows[to], rows[index]];
    this.rows = rows;
    return to;
  }

  /** Removes row `index`, remembered for "Undo". */
  remove(index: number): Row | null {
    const [gone] = this.rows.splice(index, 1);
    if (!gone) return null;
    this.removed.push({ row: gone, index });
    return gone;
  }

  /** Puts the last removed row back where it was (or at the end); answers its index. */
  undo(): number | null {
    const last = this.removed.pop();
    if (!last) return null;
    const at = Math.min(last.index, this.rows.length);
    this.rows.splice(at, 0, last.row);
    return at;
  }

  /** The list to send, or `null` with the problems filled (on the rows, on the list). */
  validate(): string[] | null {
    const list = this.outgoing();
    const found = listProblems(list);
    const problems: Record<number, Problem> = {};
    found.items.forEach((problem, i) => {
      if (problem) problems[this.rows[i].id] = problem;
    });
    this.problems = problems;
    const labelProblems: Record<number, Problem> = {};
    if (this.spec.labels) {
      for (const r of this.rows) {
        const problem = r.fr === (r.labels.fr ?? "") ? null : labelProblem(r.fr);
        if (problem) labelProblems[r.id] = problem;
      }
    }
    this.labelProblems = labelProblems;
    this.listProblem = found.list;
    // A name typed in "new" but not added: saving without it would lose it unseen.
    this.draftProblem = this.draft.trim() === "" ? null : { key: "list.draft_pending" };
    this.elsewhere = [];
    this.failure = null;
    return Object.keys(problems).length === 0 && Object.keys(labelProblems).length === 0 && !found.list && !this.draftProblem ? list : null;
  }

  /** The rows' problems in the rows' order (a name's, then its French name's), for the error summary. */
  problemList(): { index: number; row: Row; problem: Problem; label?: boolean }[] {
    return this.rows.flatMap((r, index) => [
      ...(this.problems[r.id] ? [{ index, row: r, problem: this.problems[r.id] }] : []),
      ...(this.labelProblems[r.id] ? [{ index, row: r, problem: this.labelProblems[r.id], label: true }] : []),
    ]);
  }

  /**
   * Validates, then stores this list on the settings as they are now. Answers the stored
   * settings, or `null` when refused (problems, `failure`). Throws nothing.
   */
  async save(api: Api, project: string): Promise<ProjectSettings | null> {
    if (this.saving) return null;
    const list = this.validate();
    if (!list) {
      this.refusals++;
      return null;
    }
    const sent = this.rows.map((r) => r.id);
    this.saving = true;
    try {
      const now = await api.settings(project);
      let next = withPath(now, this.spec.path, list);
      if (this.spec.labels) next = withPath(next, this.spec.labels, this.outgoingLabels(list));
      const saved = await api.saveSettings(project, next);
      this.load(saved);
      return saved;
    } catch (e) {
      const error = toApiError(e);
      const problems: Record<number, Problem> = {};
      const labelProblems: Record<number, Problem> = {};
      const elsewhere: Elsewhere[] = [];
      let listProblem: Problem | null = null;
      const prefix = `${this.spec.path}.`;
      const labelsPrefix = this.spec.labels ? `${this.spec.labels}.` : null;
      for (const [path, message] of Object.entries(error.fields)) {
        const hub: Problem = { key: "field.hub", detail: message };
        if (labelsPrefix && path.startsWith(labelsPrefix)) {
          // `optional_status_labels.{name}.{language}`: the row sent under that name.
          const rest = path.slice(labelsPrefix.length);
          const at = list.findIndex((name) => rest === name || rest.startsWith(`${name}.`));
          if (at >= 0 && at < sent.length) {
            labelProblems[sent[at]] = hub;
            continue;
          }
        }
        const index = path.startsWith(prefix) && /^\d+$/.test(path.slice(prefix.length)) ? Number(path.slice(prefix.length)) : null;
        if (index !== null && index < sent.length) problems[sent[index]] = hub;
        else if (path === this.spec.path || index !== null) listProblem = hub;
        else elsewhere.push({ path, message });
      }
      this.problems = problems;
      this.labelProblems = labelProblems;
      this.listProblem = listProblem;
      this.elsewhere = elsewhere;
      this.failure = error;
      this.refusals++;
      return null;
    } finally {
      this.saving = false;
    }
  }
}
