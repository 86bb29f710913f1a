/**
 * What each page edits: one `FieldSpec` per input, named by its dotted path in the settings
 * document, with the hub's limits (crates/server/src/settings_rules.rs) so most mistakes are
 * caught before the round trip. The hub stays the judge: its `fields` errors land on the same
 * paths.
 */
import type { Key, Params } from "./i18n/i18n";
import { getPath, type ProjectSettings } from "./settings";
import { storedUnit, type Unit } from "./units";

/** The hub's limits (settings_rules.rs). */
export const MOST_SLOTS = 50;
export const MOST_QUEUE_PER_AGENT = 1000;
export const MOST_MINUTES = 7 * 24 * 60;
export const MOST_SECONDS = 24 * 60 * 60;
/** D15: the sales attribution window, in days (`sales.attribution_days`). */
export const FEWEST_ATTRIBUTION_DAYS = 1;
export const MOST_ATTRIBUTION_DAYS = 90;

export type Label = { key: Key } | { raw: string };

interface Common {
  /** Dotted path in the settings JSON. */
  path: string;
  label: Label;
  hint: { key: Key; params?: Params };
}

/** A whole number in `min..=max`. */
export interface CountSpec extends Common {
  kind: "count";
  min: number;
  max: number;
}

/** A duration shown in `shown`, stored in `stored`, 0 = off, at most `max` (shown unit). */
export interface DurationSpec extends Common {
  kind: "duration";
  shown: Unit;
  stored: Unit;
  max: number;
}

export interface SwitchSpec extends Common {
  kind: "switch";
}

export type FieldSpec = CountSpec | DurationSpec | SwitchSpec;

/** A problem to show next to a field: a sentence of ours, and maybe the hub's words. */
export interface Problem {
  key: Key;
  params?: Params;
  detail?: string;
}

/** Values as the hub stores them, by path, for the page's cross-field rules. */
export type StoredValues = Record<string, number | boolean>;

export interface PageSpec {
  fields: FieldSpec[];
  /** Rules across fields, run once each field is valid on its own. */
  rules?: (values: StoredValues) => Record<string, Problem>;
}

export function capacityPage(): PageSpec {
  return {
    fields: [
      {
        kind: "count",
        path: "default_slot_max",
        label: { key: "capacity.slots" },
        hint: { key: "capacity.slots_hint" },
        min: 1,
        max: MOST_SLOTS,
      },
      {
        kind: "count",
        path: "routing.queue_per_agent",
        label: { key: "capacity.queue" },
        hint: { key: "capacity.queue_hint" },
        min: 0,
        max: MOST_QUEUE_PER_AGENT,
      },
    ],
  };
}

const T = "routing.timeouts";

/** R10 in the seed's order, each in the seed's unit (A2). */
const KNOWN_TIMEOUTS: { field: string; shown: Unit; label: Key; hint: Key; notify?: true }[] = [
  { field: "visitor_inactivity_min", shown: "min", label: "timeouts.visitor_inactivity", hint: "timeouts.visitor_inactivity_hint" },
  { field: "reminder_before_timeout_s", shown: "s", label: "timeouts.reminder", hint: "timeouts.reminder_hint" },
  { field: "relaunch_after_min", shown: "min", label: "timeouts.relaunch", hint: "timeouts.relaunch_hint" },
  { field: "reengage_after_min", shown: "min", label: "timeouts.reengage", hint: "timeouts.reengage_hint" },
  { field: "auto_transfer_s", shown: "s", label: "timeouts.auto_transfer", hint: "timeouts.auto_transfer_hint", notify: true },
  { field: "agent_disconnected_notice_s", shown: "s", label: "timeouts.disconnected_notice", hint: "timeouts.disconnected_notice_hint" },
  { field: "disconnected_transfer_s", shown: "s", label: "timeouts.disconnected_transfer", hint: "timeouts.disconnected_transfer_hint" },
  { field: "waiting_questionnaire_min", shown: "min", label: "timeouts.questionnaire", hint: "timeouts.questionnaire_hint" },
  { field: "queue_close_before_end_min", shown: "min", label: "timeouts.queue_close", hint: "timeouts.queue_close_hint" },
];

/** The hub's longest value for a timeout, in `unit`: a week of minutes, a day of seconds. */
function mostShown(stored: Unit, shown: Unit): number {
  const mostStored = stored === "min" ? MOST_MINUTES : stored === "s" ? MOST_SECONDS : MOST_SECONDS * 1000;
  const millis = { ms: 1, s: 1000, min: 60_000 };
  return Math.floor((mostStored * millis[stored]) / millis[shown]);
}

/** The input of a known timeout, in the seed's unit, under `label` and `hint`. */
function timeoutField(field: string, label: Key, hint: Key): DurationSpec {
  const shown = KNOWN_TIMEOUTS.find((k) => k.field === field)?.shown ?? storedUnit(field) ?? "s";
  const stored = storedUnit(field) ?? shown;
  return { kind: "duration", path: `${T}.${field}`, label: { key: label }, hint: { key: hint }, shown, stored, max: mostShown(stored, shown) };
}

