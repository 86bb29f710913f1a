/**
 * D15: a `StatsRange` as charts — one `ChartSpec` per figure family, day by day — and the words
 * that say the same thing (tables, summaries). Values stay in the hub's units (counts, ms,
 * scores of 5); `plotScale` picks the axis's unit (seconds, minutes, hours) and `drawData` the
 * numbers uPlot draws (stacked bars summed, drawn from the top of the stack down).
 */
import type { Availability, Channel, DayFigures, SalesFigure, StatsRange } from "../protocol";
import { figureDuration } from "../format";
import { numberFormat, t } from "../i18n/i18n";
import { dayLabel, dayLong } from "./period";

export type ChartSeries = {
  key: string;
  label: string;
  /** An app.css colour token, without its `--` (`green`, `accent`, `opt-1`). */
  color: string;
  /** One per day; `null`: no figure that day. */
  values: (number | null)[];
};

export type ChartSpec = {
  /** `stacked`: bars on top of each other, one day's total as high as the stack. */
  kind: "bars" | "lines" | "stacked";
  /** `ms`: durations (status times too); `score`: of 5. */
  unit: "count" | "ms" | "score";
  series: ChartSeries[];
  /** A fixed top of the y axis (satisfaction: 5); `null`: from the data. */
  max: number | null;
};

/** What the chart's y axis counts in, and by how much a value is divided to get there. */
export type PlotScale = { divisor: number; suffix: "" | "s" | "min" | "h" };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A day with nothing in it. */
export function emptyDay(day: string): DayFigures {
  return {
    day,
    conversations: 0,
    first_response_avg_ms: null,
    response_avg_ms: null,
    handling_avg_ms: null,
    satisfaction_avg: null,
    satisfaction_count: 0,
    sales: [],
    status: [],
  };
}

/** The range's figures on the period's days, in order: a day the hub left out is empty, a day
 * outside the period is dropped. */
export function alignDays(range: StatsRange | null, days: readonly string[]): DayFigures[] {
  const byDay = new Map((range?.days ?? []).map((d) => [d.day, d]));
  return days.map((day) => byDay.get(day) ?? emptyDay(day));
}

export function conversationsSpec(days: readonly DayFigures[]): ChartSpec {
  return {
    kind: "bars",
    unit: "count",
    max: null,
    series: [{ key: "conversations", label: t("stats.conversations"), color: "accent", values: days.map((d) => d.conversations) }],
  };
}

export function responseSpec(days: readonly DayFigures[]): ChartSpec {
  return {
    kind: "lines",
    unit: "ms",
    max: null,
    series: [
      { key: "first", label: t("stats.first_response"), color: "accent", values: days.map((d) => d.first_response_avg_ms) },
      { key: "response", label: t("stats.response"), color: "chart-2", values: days.map((d) => d.response_avg_ms) },
    ],
  };
}

export function satisfactionSpec(days: readonly DayFigures[]): ChartSpec {
  return {
    kind: "lines",
    unit: "score",
    max: 5,
    series: [{ key: "satisfaction", label: t("stats.satisfaction"), color: "green", values: days.map((d) => d.satisfaction_avg) }],
  };
}

const CHANNELS: Channel[] = ["chat", "call", "video", "messaging"];
const AVAILABILITIES: Availability[] = ["available", "busy", "unavailable", "offline"];
const STATUS_COLORS: Record<Availability, string> = { available: "green", busy: "orange", unavailable: "red", offline: "grey" };
/** Muted colours for the admin's optional statuses (app.css `--opt-1` … `--opt-5`). */
export const OPTIONAL_COLORS = 5;

/** The channels with status time in these days, in the usual order. */
export function statusChannels(days: readonly DayFigures[]): Channel[] {
  const seen = new Set(days.flatMap((d) => d.status.filter((s) => s.ms > 0).map((s) => s.channel)));
  return CHANNELS.filter((c) => seen.has(c));
}

/**
 * Time per shown status on one channel, day by day (`null`: none on that channel that day):
 * the four availabilities in their colours,
 * then each optional status (in the admin's order, `known`; others by name) in its own muted
 * colour — the same colour every period, as long as the admin's list stays the same.
 */
export function statusSpec(days: readonly DayFigures[], channel: Channel, known: readonly string[], named: (optional: string) => string): ChartSpec {
  const on = days.map((d) => d.status.filter((s) => s.channel === channel));
  const optional = new Set(on.flat().flatMap((s) => (s.optional === null ? [] : [s.optional])));
  const order = [...known, ...[...optional].filter((o) => !known.includes(o)).sort()];
  const series: ChartSeries[] = [];
  for (const availability of AVAILABILITIES) {
    const values = on.map((list) => (list.length === 0 ? null : list.filter((s) => s.optional === null && s.availability === availability).reduce((sum, s) => sum + s.ms, 0)));
    if (values.some((v) => (v ?? 0) > 0)) series.push({ key: availability, label: t(`status.${availability}`), color: STATUS_COLORS[availability], values });
  }
  for (const name of order.filter((o) => optional.has(o))) {
    const values = on.map((list) => (list.length === 0 ? null : list.filter((s) => s.optional === name).reduce((sum, s) => sum + s.ms, 0)));
    if (values.some((v) => (v ?? 0) > 0)) series.push({ key: `optional:${name}`, label: named(name), color: `opt-${(order.indexOf(name) % OPTIONAL_COLORS) + 1}`, values });
  }
  return { kind: "stacked", unit: "ms", max: null, series };
}

