/** D15 in the FakeBackend: what the hub answers (ranges, totals, closed conversations, paging),
 * offline, and who may see which group; the demo's data; ClosedPages over it. */
import { describe, expect, it } from "vitest";
import { CLOSED_PAGE, type ClosedQuery } from "./backend";
import type { ClosedConversation, DayFigures } from "./protocol";
import { FakeBackend } from "./fake-backend";
import { demoData } from "./demo";
import { T0 } from "./test-fixtures";
import { closedPage, totalOf } from "./fake-stats";
import { emptyDay } from "./stats/series";
import { localDay } from "./stats/period";
import { ClosedPages } from "./stats/closed.svelte";

const ANY: ClosedQuery = { from: null, to: null, text: null, conversation_type: null, important: null, before: null };

function closed(reference: string, closed_at: number, patch: Partial<ClosedConversation> = {}): ClosedConversation {
  return {
    reference,
    visitor_id: `v-${reference}`,
    visitor_name: "Léa Martin",
    agent_name: "Camille",
    closed_at,
    conversation_type: null,
    important: false,
    satisfaction: null,
    survey_comment: null,
    summary: "Bonjour",
    agent_answers: [],
    ...patch,
  };
}

describe("the range's total", () => {
  it("averages over every conversation, not over the days' averages; sums sales and status", () => {
    const days: DayFigures[] = [
      {
        ...emptyDay("2025-03-10"),
        conversations: 3,
        first_response_avg_ms: 10_000,
        satisfaction_avg: 5,
        satisfaction_count: 1,
        sales: [{ currency: "EUR", count: 1, amount_minor: 1000 }],
        status: [{ channel: "chat", availability: "available", optional: null, ms: 1000 }],
      },
      {
        ...emptyDay("2025-03-11"),
        conversations: 1,
        first_response_avg_ms: 50_000,
        satisfaction_avg: 3,
        satisfaction_count: 3,
        sales: [{ currency: "EUR", count: 2, amount_minor: 500 }],
        status: [{ channel: "chat", availability: "available", optional: null, ms: 500 }],
      },
      emptyDay("2025-03-12"),
    ];
    const total = totalOf(days);
    expect(total.day).toBe("");
    expect(total.conversations).toBe(4);
    expect(total.first_response_avg_ms).toBe(20_000);
    expect(total.response_avg_ms).toBeNull();
    expect(total.satisfaction_avg).toBe(3.5);
    expect(total.satisfaction_count).toBe(4);
    expect(total.sales).toEqual([{ currency: "EUR", count: 3, amount_minor: 1500 }]);
    expect(total.status).toEqual([{ channel: "chat", availability: "available", optional: null, ms: 1500 }]);
  });
});

