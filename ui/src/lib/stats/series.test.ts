import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DayFigures, StatsRange, StatusTime } from "../protocol";
import {
  alignDays,
  axisValue,
  chartSummary,
  conversationsSpec,
  drawData,
  emptyDay,
  formatValue,
  isEmpty,
  money,
  perDay,
  plotScale,
  responseSpec,
  salesByCurrency,
  satisfactionSpec,
  statusChannels,
  statusSpec,
  topValue,
} from "./series";
import { plotData } from "./plot";
import { periodDays, periodOf } from "./period";
import { setLang } from "../i18n/i18n";

const H = 3_600_000;
const week = periodDays(periodOf("week", "2025-03-14"));

function day(d: string, patch: Partial<DayFigures> = {}): DayFigures {
  return { ...emptyDay(d), ...patch };
}

function range(days: DayFigures[]): StatsRange {
  return { scope: { kind: "agent", id: 1, name: "Camille" }, time_zone: "Europe/Paris", days, total: emptyDay(""), computed_at: 0 };
}

const status = (channel: StatusTime["channel"], availability: StatusTime["availability"], hours: number, optional: string | null = null): StatusTime => ({
  channel,
  availability,
  optional,
  ms: hours * H,
});

beforeEach(() => setLang("en"));
afterEach(() => setLang("en"));

describe("the period's days", () => {
  it("fills the days the hub left out, in order, and drops the others", () => {
    const aligned = alignDays(range([day("2025-03-12", { conversations: 4 }), day("2025-03-10", { conversations: 2 }), day("2025-03-20", { conversations: 9 })]), week);
    expect(aligned.map((d) => d.day)).toEqual(week);
    expect(aligned.map((d) => d.conversations)).toEqual([2, 0, 4, 0, 0, 0, 0]);
    expect(aligned[1]).toEqual(emptyDay("2025-03-11"));
    expect(alignDays(null, week).every((d) => d.conversations === 0 && d.status.length === 0)).toBe(true);
  });
});

describe("chart specs", () => {
  const days = alignDays(
    range([
      day("2025-03-10", { conversations: 6, first_response_avg_ms: 18_000, response_avg_ms: 42_000, satisfaction_avg: 4.5, satisfaction_count: 2 }),
      day("2025-03-11", { conversations: 3, first_response_avg_ms: 30_000, response_avg_ms: 95_000, satisfaction_avg: null }),
    ]),
    week,
  );

  it("conversations: bars, one per day", () => {
    const spec = conversationsSpec(days);
    expect(spec.kind).toBe("bars");
    expect(spec.series[0].values).toEqual([6, 3, 0, 0, 0, 0, 0]);
    expect(plotScale(spec)).toEqual({ divisor: 1, suffix: "" });
  });

  it("response times: two lines with gaps; seconds on the axis below 2 minutes, minutes above", () => {
    const spec = responseSpec(days);
    expect(spec.series.map((s) => s.label)).toEqual(["First response", "Average response"]);
    expect(spec.series[0].values).toEqual([18_000, 30_000, null, null, null, null, null]);
    expect(plotScale(spec)).toEqual({ divisor: 1000, suffix: "s" });
    expect(drawData(spec).data[1].slice(0, 3)).toEqual([42, 95, null]);
    const slow = responseSpec([day("2025-03-10", { response_avg_ms: 5 * 60_000 })]);
    expect(plotScale(slow)).toEqual({ divisor: 60_000, suffix: "min" });
    expect(drawData(slow).data[1]).toEqual([5]);
  });

  it("satisfaction: a line of 5", () => {
    const spec = satisfactionSpec(days);
    expect(spec.max).toBe(5);
    expect(spec.series[0].values.slice(0, 2)).toEqual([4.5, null]);
  });

  it("nothing to draw", () => {
    const empty = alignDays(null, week);
    expect(isEmpty(conversationsSpec(empty))).toBe(true);
    expect(isEmpty(responseSpec(empty))).toBe(true);
    expect(isEmpty(statusSpec(empty, "chat", [], (n) => n))).toBe(true);
    expect(isEmpty(conversationsSpec(days))).toBe(false);
    expect(topValue(conversationsSpec(empty))).toBe(0);
  });
});

