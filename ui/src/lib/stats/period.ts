/**
 * D15: the period the statistics show — a week (Monday to Sunday) or a calendar month — as
 * days `YYYY-MM-DD`, and the `StatsQuery` for it. Calendar arithmetic only (no clock, no time
 * zone): days are counted in UTC, where every day has 24 hours. The words for a period and its
 * days follow the agent's locale.
 */
import type { StatsQuery } from "../backend";
import { dateFormat } from "../i18n/i18n";

export type PeriodKind = "week" | "month";

/** `days` consecutive days from `from` (`YYYY-MM-DD`). */
export type Period = { kind: PeriodKind; from: string; days: number };

type Ymd = { y: number; m: number; d: number };

const DAY_MS = 86_400_000;

function parse(day: string): Ymd {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new RangeError(`not a day: ${day}`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

/** The day's midnight in UTC, as a `Date` (years below 100 kept as they are). */
export function utcDate(day: string): Date {
  const { y, m, d } = parse(day);
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date;
}

function format(date: Date): string {
  const y = String(date.getUTCFullYear()).padStart(4, "0");
  const m = String(date.getUTCMonth() + 1).padStart(2, "0");
  const d = String(date.getUTCDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month (`month` 1 to 12). */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `day` moved by `n` days (negative: back). */
export function addDays(day: string, n: number): string {
  return format(new Date(utcDate(day).getTime() + n * DAY_MS));
}

/** 0 for Monday … 6 for Sunday. */
export function weekday(day: string): number {
  return (utcDate(day).getUTCDay() + 6) % 7;
}

/** The calendar day of a moment on this computer's clock. */
export function localDay(at: number): string {
  const date = new Date(at);
  const y = String(date.getFullYear()).padStart(4, "0");
  return `${y}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

/** The week (from its Monday) or the month that holds `day`. */
export function periodOf(kind: PeriodKind, day: string): Period {
  if (kind === "week") return { kind, from: addDays(day, -weekday(day)), days: 7 };
  const { y, m } = parse(day);
  return { kind, from: `${day.slice(0, 7)}-01`, days: daysInMonth(y, m) };
}

/** The period before (`-1`) or after (`1`). */
export function shiftPeriod(period: Period, step: -1 | 1): Period {
  if (period.kind === "week") return { ...period, from: addDays(period.from, 7 * step) };
  // The day before the first, or the day after the last, is in the month wanted.
  return periodOf("month", step === -1 ? addDays(period.from, -1) : addDays(lastDay(period), 1));
}

/** Week ↔ month: the one holding today when the period shown does, else its first day. */
export function switchKind(period: Period, kind: PeriodKind, today: string): Period {
  if (kind === period.kind) return period;
  return periodOf(kind, contains(period, today) ? today : period.from);
}

export function lastDay(period: Period): string {
  return addDays(period.from, period.days - 1);
}

export function contains(period: Period, day: string): boolean {
  return day >= period.from && day <= lastDay(period);
}

/** Every day of the period, in order. */
export function periodDays(period: Period): string[] {
  return Array.from({ length: period.days }, (_, i) => addDays(period.from, i));
}

/** The days of the period up to `today` (all of a past one, none of a future one). */
export function elapsedDays(period: Period, today: string): number {
  if (today < period.from) return 0;
  if (today > lastDay(period)) return period.days;
  return daysBetween(period.from, today) + 1;
}

/** Days from `from` to `to` (negative when `to` is before). */
export function daysBetween(from: string, to: string): number {
  return Math.round((utcDate(to).getTime() - utcDate(from).getTime()) / DAY_MS);
}

export function statsQuery(period: Period, group: number | null): StatsQuery {
  return { from: period.from, days: period.days, group };
}

// ---- words (agent's locale) -------------------------------------------------------------

const UTC = { timeZone: "UTC" } as const;

/** "10–16 March 2025", "28 April – 4 May 2025"; "March 2025" (`10–16 mars 2025`, `mars 2025`). */
export function periodLabel(period: Period): string {
  const first = utcDate(period.from);
  if (period.kind === "month") return dateFormat({ ...UTC, month: "long", year: "numeric" }).format(first);
  const formatter = dateFormat({ ...UTC, day: "numeric", month: "long", year: "numeric" });
  const last = utcDate(lastDay(period));
  return typeof formatter.formatRange === "function" ? formatter.formatRange(first, last) : `${formatter.format(first)} – ${formatter.format(last)}`;
}

/** A chart's tick: "Mon 10" in a week, "10" in a month. */
export function tickLabel(day: string, kind: PeriodKind): string {
  const date = utcDate(day);
  if (kind === "month") return dateFormat({ ...UTC, day: "numeric" }).format(date);
  return dateFormat({ ...UTC, weekday: "short", day: "numeric" }).format(date);
}

/** A day in a table or a chart's reading: "Mon 10 Mar" (`lun. 10 mars`). */
export function dayLabel(day: string): string {
  return dateFormat({ ...UTC, weekday: "short", day: "numeric", month: "short" }).format(utcDate(day));
}

/** A day in a sentence: "10 March 2025". */
export function dayLong(day: string): string {
  return dateFormat({ ...UTC, day: "numeric", month: "long", year: "numeric" }).format(utcDate(day));
}
