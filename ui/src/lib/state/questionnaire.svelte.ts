/**
 * The closing questionnaire being filled in a dialog (A5, R9): the values by question, the
 * problems shown under the questions, and the refusals said in sentences.
 */
import type { AgentQuestionnaire, AnswerValue, QuestionnaireQuestion } from "../protocol";
import type { DeskError } from "../backend";
import { errorText } from "../errors";
import { t } from "../i18n/i18n";
import { collect, type Answers, type Problem, type Values } from "../questions";

export class QuestionnaireFill {
  values = $state<Values>({});
  problems = $state<Record<string, Problem>>({});

  constructor(values: Values = {}) {
    this.values = values;
  }

  /** A value changed: a problem shown under its question goes once it is solved. */
  set(questions: readonly QuestionnaireQuestion[], id: string, value: AnswerValue | undefined): void {
    this.values[id] = value;
    if (!(id in this.problems)) return;
    const question = questions.find((q) => q.id === id);
    const still = question ? collect([question], this.values).problems[0] : undefined;
    if (still) this.problems[id] = still.problem;
    else delete this.problems[id];
  }

  /** The answers to send, or the first question with a problem (each shown under its question). */
  check(questions: readonly QuestionnaireQuestion[]): { answers: Answers; first: null } | { answers: null; first: string } {
    const { answers, problems } = collect(questions, this.values);
    this.problems = Object.fromEntries(problems.map((p) => [p.id, p.problem]));
    return problems.length > 0 ? { answers: null, first: problems[0].id } : { answers, first: null };
  }

  /** Whether the form was left blank (nothing answered, nothing too long either). */
  blank(questions: readonly QuestionnaireQuestion[]): boolean {
    const { answers, problems } = collect(questions, this.values);
    return QuestionnaireFill.empty(answers) && problems.every((p) => p.problem === "missing");
  }

  /** Whether nothing was answered. */
  static empty(answers: Answers): boolean {
    return Object.keys(answers).length === 0;
  }
}

/**
 * A refusal of the hub in a sentence that says what to do, knowing which step it refused: the
 * answers (`answer_questionnaire`: the questionnaire was removed, or an answer did not suit it)
 * or the close (`unanswered`: the conversation has no answers that the desk knows of, so a
 * refused close is the hub asking for them).
 */
export function questionnaireError(error: DeskError, step: "answer" | "close", questionnaire: AgentQuestionnaire | null, unanswered = false): string {
  if (step === "answer" && error.code === "invalid_state") return t("questionnaire.error_gone");
  if (step === "answer" && error.code === "invalid_input") return t("questionnaire.error_invalid");
  if (step === "close" && error.code === "invalid_state" && questionnaire !== null && unanswered) return t("questionnaire.error_required");
  return errorText(error);
}

/** What the questionnaire asks of the agent, said above it: required before closing, or
 * optional (its required questions then required only when answering). */
export function questionnaireHint(questionnaire: AgentQuestionnaire): string {
  if (!questionnaire.closable_without_answer) return t("questionnaire.required_hint");
  return questionnaire.questionnaire.questions.some((q) => q.required) ? t("questionnaire.optional_hint_required") : t("questionnaire.optional_hint");
}
