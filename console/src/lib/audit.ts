/**
 * The audit log's words (A10): each action code the hub writes in both languages, each
 * setting's path under the label its page gives it, values as compact JSON text (shown as text,
 * never HTML), who made a change, when (relative today, dates in the person's locale) and the
 * filters' date range (local days of the browser, as the person reads them). Pure.
 */
import { DESK_OPTIONS } from "./fields";
import type { Key } from "./i18n/i18n";

/** The actions the hub writes today (crates/server/src/admin/audited.rs), most common first. */
export const AUDIT_ACTIONS = [
  "settings.update",
  "group.hours",
  "group.create",
  "group.rename",
  "agent.create",
  "agent.update",
  "agent.password",
  "canned.create",
  "canned.update",
  "canned.delete",
  "knowledge.create",
  "knowledge.update",
  "knowledge.delete",
  "config.import",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The key of an action's name, or `null` for one this console does not know (shown as its code). */
export function actionKey(action: string): Key | null {
  return (AUDIT_ACTIONS as readonly string[]).includes(action) ? (`audit.action.${action}` as Key) : null;
}

const TIMEOUTS: Record<string, Key> = {
  visitor_inactivity_min: "timeouts.visitor_inactivity",
  reminder_before_timeout_s: "timeouts.reminder",
  relaunch_after_min: "timeouts.relaunch",
  reengage_after_min: "timeouts.reengage",
  auto_transfer_s: "timeouts.auto_transfer",
  auto_transfer_notify_visitor: "timeouts.auto_transfer_notify",
  agent_disconnected_notice_s: "timeouts.disconnected_notice",
  disconnected_transfer_s: "timeouts.disconnected_transfer",
  waiting_questionnaire_min: "timeouts.questionnaire",
  queue_close_before_end_min: "timeouts.queue_close",
};

const PATHS: Record<string, Key> = {
  default_slot_max: "capacity.slots",
  "routing.queue_per_agent": "capacity.queue",
  "routing.async_messaging": "audit.path.async_messaging",
  "routing.timezone": "hours.zone_label",
  "routing.reopen_to_previous_agent": "misc.reopen",
  "misc.knowledge_answers_as_agent": "misc.knowledge_as_agent",
  "sales.attribution_days": "misc.sales_attribution",
  optional_statuses: "section.statuses",
  conversation_types: "section.conversation_types",
  "cobrowse.site_origins": "cobrowse.site_origins_title",
  "cobrowse.mask": "cobrowse.mask_title",
  "cobrowse.unmask": "cobrowse.unmask_title",
  "sentences.out_of_hours": "hours.sentence_out_of_hours",
  "sentences.no_agent": "hours.sentence_no_agent",
  hours: "section.hours",
  "hours.days": "hours.week",
  "hours.exceptions": "hours.exceptions",
  "groups.created": "audit.path.groups_created",
  "groups.new_hours": "audit.path.groups_new_hours",
  "canned_responses.added": "audit.path.canned_added",
  "knowledge.added": "audit.path.articles_added",
};

/**
 * The label of a changed path (`routing.queue_per_agent` → the Capacity page's "Queue places
 * per connected agent"), or `null`. An import's settings come as `settings.…`; a sentence's
 * language (`sentences.no_agent.fr`) is named by its sentence.
 */
export function pathKey(path: string): Key | null {
  const bare = path.startsWith("settings.") ? path.slice("settings.".length) : path;
  if (Object.hasOwn(PATHS, bare)) return PATHS[bare];
  const timeout = /^routing\.timeouts\.(\w+)$/.exec(bare);
  if (timeout && Object.hasOwn(TIMEOUTS, timeout[1])) return TIMEOUTS[timeout[1]];
  const desk = /^desk\.(\w+)$/.exec(bare);
  if (desk && (DESK_OPTIONS as readonly string[]).includes(desk[1])) return `desk.${desk[1]}` as Key;
  const sentence = /^(sentences\.(?:out_of_hours|no_agent))\.[\w-]+$/.exec(bare);
  if (sentence) return PATHS[sentence[1]];
  return null;
}

/** A value as compact JSON text: `5`, `"Lunch"`, `["a","b"]`, `{"start":540,"end":720}`. */
export function compactJson(value: unknown): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The first `most` characters (code points) of a text, and whether there was more. */
export function shorten(text: string, most = 120): { text: string; cut: boolean } {
  const chars = [...text];
  return chars.length <= most ? { text, cut: false } : { text: chars.slice(0, most).join(""), cut: true };
}

/** "Name <email>" as its parts; a name without an address is all name. */
export function parseActor(actor: string): { name: string; email: string | null } {
  const match = /^(.*?)\s*<([^<>\s]+)>\s*$/.exec(actor);
  return match && match[1].trim() !== "" ? { name: match[1].trim(), email: match[2] } : { name: actor, email: null };
}

/** Local midnight (the browser's zone) of a `YYYY-MM-DD` date, in epoch ms, `days` later. */
function localMidnight(date: string, days = 0): number {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d + days).getTime();
}

/**
 * The hub's `since` and `until` (epoch ms, `until` excluded) for a range of local days, both
 * ends included: from the start of `from` to the end of `to`. Empty ends are open.
 */
export function dayRange(from: string, to: string): { since?: number; until?: number } | { problem: "range_order" } {
  if (from !== "" && to !== "" && from > to) return { problem: "range_order" };
  return {
    ...(from !== "" ? { since: localMidnight(from) } : {}),
    ...(to !== "" ? { until: localMidnight(to, 1) } : {}),
  };
}

export interface WhenText {
  /** "Just now", "5 minutes ago", "Yesterday, 14:03", "3 Dec 2026, 09:12". */
  text: string;
  kind: "just_now" | "relative" | "yesterday" | "date";
  /** The date and time in full, for a tooltip. */
  full: string;
  /** `14:03` (for "Yesterday, {time}"). */
  time: string;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** When an entry was made, in the browser's zone and `locale`: relative today, a date before. */
export function whenText(at: number, now: number, locale: string): WhenText {
  const date = new Date(at);
  const today = new Date(now);
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "medium" }).format(date);
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
  if (sameDay(date, today) && at <= now) {
    const minutes = Math.floor((now - at) / 60_000);
    if (minutes < 1) return { text: "", kind: "just_now", full, time };
    const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    const text = minutes < 60 ? relative.format(-minutes, "minute") : relative.format(-Math.floor(minutes / 60), "hour");
    return { text, kind: "relative", full, time };
  }
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (sameDay(date, yesterday)) return { text: "", kind: "yesterday", full, time };
  const text = new Intl.DateTimeFormat(locale, {
    day: "numeric",
    month: "short",
    year: date.getFullYear() === today.getFullYear() ? undefined : "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(date);
  return { text, kind: "date", full, time };
}
