/** Error codes to sentences that say what to do. Never looks at `message`. */
import type { DeskError } from "./backend";
import { en } from "./i18n/en";
import { t, type Key } from "./i18n/i18n";

export function errorText(error: DeskError): string {
  const key = `error.${error.code}`;
  return key in en ? t(key as Key) : t("error.other", { code: error.code });
}
