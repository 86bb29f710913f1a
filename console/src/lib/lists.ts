/**
 * The lists of names a project keeps: optional statuses (A4) and conversation types (A8, R9).
 * Each entry is one text, shown as written to every agent whatever their desk's language (the
 * hub keeps no per-language names for them).
 *
 * The hub's rules (crates/server/src/settings_rules.rs, `Check::names`), mirrored so most
 * mistakes are caught before the round trip: each name is not blank, at most 60 characters
 * (Unicode scalar values: Rust's `chars().count()`, JS code points), without control (Cc) or
 * invisible format/bidi characters; no two names alike once trimmed and lower-cased; at most
 * 50 entries. JS `trim()` and Rust `trim()` differ only on U+0085 and U+FEFF, both refused as
 * control characters anyway.
 */
import type { Key } from "./i18n/i18n";
import type { Problem } from "./fields";

export const MOST_LIST_ITEMS = 50;
export const MOST_NAME_CHARS = 60;

export type ListPath = "optional_statuses" | "conversation_types";

/** What a list page says, by key: its texts differ, its behaviour does not. */
export interface ListSpec {
  /** The settings array, a top-level path of the settings document. */
  path: ListPath;
  title: Key;
  intro: Key;
  /** Sentences under the introduction: what the entries do. */
  details: Key[];
  /** The list's heading. */
  heading: Key;
  /** A row's accessible name, `{n}` its position ("Status 3"). */
  row: Key;
  /** The add input's label ("New status"). */
  add: Key;
  /** Shown when the list is empty. */
  empty: Key;
  /**
   * Where each entry's names in other languages live (`optional_status_labels`: name →
   * language → text); the page edits the French one beside each entry.
   */
  labels?: "optional_status_labels";
}

export const STATUSES: ListSpec = {
  path: "optional_statuses",
  title: "section.statuses",
  intro: "statuses.intro",
  details: ["statuses.routing", "statuses.current", "statuses.languages"],
  heading: "statuses.heading",
  row: "statuses.row",
  add: "statuses.add",
  empty: "statuses.empty",
  labels: "optional_status_labels",
};

export const CONVERSATION_TYPES: ListSpec = {
  path: "conversation_types",
  title: "section.conversation_types",
  intro: "types.intro",
  details: ["types.close", "types.past", "list.one_text"],
  heading: "types.heading",
  row: "types.row",
  add: "types.add",
  empty: "types.empty",
};

/** Cc (Rust's `char::is_control`) and the hub's invisible format and bidi characters. */
const FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/u;

/** `U+202E`: a character as its code point, to name an invisible one. */
export function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The first character of `text` the hub refuses in a name, or `null`. */
export function forbiddenCharacter(text: string): string | null {
  return FORBIDDEN.exec(text)?.[0] ?? null;
}

/** Two names are the same one when they are once trimmed and lower-cased (as the hub says). */
export const sameNameKey = (text: string): string => text.trim().toLowerCase();

/** The problem with one name on its own, in the hub's order (blank, length, characters). */
export function nameProblem(text: string): Problem | null {
  if (text.trim() === "") return { key: "list.required" };
  const count = [...text].length;
  if (count > MOST_NAME_CHARS) return { key: "list.too_long", params: { max: MOST_NAME_CHARS, count } };
  const bad = forbiddenCharacter(text);
  if (bad !== null) return { key: "list.control", params: { code: codePoint(bad) } };
  return null;
}

/** A name in another language: empty (none: the desk shows the name), else a name's rules. */
export function labelProblem(text: string): Problem | null {
  return text.trim() === "" ? null : nameProblem(text.trim());
}

/**
 * Every problem of a list as it would be sent: by index (a name's own problem first, else
 * "same name as row N" for any later repeat), and the list's (too many entries).
 */
export function listProblems(items: readonly string[]): { items: (Problem | null)[]; list: Problem | null } {
  const first = new Map<string, number>();
  const problems = items.map((text, i): Problem | null => {
    const key = sameNameKey(text);
    const own = nameProblem(text);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    if (own) return own;
    return earlier === undefined ? null : { key: "list.duplicate", params: { row: earlier + 1 } };
  });
  const list: Problem | null =
    items.length > MOST_LIST_ITEMS ? { key: "list.too_many", params: { max: MOST_LIST_ITEMS, extra: items.length - MOST_LIST_ITEMS } } : null;
  return { items: problems, list };
}
