/**
 * D15 demo data: about half a year of days up to today, the same for the same `now` — the
 * agent's closed conversations (the ones the list re-reads) and, from them, the agent's figures
 * day by day; each group's figures; time per status on chat and call, an optional status
 * ("In training") some days, sales in euros. Sundays, most Saturdays and a few days off are
 * empty.
 */
import type { ClosedConversation, DayFigures, SalesFigure, StatusTime } from "./protocol";
import type { StatsData } from "./fake-stats";
import { addDays, localDay, weekday } from "./stats/period";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

/** A small deterministic generator (mulberry32) seeded from a text. */
function random(seed: string): () => number {
  let a = 0;
  for (const c of seed) a = (Math.imul(a ^ c.charCodeAt(0), 2654435761) + 1) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (r: () => number, low: number, high: number) => low + (high - low) * r();
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];

const NAMES = ["Léa Martin", "Tom Becker", "Inès Moreau", "Sofia Rossi", "Lucas Petit", "Emma Dubois", "Noah Girard", "Chloé Lefèvre", "Karim Benali", "Julie Fontaine", "Hugo Marchand", "Anna Schmidt", "Mehdi Haddad", "Camille Roux", "Paul Lambert", "Zoé Garnier", "", ""];
const FIRST_WORDS = [
  "Bonjour, ma commande n'est toujours pas arrivée.",
  "Le casque X200 est-il compatible avec mon téléphone ?",
  "Je voudrais retourner un article, comment faire ?",
  "Hi, my parcel tracking hasn't moved in three days.",
  "Pouvez-vous m'envoyer une facture avec mon numéro de TVA ?",
  "Do you ship to Belgium, and how long does it take?",
  "Mon code promo ne fonctionne pas au panier.",
  "The left ear cup of my headset crackles.",
  "J'ai été débité deux fois pour la même commande.",
  "Quelle est la durée de la garantie sur les casques ?",
  "Can I change the delivery address of order 55120?",
  "Bonjour, je souhaite annuler ma commande passée ce matin.",
];
const COMMENTS = [
  "Très rapide, merci !",
  "Réponse claire, problème réglé en deux minutes.",
  "Great help, thanks a lot.",
  "J'ai dû attendre un peu, mais la réponse était bonne.",
  "Still waiting for the return form.",
  "Conseillère très aimable 👍",
  "Pas de solution à mon problème de facturation.",
  "Quick and friendly.",
];

/** The agent's closed conversations of one day: at work hours, newest last. */
function closedOn(day: string, count: number, types: readonly string[], agent: string, next: () => number): ClosedConversation[] {
  const r = random(`closed:${day}`);
  const [y, m, d] = day.split("-").map(Number);
  const morning = new Date(y, m - 1, d, 9, 0, 0, 0).getTime();
  const times = Array.from({ length: count }, () => morning + Math.floor(between(r, 0, 9 * H))).sort((a, b) => a - b);
  return times.map((closed_at) => {
    const answered = r() < 0.62;
    const score = answered ? pick(r, [5, 5, 5, 4, 4, 4, 3, 2]) : null;
    const name = pick(r, NAMES);
    return {
      reference: `DEMO-${next()}`,
      visitor_id: `v-${name === "" ? Math.floor(r() * 0xffff).toString(16).padStart(4, "0") : name.toLowerCase().split(" ")[0].normalize("NFD").replace(/\p{M}/gu, "")}`,
      visitor_name: name,
      agent_name: agent,
      closed_at,
      conversation_type: r() < 0.85 ? pick(r, types) : null,
      important: r() < 0.1,
      satisfaction: score,
      survey_comment: answered && r() < 0.4 ? pick(r, COMMENTS) : null,
      summary: pick(r, FIRST_WORDS),
      agent_answers: [],
    };
  });
}

