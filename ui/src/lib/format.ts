/** Durations, times and dates in the agent's locale. */
import { dateFormat, numberFormat, t } from "./i18n/i18n";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A timer: `0:45`, `12:10`, `1:02:03`; past a day, `2 d 3 h` (`2 j 3 h`). Negative → 0. */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / SECOND));
  if (ms >= DAY) {
    const days = Math.floor(ms / DAY);
    const hours = Math.floor((ms % DAY) / HOUR);
    return t("duration.days", { d: days, h: hours });
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** A message's time: `14:02`; `yesterday 22:47`; `12 Oct 14:02`. */
export function messageTime(at: number, now: number): string {
  const d = new Date(at);
  const time = dateFormat({ hour: "2-digit", minute: "2-digit" }).format(d);
  const today = new Date(now);
  if (sameDay(d, today)) return time;
  const yesterday = new Date(now - DAY);
  if (sameDay(d, yesterday)) return t("time.yesterday", { time });
  const day = dateFormat({ day: "numeric", month: "short" }).format(d);
  return `${day} ${time}`;
}

/** A moment to come or past, with its weekday: `Sat 15 Mar, 09:00`. */
export function dateTime(at: number): string {
  return dateFormat({
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(at));
}

/** A day: `12 Oct 2024`. */
export function day(at: number): string {
  return dateFormat({ day: "numeric", month: "short", year: "numeric" }).format(new Date(at));
}

/** Seconds until `at`, rounded up, never negative. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / SECOND));
}

/** "Firefox · Linux" from a user agent string. */
export function browserOf(userAgent: string | null): string | null {
  if (!userAgent) return null;
  const ua = userAgent;
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /OPR\//.test(ua)
      ? "Opera"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Chrome\//.test(ua)
          ? "Chrome"
          : /Safari\//.test(ua)
            ? "Safari"
            : null;
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Windows/.test(ua)
        ? "Windows"
        : /Mac OS X/.test(ua)
          ? "macOS"
          : /Linux/.test(ua)
            ? "Linux"
            : null;
  const parts = [browser, os].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(" · ") : userAgent.slice(0, 60);
}

/** A URL shown short: path of a URL, or the text itself when it does not parse. */
export function shortUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return url.pathname + url.search || url.host;
  } catch {
    return raw;
  }
}

/** A figure's duration, short: `18 s`, `2 min 05 s`, `1 h 02 min`; `—` for none (D15). */
export function figureDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  const total = Math.max(0, Math.round(ms / SECOND));
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
  return `${Math.floor(total / 3600)} h ${String(Math.floor((total % 3600) / 60)).padStart(2, "0")} min`;
}

/** A satisfaction score out of 5 in the agent's locale: `4.7/5` (`4,7/5`); `—` for none. */
export function score(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  return `${numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value)}/5`;
}
