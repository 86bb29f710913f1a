/** How a visitor is named on the desk: their name, or "Visitor 7f3a". On one line: without bidi
 * or zero-width controls (`oneLine`); a name of nothing visible counts as none. */
import type { VisitorCard } from "./protocol";
import { t } from "./i18n/i18n";
import { oneLine } from "./text";

export function visitorLabel(visitor: VisitorCard): string {
  return visitorNamed(visitor.name, visitor.id);
}

/** A visitor's name, or "Visitor 7f3a" from their id when they gave none (D15's closed list). */
export function visitorNamed(name: string | null, id: string): string {
  const named = oneLine(name);
  if (named) return named;
  const short = oneLine(id.replace(/^v-/, "")).slice(0, 4);
  return t("conv.visitor_id", { id: short });
}

/** The short name above a visitor's bubbles: first name, or "Visitor". */
export function visitorShort(visitor: VisitorCard): string {
  return firstName(visitor.name);
}

/** The first word of a name, on one line; "Visitor" when there is none. */
export function firstName(name: string | null | undefined): string {
  return oneLine(name).split(" ")[0] || t("conv.visitor");
}
