/**
 * The agent's closing questionnaire (SPEC A5, R9): its questions in the desk's language, the
 * answers as the hub reads them (a boolean for yes/no, a number for a rating, text, the indexes
 * of the chosen choices), checked as the hub checks them, and read back from the thread's
 * `agent_answered` lines to edit them. Pure: no DOM.
 *
 * `pickText`, `blank` and the shape of `collect` are the widget's (widget/src/questions.ts, the
 * visitor's survey): the two apps share no source, so they are copied here; keep them alike.
 */
import type {
  AgentProfile,
  AgentQuestionnaire,
  AnswerLine,
  AnswerValue,
  Message,
  Questionnaire,
  QuestionnaireQuestion,
} from "./protocol";

export type Texts = { [language: string]: string };
/** What the agent gave so far, by question id (nothing: not answered). */
export type Values = { [id: string]: AnswerValue | undefined };
/** The answers sent, by question id (`answer_questionnaire`'s `answers`). */
export type Answers = Record<string, AnswerValue>;

/** The most characters of a text answer (the hub's `MOST_ANSWER_CHARS`). */
export const MOST_ANSWER_CHARS = 2000;

/** As the hub picks (`in_language`): the language's first two letters, else English, else any. */
export function pickText(texts: Texts, language: string): string {
  const lang = language.trim().slice(0, 2).toLowerCase();
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(texts, k) ? texts[k] : undefined);
  return own(lang) ?? own("en") ?? Object.values(texts)[0] ?? "";
}

/** The profile's questionnaire, if the admin set one (a profile from before it: none). */
export function agentQuestionnaire(profile: Pick<AgentProfile, "agent_questionnaire"> | null | undefined): AgentQuestionnaire | null {
  const q = profile?.agent_questionnaire;
  return q && Array.isArray(q.questionnaire?.questions) ? q : null;
}

/** Whether the thread has the agent's answers (`agent_answered`). */
export function questionnaireAnswered(messages: readonly Message[]): boolean {
  return messages.some((m) => m.body.kind === "event" && m.body.event.kind === "agent_answered");
}

/** The latest answers of the thread, as lines, or `null` when none. */
export function latestAnswers(messages: readonly Message[]): AnswerLine[] | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const { body } = messages[i];
    if (body.kind === "event" && body.event.kind === "agent_answered") return body.event.answers;
  }
  return null;
}

/** Bidi and zero-width controls (the hub refuses them in a text answer). */
const FORMAT_CONTROLS = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/gu;

/** A text answer as the hub takes it: line breaks kept (`\n`), the hub's refused characters
 * (other controls, bidi and zero-width ones) dropped or made spaces, trimmed. */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(FORMAT_CONTROLS, "")
    .replace(/[^\P{Cc}\n]/gu, " ")
    .trim();
}

function blank(v: AnswerValue | undefined): boolean {
  return v === undefined || (typeof v === "string" && !cleanText(v)) || (Array.isArray(v) && !v.length);
}

/** A problem with one question's answer, for its inline message. */
export type Problem = "missing" | "too_long";

/** The answers to send (blank ones left out, text cleaned), and the questions with a problem
 * (required and blank, text too long), in order. */
export function collect(questions: readonly QuestionnaireQuestion[], values: Values): { answers: Answers; problems: { id: string; problem: Problem }[] } {
  const answers: Answers = {};
  const problems: { id: string; problem: Problem }[] = [];
  for (const q of questions) {
    const v = values[q.id];
    if (blank(v)) {
      if (q.required) problems.push({ id: q.id, problem: "missing" });
      continue;
    }
    if (typeof v === "string") {
      const text = cleanText(v);
      if ([...text].length > MOST_ANSWER_CHARS) problems.push({ id: q.id, problem: "too_long" });
      else answers[q.id] = text;
    } else answers[q.id] = Array.isArray(v) ? [...v] : v!;
  }
  return { answers, problems };
}

/**
 * The answers checked as the hub checks them (crates/server/src/questionnaires.rs,
 * `read_answers`, for an agent: no language, so the lines are in English, else any): known
 * question ids, each answer of its question's kind (a score from 1 to the max, existing choice
 * indexes, one unless `multiple`, text of at most 2,000 characters without controls), every
 * required question answered. Gives the lines the thread shows, or the refusal naming the
 * question (`answers.<id>: why`).
 */
