/** What a thread shows under each filter chip (D13), and the text of thread events. */
import type { Message, ThreadEvent } from "./protocol";
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
      return author.kind === "visitor" && (body.kind === "text" || body.kind === "file");
    case "agent":
      return (author.kind === "agent" && body.kind !== "event" && body.kind !== "sentence") || body.kind === "comment";
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
    case "survey_answered": {
      const score = numberFormat({ maximumFractionDigits: 1 }).format(event.score);
      return event.comment === null || event.comment.trim() === ""
        ? tParts("event.survey", { score })
        : tParts("event.survey_comment", { score, comment: event.comment });
    }
  }
}

/** The text of `eventParts`. */
export function eventText(event: ThreadEvent): string {
  return joinParts(eventParts(event));
}
