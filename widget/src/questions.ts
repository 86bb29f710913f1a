/**
 * The project's own survey (SPEC A5, R9, W4): its questions as the hub sends them, checked
 * before use, each in the visitor's language, and the answers as the hub reads them (a boolean
 * for yes/no, a number for a rating, text, the indexes of the chosen choices). Pure: no DOM.
 */
import type { Answer, AnswerValue, QuestionnaireQuestion } from "./protocol";

export type Texts = { [language: string]: string };
/** What the visitor gave so far, by question id (nothing: not answered). */
export type Values = { [id: string]: AnswerValue | undefined };

/** As the hub picks (`in_language`): the language's first two letters, else English, else any. */
export function pickText(texts: Texts, language: string): string {
  const lang = language.trim().slice(0, 2).toLowerCase();
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(texts, k) ? texts[k] : undefined);
  return own(lang) ?? own("en") ?? Object.values(texts)[0] ?? "";
}

function isTexts(x: unknown): x is Texts {
  return !!x && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length > 0 && Object.values(x).every((v) => typeof v === "string");
}

const isFlag = (x: unknown) => x === undefined || typeof x === "boolean";

/** One question, or null when it is not one (an unknown kind, a wrong type, a rating scale
 * out of 3–10, an id the hub would not give). */
export function readQuestion(x: unknown): QuestionnaireQuestion | null {
  if (!x || typeof x !== "object") return null;
  const q = x as Record<string, unknown>;
  const a = q.answer as Record<string, unknown> | null | undefined;
  if (typeof q.id !== "string" || !/^[a-z][a-z0-9_-]{0,39}$/.test(q.id) || !isTexts(q.text) || !isFlag(q.required)) return null;
  if (!a || typeof a !== "object") return null;
  let answer: Answer;
  if (a.kind === "text" || a.kind === "yes_no") answer = { kind: a.kind };
  else if (a.kind === "rating" && Number.isInteger(a.max) && (a.max as number) >= 3 && (a.max as number) <= 10) {
    answer = { kind: "rating", max: a.max as number };
  } else if (a.kind === "choice" && Array.isArray(a.choices) && a.choices.length && a.choices.every(isTexts) && isFlag(a.multiple)) {
    answer = { kind: "choice", choices: a.choices, multiple: a.multiple === true };
  } else return null;
  return { id: q.id, text: q.text, answer, required: q.required === true };
}

/** Every question of the list, or null when it is not a list of questions (one bad: null). */
export function readQuestions(x: unknown): QuestionnaireQuestion[] | null {
  if (!Array.isArray(x)) return null;
  const qs = x.map(readQuestion);
  return qs.every((q): q is QuestionnaireQuestion => q !== null) ? qs : null;
}

function blank(v: AnswerValue | undefined): boolean {
  return v === undefined || (typeof v === "string" && !v.trim()) || (Array.isArray(v) && !v.length);
}

/** The answers to send (blank ones left out, text trimmed), and the required questions left
 * blank, in order. */
export function collect(questions: QuestionnaireQuestion[], values: Values): { answers: { [id: string]: AnswerValue }; missing: string[] } {
  const answers: { [id: string]: AnswerValue } = {};
  const missing: string[] = [];
  for (const q of questions) {
    const v = values[q.id];
    if (blank(v)) {
      if (q.required) missing.push(q.id);
    } else answers[q.id] = typeof v === "string" ? v.trim() : v!;
  }
  return { answers, missing };
}
