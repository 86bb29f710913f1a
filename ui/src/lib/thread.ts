/** What a thread shows under each filter chip (D13), and the text of thread events. */
import type { AnswerLine, Message, ThreadEvent } from "./protocol";
import { dateTime } from "./format";
import { joinParts, numberFormat, tParts, type PhrasePart } from "./i18n/i18n";
import { oneLine } from "./text";

export type ThreadFilter = "all" | "visitor" | "agent" | "actions" | "navigation";
export const FILTERS: ThreadFilter[] = ["all", "visitor", "agent", "actions", "navigation"];

export function inFilter(message: Message, filter: ThreadFilter): boolean {
  const { author, body } = message;
  switch (filter) {
    case "all":
      return true;
    case "visitor":
      // The survey's answer is the visitor's words too (its comment, its answers).
      return (
        (author.kind === "visitor" && (body.kind === "text" || body.kind === "file")) ||
        (body.kind === "event" && body.event.kind === "survey_answered")
      );
    case "agent":
      // The agent's answers to the closing questionnaire are the agent's words too; a manager's
      // whisper (M3) is an agent's words, never the visitor's.
      return (
        (author.kind === "agent" && body.kind !== "event" && body.kind !== "sentence") ||
        body.kind === "comment" ||
        (body.kind === "event" && body.event.kind === "agent_answered")
      );
    case "actions":
      return (
        (body.kind === "event" && body.event.kind !== "navigated") ||
        body.kind === "sentence" ||
        body.kind === "offer" ||
        body.kind === "file"
      );
    case "navigation":
      return body.kind === "event" && body.event.kind === "navigated";
  }
}

/** "Alice paused this conversation until Sat 15 Mar, 09:00": names, types and comments are
 * params, isolated where shown (`Phrase.svelte`) and on one line (`tParts`). */
export function eventParts(event: ThreadEvent): PhrasePart[] {
  switch (event.kind) {
    case "assigned":
      return tParts("event.assigned", { agent: event.agent });
    case "snoozed":
      return tParts(event.keep ? "event.snoozed_keep" : "event.snoozed", { agent: event.agent, date: dateTime(event.until) });
    case "woke":
      return tParts("event.woke", {});
    case "transferred":
      return event.from === null
        ? tParts("event.transferred_auto", { to: event.to })
        : tParts("event.transferred", { from: event.from, to: event.to });
    case "closed":
      if (event.by === null) return tParts("event.closed_auto", {});
      return event.conversation_type === null
        ? tParts("event.closed", { by: event.by })
        : tParts("event.closed_type", { by: event.by, type: event.conversation_type });
    case "reopened":
      return tParts("event.reopened", {});
    case "navigated":
      return [{ text: oneLine(event.title ?? event.url), param: true }];
    case "email_left":
      return tParts("event.email_left", {});
    case "file_requested":
      return tParts("event.file_requested", { agent: event.agent });
    case "survey_sent":
      return tParts("event.survey_sent", { agent: event.agent });
    case "agent_answered":
      return tParts("event.agent_answered", { agent: event.agent });
    case "marked_important":
      return tParts(event.important ? "event.marked_important" : "event.unmarked_important", { agent: event.agent });
    case "manager_joined":
      return tParts(event.joined ? "event.manager_joined" : "event.manager_left", { agent: event.agent });
    case "survey_answered": {
      // On one line (the score and the comment); the thread shows the whole answer with
      // `surveyAnswer`. A questionnaire without a rating has no score: no "0/5".
      const comment = surveyComment(event);
      if (event.score === null)
        return comment === null ? tParts("event.survey_answered", {}) : tParts("event.survey_answered_comment", { comment });
      const score = scoreText(event.score);
      return comment === null ? tParts("event.survey", { score }) : tParts("event.survey_comment", { score, comment });
    }
  }
}

type SurveyAnswered = Extract<ThreadEvent, { kind: "survey_answered" }>;

function scoreText(score: number): string {
  return numberFormat({ maximumFractionDigits: 1 }).format(score);
}

/** The visitor's comment, or `null` when there is nothing visible in it. */
function surveyComment(event: SurveyAnswered): string | null {
  return event.comment !== null && oneLine(event.comment) !== "" ? event.comment : null;
}

/**
 * The visitor's answer to the survey as the thread shows it (R9, A5): the score line
 * ("Satisfaction: 4/5", or "The visitor answered the survey" without a score), the comment,
 * quoted, and the questionnaire's answers. All of it is the visitor's or the admin's text: on
 * one line, each param isolated where shown (`Phrase.svelte`).
 */
export function surveyAnswer(event: SurveyAnswered): {
  headline: PhrasePart[];
  comment: PhrasePart[] | null;
  answers: { question: string; answer: string }[];
} {
  const comment = surveyComment(event);
  return {
    headline: event.score === null ? tParts("event.survey_answered", {}) : tParts("event.survey", { score: scoreText(event.score) }),
    comment: comment === null ? null : tParts("survey.comment", { comment }),
    answers: answerLines(event.answers ?? []),
  };
}

/** Questions and answers as the thread shows them: on one line each, the empty ones left out. */
function answerLines(lines: readonly AnswerLine[]): { question: string; answer: string }[] {
  return lines
    .map((line) => ({ question: oneLine(line.question), answer: oneLine(line.answer) }))
    .filter((line) => line.question !== "" || line.answer !== "");
}

/**
 * The agent's answers to the closing questionnaire as the thread shows them (A5, R9; agents
 * only): "Alice answered the closing questionnaire", then each question and its answer, like the
 * visitor's survey answers.
 */
export function questionnaireAnswer(event: Extract<ThreadEvent, { kind: "agent_answered" }>): {
  headline: PhrasePart[];
  answers: { question: string; answer: string }[];
} {
  return { headline: eventParts(event), answers: answerLines(event.answers ?? []) };
}

/** A5: where the survey stands in a conversation: not sent yet, sent, or answered. */
export type SurveyStatus = "open" | "sent" | "answered";

export function surveyStatus(messages: readonly Message[]): SurveyStatus {
  let status: SurveyStatus = "open";
  for (const { body } of messages) {
    if (body.kind !== "event") continue;
    if (body.event.kind === "survey_answered") return "answered";
    if (body.event.kind === "survey_sent") status = "sent";
  }
  return status;
}

/** The text of `eventParts`. */
export function eventText(event: ThreadEvent): string {
  return joinParts(eventParts(event));
}
