/**
 * D15 as the hub answers it, for the FakeBackend: a range of days from a pool of day figures
 * (days with nothing are there, empty; the total averages over every conversation, not over the
 * days' averages), the closed conversations filtered and paged, and the thread of a closed
 * conversation as the desk's cache would hold it.
 */
import type { ClosedConversation, DayFigures, Message, StatsRange, StatsScope, StatusTime } from "./protocol";
import { CLOSED_PAGE, type ClosedQuery, type StatsQuery } from "./backend";
import { addDays, localDay } from "./stats/period";
import { emptyDay, salesByCurrency } from "./stats/series";

/** The figures the fake hub knows: the agent's days, and each group's. */
export type StatsData = {
  time_zone: string;
  agent: DayFigures[];
  groups: Record<number, DayFigures[]>;
};

/** The weighted average of `pick` over the days (weight: `weight`), rounded when `round`. */
function average(days: readonly DayFigures[], pick: (d: DayFigures) => number | null, weight: (d: DayFigures) => number, round: boolean): number | null {
  let sum = 0;
  let count = 0;
  for (const d of days) {
    const value = pick(d);
    const w = weight(d);
    if (value === null || w <= 0) continue;
    sum += value * w;
    count += w;
  }
  if (count === 0) return null;
  return round ? Math.round(sum / count) : Math.round((sum / count) * 100) / 100;
}

/** The whole range's figures (`day` empty, as the hub sends it). */
export function totalOf(days: readonly DayFigures[]): DayFigures {
  const status = new Map<string, StatusTime>();
  for (const s of days.flatMap((d) => d.status)) {
    const key = `${s.channel}|${s.availability}|${s.optional ?? ""}`;
    const seen = status.get(key);
    status.set(key, seen ? { ...seen, ms: seen.ms + s.ms } : { ...s });
  }
  const conversations = (d: DayFigures) => d.conversations;
  return {
    day: "",
    conversations: days.reduce((sum, d) => sum + d.conversations, 0),
    first_response_avg_ms: average(days, (d) => d.first_response_avg_ms, conversations, true),
    response_avg_ms: average(days, (d) => d.response_avg_ms, conversations, true),
    handling_avg_ms: average(days, (d) => d.handling_avg_ms, conversations, true),
    satisfaction_avg: average(days, (d) => d.satisfaction_avg, (d) => d.satisfaction_count, false),
    satisfaction_count: days.reduce((sum, d) => sum + d.satisfaction_count, 0),
    sales: salesByCurrency(days.flatMap((d) => d.sales)),
    status: [...status.values()],
  };
}

/** `query.days` days from `query.from`, each from the pool or empty. */
export function rangeOf(pool: readonly DayFigures[], query: StatsQuery, scope: StatsScope, timeZone: string, computedAt: number): StatsRange {
  const byDay = new Map(pool.map((d) => [d.day, d]));
  const days = Array.from({ length: query.days }, (_, i) => {
    const day = addDays(query.from, i);
    return structuredClone(byDay.get(day) ?? emptyDay(day));
  });
  return { scope, time_zone: timeZone, days, total: totalOf(days), computed_at: computedAt };
}

/** Lower case, without accents: "Léa" finds "lea". */
function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** A reference's number (`DEMO-12` → 12). */
function number(reference: string): number {
  return Number(reference.split("-").at(-1)) || 0;
}

/** Listed after the row closed at `at` with `reference` (the hub's order: time, then number). */
function before(c: ClosedConversation, at: number, reference: string | undefined): boolean {
  if (c.closed_at !== at) return c.closed_at < at;
  return reference !== undefined && number(c.reference) < number(reference);
}

/** One page of closed conversations for `query`, newest first (as `GET /api/stats/closed`). */
export function closedPage(all: readonly ClosedConversation[], query: ClosedQuery): ClosedConversation[] {
  const words = fold(query.text ?? "").split(/\s+/).filter(Boolean);
  return all
    .filter((c) => {
      const day = localDay(c.closed_at);
      if (query.from !== null && day < query.from) return false;
      if (query.to !== null && day > query.to) return false;
      if (query.before !== null && !before(c, query.before, query.before_reference)) return false;
      if (query.conversation_type !== null && c.conversation_type !== query.conversation_type) return false;
      if (query.important !== null && c.important !== query.important) return false;
      const haystack = fold([c.visitor_name, c.summary, c.survey_comment ?? ""].join(" "));
      return words.every((w) => haystack.includes(w));
    })
    .sort((a, b) => b.closed_at - a.closed_at || number(b.reference) - number(a.reference))
    .slice(0, CLOSED_PAGE)
    .map((c) => structuredClone(c));
}

const REPLIES = [
  "Bonjour ! Je regarde cela tout de suite.",
  "Merci pour votre patience : c'est réglé, vous recevez la confirmation par e-mail.",
  "Hello! Let me check that for you right away.",
  "Thanks for waiting — it's sorted, you'll get a confirmation by e-mail.",
];

/**
 * A closed conversation's thread as the cache would hold it: the visitor's first words, the
 * agent's answers, the close (with its type) and the survey's answer. Message ids from `firstId`.
 */
export function closedThread(c: ClosedConversation, firstId: number, agentId: number): Message[] {
  const english = /^[\x00-\x7f]*$/.test(c.summary) && !/\b(je|mon|ma|est|pas)\b/i.test(c.summary);
  const agent = c.agent_name ?? "—";
  const start = c.closed_at - 9 * 60_000;
  let id = firstId;
  const message = (at: number, author: Message["author"], body: Message["body"]): Message => ({ id: id++, conversation: c.reference, client_id: null, author, body, at });
  const thread = [
    message(start, { kind: "visitor" }, { kind: "text", text: c.summary }),
    message(start + 2_000, { kind: "system" }, { kind: "event", event: { kind: "assigned", agent } }),
    message(start + 40_000, { kind: "agent", id: agentId, name: agent }, { kind: "text", text: REPLIES[english ? 2 : 0] }),
    message(c.closed_at - 60_000, { kind: "agent", id: agentId, name: agent }, { kind: "text", text: REPLIES[english ? 3 : 1] }),
    message(c.closed_at, { kind: "system" }, { kind: "event", event: { kind: "closed", by: agent, conversation_type: c.conversation_type } }),
  ];
  if (c.satisfaction !== null)
    thread.push(message(c.closed_at + 30_000, { kind: "visitor" }, { kind: "event", event: { kind: "survey_answered", score: Math.round(c.satisfaction), comment: c.survey_comment } }));
  return thread;
}
