/**
 * The questionnaires (A5): the one an agent fills in at close (with the seed's four options)
 * and the survey sent to the visitor (the built-in satisfaction survey, or one of the list),
 * with whether the agent may send it. The settings' shape (`questionnaires`) and the hub's
 * rules (crates/server/src/questionnaires.rs), mirrored. Pure.
 */
import type { Problem } from "./fields";
import { codePoint, forbiddenCharacter } from "./lists";

export const MOST_QUESTIONNAIRES = 20;
export const MOST_QUESTIONS = 30;
export const MOST_CHOICES = 20;
export const MOST_TEXT_CHARS = 300;
export const MOST_ID_CHARS = 40;
export const MOST_NAME_CHARS = 100;
export const RATING_MIN = 3;
export const RATING_MAX = 10;

export type Texts = Record<string, string>;

export type Answer =
  | { kind: "text" }
  | { kind: "yes_no" }
  | { kind: "rating"; max: number }
  | { kind: "choice"; choices: Texts[]; multiple: boolean };

export type AnswerKind = Answer["kind"];
export const ANSWER_KINDS: readonly AnswerKind[] = ["text", "yes_no", "rating", "choice"];

export interface Question {
  id: string;
  text: Texts;
  answer: Answer;
  required: boolean;
}

export interface Questionnaire {
  id: string;
  name: string;
  questions: Question[];
}

export interface Questionnaires {
  list: Questionnaire[];
  agent: { questionnaire: string | null; complete_button: boolean; cancel_button: boolean; closable_without_answer: boolean };
  visitor: { questionnaire: string | null; agent_may_send: boolean };
}

/** The `questionnaires` of the settings, with the hub's defaults for what is missing. */
export function questionnairesOf(value: unknown): Questionnaires {
  const q = (value && typeof value === "object" ? value : {}) as Partial<Questionnaires>;
  return {
    // A JSON copy: the settings may be a Svelte state proxy, which structuredClone refuses.
    list: Array.isArray(q.list) ? (JSON.parse(JSON.stringify(q.list)) as Questionnaire[]) : [],
    agent: { questionnaire: null, complete_button: true, cancel_button: true, closable_without_answer: true, ...(q.agent ?? {}) },
    visitor: { questionnaire: null, agent_may_send: true, ...(q.visitor ?? {}) },
  };
}

/** An id as the hub takes it: 1 to 40 lowercase letters, digits, - or _, a letter first. */
export function idProblem(id: string, taken: readonly string[]): Problem | null {
  if (id === "") return { key: "q.id_required" };
  if (!/^[a-z][a-z0-9_-]*$/.test(id) || id.length > MOST_ID_CHARS) return { key: "q.id_invalid", params: { max: MOST_ID_CHARS } };
  if (taken.includes(id)) return { key: "q.id_taken" };
  return null;
}

/** An id made from a name: "After sales" → "after-sales", unique among `taken`. */
export function slug(name: string, taken: readonly string[], fallback = "questionnaire"): string {
  let base = name
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MOST_ID_CHARS - 3)
    .replace(/-+$/, "");
  if (!/^[a-z]/.test(base)) base = base === "" ? fallback : `${fallback}-${base}`.slice(0, MOST_ID_CHARS - 3);
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

export function nameProblem(name: string): Problem | null {
  const trimmed = name.trim();
  if (trimmed === "") return { key: "q.name_required" };
  const count = [...trimmed].length;
  if (count > MOST_NAME_CHARS) return { key: "list.too_long", params: { max: MOST_NAME_CHARS, count } };
  const bad = forbiddenCharacter(trimmed);
  if (bad !== null) return { key: "list.control", params: { code: codePoint(bad) } };
  return null;
}

/** One language's text: empty allowed (another language may have it), else one line of ≤ 300. */
export function textProblem(text: string): Problem | null {
  const count = [...text].length;
  if (count > MOST_TEXT_CHARS) return { key: "list.too_long", params: { max: MOST_TEXT_CHARS, count } };
  const bad = forbiddenCharacter(text);
  if (bad !== null) return { key: "list.control", params: { code: codePoint(bad) } };
  return null;
}

export function ratingProblem(text: string): Problem | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { key: "field.whole" };
  const n = Number(trimmed);
  if (n < RATING_MIN || n > RATING_MAX) return { key: "field.range", params: { min: RATING_MIN, max: RATING_MAX } };
  return null;
}

/** A text in `language`, else English, else any. */
export function textIn(texts: Texts, language: string): string {
  return [texts[language], texts.en, ...Object.values(texts)].find((t) => t !== undefined && t.trim() !== "") ?? "";
}
