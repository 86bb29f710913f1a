/**
 * Sentences for the hub's error codes, in the person's language. The hub's own `message` is
 * English and technical: it is only ever shown as a detail under the sentence.
 */
import type { ApiError } from "./api";
import type { Problem } from "./fields";
import { formatNumber, t, type Key, type Params } from "./i18n/i18n";

/** Where the error happened: signing in says "wrong password" where elsewhere it is "session ended". */
export type Context = "login" | "console";

export function errorText(error: ApiError, context: Context = "console"): string {
  switch (error.code) {
    case "unauthorized":
      return t(context === "login" ? "error.unauthorized_login" : "error.unauthorized");
    case "rate_limited":
      return error.retryAfter !== null && error.retryAfter > 0
        ? t("error.rate_limited", { seconds: formatNumber(error.retryAfter) })
        : t("error.rate_limited_moment");
    case "forbidden":
      return t(context === "login" ? "error.forbidden_login" : "error.forbidden");
    case "invalid_input":
      return t("error.invalid_input");
    case "not_found":
      return t("error.not_found");
    case "conflict":
      return t("error.conflict");
    case "internal":
      return t("error.internal");
    case "unavailable":
      return t("error.unavailable");
    case "network":
      return t("error.network");
    default:
      return t("error.other", { code: error.code });
  }
}

/**
 * The hub's message to show under the sentence, or `null` when it adds nothing the person
 * can use (a wrong password's message, a failure without a body).
 */
export function errorDetail(error: ApiError): string | null {
  if (error.code === "unauthorized" || error.code === "rate_limited" || error.code === "network") return null;
  const message = error.message.trim();
  return message === "" || /^HTTP \d+$/.test(message) ? null : message;
}

/**
 * A field problem as a sentence: numbers in the person's locale; params naming a unit
 * (`unit.min_long`) translated.
 */
export function problemText(problem: Problem): string {
  if (!problem.params) return t(problem.key);
  const params: Params = {};
  for (const [name, value] of Object.entries(problem.params)) {
    if (typeof value === "number") params[name] = formatNumber(value);
    else if (value.startsWith("unit.")) params[name] = t(value as Key);
    else params[name] = value;
  }
  return t(problem.key, params);
}
