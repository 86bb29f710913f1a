import { describe, expect, it } from "vitest";
import {
  addDays,
  canonicalZone,
  daysFrom,
  formatTime,
  hoursProblems,
  isDate,
  isOpenAt,
  localInstants,
  localTime,
  nextChange,
  openState,
  parseTime,
  todayIn,
  weekdayNames,
  weekdayOf,
  week,
  zoneProblem,
  type Span,
  type WeeklyHours,
} from "./hours";

const PARIS = "Europe/Paris";
const at = (iso: string) => Date.parse(iso);
const span = (start: string, end: string): Span => ({ start: parseTime(start)!, end: parseTime(end)! });

/** Monday to Friday 09:00–12:00 and 14:00–18:00 (a split shift), closed at the weekend. */
function office(): WeeklyHours {
  const day = [span("09:00", "12:00"), span("14:00", "18:00")];
  return { days: [day, day, day, day, day, [], []], exceptions: [] };
}

describe("times of day", () => {
  it("reads a 24-hour time however it is typed, and writes HH:MM", () => {
    expect(parseTime("9")).toBe(540);
    expect(parseTime("09")).toBe(540);
    expect(parseTime("9:30")).toBe(570);
    expect(parseTime(" 09:30 ")).toBe(570);
    expect(parseTime("9h30")).toBe(570);
    expect(parseTime("9h")).toBe(540);
    expect(parseTime("930")).toBe(570);
    expect(parseTime("1745")).toBe(1065);
    expect(parseTime("0:00")).toBe(0);
    expect(parseTime("24:00")).toBe(1440);
    for (const bad of ["", "25:00", "24:30", "9:60", "7:5", "nine", "9:30 pm", "-1"]) expect(parseTime(bad), bad).toBeNull();
    expect(formatTime(540)).toBe("09:00");
    expect(formatTime(1065)).toBe("17:45");
    expect(formatTime(1440)).toBe("24:00");
  });

  it("knows real dates", () => {
    expect(isDate("2026-12-25")).toBe(true);
    expect(isDate("2028-02-29")).toBe(true);
    expect(isDate("2026-02-29")).toBe(false);
    expect(isDate("2026-13-01")).toBe(false);
    expect(isDate("25/12/2026")).toBe(false);
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(weekdayOf("2026-12-07")).toBe(0); // a Monday
    expect(weekdayOf("2026-12-13")).toBe(6);
  });
});

describe("the hub's rules, mirrored", () => {
  it("names each bad range by the hub's path: order, overlap, too many", () => {
    const hours = office();
    hours.days[0] = [span("09:00", "12:00"), span("11:00", "13:00"), span("18:00", "17:00")];
    hours.days[2] = Array.from({ length: 9 }, (_, i) => ({ start: i * 60, end: i * 60 + 30 }));
    const problems = hoursProblems(hours);
    expect(problems["days.0.1"]).toEqual({ key: "hours.range_overlap", params: { start: "09:00", end: "12:00" } });
    expect(problems["days.0.2"]).toEqual({ key: "hours.range_order" });
    expect(problems["days.0.0"]).toBeUndefined();
    expect(problems["days.2"]).toEqual({ key: "hours.too_many_ranges", params: { max: 8 } });
    expect(Object.keys(hoursProblems(office()))).toEqual([]);
  });

  it("a range may end at 24:00 but not start there; ranges that touch do not overlap", () => {
    const hours = office();
    hours.days[5] = [span("00:00", "12:00"), span("12:00", "24:00")];
    hours.days[6] = [span("24:00", "24:00")];
    expect(hoursProblems(hours)).toEqual({ "days.6.0": { key: "hours.range_order" } });
  });

  it("exception dates: a real date, listed once, a one-line label of at most 100 characters", () => {
    const hours = office();
    hours.exceptions = [
      { date: "2026-12-25", spans: [], label: "Christmas" },
      { date: "2026-12-25", spans: [], label: "Again" },
      { date: "2026-02-30", spans: [], label: "" },
      { date: "2026-12-31", spans: [span("10:00", "09:00")], label: "New Year's Eve\nearly" },
      { date: "2027-01-01", spans: [], label: "x".repeat(101) },
      { date: "2027-01-02", spans: [], label: "é".repeat(100) },
    ];
    expect(hoursProblems(hours)).toEqual({
      "exceptions.1.date": { key: "hours.date_twice" },
      "exceptions.2.date": { key: "hours.date_required" },
      "exceptions.3.spans.0": { key: "hours.range_order" },
      "exceptions.3.label": { key: "hours.label_rule", params: { max: 100 } },
      "exceptions.4.label": { key: "hours.label_rule", params: { max: 100 } },
    });
  });

  it("time zones: known ones pass, unknown ones and wrong capitals do not", () => {
    expect(zoneProblem("Europe/Paris")).toBeNull();
    expect(zoneProblem("UTC")).toBeNull();
    expect(zoneProblem("America/Argentina/Buenos_Aires")).toBeNull();
    expect(zoneProblem("Mars/Olympus")).toEqual({ key: "hours.zone_unknown" });
    expect(zoneProblem("")).toEqual({ key: "hours.zone_required" });
    expect(zoneProblem(" Europe/Paris")).toEqual({ key: "hours.zone_unknown" });
    expect(zoneProblem("europe/paris")).toEqual({ key: "hours.zone_case", params: { zone: "Europe/Paris" } });
    expect(canonicalZone("Europe/Paris")).toBe("Europe/Paris");
  });
});

