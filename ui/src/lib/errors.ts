/** Error codes to sentences that say what to do. Never looks at `message`. */
import type { DeskError } from "./backend";
import { en } from "./i18n/en";
import { t, type Key } from "./i18n/i18n";

export function errorText(error: DeskError): string {
  const key = `error.${error.code}`;
  return key in en ? t(key as Key) : t("error.other", { code: error.code });
}

/** What a code means in a context: the context's own sentence when it has one, else the
 * general one. */
function inContext(error: DeskError, prefix: "help.error." | "watch.error.", codes: readonly string[]): string {
  return codes.includes(error.code) ? t(`${prefix}${error.code}` as Key) : errorText(error);
}

/** M2: asking a manager for help refused. */
export function helpErrorText(error: DeskError): string {
  return inContext(error, "help.error.", ["unavailable", "forbidden", "invalid_state"]);
}

/** M2: a manager's answer to a help request refused (it moved on meanwhile). */
export function answerErrorText(error: DeskError): string {
  return error.code === "invalid_state" ? t("help.error.answer_invalid_state") : errorText(error);
}

/** M3: watching, whispering or taking over refused. */
export function watchErrorText(error: DeskError): string {
  return inContext(error, "watch.error.", ["agent_unavailable", "not_found", "invalid_state"]);
}

/** M3: joining or leaving the agent refused (joining holds one of the manager's slots). */
export function joinErrorText(error: DeskError): string {
  return error.code === "agent_unavailable" ? t("watch.error.join.agent_unavailable") : watchErrorText(error);
}
