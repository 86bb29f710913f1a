/**
 * The visitor card's lines (D6, A7) in the admin's order: `VisitorCard.order` names them by
 * key — the built-in ones (`name`, `email`, `page`, `language`, `browser`), `questionnaire`
 * (the waiting questionnaire's answers: the fields without a key) and custom ones (a field's
 * `key`). What `order` does not name follows in the desk's own order (the built-in lines, then
 * the fields as the hub gave them); without an `order`, that is the whole card. A built-in line
 * shows only when it has a value (the name always: "Visitor 7f3a" when there is none).
 *
 * Labels: a built-in line's is the admin's name for it in the desk's language
 * (`VisitorCard.names`), else the desk's own; a field's is its label in the desk's language
 * (`CardField.labels`), else `label`. Admin and site text: the component shows it as text, on
 * one line.
 */
import type { CardField, VisitorCard } from "./protocol";
import { lang, t, type Lang } from "./i18n/i18n";

export const BUILT_IN_KEYS = ["name", "email", "page", "language", "browser"] as const;
export type BuiltInKey = (typeof BUILT_IN_KEYS)[number];

/** The key of the waiting questionnaire's answers in `order`. */
export const QUESTIONNAIRE_KEY = "questionnaire";

export type CardLine =
  /** `custom`: the label is the admin's (text from outside the app). */
  | { kind: "builtin"; key: BuiltInKey; label: string; custom: boolean }
  /** `index`: the field's place in `VisitorCard.fields` (a steady key for the list). */
  | { kind: "field"; field: CardField; index: number; label: string; custom: true };

function isBuiltIn(key: string): key is BuiltInKey {
  return (BUILT_IN_KEYS as readonly string[]).includes(key);
}

/** Whether a built-in line has something to show (as the card always did). */
function present(visitor: VisitorCard, key: BuiltInKey): boolean {
  switch (key) {
    case "name":
      return true;
    case "email":
      return Boolean(visitor.email);
    case "page":
      return Boolean(visitor.page_url);
    case "language":
      return Boolean(visitor.language);
    case "browser":
      return Boolean(visitor.user_agent);
  }
}

function builtInLine(visitor: VisitorCard, key: BuiltInKey, language: Lang): CardLine {
  const named = visitor.names?.[key]?.[language]?.trim();
  return named ? { kind: "builtin", key, label: named, custom: true } : { kind: "builtin", key, label: t(`card.${key}`), custom: false };
}

function fieldLine(field: CardField, index: number, language: Lang): CardLine {
  return { kind: "field", field, index, label: field.labels?.[language]?.trim() || field.label, custom: true };
}

/** The card's lines, in order, but for the visitor id (always last, the component's). */
export function cardLines(visitor: VisitorCard, language: Lang = lang()): CardLine[] {
  const out: CardLine[] = [];
  const shownBuiltIn = new Set<BuiltInKey>();
  const fields = visitor.fields ?? [];
  const shownField = new Set<number>();

  const addBuiltIn = (key: BuiltInKey) => {
    if (shownBuiltIn.has(key)) return;
    shownBuiltIn.add(key);
    if (present(visitor, key)) out.push(builtInLine(visitor, key, language));
  };
  const addFields = (pick: (field: CardField) => boolean) => {
    fields.forEach((field, index) => {
      if (shownField.has(index) || !pick(field)) return;
      shownField.add(index);
      out.push(fieldLine(field, index, language));
    });
  };

  for (const key of visitor.order ?? []) {
    if (isBuiltIn(key)) addBuiltIn(key);
    else if (key === "") continue;
    else if (key === QUESTIONNAIRE_KEY) addFields((f) => !f.key);
    else addFields((f) => f.key === key);
  }
  for (const key of BUILT_IN_KEYS) addBuiltIn(key);
  addFields(() => true);
  return out;
}
