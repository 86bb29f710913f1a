import { describe, expect, it } from "vitest";
import { matchCanned, suggest } from "./canned.svelte";
import { Drafts } from "./drafts.svelte";
import { demoData } from "../demo";
import { duration, browserOf, messageTime } from "../format";
import { pickLang, setLang, plural, t, dateFormat, numberFormat } from "../i18n/i18n";
import { en } from "../i18n/en";
import { fr } from "../i18n/fr";
import { T0 } from "../test-fixtures";

const canned = demoData(T0).canned;

describe("canned responses (D12)", () => {
  it("ranks shortcut prefixes first, then title matches, the visitor's language first", () => {
    expect(matchCanned(canned, "hel").map((r) => r.shortcut)).toEqual(["hello", "help"]);
    expect(matchCanned(canned, "livr").map((r) => r.shortcut)).toEqual(["delai"]);
    expect(matchCanned(canned, "", "fr-FR")[0].language).toBe("fr");
  });

  it("suggests from the visitor's last message", () => {
    const found = suggest(canned, "Super, et la livraison prend combien de temps ?", "fr-FR");
    expect(found[0].shortcut).toBe("delai");
    expect(suggest(canned, "ok", null)).toEqual([]);
  });
});

describe("drafts", () => {
  it("survive a restart through storage", () => {
    const storage = new Map<string, string>();
    const fake = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) } as unknown as Storage;
    new Drafts(fake).set("A", "unsent");
    expect(new Drafts(fake).get("A")).toBe("unsent");
  });
});

describe("format", () => {
  it("formats timers", () => {
    setLang("en");
    expect(duration(45_000)).toBe("0:45");
    expect(duration(730_000)).toBe("12:10");
    expect(duration(3_723_000)).toBe("1:02:03");
    expect(duration(-5)).toBe("0:00");
    expect(duration(2 * 86_400_000 + 3 * 3_600_000)).toBe("2 d 3 h");
    setLang("fr");
    expect(duration(2 * 86_400_000 + 3 * 3_600_000)).toBe("2 j 3 h");
  });

  it("makes each Intl formatter once per locale and options (a thread formats every bubble's time, P5)", () => {
    setLang("en", "en-GB");
    const time = dateFormat({ hour: "2-digit", minute: "2-digit" });
    expect(dateFormat({ hour: "2-digit", minute: "2-digit" })).toBe(time);
    expect(dateFormat({ day: "numeric", month: "short" })).not.toBe(time);
    expect(numberFormat({ maximumFractionDigits: 1 })).toBe(numberFormat({ maximumFractionDigits: 1 }));
    const at = new Date(2025, 2, 14, 9, 5).getTime();
    expect(messageTime(at, at)).toBe("09:05");
    expect(messageTime(at, at + 3 * 86_400_000)).toBe("14 Mar 09:05");
    setLang("fr", "fr-FR");
    expect(dateFormat({ hour: "2-digit", minute: "2-digit" })).not.toBe(time);
    expect(messageTime(at, at + 3 * 86_400_000)).toBe("14 mars 09:05");
    setLang("en");
  });

  it("names browsers", () => {
    expect(browserOf("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")).toBe("Firefox · Linux");
    expect(browserOf(null)).toBeNull();
  });
});

describe("i18n (D20)", () => {
  it("follows the OS language, English otherwise", () => {
    expect(pickLang(["fr-CA", "en"])).toBe("fr");
    expect(pickLang(["de-DE", "en-US"])).toBe("en");
    expect(pickLang(["de-DE"])).toBe("en");
  });

  it("has every key in both languages, with the same parameters", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(fr[key], key).toBeTruthy();
      const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(params(fr[key]), key).toEqual(params(en[key]));
    }
  });

  it("interpolates and pluralises", () => {
    setLang("fr");
    expect(t("offline.banner", { seconds: 5 })).toBe("Hors ligne — reconnexion dans 5 s…");
    setLang("en");
    expect(plural("logout.open", 1)).toContain("1 conversation open");
    expect(plural("logout.open", 3)).toContain("3 conversations open");
  });
});