describe("zones", () => {
  it("reads an instant on the zone's wall clock", () => {
    // 23:30 UTC on Sunday 6 December is already Monday in Paris (UTC+1), still Sunday in New York.
    const now = at("2026-12-06T23:30:00Z");
    expect(localTime(now, PARIS)).toEqual({ date: "2026-12-07", weekday: 0, minute: 30 });
    expect(localTime(now, "America/New_York")).toEqual({ date: "2026-12-06", weekday: 6, minute: 18 * 60 + 30 });
    expect(todayIn(PARIS, now)).toBe("2026-12-07");
    expect(todayIn("UTC", now)).toBe("2026-12-06");
  });

  it("a local time in the spring gap is the first minute after it; in the autumn it happens twice", () => {
    // Paris: 2026-03-29 02:00 → 03:00; 2026-10-25 03:00 → 02:00.
    expect(localInstants("2026-03-29", 150, PARIS)).toEqual([at("2026-03-29T01:00:00Z")]);
    expect(localInstants("2026-10-25", 150, PARIS)).toEqual([at("2026-10-25T00:30:00Z"), at("2026-10-25T01:30:00Z")]);
    expect(localInstants("2026-12-07", 540, PARIS)).toEqual([at("2026-12-07T08:00:00Z")]);
    expect(localInstants("2026-12-07", 1440, PARIS)).toEqual([at("2026-12-07T23:00:00Z")]);
  });
});

