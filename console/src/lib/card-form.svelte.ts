/**
 * The Visitor card page's form (A7): one ordered list of the card's lines, built-in and custom
 * alike (the desk shows them in this order), each shown or hidden, with English and French
 * labels (optional for a built-in line); custom fields added by key and removed, built-in ones
 * never removed. Saving like the other pages (re-read the settings, put `visitor_card` on them,
 * PUT the whole document). The hub's problems (`visitor_card.fields.7.label.fr`) land on the
 * inputs of the row sent at that place.
 */
import { toApiError, type Api, type ApiError } from "./api";
import { CARD_LANGUAGES, MOST_CUSTOM_FIELDS, cardOf, hasLabel, isBuiltIn, keyProblem, labelProblem, type CardFieldSetting } from "./card";
import type { Problem } from "./fields";
import type { Elsewhere } from "./form.svelte";
import { withPath, type ProjectSettings } from "./settings";

export interface CardRow {
  readonly id: number;
  readonly key: string;
  /** One of the card's own lines: never removed; its label is optional (the desk names it). */
  readonly builtIn: boolean;
  en: string;
  fr: string;
  shown: boolean;
  /** Labels in other languages, kept as they were. */
  readonly other: Record<string, string>;
}

let nextId = 1;

/** An input's id on the page: `card-3-en`, `card-3-fr`, `card-3-shown`; `card-new` adds a field. */
export const cardInputId = (row: number, part: "en" | "fr" | "shown") => `card-${row}-${part}`;
export const NEW_KEY_ID = "card-new";

function rowOf(f: CardFieldSetting): CardRow {
  const { en = "", fr = "", ...other } = f.label;
  return { id: nextId++, key: f.key, builtIn: isBuiltIn(f.key), en, fr, shown: f.shown, other };
}

export class CardForm {
  /** Every line of the card, in the order agents read them. */
  rows: CardRow[] = $state([]);
  baseline = $state("");
  draft = $state("");
  draftProblem: Problem | null = $state(null);
  /** By input id. */
  problems: Record<string, Problem> = $state({});
  elsewhere: Elsewhere[] = $state([]);
  failure: ApiError | null = $state(null);
  saving = $state(false);
  refusals = $state(0);

  readonly dirty = $derived(this.draft.trim() !== "" || JSON.stringify(this.outgoing()) !== this.baseline);

  constructor(settings: ProjectSettings) {
    this.load(settings);
  }

  load(settings: ProjectSettings): void {
    this.rows = cardOf(settings.visitor_card).fields.map(rowOf);
    this.baseline = JSON.stringify(this.outgoing());
    this.draft = "";
    this.clearProblems();
  }

  clearProblems(): void {
    this.problems = {};
    this.draftProblem = null;
    this.elsewhere = [];
    this.failure = null;
  }

  discard(): void {
    const fields = JSON.parse(this.baseline) as CardFieldSetting[];
    this.load({ visitor_card: { fields } } as unknown as ProjectSettings);
  }

  /** A row as stored: its labels (empty ones left out) and whether it is shown. */
  static field(r: CardRow): CardFieldSetting {
    const label: Record<string, string> = { ...r.other };
    for (const lang of CARD_LANGUAGES) {
      const text = r[lang].trim();
      if (text !== "") label[lang] = text;
    }
    return { key: r.key, label, shown: r.shown };
  }

  /** The `visitor_card.fields` to send: every row, in order. */
  outgoing(): CardFieldSetting[] {
    return this.rows.map((r) => CardForm.field(r));
  }

  /** The custom fields listed. */
  customCount(): number {
    return this.rows.filter((r) => !r.builtIn).length;
  }

  /** The custom keys shown, in order (for the developer's snippet). */
  shownKeys(): string[] {
    return this.rows.filter((r) => !r.builtIn && r.shown).map((r) => r.key);
  }

