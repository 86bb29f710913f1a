/**
 * The Agent questionnaire and Visitor survey pages' form (A5): the questionnaires list
 * (shared by both pages), each with its questions, answers and choices in English and French,
 * and the page's own options (which questionnaire the agent fills in at close and how; which
 * survey the visitor gets, and whether the agent may send it). Saving re-reads the settings,
 * puts `questionnaires` on them and PUTs the whole document; the hub's problems
 * (`questionnaires.list.0.questions.1.answer.choices.2.fr`) land on the inputs of the rows
 * sent at those places.
 */
import { toApiError, type Api, type ApiError } from "./api";
import type { Problem } from "./fields";
import type { Elsewhere } from "./form.svelte";
import {
  MOST_CHOICES,
  MOST_QUESTIONNAIRES,
  MOST_QUESTIONS,
  idProblem,
  nameProblem,
  questionnairesOf,
  ratingProblem,
  slug,
  textProblem,
  type Answer,
  type AnswerKind,
  type Questionnaire,
  type Questionnaires,
  type Texts,
} from "./questionnaires";
import { withPath, type ProjectSettings } from "./settings";

export interface ChoiceRow {
  readonly row: number;
  en: string;
  fr: string;
  readonly other: Texts;
}

export interface QuestionRow {
  readonly row: number;
  /** The question's id, kept as loaded; made from the text for a new one. */
  id: string;
  en: string;
  fr: string;
  readonly other: Texts;
  kind: AnswerKind;
  /** The rating's scale, as typed. */
  max: string;
  choices: ChoiceRow[];
  multiple: boolean;
  required: boolean;
}

export interface QuestionnaireRow {
  readonly row: number;
  id: string;
  /** Saved before: its id is fixed (answers keep it). */
  readonly saved: boolean;
  /** The id was typed, not made from the name. */
  idTyped: boolean;
  name: string;
  questions: QuestionRow[];
}

let next = 1;
const texts = (t: Texts) => {
  const { en = "", fr = "", ...other } = t;
  return { en, fr, other };
};
const choiceRow = (t: Texts = {}): ChoiceRow => ({ row: next++, ...texts(t) });

export function questionRow(id: string, q?: Questionnaire["questions"][number]): QuestionRow {
  const answer: Answer = q?.answer ?? { kind: "text" };
  return {
    row: next++,
    id,
    ...texts(q?.text ?? {}),
    kind: answer.kind,
    max: answer.kind === "rating" ? String(answer.max) : "5",
    choices: answer.kind === "choice" ? answer.choices.map(choiceRow) : [choiceRow(), choiceRow()],
    multiple: answer.kind === "choice" ? answer.multiple : false,
    required: q?.required ?? false,
  };
}

/** An input's id on the page. */
export const qid = {
  name: (q: number) => `q-${q}-name`,
  id: (q: number) => `q-${q}-id`,
  addQuestion: (q: number) => `q-${q}-add`,
  text: (question: number, lang: string) => `qq-${question}-${lang}`,
  kind: (question: number) => `qq-${question}-kind`,
  max: (question: number) => `qq-${question}-max`,
  addChoice: (question: number) => `qq-${question}-add-choice`,
  choice: (choice: number, lang: string) => `qc-${choice}-${lang}`,
  add: "q-add",
  agentChoice: "q-agent-questionnaire",
  visitorChoice: "q-visitor-questionnaire",
};

const joinTexts = (en: string, fr: string, other: Texts): Texts => {
  const out: Texts = { ...other };
  if (en.trim() !== "") out.en = en.trim();
  if (fr.trim() !== "") out.fr = fr.trim();
  return out;
};

export class QuestionnaireForm {
  list: QuestionnaireRow[] = $state([]);
  /** The chosen questionnaires, by row (ids may still change while new). */
  agentChoice: number | null = $state(null);
  visitorChoice: number | null = $state(null);
  completeButton = $state(true);
  cancelButton = $state(true);
  closableWithoutAnswer = $state(true);
  agentMaySend = $state(true);
  baseline = $state("");
  problems: Record<string, Problem> = $state({});
  elsewhere: Elsewhere[] = $state([]);
  failure: ApiError | null = $state(null);
  saving = $state(false);
  refusals = $state(0);

  readonly dirty = $derived(JSON.stringify(this.outgoing()) !== this.baseline);

  constructor(settings: ProjectSettings) {
    this.load(settings);
  }