/** Time per status on chat and call over a working day (`scale` > 1: a group's agents). */
function statusOf(r: () => number, scale: number, training: boolean): StatusTime[] {
  const t = (ms: number) => Math.round(ms * scale);
  const chat: StatusTime[] = [
    { channel: "chat", availability: "available", optional: null, ms: t(between(r, 3.5, 5) * H) },
    { channel: "chat", availability: "busy", optional: null, ms: t(between(r, 1, 2.2) * H) },
    { channel: "chat", availability: "unavailable", optional: null, ms: t(between(r, 0.3, 0.8) * H) },
    { channel: "chat", availability: "offline", optional: null, ms: t(between(r, 0, 0.3) * H) },
  ];
  if (training) chat.push({ channel: "chat", availability: "unavailable", optional: "In training", ms: t(between(r, 1, 2) * H) });
  if (r() < 0.35) chat.push({ channel: "chat", availability: "unavailable", optional: "On the phone", ms: t(between(r, 0.2, 0.6) * H) });
  const call: StatusTime[] = [
    { channel: "call", availability: "available", optional: null, ms: t(between(r, 1, 2.5) * H) },
    { channel: "call", availability: "busy", optional: null, ms: t(between(r, 0.3, 1) * H) },
    { channel: "call", availability: "unavailable", optional: null, ms: t(between(r, 3.5, 5) * H) },
  ];
  return [...chat, ...call];
}

function salesOf(r: () => number, conversations: number): SalesFigure[] {
  const count = Math.floor(conversations * between(r, 0, 0.3));
  if (count === 0) return [];
  let amount = 0;
  for (let i = 0; i < count; i++) amount += Math.round(between(r, 29, 259)) * 100 - 10;
  return [{ currency: "EUR", count, amount_minor: amount }];
}

/** Whether nobody works that day: Sundays, most Saturdays, a few days off. */
function dayOff(day: string): boolean {
  const r = random(`off:${day}`);
  const w = weekday(day);
  return w === 6 || (w === 5 && r() < 0.7) || r() < 0.06;
}

/** One day's figures from its conversations' scores and a seed. */
function figures(day: string, conversations: number, scores: number[], seed: string, scale: number): DayFigures {
  const r = random(seed);
  const answered = scores.length;
  return {
    day,
    conversations,
    first_response_avg_ms: conversations === 0 ? null : Math.round(between(r, 12, 38) * S),
    response_avg_ms: conversations === 0 ? null : Math.round(between(r, 28, 95) * S),
    handling_avg_ms: conversations === 0 ? null : Math.round(between(r, 6, 17) * MIN),
    satisfaction_avg: answered === 0 ? null : Math.round((scores.reduce((a, b) => a + b, 0) / answered) * 100) / 100,
    satisfaction_count: answered,
    sales: salesOf(r, conversations),
    status: statusOf(r, scale, r() < 0.3),
  };
}

/** How much of today's working day, 9:00 to 18:00, has gone by (0 to 1). */
function workedToday(now: number): number {
  const d = new Date(now);
  return Math.min(1, Math.max(0, (d.getHours() + d.getMinutes() / 60 - 9) / 9));
}

/** About `days` days up to `now` (today as far as it went). */
export function demoStats(now: number, types: readonly string[], agent: string, groups: readonly number[], days = 190): { stats: StatsData; closed: ClosedConversation[] } {
  const today = localDay(now);
  const first = addDays(today, -(days - 1));
  let number = 8000;
  const next = () => number++;
  const closed: ClosedConversation[] = [];
  const mine: DayFigures[] = [];
  const theirs: Record<number, DayFigures[]> = Object.fromEntries(groups.map((g) => [g, []]));
  for (let i = 0; i < days; i++) {
    const day = addDays(first, i);
    if (dayOff(day)) continue;
    const r = random(`count:${day}`);
    // Today: as much of the working day (9:00–18:00) as has gone by.
    const partial = day === today ? workedToday(now) : 1;
    if (partial === 0) continue;
    const count = Math.round(between(r, 4, 15) * partial);
    const list = closedOn(day, count, types, agent, next).filter((c) => c.closed_at <= now);
    closed.push(...list);
    const scores = list.flatMap((c) => (c.satisfaction === null ? [] : [c.satisfaction]));
    mine.push(figures(day, list.length, scores, `agent:${day}`, partial));
    for (const g of groups) {
      const gr = random(`group:${g}:${day}`);
      const agents = 3 + (g % 3);
      const total = Math.round(list.length * agents * between(gr, 0.8, 1.2));
      const groupScores = Array.from({ length: Math.round(total * 0.6) }, () => pick(gr, [5, 5, 4, 4, 4, 3, 2]));
      theirs[g].push(figures(day, total, groupScores, `group:${g}:${day}:f`, agents * partial));
    }
  }
  return { stats: { time_zone: "Europe/Paris", agent: mine, groups: theirs }, closed: closed.reverse() };
}
