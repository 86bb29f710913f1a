import { describe, expect, it } from "vitest";
import { idProblem, nameProblem, questionnairesOf, ratingProblem, slug, textIn, textProblem } from "./questionnaires";

describe("questionnaires' rules, as the hub's", () => {
  it("ids: lowercase letters, digits, - and _, a letter first, at most 40, once", () => {
    expect(idProblem("", [])?.key).toBe("q.id_required");
    expect(idProblem("After", [])?.key).toBe("q.id_invalid");
    expect(idProblem("1st", [])?.key).toBe("q.id_invalid");
    expect(idProblem("a".repeat(41), [])?.key).toBe("q.id_invalid");
    expect(idProblem("after-sales", ["after-sales"])?.key).toBe("q.id_taken");
    expect(idProblem("after-sales_2", [])).toBeNull();
  });

  it("ids made from names: accents and signs folded, a letter first, unique", () => {
    expect(slug("Après-vente : retours", [])).toBe("apres-vente-retours");
    expect(slug("After sales", ["after-sales"])).toBe("after-sales-2");
    expect(slug("2024 survey", [])).toBe("questionnaire-2024-survey");
    expect(slug("", [])).toBe("questionnaire");
    expect(slug("x".repeat(80), []).length).toBeLessThanOrEqual(40);
  });

  it("names, texts and scales", () => {
    expect(nameProblem(" ")?.key).toBe("q.name_required");
    expect(nameProblem("x".repeat(101))?.key).toBe("list.too_long");
    expect(textProblem("")).toBeNull();
    expect(textProblem("x".repeat(301))?.key).toBe("list.too_long");
    expect(textProblem("a\tb")?.key).toBe("list.control");
    expect(ratingProblem("2")?.key).toBe("field.range");
    expect(ratingProblem("11")?.key).toBe("field.range");
    expect(ratingProblem("4.5")?.key).toBe("field.whole");
    expect(ratingProblem("10")).toBeNull();
  });

  it("the hub's defaults for what the settings lack; a text in a language, else English", () => {
    expect(questionnairesOf(undefined)).toEqual({
      list: [],
      agent: { questionnaire: null, complete_button: true, cancel_button: true, closable_without_answer: true },
      visitor: { questionnaire: null, agent_may_send: true },
    });
    expect(textIn({ en: "Solved?", fr: "Résolu ?" }, "fr")).toBe("Résolu ?");
    expect(textIn({ en: "Solved?" }, "fr")).toBe("Solved?");
  });
});