/** Nothing to draw: every value missing or zero. */
export function isEmpty(spec: ChartSpec): boolean {
  return spec.series.every((s) => s.values.every((v) => v === null || v === 0));
}

/** The largest value drawn (a stack's total for stacked bars). */
export function topValue(spec: ChartSpec): number {
  if (spec.kind === "stacked") {
    const days = spec.series[0]?.values.length ?? 0;
    let top = 0;
    for (let i = 0; i < days; i++) top = Math.max(top, spec.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
    return top;
  }
  return Math.max(0, ...spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
}

/** The axis's unit: status time in hours; response times in seconds up to 2 minutes, in minutes above. */
export function plotScale(spec: ChartSpec): PlotScale {
  if (spec.unit !== "ms") return { divisor: 1, suffix: "" };
  if (spec.kind === "stacked") return { divisor: HOUR, suffix: "h" };
  return topValue(spec) < 2 * MINUTE ? { divisor: 1000, suffix: "s" } : { divisor: MINUTE, suffix: "min" };
}

/**
 * What uPlot draws, in the order it draws it (`order`: indices into `spec.series`). Stacked
 * bars: each series at the sum of itself and those before it, the topmost drawn first so that
 * the ones below paint over its lower part.
 */
export function drawData(spec: ChartSpec, scale: PlotScale = plotScale(spec)): { data: (number | null)[][]; order: number[] } {
  const scaled = spec.series.map((s) => s.values.map((v) => (v === null ? null : v / scale.divisor)));
  if (spec.kind !== "stacked") return { data: scaled, order: scaled.map((_, i) => i) };
  const sums: number[][] = [];
  scaled.forEach((values, k) => sums.push(values.map((v, i) => (v ?? 0) + (k > 0 ? sums[k - 1][i] : 0))));
  const order = sums.map((_, k) => sums.length - 1 - k);
  return { data: order.map((k) => sums[k]), order };
}

/** A value in a table or a reading: `14`, `1 min 05 s`, `4.5`; `—` for none. */
export function formatValue(unit: ChartSpec["unit"], value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  if (unit === "ms") return figureDuration(value);
  if (unit === "score") return numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
  return numberFormat({ maximumFractionDigits: 0 }).format(value);
}

/** A tick of the y axis: `30 s`, `2 min`, `6 h`, `4`. */
export function axisValue(scale: PlotScale, value: number): string {
  const n = numberFormat({ maximumFractionDigits: 2 }).format(value);
  return scale.suffix === "" ? n : `${n} ${scale.suffix}`;
}

/** Steps the y axis may use between ticks, in its unit. */
export function axisSteps(spec: ChartSpec, scale: PlotScale): number[] {
  if (spec.unit === "score") return [1];
  if (scale.suffix === "h") return [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 24];
  if (scale.suffix === "s") return [1, 2, 5, 10, 15, 20, 30, 60];
  return [1, 2, 5, 10, 15, 20, 30, 60, 120, 240, 480, 960, 1440].concat(spec.unit === "count" ? [2000, 5000, 10_000] : []);
}

/** The chart in one or two sentences, for assistive technologies (`role="img"`). */
export function chartSummary(title: string, spec: ChartSpec, days: readonly string[]): string {
  const parts = [t("stats.summary.range", { title, from: dayLong(days[0] ?? ""), to: dayLong(days.at(-1) ?? "") })];
  for (const s of spec.series) {
    const known = s.values.map((v, i) => [v, i] as const).filter((p): p is readonly [number, number] => p[0] !== null);
    if (known.length === 0 || known.every(([v]) => v === 0)) {
      parts.push(t("stats.summary.none", { label: s.label }));
    } else if (spec.kind === "lines") {
      const values = known.map(([v]) => v);
      parts.push(t("stats.summary.spread", { label: s.label, min: formatValue(spec.unit, Math.min(...values)), max: formatValue(spec.unit, Math.max(...values)) }));
    } else {
      const [max, at] = known.reduce((best, p) => (p[0] > best[0] ? p : best));
      const total = known.reduce((sum, [v]) => sum + v, 0);
      parts.push(t("stats.summary.total", { label: s.label, total: formatValue(spec.unit, total), max: formatValue(spec.unit, max), day: dayLabel(days[at]) }));
    }
  }
  return parts.join(" ");
}

// ---- the period's figures ---------------------------------------------------------------

/** Sales by currency (one line per currency, in order of first appearance). */
export function salesByCurrency(sales: readonly SalesFigure[]): SalesFigure[] {
  const out = new Map<string, SalesFigure>();
  for (const s of sales) {
    const seen = out.get(s.currency);
    out.set(s.currency, seen ? { ...seen, count: seen.count + s.count, amount_minor: seen.amount_minor + s.amount_minor } : { ...s });
  }
  return [...out.values()];
}

/** An amount in a currency's minor unit (cents), in the agent's locale: `1 234,50 €`. */
export function money(amountMinor: number, currency: string): string {
  try {
    const format = numberFormat({ style: "currency", currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amountMinor / 10 ** digits);
  } catch {
    // Not an ISO 4217 code Intl knows: the number and the code as they came.
    return `${numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amountMinor / 100)} ${currency}`;
  }
}

/** Conversations per day over the days gone by (`null` before the period starts). */
export function perDay(conversations: number, elapsed: number): string | null {
  if (elapsed <= 0) return null;
  return numberFormat({ maximumFractionDigits: 1 }).format(conversations / elapsed);
}

