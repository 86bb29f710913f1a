import { describe, expect, it } from "vitest";
import { bytesToMegabytes, colorProblem, fontProblem, isMimeType, longHex, megabytesToBytes, parseTypes, questionText, questionTextProblem, secondsProblem, typesProblem, widgetOf } from "./widget-look";

describe("widget look rules (settings_rules.rs mirrored)", () => {
  it("takes #rgb and #rrggbb colours only", () => {
    expect(colorProblem("#1f6feb")).toBeNull();
    expect(colorProblem("#abc")).toBeNull();
    expect(colorProblem("red")).not.toBeNull();
    expect(colorProblem("red; background:url(//evil.test)")).not.toBeNull();
    expect(colorProblem("#12345")).not.toBeNull();
    expect(longHex("#AbC")).toBe("#aabbcc");
  });

  it("takes font lists that cannot close their declaration", () => {
    expect(fontProblem('system-ui, -apple-system, "Segoe UI", Roboto, sans-serif')).toBeNull();
    expect(fontProblem("Inter; } body { display:none")).not.toBeNull();
    expect(fontProblem("   ")).not.toBeNull();
    expect(fontProblem("a".repeat(201))).not.toBeNull();
  });

  it("checks questions, seconds, sizes and types as the hub does", () => {
    expect(questionTextProblem("")).toBeNull();
    expect(questionTextProblem("x".repeat(301))?.key).toBe("people.too_long");
    expect(questionTextProblem("a\u202eb")?.key).toBe("list.control");
    expect(secondsProblem("3600")).toBeNull();
    expect(secondsProblem("3601")?.key).toBe("field.range");
    expect(secondsProblem("-1")?.key).toBe("field.whole");
    expect(megabytesToBytes("10")).toBe(10 * 1024 * 1024);
    expect(megabytesToBytes("2,5")).toBe(2.5 * 1024 * 1024);
    expect(megabytesToBytes("0")).toBeNull();
    expect(megabytesToBytes("101")).toBeNull();
    expect(bytesToMegabytes(10 * 1024 * 1024)).toBe("10");
    expect(bytesToMegabytes(1536 * 1024, ",")).toBe("1,5");
    expect(isMimeType("image/svg+xml")).toBe(true);
    expect(isMimeType("../../etc")).toBe(false);
    expect(parseTypes("application/zip, text/csv  application/zip")).toEqual(["application/zip", "text/csv"]);
    expect(typesProblem(["image/png", "nonsense"])).toEqual({ key: "widget.type_invalid", params: { type: "nonsense" } });
  });

  it("picks a question's language as the hub does", () => {
    expect(questionText("Plain", "fr")).toBe("Plain");
    expect(questionText({ en: "City?", fr: "Ville ?" }, "fr")).toBe("Ville ?");
    expect(questionText({ en: "City?" }, "fr")).toBe("City?");
    expect(questionText({ de: "Stadt?" }, "fr")).toBe("Stadt?");
  });

  it("keeps unknown widget fields", () => {
    expect(widgetOf({ color: "#fff", extra: 1 })).toMatchObject({ color: "#fff", extra: 1, questionnaire: [] });
  });
});
