/**
 * People and content (A8, M4): agents, groups and shared canned responses — the hub's rules
 * mirrored (crates/server/src/admin.rs, admin/people.rs) so most mistakes are caught before
 * the round trip, a strong first password, canned responses sorted by theme and filtered.
 * Pure: no component, no request.
 */
import type { Agent, CannedResponse, Channel, Role } from "./api";
import type { Problem } from "./fields";

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;
export const NAME_MAX = 200;
export const BODY_MAX = 10_000;
export const SLOT_MIN = 1;
export const SLOT_MAX = 50;
export const ROLES: readonly Role[] = ["agent", "manager", "admin"];
/** The channels an agent may work on, in the order the console lists them (the hub's `Channel`). */
export const CHANNELS: readonly Channel[] = ["chat", "call", "video", "messaging"];
/** The languages a canned response is offered in (the desk's). */
export const CANNED_LANGUAGES = ["en", "fr"] as const;

/**
 * Letters and digits a person reads out or types without doubt: no 0/O/o, 1/l/I. 56 signs,
 * so 20 of them are about 116 bits.
 */
const ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const GENERATED_LENGTH = 20;

/**
 * A strong random password (`crypto.getRandomValues`, without the modulo bias: bytes at or
 * above the largest multiple of the alphabet's size are drawn again), in groups of five
 * joined by "-" to be read out and typed.
 */
export function generatePassword(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const limit = 256 - (256 % ALPHABET.length);
  const out: string[] = [];
  while (out.length < GENERATED_LENGTH) {
    for (const byte of random(new Uint8Array(32))) {
      if (byte < limit && out.length < GENERATED_LENGTH) out.push(ALPHABET[byte % ALPHABET.length]);
    }
  }
  return out.join("").replace(/(.{5})(?=.)/g, "$1-");
}

/** The hub's e-mail rule (an "@", at most 254 bytes), plus something on each side of the "@". */
export function emailProblem(email: string): Problem | null {
  const trimmed = email.trim();
  if (trimmed === "") return { key: "people.email_required" };
  if (!/^[^@\s]+@[^@\s]+$/.test(trimmed) || new TextEncoder().encode(trimmed).length > 254) return { key: "people.email_invalid" };
  return null;
}

/** A person's, group's, theme's or title's name: 1 to 200 characters, not blank. */
export function nameProblem(name: string, required: Problem["key"] = "people.name_required"): Problem | null {
  if (name.trim() === "") return { key: required };
  const count = [...name].length;
  if (count > NAME_MAX) return { key: "people.too_long", params: { max: NAME_MAX, count } };
  return null;
}

/** The project's name: the hub's rule for names (1 to 200 characters, not blank). */
export function projectNameProblem(name: string): Problem | null {
  return nameProblem(name, "project.name_required");
}

export function passwordProblem(password: string): Problem | null {
  const count = [...password].length;
  if (count === 0) return { key: "people.password_required" };
  if (count < PASSWORD_MIN) return { key: "people.password_short", params: { min: PASSWORD_MIN, count } };
  if (count > PASSWORD_MAX) return { key: "people.too_long", params: { max: PASSWORD_MAX, count } };
  return null;
}

/** A slot maximum as typed: a whole number from 1 to 50. */
export function slotProblem(text: string): Problem | null {
  const trimmed = text.trim();
  if (trimmed === "") return { key: "field.required" };
  if (!/^\d+$/.test(trimmed)) return { key: "field.whole" };
  const n = Number(trimmed);
  if (n < SLOT_MIN || n > SLOT_MAX) return { key: "field.range", params: { min: SLOT_MIN, max: SLOT_MAX } };
  return null;
}

/** "/hello": a slash, then at least one sign, no space; empty is "no shortcut". */
export function shortcutProblem(text: string): Problem | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (!trimmed.startsWith("/") || [...trimmed].length < 2 || /\s/.test(trimmed)) return { key: "canned.shortcut_invalid" };
  return null;
}

export function bodyProblem(text: string): Problem | null {
  if (text.trim() === "") return { key: "canned.body_required" };
  const count = [...text].length;
  if (count > BODY_MAX) return { key: "people.too_long", params: { max: BODY_MAX, count } };
  return null;
}

/** An agent's channels: at least one (the hub's rule). */
export function channelsProblem(channels: readonly Channel[]): Problem | null {
  return channels.length === 0 ? { key: "agents.channels_required" } : null;
}

/** `channels` with `channel` ticked or not, in the console's order, each once. */
export function withChannel(channels: readonly Channel[], channel: Channel, on: boolean): Channel[] {
  return CHANNELS.filter((c) => (c === channel ? on : channels.includes(c)));
}

/** Whether two lists hold the same channels, whatever their order. */
export function sameChannels(a: readonly Channel[], b: readonly Channel[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

/** A new group's name, or a rename: the hub's rule, and not another group's name. */
export function groupNameProblem(name: string, others: readonly string[]): Problem | null {
  const own = nameProblem(name, "groups.name_required");
  if (own) return own;
  if (others.some((o) => o === name.trim())) return { key: "groups.name_taken" };
  return null;
}

/** Agents sorted as the table shows them: active first, then by name in the person's locale. */
export function sortAgents(agents: readonly Agent[], locale: string): Agent[] {
  const collator = new Intl.Collator(locale, { sensitivity: "base" });
  return [...agents].sort((a, b) => Number(b.active) - Number(a.active) || collator.compare(a.name, b.name) || a.id - b.id);
}

/** What the person typed matches a canned response: theme, title, shortcut or body, case and accents aside. */
export function cannedMatches(canned: CannedResponse, filter: string): boolean {
  const fold = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  const wanted = fold(filter.trim());
  if (wanted === "") return true;
  return [canned.theme, canned.title, canned.shortcut ?? "", canned.body].some((text) => fold(text).includes(wanted));
}

export interface Theme {
  theme: string;
  items: CannedResponse[];
}

/** The canned responses by theme (themes and titles in the person's alphabetical order). */
export function byTheme(list: readonly CannedResponse[], locale: string): Theme[] {
  const collator = new Intl.Collator(locale, { sensitivity: "base" });
  const themes = new Map<string, CannedResponse[]>();
  for (const canned of list) {
    const key = canned.theme.trim();
    themes.set(key, [...(themes.get(key) ?? []), canned]);
  }
  return [...themes.entries()]
    .sort(([a], [b]) => collator.compare(a, b))
    .map(([theme, items]) => ({ theme, items: items.sort((a, b) => collator.compare(a.title, b.title) || a.id - b.id) }));
}
