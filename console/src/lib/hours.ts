/**
 * Opening hours (A6, A11, R11) as the hub keeps them (crates/routing/src/hours.rs), and what
 * the console works out from them without asking the hub: the hub's rules, mirrored so most
 * mistakes are caught before the round trip; whether a group is open at an instant and when
 * that changes, in the project's time zone (through `Intl.DateTimeFormat`, which knows the
 * same IANA zones as the hub's chrono-tz). Pure: no DOM, no clock (`now` is a parameter).
 *
 * A range is minutes since local midnight, `[start, end)`; `end` may be 1440 (midnight, shown
 * "24:00"). Days are Monday first. An exception date replaces its weekday's ranges: none is a
 * holiday (closed all day), some are special hours.
 */
import type * as Hub from "./hub";
import type { Key, Params } from "./i18n/i18n";

/** Minutes since local midnight, `[start, end)`. */
export type Span = Hub.Span;

/** A date of the project's zone (`YYYY-MM-DD`) with its own spans (none: closed all day). */
export type HoursException = Hub.Exception;

/** Seven lists of ranges, Monday first, and the dates that differ. */
export type WeeklyHours = Hub.WeeklyHours;

/** Seven days' values, Monday first, as `WeeklyHours.days` holds them: `make(0)` … `make(6)`. */
export function week<T>(make: (day: number) => T): [T, T, T, T, T, T, T] {
  return [make(0), make(1), make(2), make(3), make(4), make(5), make(6)];
}

/** The hub's limits (crates/routing/src/hours.rs). */
export const DAY_MINUTES = 1440;
export const MOST_SPANS_PER_DAY = 8;
export const MOST_EXCEPTIONS = 400;
export const MOST_LABEL_CHARS = 100;

/** A problem, by the hub's path under `hours.` (`days.0.1`, `exceptions.2.date`). */
export interface HoursProblem {
  key: Key;
  params?: Params;
}

// ---------------------------------------------------------------------------------------------
// Times of day

/** `540` → `"09:00"`, `1440` → `"24:00"`. */
export function formatTime(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/**
 * Minutes since midnight for a time typed on a 24-hour clock: `9`, `09`, `9:30`, `09:30`,
 * `9h30`, `930`, `0930`, `24:00` (the end of the day). `null` when it is not one.
 */
export function parseTime(text: string): number | null {
  const match = /^(\d{1,2})(?:\s*[:h.]\s*(\d{2})|(\d{2}))?\s*h?$/i.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? match[3] ?? "0");
  if (minutes > 59) return null;
  if (hours === 24 && minutes === 0) return DAY_MINUTES;
  if (hours > 23) return null;
  return hours * 60 + minutes;
}

// ---------------------------------------------------------------------------------------------
// The hub's rules

/** Rust's `char::is_control`: the Cc category. */
const CONTROL = /\p{Cc}/u;

/** A real calendar date written `YYYY-MM-DD`. */
export function isDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function spanProblems(path: string, spans: readonly Span[], out: Record<string, HoursProblem>) {
  if (spans.length > MOST_SPANS_PER_DAY) out[path] = { key: "hours.too_many_ranges", params: { max: MOST_SPANS_PER_DAY } };
  spans.forEach((s, i) => {
    if (!(s.start < s.end) || s.end > DAY_MINUTES || s.start < 0) {
      out[`${path}.${i}`] = { key: "hours.range_order" };
    } else {
      const other = spans.slice(0, i).findIndex((o) => s.start < o.end && o.start < s.end);
      if (other >= 0) out[`${path}.${i}`] = { key: "hours.range_overlap", params: { start: formatTime(spans[other].start), end: formatTime(spans[other].end) } };
    }
  });
}

/**
 * What the hub would refuse in `hours`, by its path under `hours.` (`days.0.1`,
 * `exceptions.2.spans.0`, `exceptions.2.date`, `exceptions.2.label`), in the hub's order; plus
 * a date that is not one (the hub could not even read the file).
 */