  /** Adds the draft key at the end; answers the new row's index, or `null` with `draftProblem`. */
  addDraft(): number | null {
    const key = this.draft.trim();
    this.draftProblem =
      keyProblem(key, this.rows.map((r) => r.key)) ??
      (this.customCount() >= MOST_CUSTOM_FIELDS ? { key: "card.full", params: { max: MOST_CUSTOM_FIELDS } } : null);
    if (this.draftProblem) return null;
    this.rows.push({ id: nextId++, key, builtIn: false, en: "", fr: "", shown: true, other: {} });
    this.draft = "";
    return this.rows.length - 1;
  }

  move(index: number, by: -1 | 1): number | null {
    const to = index + by;
    if (index < 0 || index >= this.rows.length || to < 0 || to >= this.rows.length) return null;
    const rows = [...this.rows];
    [rows[index], rows[to]] = [rows[to], rows[index]];
    this.rows = rows;
    return to;
  }

  /** Removes a custom field (a built-in line stays: `null`). */
  remove(index: number): CardRow | null {
    if (this.rows[index]?.builtIn !== false) return null;
    const [gone] = this.rows.splice(index, 1);
    return gone ?? null;
  }

  validate(): CardFieldSetting[] | null {
    const problems: Record<string, Problem> = {};
    for (const r of this.rows) {
      if (!hasLabel(r.key)) continue;
      for (const lang of CARD_LANGUAGES) {
        const problem = labelProblem(r[lang].trim());
        if (problem) problems[cardInputId(r.id, lang)] = problem;
      }
    }
    this.problems = problems;
    this.draftProblem = this.draft.trim() === "" ? null : { key: "list.draft_pending" };
    this.elsewhere = [];
    this.failure = null;
    return Object.keys(problems).length === 0 && !this.draftProblem ? this.outgoing() : null;
  }

  /** The problems in the page's order, for the error summary. */
  problemList(): { id: string; row: CardRow; part: "en" | "fr" | "shown"; problem: Problem }[] {
    return this.rows.flatMap((r) =>
      (["en", "fr", "shown"] as const).flatMap((part) => {
        const problem = this.problems[cardInputId(r.id, part)];
        return problem ? [{ id: cardInputId(r.id, part), row: r, part, problem }] : [];
      }),
    );
  }

  /** Where a hub path lands: an input id, or `null` (listed as elsewhere). `sent`: the row ids in the order sent. */
  static inputFor(path: string, sent: readonly { id: number; key: string }[]): string | null {
    const m = /^visitor_card\.fields\.(\d+)\.(key|label\.(\w[\w-]*))$/.exec(path);
    const row = m ? sent[Number(m[1])] : undefined;
    if (!m || !row) return null;
    const lang = m[3];
    if (!hasLabel(row.key)) return cardInputId(row.id, "shown");
    // The key itself (or a label in another language): on the row's English label.
    return cardInputId(row.id, lang === "fr" ? "fr" : "en");
  }

  async save(api: Api, project: string): Promise<ProjectSettings | null> {
    if (this.saving) return null;
    const fields = this.validate();
    if (!fields) {
      this.refusals++;
      return null;
    }
    const sent = this.rows.map((r) => ({ id: r.id, key: r.key }));
    this.saving = true;
    try {
      const now = await api.settings(project);
      const saved = await api.saveSettings(project, withPath(now, "visitor_card", { ...(now.visitor_card as object), fields }));
      this.load(saved);
      return saved;
    } catch (e) {
      const error = toApiError(e);
      const problems: Record<string, Problem> = {};
      const elsewhere: Elsewhere[] = [];
      for (const [path, message] of Object.entries(error.fields)) {
        const id = CardForm.inputFor(path, sent);
        const exact = /\.label\.(en|fr)$/.test(path);
        if (id && !problems[id]) problems[id] = { key: "field.hub", detail: exact ? message : `${path}: ${message}` };
        else if (!id) elsewhere.push({ path, message });
      }
      this.problems = problems;
      this.elsewhere = elsewhere;
      this.failure = error;
      this.refusals++;
      return null;
    } finally {
      this.saving = false;
    }
  }
}