export function readAnswers(questionnaire: Questionnaire, answers: Answers): { lines: AnswerLine[] } | { error: string } {
  const unknown = Object.keys(answers).find((id) => !questionnaire.questions.some((q) => q.id === id));
  if (unknown !== undefined) return { error: `answers.${unknown}: no such question` };
  const lines: AnswerLine[] = [];
  for (const q of questionnaire.questions) {
    const at = `answers.${q.id}`;
    const has = Object.prototype.hasOwnProperty.call(answers, q.id);
    const value = has ? answers[q.id] : undefined;
    const empty = value === undefined || (typeof value === "string" && value.trim() === "") || (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (q.required) return { error: `${at}: this question must be answered` };
      continue;
    }
    const a = q.answer;
    let answer: string;
    if (a.kind === "text" && typeof value === "string") {
      const text = value.trim();
      if ([...text].length > MOST_ANSWER_CHARS || /[^\P{Cc}\n]/u.test(text) || /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/u.test(text))
        return { error: `${at}: text of at most ${MOST_ANSWER_CHARS} characters` };
      answer = text;
    } else if (a.kind === "yes_no" && typeof value === "boolean") {
      answer = value ? "Yes" : "No";
    } else if (a.kind === "rating" && typeof value === "number") {
      if (!Number.isInteger(value) || value < 1 || value > a.max) return { error: `${at}: a score from 1 to ${a.max}` };
      answer = `${value}/${a.max}`;
    } else if (a.kind === "choice" && Array.isArray(value)) {
      if (value.length > 1 && !a.multiple) return { error: `${at}: one choice` };
      const seen = new Set<number>();
      const texts: string[] = [];
      for (const i of value) {
        if (!Number.isInteger(i) || i < 0 || i >= a.choices.length) return { error: `${at}: no choice ${i}` };
        if (!seen.has(i)) {
          seen.add(i);
          texts.push(pickText(a.choices[i], "en"));
        }
      }
      answer = texts.join(", ");
    } else return { error: `${at}: not the kind of answer this question wants` };
    lines.push({ question: pickText(q.text, "en"), answer });
  }
  return { lines };
}

/**
 * The values of the thread's latest answers, to edit them: each line matched to its question by
 * its text (in the desk's language, English or any, as the hub may have written it), and its
 * answer read back by kind. What cannot be read back is left blank.
 */
export function valuesFromLines(questions: readonly QuestionnaireQuestion[], lines: readonly AnswerLine[], language: string): Values {
  const values: Values = {};
  const texts = (t: Texts) => new Set([pickText(t, language), pickText(t, "en"), ...Object.values(t)]);
  for (const q of questions) {
    const names = texts(q.text);
    const line = lines.find((l) => names.has(l.question));
    if (!line) continue;
    const a = q.answer;
    const answer = line.answer;
    if (a.kind === "text") values[q.id] = answer;
    else if (a.kind === "yes_no") {
      if (/^(yes|oui)$/i.test(answer)) values[q.id] = true;
      else if (/^(no|non)$/i.test(answer)) values[q.id] = false;
    } else if (a.kind === "rating") {
      const m = /^(\d+)\s*\/\s*(\d+)$/.exec(answer) ?? /^(\d+)$/.exec(answer);
      const n = m ? Number(m[1]) : NaN;
      if (Number.isInteger(n) && n >= 1 && n <= a.max) values[q.id] = n;
    } else {
      const picked = choicesOf(a.choices.map(texts), answer);
      if (picked && (a.multiple || picked.length === 1)) values[q.id] = picked;
    }
  }
  return values;
}

/** The choices' indexes whose texts, joined by ", ", make `answer` (in the order given); `null`
 * when they do not. */
function choicesOf(choices: Set<string>[], answer: string): number[] | null {
  if (answer === "") return null;
  // Each choice's texts that start the rest, the longest first, then ", " or the end.
  const walk = (rest: string, picked: number[]): number[] | null => {
    if (rest === "") return picked;
    const options: [number, string][] = [];
    choices.forEach((names, i) => {
      if (picked.includes(i)) return;
      for (const name of names) if (name !== "" && rest.startsWith(name)) options.push([i, name]);
    });
    options.sort((a, b) => b[1].length - a[1].length);
    for (const [i, name] of options) {
      const after = rest.slice(name.length);
      if (after === "") return [...picked, i];
      if (after.startsWith(", ")) {
        const found = walk(after.slice(2), [...picked, i]);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(answer, []);
}
