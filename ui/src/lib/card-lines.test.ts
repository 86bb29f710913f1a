/** The visitor card's lines in the admin's order, with the admin's names (D6, A7). */
import { afterEach, describe, expect, it } from "vitest";
import { cardLines, type CardLine } from "./card-lines";
import { setLang } from "./i18n/i18n";
import type { VisitorCard } from "./protocol";

const full = (patch: Partial<VisitorCard> = {}): VisitorCard => ({
  id: "v-1",
  name: "Léa",
  email: "lea@example.org",
  page_url: "https://shop.example.com/",
  page_title: null,
  language: "fr",
  user_agent: "Mozilla/5.0 Firefox/128.0",
  custom: {},
  fields: [
    { label: "Topic", value: "Warranty" },
    { label: "Cart", value: "129,90 €", key: "cart", labels: { fr: "Panier" } },
    { label: "Order", value: "55120" },
    { label: "Plan", value: "Gold", key: "plan" },
  ],
  ...patch,
});

/** A line by its key (`name`…) or its field's label. */
const keys = (lines: CardLine[]) => lines.map((l) => (l.kind === "builtin" ? l.key : `field:${l.field.label}`));
const labels = (lines: CardLine[]) => lines.map((l) => l.label);

describe("visitor card lines (A7)", () => {
  afterEach(() => setLang("en"));

  it("without an order, today's card: the built-in lines that have a value, then the fields as given", () => {
    setLang("en");
    const today = ["name", "email", "page", "language", "browser", "field:Topic", "field:Cart", "field:Order", "field:Plan"];
    expect(keys(cardLines(full(), "en"))).toEqual(today);
    expect(keys(cardLines(full({ order: [] }), "en"))).toEqual(today);
    expect(labels(cardLines(full(), "en")).slice(0, 5)).toEqual(["Name", "E-mail", "Page", "Language", "Browser"]);
    // No value, no line; the name always (the card says "Visitor 7f3a").
    const bare = full({ name: null, email: null, page_url: null, language: null, user_agent: "", fields: [] });
    expect(keys(cardLines(bare, "en"))).toEqual(["name"]);
  });

  it("in the admin's order: built-in keys, `questionnaire` for the fields without a key, custom keys", () => {
    const lines = cardLines(full({ order: ["plan", "questionnaire", "email", "name"] }), "en");
    expect(keys(lines)).toEqual(["field:Plan", "field:Topic", "field:Order", "email", "name", "page", "language", "browser", "field:Cart"]);
  });

  it("what the order does not name follows in today's order; unknown, duplicate and empty keys change nothing", () => {
    const lines = cardLines(full({ order: ["browser", "nope", "browser", "cart", "", "id"] }), "en");
    expect(keys(lines)).toEqual(["browser", "field:Cart", "name", "email", "page", "language", "field:Topic", "field:Order", "field:Plan"]);
  });

  it("a built-in line the order names but that has no value is not shown, and not shown later either", () => {
    const lines = cardLines(full({ email: null, order: ["email", "cart"] }), "en");
    expect(keys(lines)).toEqual(["field:Cart", "name", "page", "language", "browser", "field:Topic", "field:Order", "field:Plan"]);
  });

  it("a built-in line is named as the admin named it in the desk's language, else by the desk", () => {
    const visitor = full({ names: { email: { fr: "Courriel", en: "  " }, page: { en: "Viewing" }, nope: { en: "x" } } });
    setLang("fr");
    const fr = cardLines(visitor, "fr");
    expect(labels(fr).slice(0, 5)).toEqual(["Nom", "Courriel", "Page", "Langue", "Navigateur"]);
    expect(fr.filter((l) => l.custom && l.kind === "builtin").map((l) => l.label)).toEqual(["Courriel"]);
    setLang("en");
    // A blank name is no name.
    expect(labels(cardLines(visitor, "en")).slice(0, 5)).toEqual(["Name", "E-mail", "Viewing", "Language", "Browser"]);
  });

  it("a field is named in the desk's language when the admin did so, else by its label", () => {
    expect(cardLines(full(), "fr").find((l) => l.kind === "field" && l.field.key === "cart")?.label).toBe("Panier");
    expect(cardLines(full(), "en").find((l) => l.kind === "field" && l.field.key === "cart")?.label).toBe("Cart");
  });

  it("each field line keeps its place in `fields` (the list's key), even when two look alike", () => {
    const twice = full({ fields: [{ label: "A", value: "1" }, { label: "A", value: "1" }], order: ["questionnaire"] });
    expect(cardLines(twice, "en").flatMap((l) => (l.kind === "field" ? [l.index] : []))).toEqual([0, 1]);
  });
});
