import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import App from "../../App.svelte";
import { en } from "./en";
import { fr } from "./fr";
import { initLang, lang, pickLang, setLang, t } from "./i18n";
import { fakeHub } from "../test-hub";

afterEach(() => {
  vi.unstubAllGlobals();
  setLang("en");
});

describe("language", () => {
  it("follows navigator.language: French for fr-*, English otherwise", () => {
    vi.stubGlobal("navigator", { language: "fr-CA", languages: [] });
    expect(initLang()).toBe("fr");
    expect(document.documentElement.lang).toBe("fr");
    expect(t("login.submit")).toBe("Se connecter");

    vi.stubGlobal("navigator", { language: "de-DE", languages: ["de-DE", "en-US"] });
    expect(initLang()).toBe("en");
    vi.stubGlobal("navigator", { language: "ja" });
    expect(initLang()).toBe("en");
    expect(pickLang(["es", "fr_FR.UTF-8"])).toBe("fr");
  });

  it("draws the console in French for a French browser", async () => {
    vi.stubGlobal("navigator", { ...navigator, language: "fr-FR", languages: ["fr-FR", "fr"] });
    initLang();
    expect(lang()).toBe("fr");
    render(App, { api: fakeHub().api });
    expect(await screen.findByRole("heading", { name: "Connexion à la console d'administration" })).toBeInTheDocument();
    expect(screen.getByLabelText("Mot de passe")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Se connecter" })).toBeInTheDocument();
    expect(document.title).toBe("Connexion — Administration Pupitre");
  });

  it("has every English string in French, with the same {params}", () => {
    const params = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key], key).toBeTruthy();
      expect(params(fr[key]), key).toEqual(params(en[key]));
    }
  });
});