  load(settings: ProjectSettings): void {
    this.#apply(questionnairesOf(settings.questionnaires));
  }

  #apply(q: Questionnaires): void {
    this.list = q.list.map((x) => ({
      row: next++,
      id: x.id,
      saved: true,
      idTyped: true,
      name: x.name,
      questions: x.questions.map((question) => questionRow(question.id, question)),
    }));
    const rowOf = (id: string | null) => (id === null ? null : (this.list.find((x) => x.id === id)?.row ?? null));
    this.agentChoice = rowOf(q.agent.questionnaire);
    this.visitorChoice = rowOf(q.visitor.questionnaire);
    this.completeButton = q.agent.complete_button;
    this.cancelButton = q.agent.cancel_button;
    this.closableWithoutAnswer = q.agent.closable_without_answer;
    this.agentMaySend = q.visitor.agent_may_send;
    this.baseline = JSON.stringify(this.outgoing());
    this.clearProblems();
  }

  clearProblems(): void {
    this.problems = {};
    this.elsewhere = [];
    this.failure = null;
  }

  discard(): void {
    this.#apply(JSON.parse(this.baseline) as Questionnaires);
  }

  outgoing(): Questionnaires {
    const idOf = (row: number | null) => (row === null ? null : (this.list.find((x) => x.row === row)?.id ?? null));
    return {
      list: this.list.map((x) => ({
        id: x.id,
        name: x.name.trim(),
        questions: x.questions.map((q) => ({
          id: q.id,
          text: joinTexts(q.en, q.fr, q.other),
          answer: this.#answer(q),
          required: q.required,
        })),
      })),
      agent: {
        questionnaire: idOf(this.agentChoice),
        complete_button: this.completeButton,
        cancel_button: this.cancelButton,
        closable_without_answer: this.closableWithoutAnswer,
      },
      visitor: { questionnaire: idOf(this.visitorChoice), agent_may_send: this.agentMaySend },
    };
  }

  #answer(q: QuestionRow): Answer {
    switch (q.kind) {
      case "rating":
        return { kind: "rating", max: Number(q.max.trim()) };
      case "choice":
        return { kind: "choice", choices: q.choices.map((c) => joinTexts(c.en, c.fr, c.other)), multiple: q.multiple };
      default:
        return { kind: q.kind };
    }
  }

  /** Adds a questionnaire with one question; answers it, or `null` when the list is full. */
  addQuestionnaire(name: string): QuestionnaireRow | null {
    if (this.list.length >= MOST_QUESTIONNAIRES) return null;
    const id = slug(name, this.list.map((x) => x.id));
    const row: QuestionnaireRow = { row: next++, id, saved: false, idTyped: false, name, questions: [] };
    row.questions.push(questionRow("question-1"));
    this.list.push(row);
    return this.list[this.list.length - 1];
  }

  /** While new and not typed, the id follows the name. */
  renamed(x: QuestionnaireRow): void {
    if (x.saved || x.idTyped) return;
    x.id = slug(x.name, this.list.filter((o) => o !== x).map((o) => o.id));
  }

  removeQuestionnaire(row: number): void {
    this.list = this.list.filter((x) => x.row !== row);
    if (this.agentChoice === row) this.agentChoice = null;
    if (this.visitorChoice === row) this.visitorChoice = null;
  }

  addQuestion(x: QuestionnaireRow): QuestionRow | null {
    if (x.questions.length >= MOST_QUESTIONS) return null;
    const taken = x.questions.map((q) => q.id);
    let n = x.questions.length + 1;
    while (taken.includes(`question-${n}`)) n++;
    x.questions.push(questionRow(`question-${n}`));
    return x.questions[x.questions.length - 1];
  }

  moveQuestion(x: QuestionnaireRow, index: number, by: -1 | 1): number | null {
    const to = index + by;
    if (to < 0 || to >= x.questions.length) return null;
    const qs = [...x.questions];
    [qs[index], qs[to]] = [qs[to], qs[index]];
    x.questions = qs;
    return to;
  }

  removeQuestion(x: QuestionnaireRow, index: number): void {
    x.questions.splice(index, 1);
  }

  addChoice(q: QuestionRow): ChoiceRow | null {
    if (q.choices.length >= MOST_CHOICES) return null;
    q.choices.push(choiceRow());
    return q.choices[q.choices.length - 1];
  }

  removeChoice(q: QuestionRow, index: number): void {
    q.choices.splice(index, 1);
  }

  validate(): Questionnaires | null {
    const found: Record<string, Problem> = {};
    const put = (id: string, p: Problem | null) => {
      if (p && !found[id]) found[id] = p;
    };
    this.list.forEach((x, i) => {
      put(qid.name(x.row), nameProblem(x.name));
      put(qid.id(x.row), idProblem(x.id, this.list.slice(0, i).map((o) => o.id)));
      if (x.questions.length === 0) put(qid.addQuestion(x.row), { key: "q.questions_none" });
      for (const q of x.questions) {
        put(qid.text(q.row, "en"), textProblem(q.en.trim()));
        put(qid.text(q.row, "fr"), textProblem(q.fr.trim()));
        if (q.en.trim() === "" && q.fr.trim() === "" && Object.values(q.other).every((t) => t.trim() === "")) {
          put(qid.text(q.row, "en"), { key: "q.text_required" });
        }
        if (q.kind === "rating") put(qid.max(q.row), ratingProblem(q.max));
        if (q.kind === "choice") {
          if (q.choices.length < 2) put(qid.addChoice(q.row), { key: "q.choices_few" });
          for (const c of q.choices) {
            put(qid.choice(c.row, "en"), textProblem(c.en.trim()));
            put(qid.choice(c.row, "fr"), textProblem(c.fr.trim()));
            if (c.en.trim() === "" && c.fr.trim() === "" && Object.values(c.other).every((t) => t.trim() === "")) {
              put(qid.choice(c.row, "en"), { key: "q.choice_required" });
            }
          }
        }
      }
    });
    this.problems = found;
    this.elsewhere = [];
    this.failure = null;
    return Object.keys(found).length === 0 ? this.outgoing() : null;
  }

  /** The input a hub path names, among the rows as sent. */
  #inputFor(path: string, sent: QuestionnaireRow[]): string | null {
    if (path === "questionnaires.agent.questionnaire") return qid.agentChoice;
    if (path === "questionnaires.visitor.questionnaire") return qid.visitorChoice;
    if (path === "questionnaires.list") return qid.add;
    const m = /^questionnaires\.list\.(\d+)(?:\.(.*))?$/.exec(path);
    const x = m ? sent[Number(m[1])] : undefined;
    if (!m || !x) return null;
    const rest = m[2] ?? "name";
    if (rest === "id") return qid.id(x.row);
    if (rest === "name") return qid.name(x.row);
    if (rest === "questions") return qid.addQuestion(x.row);
    const qm = /^questions\.(\d+)(?:\.(.*))?$/.exec(rest);
    const q = qm ? x.questions[Number(qm[1])] : undefined;
    if (!qm || !q) return qid.name(x.row);
    const tail = qm[2] ?? "";
    const lang = (s: string | undefined) => (s === "fr" ? "fr" : "en");
    if (tail.startsWith("text")) return qid.text(q.row, lang(tail.split(".")[1]));
    if (tail === "answer.max") return qid.max(q.row);
    if (tail === "answer.choices") return qid.addChoice(q.row);
    const cm = /^answer\.choices\.(\d+)(?:\.(\w+))?$/.exec(tail);
    const c = cm ? q.choices[Number(cm[1])] : undefined;
    if (cm && c) return qid.choice(c.row, lang(cm[2]));
    return qid.text(q.row, "en");
  }

  async save(api: Api, project: string): Promise<ProjectSettings | null> {
    if (this.saving) return null;
    const value = this.validate();
    if (!value) {
      this.refusals++;
      return null;
    }
    const sent = [...this.list];
    this.saving = true;
    try {
      const now = await api.settings(project);
      const saved = await api.saveSettings(project, withPath(now, "questionnaires", value));
      this.load(saved);
      return saved;
    } catch (e) {
      const error = toApiError(e);
      const problems: Record<string, Problem> = {};
      const elsewhere: Elsewhere[] = [];
      for (const [path, message] of Object.entries(error.fields)) {
        const input = this.#inputFor(path, sent);
        if (input && !problems[input]) problems[input] = { key: "field.hub", detail: message };
        else if (!input) elsewhere.push({ path, message });
      }
      this.problems = problems;
      this.elsewhere = elsewhere;
      this.failure = error;
      this.refusals++;
      return null;
    } finally {
      this.saving = false;
    }
  }
}