describe("open now, and until when", () => {
  it("a split shift: closed over lunch, opening again at 14:00 local time", () => {
    const hours = office();
    // Monday 7 December 2026, 12:30 in Paris = 11:30 UTC.
    const lunch = at("2026-12-07T11:30:00Z");
    expect(isOpenAt(hours, PARIS, lunch)).toBe(false);
    expect(nextChange(hours, PARIS, lunch)).toBe(at("2026-12-07T13:00:00Z"));
    const morning = at("2026-12-07T08:00:00Z"); // 09:00 sharp: open
    expect(isOpenAt(hours, PARIS, morning)).toBe(true);
    expect(nextChange(hours, PARIS, morning)).toBe(at("2026-12-07T11:00:00Z"));
    expect(isOpenAt(hours, PARIS, at("2026-12-07T11:00:00Z"))).toBe(false); // 12:00: the end is excluded
    // Friday evening: closed until Monday 09:00.
    const friday = at("2026-12-11T17:30:00Z");
    expect(openState(hours, PARIS, friday)).toEqual({ kind: "closed", until: at("2026-12-14T08:00:00Z"), exception: null });
    // The same hours in New York are other instants: 11:30 there, open until 12:00 (17:00 UTC).
    expect(isOpenAt(hours, "America/New_York", at("2026-12-07T16:30:00Z"))).toBe(true);
    expect(nextChange(hours, "America/New_York", at("2026-12-07T16:30:00Z"))).toBe(at("2026-12-07T17:00:00Z"));
  });

  it("a holiday closes the whole day; the weekly hours come back after it", () => {
    const hours = office();
    const christmas = { date: "2026-12-25", spans: [], label: "Christmas" };
    hours.exceptions = [christmas];
    // Friday 25 December, 10:00 in Paris: a weekday, but a holiday.
    const now = at("2026-12-25T09:00:00Z");
    expect(isOpenAt(office(), PARIS, now)).toBe(true);
    expect(openState(hours, PARIS, now)).toEqual({ kind: "closed", until: at("2026-12-28T08:00:00Z"), exception: christmas });
    // On Thursday evening, the next opening skips the holiday and the weekend.
    expect(nextChange(hours, PARIS, at("2026-12-24T17:30:00Z"))).toBe(at("2026-12-28T08:00:00Z"));
  });

  it("a special-hours day replaces its weekday's ranges", () => {
    const hours = office();
    const eve = { date: "2026-12-24", spans: [span("09:00", "12:30")], label: "Christmas Eve" };
    hours.exceptions = [eve];
    // Thursday 24 December, 12:15 in Paris: open (the regular morning ends at 12:00).
    expect(openState(hours, PARIS, at("2026-12-24T11:15:00Z"))).toEqual({ kind: "open", until: at("2026-12-24T11:30:00Z"), exception: eve });
    // 15:00: closed, though a regular Thursday is open then; open again on Friday 09:00.
    expect(openState(hours, PARIS, at("2026-12-24T14:00:00Z"))).toEqual({ kind: "closed", until: at("2026-12-25T08:00:00Z"), exception: eve });
  });

  it("ranges that touch across midnight make one period; a group always open or never open never changes", () => {
    const hours: WeeklyHours = { days: [[span("20:00", "24:00")], [span("00:00", "06:00")], [], [], [], [], []], exceptions: [] };
    expect(nextChange(hours, PARIS, at("2026-12-07T21:00:00Z"))).toBe(at("2026-12-08T05:00:00Z"));
    expect(openState(null, PARIS, Date.now())).toEqual({ kind: "always" });
    const never: WeeklyHours = { days: [[], [], [], [], [], [], []], exceptions: [] };
    expect(openState(never, PARIS, at("2026-12-07T21:00:00Z"))).toEqual({ kind: "closed", until: null, exception: null });
    const always: WeeklyHours = { days: week(() => [span("0:00", "24:00")]), exceptions: [] };
    expect(openState(always, PARIS, at("2026-12-07T21:00:00Z"))).toEqual({ kind: "open", until: null, exception: null });
  });

  it("an exception far ahead is still found, and a change is named relative to today", () => {
    const always: WeeklyHours = { days: week(() => [span("0:00", "24:00")]), exceptions: [] };
    always.exceptions = [{ date: "2027-05-01", spans: [], label: "Labour Day" }];
    const now = at("2026-12-07T12:00:00Z");
    const until = nextChange(always, PARIS, now)!;
    expect(until).toBe(at("2027-04-30T22:00:00Z"));
    expect(daysFrom(now, until, PARIS)).toBe(145);
    expect(daysFrom(now, at("2026-12-07T23:30:00Z"), PARIS)).toBe(1);
  });
});

describe("names", () => {
  it("weekdays, Monday first, capitalised in both languages", () => {
    expect(weekdayNames("en-GB")).toEqual(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);
    expect(weekdayNames("fr-FR")[0]).toBe("Lundi");
    expect(weekdayNames("fr-FR")[6]).toBe("Dimanche");
  });
});
