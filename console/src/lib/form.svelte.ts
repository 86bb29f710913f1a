/**
 * One page's form over the project settings: what the inputs show (`values`), what was loaded
 * (`baseline`), per-field problems, and saving.
 *
 * Saving re-reads the settings, puts on them only the fields changed on this page, and sends
 * the whole object (`PUT` takes the whole document): a change made meanwhile elsewhere (another
 * tab, `pupitre admin`) to a field this page did not touch is kept.
 */
import { ApiError, toApiError, type Api } from "./api";
import type { FieldSpec, PageSpec, Problem, StoredValues } from "./fields";
import { locale } from "./i18n/i18n";
import { getPath, withPath, type ProjectSettings } from "./settings";
import { formatForInput, fromShown, parseNumber, shownStep, toShown } from "./units";

export type Value = string | boolean;

function decimalSeparator(): string {
  const part = new Intl.NumberFormat(locale()).formatToParts(1.5).find((p) => p.type === "decimal");
  return part?.value ?? ".";
}

/** What an input shows for the stored value at the spec's path. */
export function toInput(spec: FieldSpec, settings: ProjectSettings): Value {
  const stored = getPath(settings, spec.path);
  if (spec.kind === "switch") return stored === true;
  if (typeof stored !== "number") return "";
  const shown = spec.kind === "duration" ? toShown(stored, spec.stored, spec.shown) : stored;
  return formatForInput(shown, decimalSeparator());
}

/** What the hub stores for an input's text, or the problem with it. */
export function fromInput(spec: FieldSpec, value: Value): { value: number | boolean } | { problem: Problem } {
  if (spec.kind === "switch") return { value: value === true };
  const text = String(value).trim();
  if (text === "") return { problem: { key: "field.required" } };
  const number = parseNumber(text);
  if (spec.kind === "count") {
    if (number === null || !Number.isInteger(number)) return { problem: { key: "field.whole" } };
    if (number < spec.min || number > spec.max) return { problem: { key: "field.range", params: { min: spec.min, max: spec.max } } };
    return { value: number };
  }
  if (number === null || number < 0) return { problem: { key: "field.whole" } };
  if (number > spec.max) return { problem: { key: "field.duration_max", params: { max: spec.max, unit: `unit.${spec.shown}_long` } } };
  const stored = fromShown(number, spec.shown, spec.stored);
  if (stored === null) {
    return {
      problem: {
        key: "field.precision",
        params: { step: shownStep(spec.shown, spec.stored), unit: `unit.${spec.shown}_long`, stored: `unit.${spec.stored}_long` },
      },
    };
  }
  return { value: stored };
}

/** A hub field error for a path this page has no input for. */
export interface Elsewhere {
  path: string;
  message: string;
}

export class SettingsForm {
  readonly page: PageSpec;
  values: Record<string, Value> = $state({});
  baseline: Record<string, Value> = $state({});
  /** The loaded values as stored, for fields left untouched (never re-converted). */
  #stored: StoredValues = {};
  problems: Record<string, Problem> = $state({});
  elsewhere: Elsewhere[] = $state([]);
  failure: ApiError | null = $state(null);
  saving = $state(false);
  /** Bumped after each refused save, so the page moves focus to the error summary. */
  refusals = $state(0);

  readonly dirty = $derived(this.changedPaths().length > 0);

  constructor(page: PageSpec, settings: ProjectSettings) {
    this.page = page;
    this.load(settings);
  }

  get fields(): FieldSpec[] {
    return this.page.fields;
  }

  changedPaths(): string[] {
    return this.page.fields.filter((f) => this.values[f.path] !== this.baseline[f.path]).map((f) => f.path);
  }

  /** Shows `settings` as saved: inputs, baseline, no problems. */
  load(settings: ProjectSettings): void {
    const shown: Record<string, Value> = {};
    const stored: StoredValues = {};
    for (const spec of this.page.fields) {
      shown[spec.path] = toInput(spec, settings);
      const value = getPath(settings, spec.path);
      if (typeof value === "number" || typeof value === "boolean") stored[spec.path] = value;
    }
    this.#stored = stored;
    this.values = { ...shown };
    this.baseline = shown;
    this.clearProblems();
  }

  /** Back to what was loaded. */
  discard(): void {
    this.values = { ...this.baseline };
    this.clearProblems();
  }

  clearProblems(): void {
    this.problems = {};
    this.elsewhere = [];
    this.failure = null;
  }

  /** Every field's stored value, or `null` with `problems` filled. */
  validate(): StoredValues | null {
    const problems: Record<string, Problem> = {};
    const stored: StoredValues = {};
    for (const spec of this.page.fields) {
      const untouched = this.values[spec.path] === this.baseline[spec.path] && spec.path in this.#stored;
      if (untouched) {
        // As loaded: a value the shown unit cannot write exactly (59 s shown in minutes) is
        // kept, not refused; the hub judges values it stored itself.
        stored[spec.path] = this.#stored[spec.path];
        continue;
      }
      const result = fromInput(spec, this.values[spec.path]);
      if ("problem" in result) problems[spec.path] = result.problem;
      else stored[spec.path] = result.value;
    }
    if (Object.keys(problems).length === 0 && this.page.rules) Object.assign(problems, this.page.rules(stored));
    this.problems = problems;
    this.elsewhere = [];
    this.failure = null;
    return Object.keys(problems).length === 0 ? stored : null;
  }

  /** The problems in the order of the fields, for the error summary. */
  problemList(): { path: string; problem: Problem }[] {
    return this.page.fields.filter((f) => this.problems[f.path]).map((f) => ({ path: f.path, problem: this.problems[f.path] }));
  }

  /**
   * Validates, then stores the changed fields. Answers the stored settings, or `null` when
   * refused (problems, `failure`). Throws nothing: a 401 is a `failure` with `unauthorized`.
   */
  async save(api: Api, project: string): Promise<ProjectSettings | null> {
    if (this.saving) return null;
    const stored = this.validate();
    if (!stored) {
      this.refusals++;
      return null;
    }
    const changed = this.changedPaths();
    this.saving = true;
    try {
      let next = await api.settings(project);
      for (const path of changed) next = withPath(next, path, stored[path]);
      const saved = await api.saveSettings(project, next);
      this.load(saved);
      return saved;
    } catch (e) {
      const error = toApiError(e);
      const problems: Record<string, Problem> = {};
      const elsewhere: Elsewhere[] = [];
      const here = new Set(this.page.fields.map((f) => f.path));
      for (const [path, message] of Object.entries(error.fields)) {
        if (here.has(path)) problems[path] = { key: "field.hub", detail: message };
        else elsewhere.push({ path, message });
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
