import { describe, expect, it } from "vitest";
import { articleBodyProblem, inputForPath, isLanguage, parseTags, tagsProblem, titleProblem } from "./knowledge";

describe("knowledge rules", () => {
  it("checks titles and bodies", () => {
    expect(titleProblem(" ")?.key).toBe("knowledge.title_required");
    expect(titleProblem("a".repeat(201))?.key).toBe("people.too_long");
    expect(titleProblem("one\ntwo")?.key).toBe("list.control");
    expect(titleProblem("Returns")).toBeNull();
    expect(articleBodyProblem("")?.key).toBe("knowledge.body_required");
    expect(articleBodyProblem("a\nb")).toBeNull();
    expect(articleBodyProblem("a".repeat(20_001))?.key).toBe("people.too_long");
  });

  it("turns typed tags into the hub's (trimmed, lower-cased, once each)", () => {
    expect(parseTags(" Delivery, returns  DELIVERY,refund ")).toEqual(["delivery", "returns", "refund"]);
    expect(tagsProblem(["ok-1", "under_score"])).toBeNull();
    expect(tagsProblem(["bad!"])?.key).toBe("knowledge.tag_invalid");
    expect(tagsProblem(["a".repeat(41)])?.key).toBe("knowledge.tag_long");
    expect(tagsProblem(Array.from({ length: 21 }, (_, i) => `t${i}`))?.key).toBe("knowledge.too_many_tags");
  });

  it("takes language codes such as en, fr or pt-BR", () => {
    expect(["en", "fr", "pt-BR", "zh-Hant"].every(isLanguage)).toBe(true);
    expect(["EN", "e", "english", "fr_FR", ""].some(isLanguage)).toBe(false);
  });

  it("maps the hub's paths onto the dialog's inputs", () => {
    expect(inputForPath("tags.3")).toBe("knowledge-tags");
    expect(inputForPath("title")).toBe("knowledge-title");
    expect(inputForPath("other")).toBeNull();
  });
});
