/** What a thread shows under each filter chip (D13), and the text of thread events. */
import type { Message, ThreadEvent } from "./protocol";
import { dateTime } from "./format";
import { numberFormat, t } from "./i18n/i18n";

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

/** "Alice paused this conversation until Sat 15 Mar, 09:00". */
export function eventText(event: ThreadEvent): string {
  switch (event.kind) {
    case "assigned":
      return t("event.assigned", { agent: event.agent });
    case "snoozed":
      return t(event.keep ? "event.snoozed_keep" : "event.snoozed", { agent: event.agent, date: dateTime(event.until) });
    case "woke":
      return t("event.woke");
    case "transferred":
      return event.from === null
        ? t("event.transferred_auto", { to: event.to })
        : t("event.transferred", { from: event.from, to: event.to });
    case "closed":
      if (event.by === null) return t("event.closed_auto");
      return event.conversation_type === null
        ? t("event.closed", { by: event.by })
        : t("event.closed_type", { by: event.by, type: event.conversation_type });
    case "reopened":
      return t("event.reopened");
    case "navigated":
      return event.title ?? event.url;
    case "email_left":
      return t("event.email_left");
    case "file_requested":
      return t("event.file_requested", { agent: event.agent });
    case "survey_answered": {
      const score = numberFormat({ maximumFractionDigits: 1 }).format(event.score);
      return event.comment === null || event.comment.trim() === ""
        ? t("event.survey", { score })
        : t("event.survey_comment", { score, comment: event.comment });
    }
  }
}
