/** How a visitor is named on the desk: their name, or "Visitor 7f3a". */
import type { VisitorCard } from "./protocol";
import { t } from "./i18n/i18n";

export function visitorLabel(visitor: VisitorCard): string {
  if (visitor.name) return visitor.name;
  const short = visitor.id.replace(/^v-/, "").slice(0, 4);
  return t("conv.visitor_id", { id: short });
}

/** The short name above a visitor's bubbles: first name, or "Visitor". */
export function visitorShort(visitor: VisitorCard): string {
  return visitor.name?.split(/\s+/)[0] ?? t("conv.visitor");
}
