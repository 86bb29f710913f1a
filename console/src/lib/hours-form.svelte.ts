/**
 * The Opening hours page's form (A6, A11, R11): one group's hours at a time (always open, or
 * ranges per weekday and exception dates), and three settings of the whole project shown with
 * them: the time zone the hours are read in (`routing.timezone`) and the two sentences a
 * visitor gets when nobody can answer (`sentences.no_agent`, `sentences.out_of_hours`).
 *
 * Saving sends the group's hours (`PUT …/groups/{id}/hours`) when they changed, then, when
 * they changed, the settings: re-read, with only these paths put on them, as every page does.
 * The hub's `fields` land on the inputs they name: `hours.days.0.1` on Monday's second range
 * as sent, `hours.exceptions.2.date` on the third date's input, `routing.timezone`,
 * `sentences.out_of_hours.fr`.
 */
import { toApiError, type Api, type ApiError, type Group } from "./api";
import type { Problem } from "./fields";
import type { Elsewhere } from "./form.svelte";
import {
  MOST_EXCEPTIONS,
  MOST_SPANS_PER_DAY,
  formatTime,
  hoursProblems,
  parseTime,
  week,
  zoneProblem,
  type Span,
  type WeeklyHours,
} from "./hours";
import { getPath, withPath, type ProjectSettings } from "./settings";

export type SentenceName = "out_of_hours" | "no_agent";
export const SENTENCES: readonly SentenceName[] = ["out_of_hours", "no_agent"];
/** The languages always offered for a sentence; others the project has are shown too. */
export const SENTENCE_LANGUAGES = ["en", "fr"] as const;
/** settings_rules.rs. */
export const MOST_SENTENCE_CHARS = 2000;

export interface RangeRow {
  readonly id: number;
  start: string;
  end: string;
}

export interface ExceptionRow {
  readonly id: number;
  date: string;
  label: string;
  /** Closed all day (a holiday); else special hours, `ranges`. */
  closed: boolean;
  ranges: RangeRow[];
}

export interface HoursDraft {
  mode: "always" | "weekly";
  /** Seven lists, Monday first. */
  days: RangeRow[][];
  exceptions: ExceptionRow[];
}

let nextId = 1;

export function rangeRow(start = "", end = ""): RangeRow {
  return { id: nextId++, start, end };
}

export function exceptionRow(date = "", label = "", closed = true, ranges: RangeRow[] = []): ExceptionRow {
  return { id: nextId++, date, label, closed, ranges };
}

/** Monday to Friday, 09:00 to 18:00: what "Open on set hours" starts from. */
export function defaultWeek(): RangeRow[][] {
  return Array.from({ length: 7 }, (_, d) => (d < 5 ? [rangeRow("09:00", "18:00")] : []));
}

const rowsOf = (spans: readonly Span[]) => spans.map((s) => rangeRow(formatTime(s.start), formatTime(s.end)));

/** The form's rows for a group's hours; exception dates in date order. */
export function draftFrom(hours: WeeklyHours | null): HoursDraft {
  if (!hours) return { mode: "always", days: defaultWeek(), exceptions: [] };
  return {
    mode: "weekly",
    days: Array.from({ length: 7 }, (_, d) => rowsOf(hours.days[d] ?? [])),
    exceptions: [...hours.exceptions]
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
      .map((e) => exceptionRow(e.date, e.label, e.spans.length === 0, rowsOf(e.spans))),
  };
}

/** What would be sent, as text (no ids): two drafts with the same key are the same hours. */
export function draftKey(draft: HoursDraft): string {
  if (draft.mode === "always") return "always";
  const ranges = (rows: readonly RangeRow[]) => rows.map((r) => [r.start.trim(), r.end.trim()]);
  return JSON.stringify({
    days: draft.days.map(ranges),
    exceptions: draft.exceptions.map((e) => [e.date, e.label, e.closed ? [] : ranges(e.ranges)]),
  });
}

// Input ids: the error summary links to them, problems are `${id}-problem`.
export const GROUP_ID = "hours-group";
export const ZONE_ID = "hours-zone";
export const ADD_DATE_ID = "hours-add-date";
export const rangeId = (row: RangeRow, part: "start" | "end") => `range-${row.id}-${part}`;
export const dayAddId = (day: number) => `day-${day}-add`;
export const exceptionId = (row: ExceptionRow, part: "date" | "label" | "add") => `exception-${row.id}-${part}`;
export const sentenceId = (name: SentenceName, language: string) => `sentence-${name}-${language}`;

