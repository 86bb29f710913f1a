/** When a snooze ends (R5): 3 h, 24 h, or a chosen local date and time. */
export type SnoozeChoice = "3h" | "24h" | "custom";

const HOUR = 3_600_000;

/** `custom` is an `<input type="datetime-local">` value; `null` when invalid or not in the future. */
export function snoozeUntil(choice: SnoozeChoice, now: number, custom: string): number | null {
  if (choice === "3h") return now + 3 * HOUR;
  if (choice === "24h") return now + 24 * HOUR;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(custom)) return null;
  const at = new Date(custom).getTime();
  return Number.isFinite(at) && at > now ? at : null;
}

/** `datetime-local` value of tomorrow at `hour`:00, local time. */
export function tomorrowAt(now: number, hour: number): string {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(hour, 0, 0, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`;
}
