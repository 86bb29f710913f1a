import { describe, expect, it } from "vitest";
import { formatForInput, fromShown, parseNumber, shownStep, storedUnit, toShown, type Unit } from "./units";

describe("durations", () => {
  it("read the stored unit from the field's name", () => {
    expect(storedUnit("visitor_inactivity_min")).toBe("min");
    expect(storedUnit("auto_transfer_s")).toBe("s");
    expect(storedUnit("grace_ms")).toBe("ms");
    expect(storedUnit("auto_transfer_notify_visitor")).toBeNull();
    expect(storedUnit("timezone")).toBeNull();
  });

  it("survive a round trip between every stored and shown unit, or refuse: never rounded", () => {
    const units: Unit[] = ["ms", "s", "min"];
    for (const stored of units) {
      for (const shown of units) {
        for (const value of [0, 1, 59, 60, 61, 90, 1_000, 1_440, 10_080, 86_400, 4_294_967]) {
          const onScreen = toShown(value, stored, shown);
          const typed = parseNumber(formatForInput(onScreen, ","));
          expect(typed, `${value} ${stored} shown in ${shown}`).not.toBeNull();
          const back = fromShown(typed!, shown, stored);
          const exact = Number(onScreen.toFixed(6)) === onScreen;
          expect(back, `${value} ${stored} → ${onScreen} ${shown}`).toBe(exact ? value : null);
        }
      }
    }
  });

  it("convert exactly and refuse what the stored unit cannot hold", () => {
    expect(toShown(90_000, "ms", "s")).toBe(90);
    expect(toShown(1_500, "ms", "s")).toBe(1.5);
    expect(toShown(2, "min", "s")).toBe(120);
    expect(fromShown(1.5, "s", "ms")).toBe(1_500);
    expect(fromShown(120, "s", "min")).toBe(2);
    expect(fromShown(90, "s", "min")).toBeNull();
    expect(fromShown(0.5, "min", "min")).toBeNull();
    expect(shownStep("s", "min")).toBe(60);
    expect(shownStep("min", "s")).toBe(1);
  });

  it("take what people type: a comma or a dot, spaces in thousands", () => {
    expect(parseNumber("1,5")).toBe(1.5);
    expect(parseNumber(" 1 440 ")).toBe(1440);
    expect(parseNumber("1\u202f440")).toBe(1440);
    expect(parseNumber("12 min")).toBeNull();
    expect(parseNumber("")).toBeNull();
    expect(parseNumber("1e3")).toBeNull();
    expect(formatForInput(1.5, ",")).toBe("1,5");
    expect(formatForInput(30, ",")).toBe("30");
  });
});