/** Where a hub path under `hours.` lands: the input (or button) for it. */
export function hoursTargets(draft: HoursDraft): Map<string, string> {
  const out = new Map<string, string>();
  draft.days.forEach((rows, d) => {
    out.set(`days.${d}`, dayAddId(d));
    rows.forEach((r, i) => out.set(`days.${d}.${i}`, rangeId(r, "start")));
  });
  out.set("exceptions", ADD_DATE_ID);
  draft.exceptions.forEach((e, i) => {
    out.set(`exceptions.${i}.date`, exceptionId(e, "date"));
    out.set(`exceptions.${i}.label`, exceptionId(e, "label"));
    out.set(`exceptions.${i}.spans`, exceptionId(e, "add"));
    if (!e.closed) e.ranges.forEach((r, j) => out.set(`exceptions.${i}.spans.${j}`, rangeId(r, "start")));
  });
  return out;
}

/**
 * The hours to send for a draft, or the problems by input id: first each time on its own
 * (typed, a time), then, once every time reads, the hub's rules by path.
 */
export function buildHours(draft: HoursDraft): { hours: WeeklyHours | null } | { problems: Record<string, Problem> } {
  if (draft.mode === "always") return { hours: null };
  const problems: Record<string, Problem> = {};
  const spans = (rows: readonly RangeRow[]): Span[] =>
    rows.flatMap((r) => {
      const start = parseTime(r.start);
      const end = parseTime(r.end);
      if (r.start.trim() === "") problems[rangeId(r, "start")] = { key: "hours.time_required" };
      else if (start === null) problems[rangeId(r, "start")] = { key: "hours.time_invalid" };
      if (r.end.trim() === "") problems[rangeId(r, "end")] = { key: "hours.time_required" };
      else if (end === null) problems[rangeId(r, "end")] = { key: "hours.time_invalid" };
      return start === null || end === null ? [] : [{ start, end }];
    });
  const hours: WeeklyHours = {
    days: week((day) => spans(draft.days[day] ?? [])),
    exceptions: draft.exceptions.map((e) => ({ date: e.date, label: e.label, spans: e.closed ? [] : spans(e.ranges) })),
  };
  if (Object.keys(problems).length > 0) return { problems };
  const targets = hoursTargets(draft);
  for (const [path, problem] of Object.entries(hoursProblems(hours))) {
    let id = targets.get(path);
    if (!id) continue;
    // An end before its start is the end's fault; an overlap, the later range's start.
    if (problem.key === "hours.range_order") id = id.replace(/-start$/, "-end");
    problems[id] ??= { key: problem.key, params: problem.params };
  }
  return Object.keys(problems).length > 0 ? { problems } : { hours };
}

type Sentences = Record<SentenceName, Record<string, string>>;

function sentencesOf(settings: ProjectSettings): Sentences {
  const out = {} as Sentences;
  for (const name of SENTENCES) {
    const stored = getPath(settings, `sentences.${name}`);
    const map: Record<string, string> = {};
    for (const language of SENTENCE_LANGUAGES) map[language] = "";
    if (stored && typeof stored === "object") {
      for (const [language, text] of Object.entries(stored as Record<string, unknown>)) map[language] = String(text ?? "");
    }
    out[name] = map;
  }
  return out;
}

/** The languages a sentence is shown in: English, French, then the project's others. */
export function sentenceLanguages(map: Record<string, string>): string[] {
  const others = Object.keys(map)
    .filter((l) => !(SENTENCE_LANGUAGES as readonly string[]).includes(l))
    .sort();
  return [...SENTENCE_LANGUAGES, ...others];
}

/** A sentence as stored: the languages with a text (an empty one falls back to English). */
function storedSentence(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([, text]) => text.trim() !== ""));
}

/** The text a visitor speaking `language` reads (the hub's fallback: English, then any). */
export function sentenceFor(map: Record<string, string>, language: string): { text: string; language: string | null } {
  const stored = storedSentence(map);
  if (stored[language] !== undefined) return { text: stored[language], language };
  if (stored.en !== undefined) return { text: stored.en, language: "en" };
  const [first] = Object.entries(stored);
  return first ? { text: first[1], language: first[0] } : { text: "", language: null };
}

export class HoursForm {
  groups: Group[] = $state([]);
  groupsLoading = $state(true);
  groupsError: ApiError | null = $state(null);
  groupId: number | null = $state(null);

  draft: HoursDraft = $state(draftFrom(null));
  #hoursBaseline = $state("always");

