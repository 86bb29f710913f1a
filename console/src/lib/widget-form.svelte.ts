/**
 * The Widget page's form (A8): the settings' `widget` object as inputs (colour, font, the two
 * switches, the questionnaire's questions in English and French, seconds, the largest file in
 * MB, the file types), the look the preview shows (`preview()`, the unsaved values), and saving
 * like the other pages (re-read the settings, put `widget` on them, PUT the whole document).
 * The hub's problems (`widget.questionnaire.2.fr`, `widget.file_types.3`) land on the inputs.
 */
import { toApiError, type Api, type ApiError } from "./api";
import type { Problem } from "./fields";
import type { Elsewhere } from "./form.svelte";
import { locale } from "./i18n/i18n";
import { withPath, type ProjectSettings } from "./settings";
import {
  COMMON_TYPES,
  MOST_QUESTIONS,
  bytesToMegabytes,
  colorProblem,
  fontProblem,
  isHexColour,
  isFontList,
  megabytesToBytes,
  parseTypes,
  questionTextProblem,
  secondsProblem,
  typesProblem,
  widgetOf,
  type Question,
  type WidgetSettings,
} from "./widget-look";

export interface QuestionRow {
  readonly id: number;
  en: string;
  fr: string;
  /** Texts in other languages, kept as they were. */
  readonly other: Record<string, string>;
  /** The stored plain text (one for every language), kept as such while untouched. */
  readonly plain: string | null;
}

let nextId = 1;

export const questionInputId = (row: number, lang: "en" | "fr") => `widget-q-${row}-${lang}`;
export const WIDGET_IDS = {
  color: "widget-color",
  font: "widget-font",
  seconds: "widget-questionnaire-seconds",
  size: "widget-max-file",
  types: "widget-other-types",
  questions: "widget-question-add",
} as const;

const COMMON = COMMON_TYPES.map((c) => c.type) as readonly string[];

function decimalSeparator(): string {
  return new Intl.NumberFormat(locale()).formatToParts(1.5).find((p) => p.type === "decimal")?.value ?? ".";
}

export class WidgetForm {
  color = $state("");
  font = $state("");
  emailCapture = $state(false);
  survey = $state(false);
  rows: QuestionRow[] = $state([]);
  seconds = $state("");
  size = $state("");
  /** The common types ticked. */
  common: string[] = $state([]);
  /** Other types, as typed. */
  otherTypes = $state("");
  baseline = $state("");
  /** The stored widget object (fields this page does not know are sent back untouched). */
  #stored: WidgetSettings = widgetOf({});
  problems: Record<string, Problem> = $state({});
  elsewhere: Elsewhere[] = $state([]);
  failure: ApiError | null = $state(null);
  saving = $state(false);
  refusals = $state(0);

  readonly dirty = $derived(JSON.stringify(this.snapshot()) !== this.baseline);

  constructor(settings: ProjectSettings) {
    this.load(settings);
  }

  /** The inputs as they are (what `dirty` compares). */
  snapshot(): unknown {
    return [this.color, this.font, this.emailCapture, this.survey, this.rows.map((r) => [r.en, r.fr]), this.seconds, this.size, [...this.common].sort(), this.otherTypes];
  }

  load(settings: ProjectSettings): void {
    const w = widgetOf(settings.widget);
    this.#stored = w;
    this.color = w.color;
    this.font = w.font;
    this.emailCapture = w.email_capture;
    this.survey = w.survey;
    this.rows = w.questionnaire.map((q) => {
      if (typeof q === "string") return { id: nextId++, en: q, fr: "", other: {}, plain: q };
      const { en = "", fr = "", ...other } = q;
      return { id: nextId++, en, fr, other, plain: null };
    });
    this.seconds = String(w.questionnaire_seconds);
    this.size = bytesToMegabytes(w.max_file_bytes, decimalSeparator());
    this.common = w.file_types.filter((x) => COMMON.includes(x));
    this.otherTypes = w.file_types.filter((x) => !COMMON.includes(x)).join(", ");
    this.baseline = JSON.stringify(this.snapshot());
    this.clearProblems();
  }

  clearProblems(): void {
    this.problems = {};
    this.elsewhere = [];
    this.failure = null;
  }

