/**
 * Durations: the settings JSON names its unit in each field's suffix (`_ms`, `_s`, `_min`);
 * the console shows each timeout in the unit the seed page gives (minutes or seconds). The two
 * may differ, so every value crosses `toShown` / `fromShown`, which never round silently: a
 * shown value the stored unit cannot hold exactly is refused.
 */
export type Unit = "ms" | "s" | "min";

const MILLIS: Record<Unit, number> = { ms: 1, s: 1000, min: 60_000 };

/** The unit a field stores, from its name; `null` when the name says none. */
export function storedUnit(field: string): Unit | null {
  const match = /_(ms|s|min)$/.exec(field);
  return match ? (match[1] as Unit) : null;
}

/** A stored value in the shown unit (may be fractional: 1500 ms is 1.5 s). */
export function toShown(stored: number, from: Unit, to: Unit): number {
  return (stored * MILLIS[from]) / MILLIS[to];
}

/**
 * A shown value in the stored unit, or `null` when the stored unit cannot hold it exactly
 * (0.5 min in whole minutes; 1.2345 s in whole milliseconds).
 */
export function fromShown(shown: number, from: Unit, to: Unit): number | null {
  const stored = (shown * MILLIS[from]) / MILLIS[to];
  const rounded = Math.round(stored);
  return Math.abs(stored - rounded) < 1e-9 ? rounded : null;
}

/** The smallest step of the shown unit that the stored unit keeps exactly (1 when finer). */
export function shownStep(shown: Unit, stored: Unit): number {
  return Math.max(1, MILLIS[stored] / MILLIS[shown]);
}

/** A number as the person types it: a comma or a dot for decimals, spaces as they please. */
export function parseNumber(text: string): number | null {
  const compact = text.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
  if (!/^-?\d+(\.\d+)?$/.test(compact)) return null;
  return Number(compact);
}

/** A number for an input, with the locale's decimal separator and no grouping. */
export function formatForInput(value: number, decimalSeparator: string): string {
  const text = String(Number(value.toFixed(6)));
  return decimalSeparator === "." ? text : text.replace(".", decimalSeparator);
}
