import { describe, expect, it } from "vitest";
import { BUILT_IN, builtInLabel, cardOf, hasLabel, keyProblem, labelFor, labelProblem, snippet } from "./card";
import { CardForm } from "./card-form.svelte";
import type { ProjectSettings } from "./settings";

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

  it("a built-in line's label: the admin's in that language, else the desk's own name (no English fallback, as the desk)", () => {
    expect(builtInLabel({ key: "name", label: { en: "Customer", fr: "Client" }, shown: true }, "fr", "Nom")).toBe("Client");
    expect(builtInLabel({ key: "name", label: { en: "Customer" }, shown: true }, "fr", "Nom")).toBe("Nom");
    expect(builtInLabel({ key: "name", label: { en: "  " }, shown: true }, "en", "Name")).toBe("Name");
    expect(hasLabel("browser")).toBe(true);
    expect(hasLabel("questionnaire")).toBe(false);
    expect(hasLabel("cart")).toBe(true);
  });

  it("the form keeps one list in the stored order, moves any line, removes only the site's fields, and sends every line in order", () => {
    const settings = { visitor_card: { fields: [{ key: "cart", label: { en: "Cart", de: "Warenkorb" }, shown: true }, { key: "email", label: {}, shown: false }] } } as unknown as ProjectSettings;
    const form = new CardForm(settings);
    expect(form.rows.map((r) => r.key)).toEqual(["cart", "email", "name", "page", "language", "browser", "questionnaire"]);
    expect(form.dirty).toBe(false);
    expect(form.remove(1)).toBeNull();
    expect(form.move(0, -1)).toBeNull();
    expect(form.move(0, 1)).toBe(1);
    form.rows[0].fr = " E-mail du client ";
    expect(form.outgoing().slice(0, 2)).toEqual([
      { key: "email", label: { fr: "E-mail du client" }, shown: false },
      { key: "cart", label: { en: "Cart", de: "Warenkorb" }, shown: true },
    ]);
    expect(form.dirty).toBe(true);
    expect(form.remove(1)?.key).toBe("cart");
    expect(form.customCount()).toBe(0);
    form.draft = "name";
    expect(form.addDraft()).toBeNull();
    expect(form.draftProblem?.key).toBe("card.key_built_in");
    form.draft = "loyalty";
    expect(form.addDraft()).toBe(6);
    expect(form.shownKeys()).toEqual(["loyalty"]);
  });

  it("the hub's path names a line by its place in the list sent", () => {
    const sent = [
      { id: 10, key: "cart" },
      { id: 11, key: "questionnaire" },
      { id: 12, key: "name" },
    ];
    expect(CardForm.inputFor("visitor_card.fields.0.label.fr", sent)).toBe("card-10-fr");
    expect(CardForm.inputFor("visitor_card.fields.2.key", sent)).toBe("card-12-en");
    expect(CardForm.inputFor("visitor_card.fields.1.label.en", sent)).toBe("card-11-shown");
    expect(CardForm.inputFor("visitor_card.fields.3.key", sent)).toBeNull();
    expect(CardForm.inputFor("visitor_card.fields", sent)).toBeNull();
  });

  it("the developer's line names the fields shown", () => {
    expect(snippet([], "x")).toBe('Pupitre.set({cart: "129,90 €"});');
    expect(snippet(["cart", "loyalty"], "x")).toBe('Pupitre.set({\n  cart: "129,90 €",\n  loyalty: "Gold",\n});');
    expect(snippet(["vip"], "sample value")).toBe('Pupitre.set({vip: "sample value"});');
  });
});
