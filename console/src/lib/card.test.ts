import { describe, expect, it } from "vitest";
import { BUILT_IN, cardOf, keyProblem, labelFor, labelProblem, snippet } from "./card";

describe("the visitor card's rules, as the hub's", () => {
  it("keys: lowercase letters, digits and _, a letter first, at most 40, not built in, once", () => {
    expect(keyProblem("", [])?.key).toBe("card.key_required");
    expect(keyProblem("email", [])?.key).toBe("card.key_built_in");
    expect(keyProblem("Cart", [])?.key).toBe("card.key_invalid");
    expect(keyProblem("1cart", [])?.key).toBe("card.key_invalid");
    expect(keyProblem("cart-total", [])?.key).toBe("card.key_invalid");
    expect(keyProblem("a".repeat(41), [])?.key).toBe("card.key_long");
    expect(keyProblem("cart", ["cart"])?.key).toBe("card.key_taken");
    expect(keyProblem("cart_total_2", ["cart"])).toBeNull();
  });

  it("labels: empty allowed, one line of at most 60 characters", () => {
    expect(labelProblem("")).toBeNull();
    expect(labelProblem("Panier")).toBeNull();
    expect(labelProblem("x".repeat(61))?.key).toBe("list.too_long");
    expect(labelProblem("a\nb")?.key).toBe("list.control");
  });

  it("every built-in field is there, shown when the settings do not list it", () => {
    const card = cardOf({ fields: [{ key: "cart", label: { en: "Cart" }, shown: true }, { key: "email", label: {}, shown: false }] });
    expect(card.fields.map((f) => f.key)).toEqual(["cart", "email", "name", "page", "language", "browser", "questionnaire"]);
    expect(card.fields.find((f) => f.key === "email")!.shown).toBe(false);
    expect(card.fields.find((f) => f.key === "name")!.shown).toBe(true);
    expect(cardOf(undefined).fields.map((f) => f.key)).toEqual([...BUILT_IN]);
  });

  it("the label an agent reads: theirs, else English, else any, else the key", () => {
    expect(labelFor({ key: "cart", label: { en: "Cart", fr: "Panier" }, shown: true }, "fr")).toBe("Panier");
    expect(labelFor({ key: "cart", label: { en: "Cart" }, shown: true }, "fr")).toBe("Cart");
    expect(labelFor({ key: "cart", label: { de: "Warenkorb" }, shown: true }, "fr")).toBe("Warenkorb");
    expect(labelFor({ key: "cart", label: { fr: " " }, shown: true }, "fr")).toBe("cart");
  });

  it("the developer's line names the fields shown", () => {
    expect(snippet([], "x")).toBe('Pupitre.set({cart: "129,90 €"});');
    expect(snippet(["cart", "loyalty"], "x")).toBe('Pupitre.set({\n  cart: "129,90 €",\n  loyalty: "Gold",\n});');
    expect(snippet(["vip"], "sample value")).toBe('Pupitre.set({vip: "sample value"});');
  });
});
