/**
 * French and English, following the browser (`navigator.languages`, then `navigator.language`),
 * as the desk's ui/src/lib/i18n does. Every string of the console is a key of `en`; `fr` must
 * have the same keys (the type checks it). Params are written `{name}`.
 */
import { en } from "./en";
import { fr } from "./fr";

export type Key = keyof typeof en;
export type Lang = "en" | "fr";
export type Params = Record<string, string | number>;

const dictionaries: Record<Lang, Record<Key, string>> = { en, fr };

/** The first of `languages` the console speaks; English otherwise. */
export function pickLang(languages: readonly string[]): Lang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split(/[-_.@]/)[0];
    if (base === "fr" || base === "en") return base;
  }
  return "en";
}

type NavigatorLike = { language?: string; languages?: readonly string[] };

function browserLanguages(nav: NavigatorLike | undefined): string[] {
  if (!nav) return ["en"];
  const all = nav.languages?.length ? nav.languages : [nav.language];
  return all.filter((tag): tag is string => typeof tag === "string");
}

/** A locale `Intl` accepts among `tags`, or `null`. */
function usableLocale(tags: readonly string[]): string | null {
  for (const tag of tags) {
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical && Intl.NumberFormat.supportedLocalesOf([canonical]).length > 0) return canonical;
    } catch {
      // Not a language tag: try the next one.
    }
  }
  return null;
}

const fallbackLocale = (language: Lang) => (language === "fr" ? "fr-FR" : "en-GB");

let current: Lang = "en";
let currentLocale = "en-GB";

/** The console's language. */
export function lang(): Lang {
  return current;
}

/** The person's locale for numbers (`Intl`), always one `Intl` accepts. */
export function locale(): string {
  return currentLocale;
}

/** Sets the language (tests, `?lang=` in the screenshots) and the page's `lang`. */
export function setLang(next: Lang, localeTag?: string): void {
  current = next;
  const wanted = localeTag ? usableLocale([localeTag]) : null;
  currentLocale = wanted && pickLang([wanted]) === next ? wanted : fallbackLocale(next);
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

/** Follows the browser's languages: called once at start (and by tests after stubbing them). */
export function initLang(nav: NavigatorLike | undefined = typeof navigator === "undefined" ? undefined : navigator): Lang {
  const tags = browserLanguages(nav);
  const chosen = pickLang(tags);
  setLang(chosen, tags.find((tag) => pickLang([tag]) === chosen));
  return chosen;
}

initLang();

export function t(key: Key, params?: Params): string {
  return tIn(current, key, params);
}

/** `key` in `language`, whatever the console's (a text shown as agents or visitors of that language read it). */
export function tIn(language: Lang, key: Key, params?: Params): string {
  const text = dictionaries[language][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** "1 field" / "3 fields": keys `${base}.one` and `${base}.other`. */
export function plural(base: string, count: number, params: Params = {}): string {
  const rule = new Intl.PluralRules(current).select(count) === "one" ? "one" : "other";
  return t(`${base}.${rule}` as Key, { count, ...params });
}

/** A whole number in the person's locale (`1 440` in French, `1,440` in English). */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(currentLocale, { maximumFractionDigits: 3 }).format(value);
}