/**
 * Every R10 timeout of `settings.routing.timeouts`: the known ones in the seed's order with
 * the auto-transfer "tell the visitor" switch after its timeout, then any number the hub added
 * that this console does not describe yet (shown under its field name, in its own unit), so
 * no timeout is ever out of reach.
 */
export function timeoutsPage(settings: ProjectSettings): PageSpec {
  const timeouts = (getPath(settings, T) ?? {}) as Record<string, unknown>;
  const fields: FieldSpec[] = [];
  for (const known of KNOWN_TIMEOUTS) {
    if (typeof timeouts[known.field] !== "number") continue;
    fields.push(timeoutField(known.field, known.label, known.hint));
    if (known.notify && typeof timeouts.auto_transfer_notify_visitor === "boolean") {
      fields.push({
        kind: "switch",
        path: `${T}.auto_transfer_notify_visitor`,
        label: { key: "timeouts.auto_transfer_notify" },
        hint: { key: "timeouts.auto_transfer_notify_hint" },
      });
    }
  }
  const described = new Set(KNOWN_TIMEOUTS.map((k) => k.field));
  for (const [field, value] of Object.entries(timeouts)) {
    const unit = storedUnit(field);
    if (described.has(field) || typeof value !== "number" || unit === null) continue;
    fields.push({
      kind: "duration",
      path: `${T}.${field}`,
      label: { raw: field },
      hint: { key: "timeouts.other_hint", params: { field } },
      shown: unit,
      stored: unit,
      max: mostShown(unit, unit),
    });
  }
  return {
    fields,
    rules(values): Record<string, Problem> {
      // settings_rules.rs: the reminder comes strictly before the inactivity close.
      const close = values[`${T}.visitor_inactivity_min`];
      const reminder = values[`${T}.reminder_before_timeout_s`];
      if (typeof close === "number" && typeof reminder === "number" && close > 0 && reminder >= close * 60) {
        return { [`${T}.reminder_before_timeout_s`]: { key: "field.reminder_order", params: { max: close * 60 } } };
      }
      return {};
    },
  };
}

const D = "desk";

/** A3, the seed's "Options du pupitre", in its order, then co-browsing (C1). */
export const DESK_OPTIONS = [
  "print",
  "email_to_self",
  "mark_important",
  "ask_manager",
  "online_agents",
  "knowledge_search",
  "canned_responses",
  "request_file",
  "send_file",
  "assistant",
  "cobrowse",
] as const;

/**
 * The desk options (A3): a switch each, the seed's ten in its order and co-browsing, then any
 * switch the hub added that this console does not describe yet (under its field name), as on
 * the Timeouts page. Connected desks get the change at once (the hub's `profile` frame).
 */
export function deskOptionsPage(settings: ProjectSettings): PageSpec {
  const desk = (getPath(settings, D) ?? {}) as Record<string, unknown>;
  const fields: FieldSpec[] = [];
  for (const option of DESK_OPTIONS) {
    if (typeof desk[option] !== "boolean") continue;
    fields.push({ kind: "switch", path: `${D}.${option}`, label: { key: `desk.${option}` }, hint: { key: `desk.${option}_hint` } });
  }
  const described = new Set<string>(DESK_OPTIONS);
  for (const [option, value] of Object.entries(desk)) {
    if (described.has(option) || typeof value !== "boolean") continue;
    fields.push({ kind: "switch", path: `${D}.${option}`, label: { raw: option }, hint: { key: "desk.other_hint", params: { field: option } } });
  }
  return { fields };
}

/**
 * A9, the seed's "Divers": answers after a knowledge redirect, reopening to the previous agent,
 * and the transfer when an agent disconnects. That last one is
 * `routing.timeouts.disconnected_transfer_s`, the Timeouts page's too: one setting on two
 * pages, each form reading the settings as last saved and sending only what it changed. Then
 * D15's sales attribution window (`sales.attribution_days`, 1–90 days): a project-wide rule of
 * the hub's figures that has no page of its own.
 */
export function miscPage(settings: ProjectSettings): PageSpec {
  const fields: FieldSpec[] = [];
  if (typeof getPath(settings, "misc.knowledge_answers_as_agent") === "boolean") {
    fields.push({
      kind: "switch",
      path: "misc.knowledge_answers_as_agent",
      label: { key: "misc.knowledge_as_agent" },
      hint: { key: "misc.knowledge_as_agent_hint" },
    });
  }
  if (typeof getPath(settings, "routing.reopen_to_previous_agent") === "boolean") {
    fields.push({
      kind: "switch",
      path: "routing.reopen_to_previous_agent",
      label: { key: "misc.reopen" },
      hint: { key: "misc.reopen_hint" },
    });
  }
  if (typeof getPath(settings, `${T}.disconnected_transfer_s`) === "number") {
    fields.push(timeoutField("disconnected_transfer_s", "misc.disconnected_transfer", "misc.disconnected_transfer_hint"));
  }
  if (typeof getPath(settings, "sales.attribution_days") === "number") {
    fields.push({
      kind: "count",
      path: "sales.attribution_days",
      label: { key: "misc.sales_attribution" },
      hint: { key: "misc.sales_attribution_hint" },
      min: FEWEST_ATTRIBUTION_DAYS,
      max: MOST_ATTRIBUTION_DAYS,
    });
  }
  return { fields };
}
