/**
 * French and English (D20), chosen from the OS language (`navigator.languages`). Every string
 * of the UI is a key of `en`; `fr` must have the same keys (the type checks it). Params are
 * written `{name}`.
 */
import { en } from "./en";
import { fr } from "./fr";
import { oneLine } from "../text";

export type Key = keyof typeof en;
export type Lang = "en" | "fr";
export type Params = Record<string, string | number>;

const dictionaries: Record<Lang, Record<Key, string>> = { en, fr };

export function pickLang(languages: readonly string[]): Lang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split(/[-_.@]/)[0];
    if (base === "fr" || base === "en") return base;
  }
  return "en";
}

/** The UI language's own locale, when the OS gives none `Intl` accepts. */
function defaultLocale(language: Lang): string {
  return language === "fr" ? "fr-FR" : "en-GB";
}

/**
 * A locale `Intl` accepts, from what the OS says: BCP 47 tags (`fr-FR`) as they are, POSIX
 * ones (`fr_FR.UTF-8`, `de_DE@euro`) converted; `C`/`POSIX` and garbage skipped (WebKitGTK
 * reports `navigator.language === "C"` under `LANG=C.UTF-8`, and `new Intl.DateTimeFormat("C")`
 * throws a RangeError). `null` when none is usable.
 */
export function usableLocale(tags: readonly (string | null | undefined)[]): string | null {
  for (const raw of tags) {
    if (typeof raw !== "string") continue;
    const tag = raw.trim().split(/[.@]/)[0].replace(/_/g, "-");
    if (tag === "" || /^(c|posix)$/i.test(tag)) continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (canonical && Intl.DateTimeFormat.supportedLocalesOf([canonical]).length > 0) return canonical;
    } catch {
      // Not a language tag: try the next one.
    }
  }
  return null;
}

function osLanguages(): readonly string[] {
  if (typeof navigator === "undefined") return ["en"];
  const all = navigator.languages?.length ? navigator.languages : [navigator.language];
  return all.filter((tag): tag is string => typeof tag === "string");
}

let current: Lang = pickLang(osLanguages());
let currentLocale: string = usableLocale(osLanguages()) ?? defaultLocale(current);

/** The UI language. */
export function lang(): Lang {
  return current;
}

/** The agent's locale for `Intl` (dates, numbers): the OS's first usable language; always a
 * tag `Intl` accepts. */
export function locale(): string {
  return currentLocale;
}

/** For tests and the demo's `?lang=`. */
export function setLang(next: Lang, localeTag: string = defaultLocale(next)): void {
  current = next;
  currentLocale = usableLocale([localeTag]) ?? defaultLocale(next);
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

/**
 * `Intl` formatters, made once per locale and options: a thread formats a time for every bubble
 * it draws, and each `new Intl.DateTimeFormat` builds an ICU formatter in native memory that the
 * JavaScript garbage collector does not see (in WebKit it piles up while scrolling, P5). Kept by
 * constructor too, so that a stubbed or replaced `Intl` is used as it is.
 */
const formatters = new WeakMap<object, Map<string, unknown>>();

function shared<F>(constructor: object, key: string, make: () => F): F {
  let made = formatters.get(constructor);
  if (!made) formatters.set(constructor, (made = new Map()));
  let found = made.get(key) as F | undefined;
  if (found === undefined) {
    found = make();
    made.set(key, found);
  }
  return found;
}

/** `new Intl.DateTimeFormat(locale(), options)`, shared. */
export function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const tag = currentLocale;
  const DateTimeFormat = Intl.DateTimeFormat;
  return shared(DateTimeFormat, `${tag}|${JSON.stringify(options)}`, () => new DateTimeFormat(tag, options));
}

/** `new Intl.NumberFormat(locale(), options)`, shared. */
export function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const tag = currentLocale;
  const NumberFormat = Intl.NumberFormat;
  return shared(NumberFormat, `${tag}|${JSON.stringify(options)}`, () => new NumberFormat(tag, options));
}

export function t(key: Key, params?: Params): string {
  const text = dictionaries[current][key] ?? en[key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A piece of a phrase: the template's own text, or a param (`param: true`). */
export type PhrasePart = { text: string; param: boolean };

/**
 * `t(key, params)` in pieces, so that the UI can isolate each param in the DOM (`Phrase.svelte`
 * puts it in a `<bdi>`): params are often someone's text (a visitor's file name, an agent's
 * name), which must not reorder the app's words around it (DESIGN §8). A param's text goes
 * through `oneLine` (no bidi or zero-width controls, no line breaks).
 */
export function tParts(key: Key, params: Params): PhrasePart[] {
  const text = dictionaries[current][key] ?? en[key];
  const parts: PhrasePart[] = [];
  let last = 0;
  for (const match of text.matchAll(/\{(\w+)\}/g)) {
    const name = match[1];
    if (!(name in params)) continue;
    const at = match.index ?? 0;
    if (at > last) parts.push({ text: text.slice(last, at), param: false });
    parts.push({ text: oneLine(String(params[name])), param: true });
    last = at + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), param: false });
  return parts;
}

/** The text of `tParts`. */
export function joinParts(parts: readonly PhrasePart[]): string {
  return parts.map((part) => part.text).join("");
}

/** "1 conversation" / "3 conversations": keys `${base}.one` and `${base}.other`. */
export function plural(base: string, count: number, params: Params = {}): string {
  const language = current;
  const PluralRules = Intl.PluralRules;
  const rule = shared(PluralRules, language, () => new PluralRules(language)).select(count) === "one" ? "one" : "other";
  return t(`${base}.${rule}` as Key, { count, ...params });
}
