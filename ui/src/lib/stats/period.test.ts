import { afterEach, describe, expect, it } from "vitest";
import {
  addDays,
  contains,
  daysBetween,
  daysInMonth,
  dayLabel,
  elapsedDays,
  isLeapYear,
  lastDay,
  localDay,
  periodDays,
  periodLabel,
  periodOf,
  shiftPeriod,
  statsQuery,
  switchKind,
  tickLabel,
  weekday,
} from "./period";
import { setLang } from "../i18n/i18n";

describe("calendar days", () => {
  it("leap years: every 4, not every 100, every 400", () => {
    expect([2024, 2000, 1600].map(isLeapYear)).toEqual([true, true, true]);
    expect([2025, 1900, 2100, 2023].map(isLeapYear)).toEqual([false, false, false, false]);
  });

  it("month lengths", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2025, m))).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });

  it("adds days across months, years and 29 February", () => {
    expect(addDays("2025-03-14", 1)).toBe("2025-03-15");
    expect(addDays("2025-01-31", 1)).toBe("2025-02-01");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2025-02-28", 1)).toBe("2025-03-01");
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDays("2025-01-01", -1)).toBe("2024-12-31");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(addDays("2025-03-30", 7)).toBe("2025-04-06");
    expect(daysBetween("2024-12-30", "2025-01-05")).toBe(6);
  });

  it("weekdays from Monday (0) to Sunday (6)", () => {
    expect(weekday("2025-03-10")).toBe(0);
    expect(weekday("2025-03-14")).toBe(4);
    expect(weekday("2025-03-16")).toBe(6);
    expect(weekday("2024-02-29")).toBe(3);
  });

  it("a moment's day on this computer's clock", () => {
    const at = new Date(2025, 2, 14, 23, 59).getTime();
    expect(localDay(at)).toBe("2025-03-14");
    expect(localDay(new Date(2025, 0, 1, 0, 0).getTime())).toBe("2025-01-01");
  });

  it("refuses what is not a day", () => {
    expect(() => addDays("14/03/2025", 1)).toThrow(RangeError);
  });
});

describe("periods", () => {
  it("a week starts on Monday, whatever the day", () => {
    for (const day of ["2025-03-10", "2025-03-12", "2025-03-16"]) expect(periodOf("week", day)).toEqual({ kind: "week", from: "2025-03-10", days: 7 });
    // Across a year: Wednesday 1 January 2025 is in the week from Monday 30 December 2024.
    expect(periodOf("week", "2025-01-01")).toEqual({ kind: "week", from: "2024-12-30", days: 7 });
  });

  it("a month from its first day, as long as it is", () => {
    expect(periodOf("month", "2025-03-14")).toEqual({ kind: "month", from: "2025-03-01", days: 31 });
    expect(periodOf("month", "2024-02-10")).toEqual({ kind: "month", from: "2024-02-01", days: 29 });
    expect(periodOf("month", "2025-02-28")).toEqual({ kind: "month", from: "2025-02-01", days: 28 });
    expect(periodOf("month", "2025-04-30")).toEqual({ kind: "month", from: "2025-04-01", days: 30 });
  });

  it("previous and next weeks, across months and years", () => {
    const week = periodOf("week", "2025-01-01");
    expect(shiftPeriod(week, -1)).toEqual({ kind: "week", from: "2024-12-23", days: 7 });
    expect(shiftPeriod(week, 1)).toEqual({ kind: "week", from: "2025-01-06", days: 7 });
    expect(shiftPeriod(periodOf("week", "2025-03-01"), 1).from).toBe("2025-03-03");
  });

  it("previous and next months: lengths and leap years follow", () => {
    const march = periodOf("month", "2024-03-15");
    expect(shiftPeriod(march, -1)).toEqual({ kind: "month", from: "2024-02-01", days: 29 });
    expect(shiftPeriod(shiftPeriod(march, -1), -1)).toEqual({ kind: "month", from: "2024-01-01", days: 31 });
    const january = periodOf("month", "2025-01-20");
    expect(shiftPeriod(january, -1)).toEqual({ kind: "month", from: "2024-12-01", days: 31 });
    expect(shiftPeriod(periodOf("month", "2024-12-05"), 1)).toEqual({ kind: "month", from: "2025-01-01", days: 31 });
    expect(shiftPeriod(periodOf("month", "2025-01-31"), 1)).toEqual({ kind: "month", from: "2025-02-01", days: 28 });
    // Twelve steps come back to the same month a year later.
    let p = periodOf("month", "2023-05-01");
    for (let i = 0; i < 12; i++) p = shiftPeriod(p, 1);
    expect(p).toEqual({ kind: "month", from: "2024-05-01", days: 31 });
  });

  it("week ↔ month keeps today when shown, else the period's first day", () => {
    const today = "2025-03-14";
    expect(switchKind(periodOf("week", today), "month", today)).toEqual(periodOf("month", today));
    expect(switchKind(periodOf("month", today), "week", today)).toEqual(periodOf("week", today));
    // An earlier week (28 Apr – 4 May) becomes its Monday's month; an earlier month its first week.
    expect(switchKind(periodOf("week", "2025-04-30"), "month", today)).toEqual({ kind: "month", from: "2025-04-01", days: 30 });
    expect(switchKind(periodOf("month", "2025-02-10"), "week", today)).toEqual({ kind: "week", from: "2025-01-27", days: 7 });
    const same = periodOf("week", today);
    expect(switchKind(same, "week", today)).toBe(same);
  });

  it("its days, its last day, what it holds, the days gone by", () => {
    const week = periodOf("week", "2024-12-31");
    expect(periodDays(week)).toEqual(["2024-12-30", "2024-12-31", "2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]);
    expect(lastDay(week)).toBe("2025-01-05");
    expect(lastDay(periodOf("month", "2024-02-01"))).toBe("2024-02-29");
    expect(contains(week, "2025-01-05")).toBe(true);
    expect(contains(week, "2025-01-06")).toBe(false);
    expect(elapsedDays(week, "2025-01-01")).toBe(3);
    expect(elapsedDays(week, "2024-12-01")).toBe(0);
    expect(elapsedDays(week, "2025-02-01")).toBe(7);
  });

  it("the query: first day, length, group", () => {
    expect(statsQuery(periodOf("month", "2024-02-14"), null)).toEqual({ from: "2024-02-01", days: 29, group: null });
    expect(statsQuery(periodOf("week", "2025-03-14"), 3)).toEqual({ from: "2025-03-10", days: 7, group: 3 });
  });
});

describe("periods in words", () => {
  afterEach(() => setLang("en"));

  it("in English", () => {
    setLang("en");
    expect(periodLabel(periodOf("week", "2025-03-14"))).toMatch(/^10\s?–\s?16 March 2025$/);
    expect(periodLabel(periodOf("week", "2025-01-01"))).toMatch(/^30 December 2024\s?–\s?5 January 2025$/);
    expect(periodLabel(periodOf("month", "2024-02-10"))).toBe("February 2024");
    expect(tickLabel("2025-03-10", "week")).toBe("Mon 10");
    expect(tickLabel("2025-03-10", "month")).toBe("10");
    expect(dayLabel("2025-03-10")).toBe("Mon 10 Mar");
  });

  it("in French", () => {
    setLang("fr");
    expect(periodLabel(periodOf("week", "2025-03-14"))).toMatch(/^10\s?–\s?16 mars 2025$/);
    expect(periodLabel(periodOf("month", "2025-08-01"))).toBe("août 2025");
    expect(tickLabel("2025-03-10", "week")).toBe("lun. 10");
  });
});