  zone = $state("");
  sentences: Sentences = $state({ out_of_hours: {}, no_agent: {} });
  zoneBaseline = $state("");
  sentencesBaseline: Sentences = $state({ out_of_hours: {}, no_agent: {} });

  /** By input id. */
  problems: Record<string, Problem> = $state({});
  elsewhere: Elsewhere[] = $state([]);
  failure: ApiError | null = $state(null);
  /** The hours were stored but the settings refused: said above the summary. */
  partial = $state(false);
  saving = $state(false);
  refusals = $state(0);

  readonly hoursDirty = $derived(this.groupId !== null && draftKey(this.draft) !== this.#hoursBaseline);
  readonly settingsDirty = $derived(
    this.zone !== this.zoneBaseline ||
      SENTENCES.some((name) => JSON.stringify(storedSentence(this.sentences[name])) !== JSON.stringify(storedSentence(this.sentencesBaseline[name]))),
  );
  readonly dirty = $derived(this.hoursDirty || this.settingsDirty);

  constructor(settings: ProjectSettings) {
    this.loadSettings(settings);
  }

  get group(): Group | null {
    return this.groups.find((g) => g.id === this.groupId) ?? null;
  }

  /** Shows the settings as saved: zone and sentences. */
  loadSettings(settings: ProjectSettings): void {
    const zone = getPath(settings, "routing.timezone");
    this.zone = this.zoneBaseline = typeof zone === "string" ? zone : "";
    const sentences = sentencesOf(settings);
    this.sentences = structuredClone(sentences);
    this.sentencesBaseline = sentences;
  }

  /** Reads the project's groups and shows one (the one shown before, if still there). */
  async loadGroups(api: Api, project: string): Promise<void> {
    this.groupsLoading = true;
    this.groupsError = null;
    try {
      const groups = await api.groups(project);
      this.groups = groups;
      const keep = groups.find((g) => g.id === this.groupId) ?? groups[0] ?? null;
      this.selectGroup(keep?.id ?? null);
    } catch (e) {
      this.groupsError = toApiError(e);
    } finally {
      this.groupsLoading = false;
    }
  }

  /** Shows group `id`'s hours as saved (whatever was being edited of another group is dropped). */
  selectGroup(id: number | null): void {
    this.groupId = id;
    const hours = this.group?.hours ?? null;
    this.draft = draftFrom(hours);
    this.#hoursBaseline = draftKey(this.draft);
    this.clearProblems();
  }

  /** Back to what was loaded: hours, zone and sentences. */
  discard(): void {
    this.selectGroup(this.groupId);
    this.zone = this.zoneBaseline;
    this.sentences = structuredClone($state.snapshot(this.sentencesBaseline));
    this.clearProblems();
  }

  clearProblems(): void {
    this.problems = {};
    this.elsewhere = [];
    this.failure = null;
    this.partial = false;
  }

  /** "Open on set hours": the week as it was drafted (Monday to Friday 09:00–18:00 at first). */
  setMode(mode: "always" | "weekly"): void {
    this.draft.mode = mode;
  }

  /** Adds a range to `rows` after the last one (an hour after it, four hours long). */
  addRange(rows: RangeRow[]): RangeRow | null {
    if (rows.length >= MOST_SPANS_PER_DAY) return null;
    const last = rows.at(-1);
    const lastEnd = last ? parseTime(last.end) : null;
    let row: RangeRow;
    if (!last) row = rangeRow("09:00", "18:00");
    else if (lastEnd !== null && lastEnd + 60 < 1440) row = rangeRow(formatTime(lastEnd + 60), formatTime(Math.min(lastEnd + 300, 1440)));
    else row = rangeRow();
    rows.push(row);
    return rows[rows.length - 1];
  }

  /** Monday's ranges on Tuesday to Friday. */
  copyMondayToWeekdays(): void {
    const monday = this.draft.days[0];
    for (let d = 1; d < 5; d++) this.draft.days[d] = monday.map((r) => rangeRow(r.start, r.end));
  }

  /** A new exception date (closed all day), at the end; `null` when the list is full. */
  addException(date = ""): ExceptionRow | null {
    if (this.draft.exceptions.length >= MOST_EXCEPTIONS) return null;
    this.draft.exceptions.push(exceptionRow(date));
    return this.draft.exceptions[this.draft.exceptions.length - 1];
  }

  /** Special hours for an exception: its ranges, or 09:00–12:00 when it had none. */
  setClosed(row: ExceptionRow, closed: boolean): void {
    row.closed = closed;
    if (!closed && row.ranges.length === 0) row.ranges.push(rangeRow("09:00", "12:00"));
  }

  /** Every value to send, or `null` with the problems filled. */
  validate(): { hours: WeeklyHours | null; settings: { zone: string; sentences: Record<SentenceName, Record<string, string>> } } | null {
    const problems: Record<string, Problem> = {};
    const built = buildHours(this.draft);
    if ("problems" in built) Object.assign(problems, built.problems);
    if (this.zone !== this.zoneBaseline) {
      const zone = zoneProblem(this.zone);
      if (zone) problems[ZONE_ID] = zone;
    }
    const sentences = {} as Record<SentenceName, Record<string, string>>;
    for (const name of SENTENCES) {
      const map = this.sentences[name];
      const before = this.sentencesBaseline[name];
      for (const [language, text] of Object.entries(map)) {
        if (text === (before[language] ?? "")) continue;
        const count = [...text].length;
        if (count > MOST_SENTENCE_CHARS) problems[sentenceId(name, language)] = { key: "hours.sentence_too_long", params: { max: MOST_SENTENCE_CHARS, count } };
      }
      if ((map.en ?? "").trim() === "" && (before.en ?? "").trim() !== "") problems[sentenceId(name, "en")] = { key: "hours.sentence_en_required" };
      sentences[name] = storedSentence(map);
    }
    this.problems = problems;
    this.elsewhere = [];
    this.failure = null;
    this.partial = false;
    if (Object.keys(problems).length > 0 || "problems" in built) return null;
    return { hours: built.hours, settings: { zone: this.zone, sentences } };
  }

  /** Maps the hub's `fields` onto the inputs (the hours' paths as `sent`). */
  #refused(error: ApiError, sent: HoursDraft | null): void {
    const problems: Record<string, Problem> = {};
    const elsewhere: Elsewhere[] = [];
    const targets = sent ? hoursTargets(sent) : new Map<string, string>();
    for (const [path, message] of Object.entries(error.fields)) {
      const hub: Problem = { key: "field.hub", detail: message };
      let id: string | undefined;
      if (path.startsWith("hours.")) id = targets.get(path.slice("hours.".length));
      else if (path === "routing.timezone") id = ZONE_ID;
      else {
        const sentence = /^sentences\.(out_of_hours|no_agent)\.(.+)$/.exec(path);
        if (sentence && Object.hasOwn(this.sentences[sentence[1] as SentenceName], sentence[2])) id = sentenceId(sentence[1] as SentenceName, sentence[2]);
      }
      if (id) problems[id] ??= hub;
      else elsewhere.push({ path, message });
    }
    this.problems = problems;
    this.elsewhere = elsewhere;
    this.failure = error;
    this.refusals++;
  }