describe("FakeBackend.statsRange", () => {
  it("every day of the query, from the demo's days; an empty day where nobody worked", async () => {
    const backend = new FakeBackend(demoData(T0), { now: () => T0 });
    const { range, offline } = await backend.statsRange({ from: "2025-03-01", days: 31, group: null });
    expect(offline).toBe(false);
    expect(range.days.map((d) => d.day)).toHaveLength(31);
    expect(range.days[0].day).toBe("2025-03-01");
    expect(range.days[30].day).toBe("2025-03-31");
    expect(range.scope).toEqual({ kind: "agent", id: 1042, name: "Camille Laurent" });
    expect(range.computed_at).toBe(T0);
    // Sundays are empty; after today there is nothing.
    expect(range.days.find((d) => d.day === "2025-03-09")!.conversations).toBe(0);
    expect(range.days.find((d) => d.day === "2025-03-20")!.status).toEqual([]);
    expect(range.total.conversations).toBe(range.days.reduce((sum, d) => sum + d.conversations, 0));
    expect(range.total.conversations).toBeGreaterThan(30);
    // Rich: an optional status, sales in euros.
    expect(range.total.status.some((s) => s.optional === "In training")).toBe(true);
    expect(range.total.sales[0].currency).toBe("EUR");
    expect(backend.calls.map((c) => c.name)).toEqual(["statsRange"]);
  });

  it("the agent's figures are those of their closed conversations", async () => {
    const backend = new FakeBackend(demoData(T0), { now: () => T0 });
    const { range } = await backend.statsRange({ from: "2025-03-03", days: 7, group: null });
    const listed = backend.data.closed!.filter((c) => localDay(c.closed_at) >= "2025-03-03" && localDay(c.closed_at) <= "2025-03-09");
    expect(range.total.conversations).toBe(listed.length);
  });

  it("a group's figures: a manager's own groups, any group for an admin, none for an agent", async () => {
    const data = demoData(T0);
    const agent = new FakeBackend(data);
    await expect(agent.statsRange({ from: "2025-03-10", days: 7, group: 1 })).rejects.toMatchObject({ code: "forbidden" });
    const manager = new FakeBackend({ ...data, profile: { ...data.profile, role: "manager" } });
    const { range } = await manager.statsRange({ from: "2025-03-10", days: 7, group: 1 });
    expect(range.scope).toEqual({ kind: "group", id: 1, name: "Support" });
    await expect(manager.statsRange({ from: "2025-03-10", days: 7, group: 2 })).rejects.toMatchObject({ code: "forbidden" });
    const admin = new FakeBackend({ ...data, profile: { ...data.profile, role: "admin" } });
    expect((await admin.statsRange({ from: "2025-03-10", days: 7, group: 3 })).range.scope).toEqual({ kind: "group", id: 3, name: "Billing" });
  });

  it("offline: the copy of the same query with `offline: true`, else `offline`", async () => {
    let now = T0;
    const backend = new FakeBackend(demoData(T0), { now: () => now });
    const query = { from: "2025-03-10", days: 7, group: null };
    const online = await backend.statsRange(query);
    backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    now = T0 + 60_000;
    const kept = await backend.statsRange(query);
    expect(kept.offline).toBe(true);
    expect(kept.range).toEqual(online.range);
    expect(kept.range.computed_at).toBe(T0);
    await expect(backend.statsRange({ ...query, from: "2025-03-03" })).rejects.toMatchObject({ code: "offline" });
  });

  it("refuses a query out of bounds", async () => {
    const backend = new FakeBackend(demoData(T0));
    await expect(backend.statsRange({ from: "2025-03-01", days: 32, group: null })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(backend.statsRange({ from: "1/3/2025", days: 7, group: null })).rejects.toMatchObject({ code: "invalid_input" });
  });
});

describe("closed conversations", () => {
  const at = (day: number, hour: number) => new Date(2025, 2, day, hour).getTime();
  const all = [
    closed("DEMO-1", at(10, 9), { conversation_type: "Billing", survey_comment: "Très rapide", satisfaction: 5 }),
    closed("DEMO-2", at(11, 10), { visitor_name: "Tom Becker", important: true, summary: "My parcel" }),
    closed("DEMO-3", at(12, 11), { conversation_type: "Billing", important: true }),
    closed("DEMO-4", at(16, 17)),
    closed("DEMO-5", at(17, 8)),
  ];

  it("newest first, each filter honoured", () => {
    const refs = (q: Partial<ClosedQuery>) => closedPage(all, { ...ANY, ...q }).map((c) => c.reference);
    expect(refs({})).toEqual(["DEMO-5", "DEMO-4", "DEMO-3", "DEMO-2", "DEMO-1"]);
    expect(refs({ from: "2025-03-11", to: "2025-03-16" })).toEqual(["DEMO-4", "DEMO-3", "DEMO-2"]);
    expect(refs({ conversation_type: "Billing" })).toEqual(["DEMO-3", "DEMO-1"]);
    expect(refs({ important: true })).toEqual(["DEMO-3", "DEMO-2"]);
    // Words anywhere in the name, the first words or the comment; accents and case aside.
    expect(refs({ text: "tres RAPIDE" })).toEqual(["DEMO-1"]);
    expect(refs({ text: "tom parcel" })).toEqual(["DEMO-2"]);
    expect(refs({ before: at(12, 11) })).toEqual(["DEMO-2", "DEMO-1"]);
  });

  it("pages of CLOSED_PAGE; the next from the last one's closed_at", async () => {
    const many = Array.from({ length: CLOSED_PAGE + 7 }, (_, i) => closed(`DEMO-${100 + i}`, T0 - i * 60_000));
    const backend = new FakeBackend({ ...demoData(T0), closed: many });
    const pages = new ClosedPages(backend);
    await pages.search({ ...ANY });
    expect(pages.rows).toHaveLength(CLOSED_PAGE);
    expect(pages.more).toBe(true);
    await pages.loadMore();
    expect(pages.rows).toHaveLength(CLOSED_PAGE + 7);
    expect(pages.more).toBe(false);
    expect(backend.calls.map((c) => c.args[0])).toEqual([{ ...ANY }, { ...ANY, before: many[CLOSED_PAGE - 1].closed_at, before_reference: many[CLOSED_PAGE - 1].reference }]);
  });

  it("offline: rejected, then the same search again once back", async () => {
    const backend = new FakeBackend({ ...demoData(T0), closed: all });
    backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    const pages = new ClosedPages(backend);
    await pages.search({ ...ANY, important: true });
    expect(pages.error?.code).toBe("offline");
    expect(pages.rows).toEqual([]);
    backend.setConnection({ state: "online" });
    await pages.retry();
    expect(pages.error).toBeNull();
    expect(pages.rows.map((r) => r.reference)).toEqual(["DEMO-3", "DEMO-2"]);
  });

  it("a search answered after a newer one is dropped", async () => {
    const backend = new FakeBackend({ ...demoData(T0), closed: all }, { latency: 5 });
    const pages = new ClosedPages(backend);
    const first = pages.search({ ...ANY });
    const second = pages.search({ ...ANY, conversation_type: "Billing" });
    await Promise.all([first, second]);
    expect(pages.rows.map((r) => r.reference)).toEqual(["DEMO-3", "DEMO-1"]);
  });

  it("a listed conversation can be re-read from the cache: first words, close and survey", async () => {
    const backend = new FakeBackend({ ...demoData(T0), closed: all });
    const thread = await backend.thread("DEMO-1", null, 50);
    expect(thread[0].body).toEqual({ kind: "text", text: "Bonjour" });
    expect(thread.at(-1)!.body).toEqual({ kind: "event", event: { kind: "survey_answered", score: 5, comment: "Très rapide" } });
    expect(await backend.thread("DEMO-1", null, 50)).toEqual(thread);
    expect(await backend.thread("DEMO-404", null, 50)).toEqual([]);
  });
});