describe("time per status", () => {
  const days = [
    day("2025-03-10", {
      status: [status("chat", "available", 4), status("chat", "busy", 2), status("chat", "unavailable", 1.5, "In training"), status("call", "available", 1), status("chat", "offline", 0.5)],
    }),
    day("2025-03-11", { status: [status("chat", "available", 5), status("chat", "unavailable", 0.5), status("chat", "unavailable", 0.25, "Lunch")] }),
  ];
  const named = (name: string) => (name === "In training" ? "En formation" : name);

  it("the channels there are, in the usual order", () => {
    expect(statusChannels(days)).toEqual(["chat", "call"]);
    expect(statusChannels([day("2025-03-10")])).toEqual([]);
  });

  it("the four availabilities in their colours, then each optional status in its own muted one", () => {
    const spec = statusSpec(days, "chat", ["On the phone", "In training"], named);
    expect(spec.kind).toBe("stacked");
    expect(spec.series.map((s) => [s.key, s.label, s.color])).toEqual([
      ["available", "Available", "green"],
      ["busy", "Busy", "orange"],
      ["unavailable", "Unavailable", "red"],
      ["offline", "Offline", "grey"],
      // The admin's order gives the colours (In training is their 2nd); unknown ones after, by name.
      ["optional:In training", "En formation", "opt-2"],
      ["optional:Lunch", "Lunch", "opt-3"],
    ]);
    expect(spec.series[0].values).toEqual([4 * H, 5 * H]);
    expect(spec.series[2].values).toEqual([0, 0.5 * H]);
    // A day with no status on the channel has none (not zero).
    expect(statusSpec([...days, day("2025-03-12")], "chat", [], named).series[0].values).toEqual([4 * H, 5 * H, null]);
    expect(spec.series[4].values).toEqual([1.5 * H, 0]);
    // Another channel: only its statuses.
    expect(statusSpec(days, "call", [], named).series.map((s) => s.key)).toEqual(["available"]);
  });

  it("stacks in hours, the top of the stack drawn first", () => {
    const spec = statusSpec([days[0]], "chat", [], named);
    expect(plotScale(spec)).toEqual({ divisor: H, suffix: "h" });
    const { data, order } = drawData(spec);
    // available 4, busy 2, offline 0.5, In training 1.5 → sums 4, 6, 6.5, 8 — drawn 8 first.
    expect(order).toEqual([3, 2, 1, 0]);
    expect(data).toEqual([[8], [6.5], [6], [4]]);
    expect(topValue(spec)).toBe(8 * H);
    expect(plotData(spec)).toEqual([[0], [8], [6.5], [6], [4]]);
  });
});

describe("values in words", () => {
  it("formats counts, durations and scores in the locale", () => {
    expect(formatValue("count", 14)).toBe("14");
    expect(formatValue("ms", 65_000)).toBe("1 min 05 s");
    expect(formatValue("ms", 5.5 * H)).toBe("5 h 30 min");
    expect(formatValue("score", 4.25)).toBe("4.3");
    expect(formatValue("score", null)).toBe("—");
    setLang("fr");
    expect(formatValue("score", 4.25)).toBe("4,3");
    expect(axisValue({ divisor: H, suffix: "h" }, 1.5)).toBe("1,5 h");
  });

  it("axis ticks carry their unit", () => {
    expect(axisValue({ divisor: 1000, suffix: "s" }, 30)).toBe("30 s");
    expect(axisValue({ divisor: 60_000, suffix: "min" }, 2)).toBe("2 min");
    expect(axisValue({ divisor: 1, suffix: "" }, 12)).toBe("12");
  });

  it("a summary says the busiest day or the spread", () => {
    const days = alignDays(range([day("2025-03-11", { conversations: 9, first_response_avg_ms: 20_000 }), day("2025-03-12", { conversations: 3, first_response_avg_ms: 50_000 })]), week);
    expect(chartSummary("Conversations per day", conversationsSpec(days), week)).toBe(
      "Conversations per day, 10 March 2025 to 16 March 2025. Conversations: 12 in all, at most 9 on Tue 11 Mar.",
    );
    expect(chartSummary("Response times", responseSpec(days), week)).toBe(
      "Response times, 10 March 2025 to 16 March 2025. First response: from 20 s to 50 s. Average response: no figure.",
    );
  });

  it("sales per currency, in the currency's minor unit", () => {
    expect(
      salesByCurrency([
        { currency: "EUR", count: 2, amount_minor: 12_990 },
        { currency: "USD", count: 1, amount_minor: 5_000 },
        { currency: "EUR", count: 1, amount_minor: 1_010 },
      ]),
    ).toEqual([
      { currency: "EUR", count: 3, amount_minor: 14_000 },
      { currency: "USD", count: 1, amount_minor: 5_000 },
    ]);
    expect(money(123_450, "EUR")).toBe("€1,234.50");
    expect(money(1_500, "JPY")).toMatch(/¥1,500$/);
    expect(money(1_250, "XYZ1")).toBe("12.50 XYZ1");
    setLang("fr");
    expect(money(123_450, "EUR").replace(/\s/g, " ")).toBe("1 234,50 €");
  });

  it("per day over the days gone by", () => {
    expect(perDay(20, 7)).toBe("2.9");
    expect(perDay(20, 0)).toBeNull();
  });
});