export function hoursProblems(hours: WeeklyHours): Record<string, HoursProblem> {
  const out: Record<string, HoursProblem> = {};
  hours.days.forEach((day, d) => spanProblems(`days.${d}`, day, out));
  if (hours.exceptions.length > MOST_EXCEPTIONS) out.exceptions = { key: "hours.too_many_dates", params: { max: MOST_EXCEPTIONS } };
  hours.exceptions.forEach((e, i) => {
    spanProblems(`exceptions.${i}.spans`, e.spans, out);
    if (!isDate(e.date)) out[`exceptions.${i}.date`] = { key: "hours.date_required" };
    else if (hours.exceptions.slice(0, i).some((o) => o.date === e.date)) out[`exceptions.${i}.date`] = { key: "hours.date_twice" };
    if ([...e.label].length > MOST_LABEL_CHARS || CONTROL.test(e.label)) {
      out[`exceptions.${i}.label`] = { key: "hours.label_rule", params: { max: MOST_LABEL_CHARS } };
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dates and zones

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** `date` plus `days` (may be negative), `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone name this browser knows (`Europe/Paris`, `UTC`). */
export function isKnownZone(zone: string): boolean {
  if (zone.trim() === "" || zone !== zone.trim()) return false;
  try {
    partsFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's own spelling (`europe/paris` → `Europe/Paris`), or `null` when unknown. */
export function canonicalZone(zone: string): string | null {
  if (!isKnownZone(zone)) return null;
  return partsFormatter(zone).resolvedOptions().timeZone;
}

/**
 * A problem with a zone name, as the hub would see it: unknown, or known to the browser only
 * with other capitals (the hub's names are case-sensitive).
 */
export function zoneProblem(zone: string): HoursProblem | null {
  if (zone.trim() === "") return { key: "hours.zone_required" };
  const canonical = canonicalZone(zone);
  if (canonical === null) return { key: "hours.zone_unknown" };
  if (canonical !== zone && canonical.toLowerCase() === zone.toLowerCase()) return { key: "hours.zone_case", params: { zone: canonical } };
  return null;
}

/** Zones offered in the time zone's list; any other IANA name may be typed. */
export const COMMON_ZONES = [
  "Europe/Paris",
  "Europe/Brussels",
  "Europe/Luxembourg",
  "Europe/Zurich",
  "Europe/London",
  "Europe/Dublin",
  "Europe/Berlin",
  "Europe/Madrid",
  "Europe/Lisbon",
  "Europe/Rome",
  "Europe/Amsterdam",
  "America/Toronto",
  "America/New_York",
  "America/Chicago",
  "America/Los_Angeles",
  "America/Martinique",
  "America/Guadeloupe",
  "America/Cayenne",
  "Indian/Reunion",
  "Indian/Mayotte",
  "Pacific/Noumea",
  "Pacific/Tahiti",
  "Africa/Casablanca",
  "Africa/Dakar",
  "Africa/Abidjan",
  "Asia/Dubai",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Australia/Sydney",
  "UTC",
] as const;

export interface LocalTime {
  /** `YYYY-MM-DD` in the zone. */
  date: string;
  /** 0 for Monday … 6 for Sunday. */
  weekday: number;
  /** Minutes since the zone's midnight. */
  minute: number;
}

function wallClock(instant: number, zone: string): { wall: number; date: string; minute: number } {
  const parts: Record<string, string> = {};
  for (const p of partsFormatter(zone).formatToParts(new Date(instant))) parts[p.type] = p.value;
  const hour = Number(parts.hour) % 24; // some engines say 24 at midnight
  const [y, m, d] = [Number(parts.year), Number(parts.month), Number(parts.day)];
  const wall = Date.UTC(y, m - 1, d, hour, Number(parts.minute), Number(parts.second));
  return { wall, date: `${parts.year}-${parts.month}-${parts.day}`, minute: hour * 60 + Number(parts.minute) };
}

/** Where `instant` (epoch ms) falls on the zone's wall clock. */
export function localTime(instant: number, zone: string): LocalTime {
  const { date, minute } = wallClock(instant, zone);
  return { date, weekday: weekdayOf(date), minute };
}

/** Today's date in the zone, `YYYY-MM-DD`. */
export function todayIn(zone: string, now: number): string {
  return localTime(now, zone).date;
}

/** The zone's offset from UTC at `instant`, in ms (whole seconds). */
function offsetAt(instant: number, zone: string): number {
  return wallClock(instant, zone).wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instants at which local `date` + `minute` happens in the zone (`minute` may be 1440): two
 * when clocks go back, and when clocks go forward over it, the first local minute after the gap
 * (as the hub does).
 */
export function localInstants(date: string, minute: number, zone: string): number[] {
  const [y, m, d] = date.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d, 0, minute);
  const found = (w: number) => {
    const out = new Set<number>();
    for (const probe of [w - DAY_MS / 2, w, w + DAY_MS / 2]) {
      const t = w - offsetAt(probe, zone);
      if (t + offsetAt(t, zone) === w) out.add(t);
    }
    return [...out].sort((a, b) => a - b);
  };
  const exact = found(wall);
  if (exact.length > 0) return exact;
  for (let later = 1; later <= 180; later++) {
    const after = found(wall + later * MINUTE_MS);
    if (after.length > 0) return [after[0]];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Open or closed

/** The exception of a date, if it has one. */
export function exceptionOn(hours: WeeklyHours, date: string): HoursException | null {
  return hours.exceptions.find((e) => e.date === date) ?? null;
}

/** The ranges of a local date: its exception's, or its weekday's. */
export function spansOn(hours: WeeklyHours, date: string): Span[] {
  return exceptionOn(hours, date)?.spans ?? hours.days[weekdayOf(date)] ?? [];
}

/** Whether the group is open at `instant`, decided from the instant's own local time. */
export function isOpenAt(hours: WeeklyHours, zone: string, instant: number): boolean {
  const local = localTime(instant, zone);
  return spansOn(hours, local.date).some((s) => s.start <= local.minute && local.minute < Math.min(s.end, DAY_MINUTES));
}

/** How far ahead [`nextChange`] looks, in days (hours repeat weekly). */
const LOOKAHEAD_DAYS = 8;

/**
 * The next instant strictly after `now` at which [`isOpenAt`] changes, or `null` when it never
 * does (the hub's `next_change`): every midnight and range boundary of the days around now and
 * of each exception date to come (with the day after it), tried in order.
 */
export function nextChange(hours: WeeklyHours, zone: string, now: number): number | null {
  const today = todayIn(zone, now);
  const openNow = isOpenAt(hours, zone, now);
  const dates = new Set<string>();
  for (let offset = -1; offset <= LOOKAHEAD_DAYS; offset++) dates.add(addDays(today, offset));
  for (const e of hours.exceptions) {
    if (isDate(e.date) && e.date >= today) {
      dates.add(e.date);
      dates.add(addDays(e.date, 1));
    }
  }
  const candidates = new Set<number>();
  for (const date of dates) {
    for (const t of localInstants(date, 0, zone)) candidates.add(t);
    for (const span of spansOn(hours, date)) {
      for (const minute of [span.start, span.end]) for (const t of localInstants(date, minute, zone)) candidates.add(t);
    }
  }
  const sorted = [...candidates].filter((t) => t > now).sort((a, b) => a - b);
  return sorted.find((t) => isOpenAt(hours, zone, t) !== openNow) ?? null;
}

export type OpenState =
  | { kind: "always" }
  | {
      kind: "open" | "closed";
      /** When it changes; `null`: never, with these hours. */
      until: number | null;
      /** Today's exception date (a holiday, special hours), if today has one. */
      exception: HoursException | null;
    };

/** Whether a group with `hours` (`null`: always open) is open at `now`, and until when. */
export function openState(hours: WeeklyHours | null, zone: string, now: number): OpenState {
  if (hours === null) return { kind: "always" };
  return {
    kind: isOpenAt(hours, zone, now) ? "open" : "closed",
    until: nextChange(hours, zone, now),
    exception: exceptionOn(hours, todayIn(zone, now)),
  };
}

/** How many days after `now`'s local date `instant`'s local date is (0 today, 1 tomorrow). */
export function daysFrom(now: number, instant: number, zone: string): number {
  const a = todayIn(zone, now).split("-").map(Number);
  const b = todayIn(zone, instant).split("-").map(Number);
  return Math.round((Date.UTC(b[0], b[1] - 1, b[2]) - Date.UTC(a[0], a[1] - 1, a[2])) / DAY_MS);
}

/** `HH:MM` of `instant` on the zone's clock. */
export function clockIn(instant: number, zone: string): string {
  return formatTime(localTime(instant, zone).minute);
}

/** Weekday names in `locale`, Monday first, capitalised ("Lundi"). */
export function weekdayNames(locale: string, width: "long" | "short" = "long"): string[] {
  const f = new Intl.DateTimeFormat(locale, { weekday: width, timeZone: "UTC" });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => {
    const name = f.format(new Date(Date.UTC(2024, 0, 1 + i)));
    return name.charAt(0).toLocaleUpperCase(locale) + name.slice(1);
  });
}

/** A date (`YYYY-MM-DD`) in words in `locale`: "Thursday 25 December 2026". */
export function dateInWords(date: string, locale: string, withYear = true): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(withYear ? { year: "numeric" } : {}),
    timeZone: "UTC",
  }).format(new Date(Date.UTC(y, m - 1, d)));
}
