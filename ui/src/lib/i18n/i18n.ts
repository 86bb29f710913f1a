/**
 * French and English (D20), chosen from the OS language (`navigator.languages`). Every string
 * of the UI is a key of `en`; `fr` must have the same keys (the type checks it). Params are
 * written `{name}`.
 */
import { en } from "./en";
import { fr } from "./fr";

export type Key = keyof typeof en;
export type Lang = "en" | "fr";
export type Params = Record<string, string | number>;

const dictionaries: Record<Lang, Record<Key, string>> = { en, fr };

export function pickLang(languages: readonly string[]): Lang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "fr" || base === "en") return base;
  }
  return "en";
}

function osLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return ["en"];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

let current: Lang = pickLang(osLanguages());
let currentLocale: string = osLanguages()[0] ?? current;

/** The UI language. */
export function lang(): Lang {
  return current;
}

/** The agent's locale for `Intl` (dates, numbers): the OS's first language. */
export function locale(): string {
  return currentLocale;
}

/** For tests and the demo's `?lang=`. */
export function setLang(next: Lang, localeTag: string = next === "fr" ? "fr-FR" : "en-GB"): void {
  current = next;
  currentLocale = localeTag;
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

export function t(key: Key, params?: Params): string {
  const text = dictionaries[current][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** "1 conversation" / "3 conversations": keys `${base}.one` and `${base}.other`. */
export function plural(base: string, count: number, params: Params = {}): string {
  const rule = new Intl.PluralRules(current).select(count) === "one" ? "one" : "other";
  return t(`${base}.${rule}` as Key, { count, ...params });
}
