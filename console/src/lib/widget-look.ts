/**
 * The widget's look (A8): the settings' `widget` object — colour, font, e-mail capture,
 * satisfaction survey, waiting questionnaire (questions in English and French), how long it
 * stays on screen, the largest file and the file types. The hub's rules mirrored
 * (crates/server/src/settings_rules.rs): `#rgb`/`#rrggbb`, a font list of names (letters,
 * digits, spaces, `-`, `_`, `,`, quotes; at most 200 bytes), at most 20 questions of at most
 * 300 characters on one line, 0–3600 seconds, 1 byte–100 MiB, at most 50 MIME types. Pure.
 */
import type * as Hub from "./hub";
import type { Problem } from "./fields";
import { codePoint, forbiddenCharacter } from "./lists";

export const MOST_QUESTIONS = 20;
export const MOST_QUESTION_CHARS = 300;
export const MOST_QUESTIONNAIRE_SECONDS = 3600;
export const MOST_FILE_BYTES = 100 * 1024 * 1024;
export const MOST_FILE_TYPES = 50;
export const MIB = 1024 * 1024;

/** The file types offered as checkboxes, with their labels' keys. */
export const COMMON_TYPES = [
  { type: "image/png", key: "widget.type_png" },
  { type: "image/jpeg", key: "widget.type_jpeg" },
  { type: "image/gif", key: "widget.type_gif" },
  { type: "image/webp", key: "widget.type_webp" },
  { type: "application/pdf", key: "widget.type_pdf" },
  { type: "text/plain", key: "widget.type_text" },
] as const;

/** Safe font stacks offered first (free entry otherwise). */
export const FONT_STACKS = [
  { key: "widget.font_system", value: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
  { key: "widget.font_rounded", value: '"Segoe UI", "Helvetica Neue", Helvetica, Arial, sans-serif' },
  { key: "widget.font_serif", value: 'Georgia, "Times New Roman", serif' },
  { key: "widget.font_mono", value: 'ui-monospace, Menlo, Consolas, monospace' },
] as const;

/** A question as stored: one text for every language, or one per language. */
export type Question = Hub.Question;

/** The settings' `widget` object, with the fields a newer hub may add (sent back untouched). */
export type WidgetSettings = Hub.WidgetSettings & { [other: string]: unknown };

export function isHexColour(text: string): boolean {
  return /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(text);
}

/** `#abc` → `#aabbcc` (for `<input type=color>`, which only takes the long form), lower case. */
export function longHex(text: string): string {
  const hex = text.trim().toLowerCase();
  if (/^#[0-9a-f]{3}$/.test(hex)) return `#${[...hex.slice(1)].map((c) => c + c).join("")}`;
  return /^#[0-9a-f]{6}$/.test(hex) ? hex : "#000000";
}

export function colorProblem(text: string): Problem | null {
  return isHexColour(text.trim()) ? null : { key: "widget.color_invalid" };
}

export function isFontList(text: string): boolean {
  return text.trim() !== "" && new TextEncoder().encode(text).length <= 200 && /^[\p{L}\p{N} \-_,'"]+$/u.test(text);
}

export function fontProblem(text: string): Problem | null {
  return isFontList(text) ? null : { key: "widget.font_invalid" };
}

/** One language's text of a question: empty is allowed (the other language is then shown). */
export function questionTextProblem(text: string): Problem | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const count = [...trimmed].length;
  if (count > MOST_QUESTION_CHARS) return { key: "people.too_long", params: { max: MOST_QUESTION_CHARS, count } };
  const bad = forbiddenCharacter(trimmed);
  if (bad !== null) return { key: "list.control", params: { code: codePoint(bad) } };
  return null;
}

export function secondsProblem(text: string): Problem | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { key: "field.whole" };
  const n = Number(t);
  return n > MOST_QUESTIONNAIRE_SECONDS ? { key: "field.range", params: { min: 0, max: MOST_QUESTIONNAIRE_SECONDS } } : null;
}

/** "10", "2,5", "0.5" (MB, as 1024² bytes) → bytes, or null. */
export function megabytesToBytes(text: string): number | null {
  const t = text.trim().replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const bytes = Math.round(Number(t) * MIB);
  return bytes >= 1 && bytes <= MOST_FILE_BYTES ? bytes : null;
}

/** Bytes → MB for the input: at most two decimals, the person's decimal sign. */
export function bytesToMegabytes(bytes: number, decimal = "."): string {
  const mb = Math.round((bytes / MIB) * 100) / 100;
  return String(mb).replace(".", decimal);
}

export function isMimeType(text: string): boolean {
  const ok = (part: string) => part.length > 0 && part.length <= 60 && /^[A-Za-z0-9+.-]+$/.test(part);
  const at = text.indexOf("/");
  return at > 0 && ok(text.slice(0, at)) && ok(text.slice(at + 1));
}

/** Types typed in the "other types" input: split on commas and spaces, once each. */
export function parseTypes(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[,\s]+/)) {
    const type = raw.trim();
    if (type !== "" && !out.includes(type)) out.push(type);
  }
  return out;
}

export function typesProblem(types: readonly string[]): Problem | null {
  if (types.length > MOST_FILE_TYPES) return { key: "widget.too_many_types", params: { max: MOST_FILE_TYPES } };
  const bad = types.find((x) => !isMimeType(x));
  return bad === undefined ? null : { key: "widget.type_invalid", params: { type: bad } };
}

/** A question's text in `lang`, as the hub picks it (that language, else English, else any). */
export function questionText(q: Question, lang: string): string {
  if (typeof q === "string") return q;
  return q[lang] ?? q.en ?? Object.values(q)[0] ?? "";
}

/** The widget object of the settings, with defaults for anything missing or odd. */
export function widgetOf(raw: unknown): WidgetSettings {
  const w = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  return {
    ...w,
    color: typeof w.color === "string" ? w.color : "#4f46e5",
    font: typeof w.font === "string" ? w.font : FONT_STACKS[0].value,
    email_capture: w.email_capture === true,
    survey: w.survey === true,
    questionnaire: Array.isArray(w.questionnaire) ? (w.questionnaire as Question[]) : [],
    questionnaire_seconds: typeof w.questionnaire_seconds === "number" ? w.questionnaire_seconds : 120,
    max_file_bytes: typeof w.max_file_bytes === "number" ? w.max_file_bytes : 10 * MIB,
    file_types: Array.isArray(w.file_types) ? (w.file_types as string[]).filter((x) => typeof x === "string") : [],
  };
}
