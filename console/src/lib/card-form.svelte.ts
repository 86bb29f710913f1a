/**
 * The Visitor card page's form (A7): the built-in fields shown or hidden, the custom fields
 * (key, labels in English and French, shown, order), saving like the other pages (re-read the
 * settings, put `visitor_card` on them, PUT the whole document). The hub's problems
 * (`visitor_card.fields.7.label.fr`) are mapped onto the inputs of the row sent at that place.
 */
import { toApiError, type Api, type ApiError } from "./api";
import { BUILT_IN, CARD_LANGUAGES, MOST_CUSTOM_FIELDS, cardOf, isBuiltIn, keyProblem, labelProblem, type CardFieldSetting } from "./card";
import type { Problem } from "./fields";
import type { Elsewhere } from "./form.svelte";
import { withPath, type ProjectSettings } from "./settings";

export interface BuiltInRow {
  key: string;
  shown: boolean;
  /** Kept as stored: the page does not edit built-in labels (the desk names them). */
  label: Record<string, string>;
}

export interface CustomRow {
  readonly id: number;
  readonly key: string;
  en: string;
  fr: string;
  shown: boolean;
  /** Labels in other languages, kept as they were. */
  readonly other: Record<string, string>;
}

let nextId = 1;

/** An input's id on the page: `card-3-en`, `card-3-fr`, `card-new`. */
export const cardInputId = (row: number, part: "en" | "fr" | "shown") => `card-${row}-${part}`;
export const NEW_KEY_ID = "card-new";

export class CardForm {
  builtIns: BuiltInRow[] = $state([]);
  rows: CustomRow[] = $state([]);
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
    const card = cardOf(settings.visitor_card);
    this.builtIns = BUILT_IN.map((key) => {
      const f = card.fields.find((x) => x.key === key)!;
      return { key, shown: f.shown, label: { ...f.label } };
    });
    this.rows = card.fields
      .filter((f) => !isBuiltIn(f.key))
      .map((f) => {
        const { en = "", fr = "", ...other } = f.label;
        return { id: nextId++, key: f.key, en, fr, shown: f.shown, other };
      });
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

  /** The `visitor_card` to send: built-in fields first, then the custom ones in their order. */
  outgoing(): CardFieldSetting[] {
    const builtIns = this.builtIns.map((b) => ({ key: b.key, label: { ...b.label }, shown: b.shown }));
    const customs = this.rows.map((r) => {
      const label: Record<string, string> = { ...r.other };
      for (const lang of CARD_LANGUAGES) {
        const text = r[lang].trim();
        if (text !== "") label[lang] = text;
      }
      return { key: r.key, label, shown: r.shown };
    });
    return [...builtIns, ...customs];
  }

  /** The custom keys listed and shown, in order (for the snippet and the preview). */
  shownKeys(): string[] {
    return this.rows.filter((r) => r.shown).map((r) => r.key);
  }

  /** Adds the draft key; answers the new row's index, or `null` with `draftProblem`. */
  addDraft(): number | null {
    const key = this.draft.trim();
    this.draftProblem =
      keyProblem(key, this.rows.map((r) => r.key)) ??
      (this.rows.length >= MOST_CUSTOM_FIELDS ? { key: "card.full", params: { max: MOST_CUSTOM_FIELDS } } : null);
    if (this.draftProblem) return null;
    this.rows.push({ id: nextId++, key, en: "", fr: "", shown: true, other: {} });
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

  remove(index: number): CustomRow | null {
    const [gone] = this.rows.splice(index, 1);
    return gone ?? null;
  }

  validate(): CardFieldSetting[] | null {
    const problems: Record<string, Problem> = {};
    for (const r of this.rows) {
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
  problemList(): { id: string; row: CustomRow; lang: "en" | "fr"; problem: Problem }[] {
    return this.rows.flatMap((r) =>
      CARD_LANGUAGES.flatMap((lang) => {
        const problem = this.problems[cardInputId(r.id, lang)];
        return problem ? [{ id: cardInputId(r.id, lang), row: r, lang, problem }] : [];
      }),
    );
  }

  async save(api: Api, project: string): Promise<ProjectSettings | null> {
    if (this.saving) return null;
    const fields = this.validate();
    if (!fields) {
      this.refusals++;
      return null;
    }
    const sent = this.rows.map((r) => r.id);
    const builtIns = this.builtIns.length;
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
        const m = /^visitor_card\.fields\.(\d+)\.(key|label\.(\w[\w-]*))$/.exec(path);
        const at = m ? Number(m[1]) - builtIns : -1;
        const lang = m?.[3];
        if (m && at >= 0 && at < sent.length && (lang === "en" || lang === "fr")) {
          problems[cardInputId(sent[at], lang)] = { key: "field.hub", detail: message };
        } else if (m && at >= 0 && at < sent.length) {
          // The key itself (or a label in another language): on the row's English label.
          problems[cardInputId(sent[at], "en")] = { key: "field.hub", detail: `${path}: ${message}` };
        } else {
          elsewhere.push({ path, message });
        }
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
