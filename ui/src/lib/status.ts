/** A channel's status in words (R3, A4): "Busy" when the slots are full, an optional status by
 * the admin's name for it in the desk's language, or the chosen status. */
import type { ChannelStatus } from "./protocol";
import { lang, t } from "./i18n/i18n";

/** A4: the admin's names of optional statuses in other languages, by name then language. */
export type StatusLabels = Partial<Record<string, Partial<Record<string, string>>>>;

/** An optional status in the desk's language, or by its name. */
export function optionalName(name: string, labels: StatusLabels = {}): string {
  return labels[name]?.[lang()]?.trim() || name;
}

export function statusLabel(status: ChannelStatus, labels: StatusLabels = {}): string {
  if (status.chosen.kind === "optional") return optionalName(status.chosen.name, labels);
  if (status.availability === "busy") return t("status.busy");
  return t(`status.${status.chosen.kind}`);
}