  /**
   * Validates, then stores the group's hours (when changed) and the settings (when changed).
   * Answers what was stored (`settings`: `null` when they were not sent), or `null` when
   * refused: problems, `failure`, and `partial` when the hours were stored but not the settings.
   */
  async save(api: Api, project: string): Promise<{ hours: boolean; settings: ProjectSettings | null } | null> {
    if (this.saving) return null;
    const values = this.validate();
    if (!values) {
      this.refusals++;
      return null;
    }
    const sendHours = this.hoursDirty && this.groupId !== null;
    const sendSettings = this.settingsDirty;
    this.saving = true;
    let hoursSaved = false;
    try {
      if (sendHours) {
        const sent = $state.snapshot(this.draft) as HoursDraft;
        try {
          const group = await api.saveGroupHours(project, this.groupId!, values.hours);
          this.groups = this.groups.map((g) => (g.id === group.id ? group : g));
          this.selectGroup(group.id);
          hoursSaved = true;
        } catch (e) {
          this.#refused(toApiError(e), sent);
          return null;
        }
      }
      let saved: ProjectSettings | null = null;
      if (sendSettings) {
        try {
          let next = await api.settings(project);
          if (values.settings.zone !== this.zoneBaseline) next = withPath(next, "routing.timezone", values.settings.zone);
          for (const name of SENTENCES) {
            if (JSON.stringify(values.settings.sentences[name]) !== JSON.stringify(storedSentence(this.sentencesBaseline[name]))) {
              next = withPath(next, `sentences.${name}`, values.settings.sentences[name]);
            }
          }
          saved = await api.saveSettings(project, next);
          this.loadSettings(saved);
        } catch (e) {
          this.#refused(toApiError(e), null);
          this.partial = hoursSaved;
          return null;
        }
      }
      return { hours: hoursSaved, settings: saved };
    } finally {
      this.saving = false;
    }
  }
}