  discard(): void {
    this.load({ widget: this.#stored } as unknown as ProjectSettings);
  }

  addQuestion(): number | null {
    if (this.rows.length >= MOST_QUESTIONS) {
      this.problems = { ...this.problems, [WIDGET_IDS.questions]: { key: "widget.question_full", params: { max: MOST_QUESTIONS } } };
      return null;
    }
    this.rows.push({ id: nextId++, en: "", fr: "", other: {}, plain: null });
    return this.rows.length - 1;
  }

  removeQuestion(index: number): QuestionRow | null {
    const [gone] = this.rows.splice(index, 1);
    return gone ?? null;
  }

  /** The types as they would be sent: the common ones in their order, then the others. */
  types(): string[] {
    const others = parseTypes(this.otherTypes).filter((x) => !COMMON.includes(x));
    return [...COMMON.filter((x) => this.common.includes(x)), ...others];
  }

  /** A row as stored: its plain text while untouched, else the texts by language. */
  static question(r: QuestionRow): Question {
    const en = r.en.trim();
    const fr = r.fr.trim();
    if (r.plain !== null && r.en === r.plain && fr === "" && Object.keys(r.other).length === 0) return r.plain;
    const out: Record<string, string> = { ...r.other };
    if (en !== "") out.en = en;
    if (fr !== "") out.fr = fr;
    return out;
  }

  /** The look the preview shows: the unsaved values, the last good colour, font and size while one is being typed. */
  preview(): { color: string; font: string; emailCapture: boolean; survey: boolean; questions: Question[]; maxFileBytes: number; types: string[] } {
    return {
      color: isHexColour(this.color.trim()) ? this.color.trim() : this.#stored.color,
      font: isFontList(this.font) ? this.font : this.#stored.font,
      emailCapture: this.emailCapture,
      survey: this.survey,
      questions: this.rows.map((r) => WidgetForm.question(r)).filter((q) => typeof q === "string" || Object.keys(q).length > 0),
      maxFileBytes: megabytesToBytes(this.size) ?? this.#stored.max_file_bytes,
      types: this.types(),
    };
  }

  /** The widget object to send, or `null` with `problems`. */
  validate(): WidgetSettings | null {
    const problems: Record<string, Problem> = {};
    const color = colorProblem(this.color);
    if (color) problems[WIDGET_IDS.color] = color;
    const font = fontProblem(this.font);
    if (font) problems[WIDGET_IDS.font] = font;
    for (const r of this.rows) {
      if (r.en.trim() === "" && r.fr.trim() === "" && Object.keys(r.other).length === 0) {
        problems[questionInputId(r.id, "en")] = { key: "widget.question_required" };
        continue;
      }
      for (const lang of ["en", "fr"] as const) {
        const p = questionTextProblem(r[lang]);
        if (p) problems[questionInputId(r.id, lang)] = p;
      }
    }
    const seconds = secondsProblem(this.seconds);
    if (seconds) problems[WIDGET_IDS.seconds] = seconds;
    const bytes = megabytesToBytes(this.size);
    if (bytes === null) problems[WIDGET_IDS.size] = { key: "widget.max_file_invalid" };
    const types = this.types();
    const typeProblem = typesProblem(types);
    if (typeProblem) problems[WIDGET_IDS.types] = typeProblem;
    this.problems = problems;
    this.elsewhere = [];
    this.failure = null;
    if (Object.keys(problems).length > 0) return null;
    return {
      ...this.#stored,
      color: this.color.trim(),
      font: this.font,
      email_capture: this.emailCapture,
      survey: this.survey,
      questionnaire: this.rows.map((r) => WidgetForm.question(r)),
      questionnaire_seconds: Number(this.seconds.trim()),
      max_file_bytes: bytes!,
      file_types: types,
    };
  }

  /** The problems in the page's order, for the error summary. */
  problemList(): { id: string; problem: Problem }[] {
    const order = [
      WIDGET_IDS.color,
      WIDGET_IDS.font,
      ...this.rows.flatMap((r) => [questionInputId(r.id, "en"), questionInputId(r.id, "fr")]),
      WIDGET_IDS.questions,
      WIDGET_IDS.seconds,
      WIDGET_IDS.size,
      WIDGET_IDS.types,
    ];
    return order.filter((id) => this.problems[id]).map((id) => ({ id, problem: this.problems[id] }));
  }

  /** Where a hub path lands: an input id, or `null` (listed as elsewhere). */
  inputFor(path: string, sent: readonly number[]): string | null {
    if (path === "widget.color") return WIDGET_IDS.color;
    if (path === "widget.font") return WIDGET_IDS.font;
    if (path === "widget.questionnaire_seconds") return WIDGET_IDS.seconds;
    if (path === "widget.max_file_bytes") return WIDGET_IDS.size;
    if (path === "widget.file_types" || path.startsWith("widget.file_types.")) return WIDGET_IDS.types;
    if (path === "widget.questionnaire") return WIDGET_IDS.questions;
    const m = /^widget\.questionnaire\.(\d+)(?:\.([\w-]+))?$/.exec(path);
    if (m && Number(m[1]) < sent.length) return questionInputId(sent[Number(m[1])], m[2] === "fr" ? "fr" : "en");
    return null;
  }

  async save(api: Api, project: string): Promise<ProjectSettings | null> {
    if (this.saving) return null;
    const widget = this.validate();
    if (!widget) {
      this.refusals++;
      return null;
    }
    const sent = this.rows.map((r) => r.id);
    this.saving = true;
    try {
      const now = await api.settings(project);
      const current = widgetOf(now.widget);
      const saved = await api.saveSettings(project, withPath(now, "widget", { ...current, ...widget }));
      this.load(saved);
      return saved;
    } catch (e) {
      const error = toApiError(e);
      const problems: Record<string, Problem> = {};
      const elsewhere: Elsewhere[] = [];
      for (const [path, message] of Object.entries(error.fields)) {
        const id = this.inputFor(path, sent);
        if (id && !problems[id]) problems[id] = { key: "field.hub", detail: message };
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
