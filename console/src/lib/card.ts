/**
 * The visitor card (A7, D6): which lines an agent's desk shows, in which order, with which
 * labels. The built-in lines (name, e-mail, page, language, browser, the waiting
 * questionnaire's answers) and the custom fields the brand's site passes to the widget
 * (`Pupitre.set({cart: "129,90 €"})`) form one list: the desk shows them in its order. A label
 * per language: a built-in line's is optional (the desk's own name otherwise), a custom
 * field's falls back to English, then any, then its key.
 *
 * The hub's rules (crates/server/src/visitor_card.rs), mirrored: a custom key is 1 to 40
 * lowercase letters, digits or `_`, starting with a letter, and not a built-in key; each key
 * once; at most 30 custom fields; a label is one line of at most 60 characters. Pure.
 */
import type * as Hub from "./hub";
import type { Problem } from "./fields";
import type { Key } from "./i18n/i18n";
import { forbiddenCharacter, codePoint } from "./lists";

export const BUILT_IN = ["name", "email", "page", "language", "browser", "questionnaire"] as const;
export type BuiltIn = (typeof BUILT_IN)[number];
export const MOST_KEY_CHARS = 40;
export const MOST_CUSTOM_FIELDS = 30;
export const MOST_LABEL_CHARS = 60;
export const MOST_VALUE_CHARS = 500;
export const CARD_LANGUAGES = ["en", "fr"] as const;

export type CardFieldSetting = Hub.CardFieldSetting;
export type CardSettings = Hub.CardSettings;

/** A built-in line's name as the desk shows it without a label of the admin's (ui's `card.*`), per language. */
export const DESK_NAMES: Record<BuiltIn, Key> = {
  name: "card.line_name",
  email: "card.line_email",
  page: "card.line_page",
  language: "card.line_language",
  browser: "card.line_browser",
  questionnaire: "card.line_questionnaire",
};

/** Built-in lines labelled by the admin: all but the questionnaire's answers, each labelled by its question. */
export const hasLabel = (key: string): boolean => key !== "questionnaire";

export const isBuiltIn = (key: string): key is BuiltIn => (BUILT_IN as readonly string[]).includes(key);

/** The card settings in `value` (the hub's `visitor_card`), every built-in field present. */
export function cardOf(value: unknown): CardSettings {
  const raw = value && typeof value === "object" ? (value as { fields?: unknown }).fields : undefined;
  const fields: CardFieldSetting[] = Array.isArray(raw)
    ? raw
        .filter((f): f is Record<string, unknown> => f !== null && typeof f === "object" && typeof (f as { key?: unknown }).key === "string")
        .map((f) => ({
          key: f.key as string,
          label: f.label && typeof f.label === "object" ? { ...(f.label as Record<string, string>) } : {},
          shown: f.shown !== false,
        }))
    : [];
  // A built-in field missing from the list is shown (settings older than the field).
  for (const key of BUILT_IN) if (!fields.some((f) => f.key === key)) fields.push({ key, label: {}, shown: true });
  return { fields };
}

/** A custom key as typed: its problem, or `null`. `taken`: the keys already listed. */
export function keyProblem(key: string, taken: readonly string[]): Problem | null {
  if (key === "") return { key: "card.key_required" };
  if (isBuiltIn(key)) return { key: "card.key_built_in" };
  if (!/^[a-z][a-z0-9_]*$/.test(key)) return { key: "card.key_invalid", params: { max: MOST_KEY_CHARS } };
  if (key.length > MOST_KEY_CHARS) return { key: "card.key_long", params: { max: MOST_KEY_CHARS, count: key.length } };
  if (taken.includes(key)) return { key: "card.key_taken" };
  return null;
}

/** A label: empty (the desk then shows the key, or the English label), else one line of ≤ 60 characters. */
export function labelProblem(text: string): Problem | null {
  const count = [...text].length;
  if (count > MOST_LABEL_CHARS) return { key: "list.too_long", params: { max: MOST_LABEL_CHARS, count } };
  const bad = forbiddenCharacter(text);
  if (bad !== null) return { key: "list.control", params: { code: codePoint(bad) } };
  return null;
}

/** A custom field's label an agent reads in `language`: that language's, else English, else any, else the key (as the hub does). */
export function labelFor(field: CardFieldSetting, language: string): string {
  const found = [field.label[language], field.label.en, ...Object.values(field.label)].find((l) => l !== undefined && l.trim() !== "");
  return found ?? field.key;
}

/**
 * A built-in line's label an agent reads in `language`: the admin's in that language, else
 * `deskName` (the desk's own name in that language), as the desk does.
 */
export function builtInLabel(field: CardFieldSetting, language: string, deskName: string): string {
  const own = field.label[language]?.trim();
  return own ? own : deskName;
}

/** Sample values for the preview: a few a shop would pass, else a neutral one. */
export function sampleValue(key: string, fallback: string): string {
  const samples: Record<string, string> = {
    cart: "129,90 €",
    basket: "129,90 €",
    loyalty: "Gold",
    order: "A-10342",
    order_id: "A-10342",
    customer_id: "C-58211",
    plan: "Premium",
  };
  return samples[key] ?? fallback;
}

/** What the brand's developer writes: `Pupitre.set({cart: "129,90 €"})`, with the shown custom keys. */
export function snippet(keys: readonly string[], fallback: string): string {
  const shown = keys.length > 0 ? keys : ["cart"];
  const pairs = shown.map((k) => `${k}: ${JSON.stringify(sampleValue(k, fallback))}`);
  return pairs.length === 1 ? `Pupitre.set({${pairs[0]}});` : `Pupitre.set({\n  ${pairs.join(",\n  ")},\n});`;
}
