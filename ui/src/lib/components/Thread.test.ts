/**
 * The virtualized thread (P5): only the rows near the viewport are in the DOM, older pages come
 * from the cache (`Backend.thread`) when scrolled near the top, what is on screen stays put
 * when they come, and it follows new messages only when at the bottom. jsdom measures nothing:
 * the test setup gives the scroll viewport 600 px and every row keeps virtua's 40 px estimate.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Thread from "./Thread.svelte";
import type { Message } from "../protocol";
import { FakeBackend, SNAPSHOT_TAIL } from "../fake-backend";
import { demoData, longConversation } from "../demo";
import { Desk } from "../state/desk.svelte";
import { Drafts } from "../state/drafts.svelte";
import { CannedResponses } from "../state/canned.svelte";
import { Overlay } from "../state/overlay.svelte";
import { AssistantChat } from "../state/assistant.svelte";
import { contextMap } from "../context";
import { PAGE, CAP } from "../state/pages.svelte";
import { setLang } from "../i18n/i18n";
import { T0 } from "../test-fixtures";

/** A desk holding DEMO-9999 (`count` messages) as the Rust side gives it: its last 50. */
async function longDesk(count = 10_000) {
  const data = demoData(T0);
  data.conversations.push(longConversation(T0, count));
  const backend = new FakeBackend(data, { now: () => T0 });
  const desk = new Desk();
  desk.load(await backend.snapshot());
  backend.calls.length = 0;
  const context = contextMap({ backend, desk, drafts: new Drafts(null), canned: new CannedResponses(), overlay: new Overlay(), assistant: new AssistantChat() });
  return { backend, desk, context };
}

function mount(f: Awaited<ReturnType<typeof longDesk>>, reference = "DEMO-9999") {
  const view = f.desk.conversation(reference)!;
  const result = render(Thread, {
    props: { reference, messages: view.messages, filter: "all", outbox: [], draft: undefined, me: 1042, visitorName: "Inès" },
    context: f.context,
  });
  const scroller = () => result.container.querySelector<HTMLElement>(`[data-thread="${reference}"]`)!;
  const rows = () => scroller().querySelectorAll(".row");
  /** The first scroll to the bottom is done: paging is on. */
  const ready = () => waitFor(() => expect(result.container.querySelector(".wrap")).toHaveAttribute("data-ready"));
  const threadCalls = () => f.backend.calls.filter((c) => c.name === "thread").map((c) => c.args);
  /** The text of the row drawn at the top of the viewport (virtua places rows with `top`). */
  const rowAtTop = () => {
    const top = scroller().scrollTop;
    const row = [...rows()].find((r) => {
      const y = parseFloat((r.parentElement as HTMLElement).style.top);
      return y <= top && top < y + 40;
    });
    return row?.textContent?.trim();
  };
  const scrollTo = (top: number) => {
    scroller().scrollTop = top;
    scroller().dispatchEvent(new Event("scroll"));
  };
  const afterCalls = () => f.backend.calls.filter((c) => c.name === "threadAfter").map((c) => c.args);
  /** The list's whole height: rows held × virtua's 40 px estimate. */
  const height = () => parseFloat((scroller().firstElementChild as HTMLElement).style.height);
  /** jsdom does not clamp: the bottom is the list's height less the viewport's. */
  const scrollToEnd = () => scrollTo(height() - 600);
  return { ...result, view, scroller, rows, rowAtTop, ready, threadCalls, afterCalls, height, scrollTo, scrollToEnd };
}

const label = (m: Message) => (m.body.kind === "text" ? m.body.text : "");

describe("Thread: virtualized, paged from the cache (P5)", () => {
  beforeEach(() => setLang("en"));

  it("the fake serves the cache's pages: newest page below `before`, oldest first", async () => {
    const f = await longDesk(10_000);
    expect(f.desk.conversation("DEMO-9999")!.messages).toHaveLength(SNAPSHOT_TAIL);
    const last = await f.backend.thread("DEMO-9999", null, 3);
    expect(last.map((m) => m.id)).toEqual([1_009_997, 1_009_998, 1_009_999]);
    const before = await f.backend.thread("DEMO-9999", 1_009_950, 2);
    expect(before.map((m) => m.id)).toEqual([1_009_948, 1_009_949]);
    const start = await f.backend.thread("DEMO-9999", 1_000_002, 50);
    expect(start.map((m) => m.id)).toEqual([1_000_000, 1_000_001]);
    expect(await f.backend.thread("NOPE-1", null, 50)).toEqual([]);
  });

  it("shows the latest messages at the bottom with a bounded DOM", async () => {
    const f = await longDesk();
    const t = mount(f);
    expect(await screen.findByText(/\(#10000\)$/)).toBeInTheDocument();
    // 50 messages held, far fewer drawn: 600 px of 40 px rows, plus the buffer.
    expect(t.rows().length).toBeGreaterThan(5);
    expect(t.rows().length).toBeLessThan(SNAPSHOT_TAIL);
    await waitFor(() => expect(t.scroller().scrollTop).toBe(SNAPSHOT_TAIL * 40 - 600));
    // At the bottom of a thread that overflows: nothing to page yet.
    expect(t.threadCalls()).toEqual([]);
  });

  it("scrolled near the top, loads the page before the first message and keeps the view where it was", async () => {
    const f = await longDesk();
    const t = mount(f);
    await waitFor(() => expect(t.scroller().scrollTop).toBe(SNAPSHOT_TAIL * 40 - 600));
    await t.ready();
    const firstId = t.view.messages[0].id;

    t.scrollTo(100);
    await waitFor(() => expect(t.rowAtTop()).toContain(label(t.view.messages[2])));
    await waitFor(() => expect(t.threadCalls()).toEqual([["DEMO-9999", firstId, PAGE]]));
    // The page went in above: the same message is at the top of the view, 50 rows lower.
    await waitFor(() => expect(t.scroller().scrollTop).toBe(100 + PAGE * 40));
    await waitFor(() => expect(t.rowAtTop()).toContain(label(t.view.messages[2])));
    expect(t.rows().length).toBeLessThan(40);
  });

  it("pages back to the very start, a page at a time, with the DOM bounded all along", async () => {
    const f = await longDesk(170);
    const t = mount(f);
    await waitFor(() => expect(t.scroller().scrollTop).toBeGreaterThan(0));
    await t.ready();
    for (let page = 1; page <= 3; page++) {
      t.scrollTo(0);
      await waitFor(() => expect(t.threadCalls()).toHaveLength(page));
      await waitFor(() => expect(t.scroller().scrollTop).toBeGreaterThan(0));
      expect(t.rows().length).toBeLessThan(40);
    }
    // 50 held + 50 + 50 + 20: the last page was short, so that is the start.
    expect(t.threadCalls().map(([, before]) => before)).toEqual([1_000_120, 1_000_070, 1_000_020]);
    t.scrollTo(0);
    expect(await screen.findByText(/Start of the conversation/)).toBeInTheDocument();
    expect(screen.getByText("Bonjour ! (#1)")).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.threadCalls()).toHaveLength(3);
  });

  it("a short thread asks the cache once, finds nothing older, and shows no marker", async () => {
    const f = await longDesk(0);
    const t = mount(f, "DEMO-1044");
    await waitFor(() => expect(t.threadCalls()).toEqual([["DEMO-1044", t.view.messages[0].id, PAGE]]));
    expect(screen.getByText("Is anyone there? I bought it in March, order 55120.")).toBeInTheDocument();
    expect(screen.queryByText(/Start of the conversation/)).toBeNull();
  });

  it("follows a new message when at the bottom", async () => {
    const f = await longDesk();
    const t = mount(f);
    await waitFor(() => expect(t.scroller().scrollTop).toBe(SNAPSHOT_TAIL * 40 - 600));
    f.backend.visitorWrites("DEMO-9999", "Still there?");
    f.desk.apply({ kind: "message_added", message: f.backend.data.conversations.at(-1)!.messages.at(-1)! });
    await screen.findByText("Still there?");
    await waitFor(() => expect(t.scroller().scrollTop).toBe((SNAPSHOT_TAIL + 1) * 40 - 600));
    expect(screen.queryByRole("button", { name: /New messages/ })).toBeNull();
  });

  it("scrolled up, a new message does not move the view: “New messages ↓” brings it", async () => {
    const f = await longDesk();
    const user = userEvent.setup();
    const t = mount(f);
    await waitFor(() => expect(t.scroller().scrollTop).toBe(SNAPSHOT_TAIL * 40 - 600));
    await t.ready();
    t.scrollTo(800);
    f.desk.apply({
      kind: "message_added",
      message: { id: 2_000_000, conversation: "DEMO-9999", client_id: null, author: { kind: "visitor" }, body: { kind: "text", text: "Hello?" }, at: T0 + 1000 },
    });
    const button = await screen.findByRole("button", { name: /New messages/ });
    expect(t.scroller().scrollTop).toBe(800);
    await user.click(button);
    await waitFor(() => expect(t.scroller().scrollTop).toBe((SNAPSHOT_TAIL + 1) * 40 - 600));
    expect(await screen.findByText("Hello?")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole("button", { name: /New messages/ })).toBeNull());
  });

  it("holds a window of at most CAP messages: up to the start, then back down to the present", async () => {
    const f = await longDesk(1_000);
    const t = mount(f);
    await waitFor(() => expect(t.scroller().scrollTop).toBe(SNAPSHOT_TAIL * 40 - 600));
    await t.ready();
    // Up, a page at a time, to the first message: past the cap the newest end goes.
    // 950 cached before the live 50: 19 full pages, then an empty one says it is the start.
    for (let page = 1; page <= 20; page++) {
      t.scrollTo(0);
      await waitFor(() => expect(t.rowAtTop()).toBeTruthy());
      const top = t.rowAtTop();
      await waitFor(() => expect(t.threadCalls()).toHaveLength(page));
      await waitFor(() => expect(t.scroller().scrollTop).toBeGreaterThan(0));
      await waitFor(() => expect(screen.queryByText(/Loading earlier messages/)).toBeNull());
      // The page went in above, the newest end went: what was on screen stayed there.
      await waitFor(() => expect(t.rowAtTop()).toBe(top));
      expect(t.height()).toBeLessThanOrEqual((CAP + 1) * 40);
      expect(t.rows().length).toBeLessThan(40);
    }
    t.scrollTo(0);
    expect(await screen.findByText(/Start of the conversation/)).toBeInTheDocument();
    expect(screen.getByText("Bonjour ! (#1)")).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.threadCalls()).toHaveLength(20);
    expect(t.height()).toBe((CAP + 1) * 40);
    expect(t.threadCalls().map(([, before]) => before)).toEqual(
      Array.from({ length: 19 }, (_, i) => 1_000_950 - i * PAGE).concat([1_000_000]),
    );
    // The start marker, then message #1: row 50 is #50.
    t.scrollTo(PAGE * 40);
    await waitFor(() => expect(t.rowAtTop()).toContain("(#50)"));
    // Down, a page at a time from the cache, the oldest end let go of, to the live messages.
    for (let page = 1; !screen.queryByText(/\(#1000\)$/); page++) {
      t.scrollToEnd();
      await waitFor(() => expect(t.rowAtTop()).toBeTruthy());
      const top = t.rowAtTop();
      await waitFor(() => expect(t.afterCalls()).toHaveLength(page));
      await waitFor(() => expect(screen.queryByText(/Loading later messages/)).toBeNull());
      // The oldest end went, and what was on screen stayed there.
      await waitFor(() => expect(t.rowAtTop()).toBe(top));
      expect(t.height()).toBeLessThanOrEqual((CAP + 1) * 40);
      expect(t.rows().length).toBeLessThan(40);
      expect(page).toBeLessThan(40);
    }
    expect(t.afterCalls()[0]).toEqual(["DEMO-9999", 1_000_000 + CAP - 1, PAGE]);
    expect(screen.queryByText(/Start of the conversation/)).toBeNull();
    // Every message once, in order: the rows drawn at the bottom are the last ones.
    t.scrollToEnd();
    await waitFor(() => expect(screen.getByText(/\(#1000\)$/)).toBeInTheDocument());
    const texts = [...t.rows()].map((r) => r.textContent!.match(/\(#(\d+)\)/)?.[1]).filter(Boolean).map(Number);
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, i) => texts[0] + i));
    expect(screen.queryByRole("button", { name: /New messages/ })).toBeNull();
    // At the present again: it follows new messages.
    const message = { id: 2_000_000, conversation: "DEMO-9999", client_id: null, author: { kind: "visitor" as const }, body: { kind: "text" as const, text: "Back at the present?" }, at: T0 + 1000 };
    f.desk.apply({ kind: "message_added", message });
    expect(await screen.findByText("Back at the present?")).toBeInTheDocument();
    await waitFor(() => expect(t.scroller().scrollTop).toBe(t.height() - 600));
    expect(t.height()).toBeLessThanOrEqual(CAP * 40);
  }, 30_000);

  it("scrolled far up, a new message is not lost: “New messages ↓” drops the window for the present", async () => {
    const f = await longDesk(1_000);
    const user = userEvent.setup();
    const t = mount(f);
    await waitFor(() => expect(t.scroller().scrollTop).toBe(SNAPSHOT_TAIL * 40 - 600));
    await t.ready();
    // Past the cap: the window no longer holds the live messages.
    const pagesToCap = (CAP - SNAPSHOT_TAIL) / PAGE + 1;
    for (let page = 1; page <= pagesToCap; page++) {
      t.scrollTo(0);
      await waitFor(() => expect(t.threadCalls()).toHaveLength(page));
      await waitFor(() => expect(t.scroller().scrollTop).toBeGreaterThan(0));
    }
    expect(t.height()).toBe(CAP * 40);
    const top = t.scroller().scrollTop;
    const reading = t.rowAtTop();
    f.backend.visitorWrites("DEMO-9999", "Are you still there?");
    f.desk.apply({ kind: "message_added", message: f.backend.data.conversations.at(-1)!.messages.at(-1)! });
    const button = await screen.findByRole("button", { name: /New messages/ });
    // Nothing moved, nothing was added to the window.
    expect(t.scroller().scrollTop).toBe(top);
    expect(t.rowAtTop()).toBe(reading);
    expect(t.height()).toBe(CAP * 40);
    expect(screen.queryByText("Are you still there?")).toBeNull();
    await user.click(button);
    expect(await screen.findByText("Are you still there?")).toBeInTheDocument();
    await waitFor(() => expect(t.scroller().scrollTop).toBe((SNAPSHOT_TAIL + 1) * 40 - 600));
    expect(t.height()).toBe((SNAPSHOT_TAIL + 1) * 40);
    await waitFor(() => expect(screen.queryByRole("button", { name: /New messages/ })).toBeNull());
    expect(t.afterCalls()).toEqual([]);
    // And paging up starts again before the live messages.
    await t.ready();
    t.scrollTo(0);
    await waitFor(() => expect(t.threadCalls().at(-1)).toEqual(["DEMO-9999", 1_000_950, PAGE]));
  });

  it("under a filter, pages the window of what the filter shows", async () => {
    const f = await longDesk(1_000);
    const view = f.desk.conversation("DEMO-9999")!;
    const result = render(Thread, {
      props: { reference: "DEMO-9999", messages: view.messages, filter: "navigation", outbox: [], draft: undefined, me: 1042, visitorName: "Inès" },
      context: f.context,
    });
    // A narrow filter shows little of each page: bigger pages, until the screen is full or the
    // start is reached (1,000 messages hold 10 navigations).
    await waitFor(() => expect(result.container.querySelectorAll(".row")).toHaveLength(11));
    expect(screen.getByText(/Start of the conversation/)).toBeInTheDocument();
    const calls = f.backend.calls.filter((c) => c.name === "thread").map((c) => c.args);
    expect(calls.every(([, , limit]) => limit === PAGE * 4)).toBe(true);
    expect(screen.getAllByText(/Produit \d+/)).toHaveLength(10);
  });

  it("says when a page could not be read, and retries", async () => {
    const f = await longDesk();
    const user = userEvent.setup();
    const t = mount(f);
    await waitFor(() => expect(t.scroller().scrollTop).toBeGreaterThan(0));
    await t.ready();
    f.backend.failNext("thread", { code: "cache", message: "disk I/O error" });
    t.scrollTo(50);
    expect(await screen.findByRole("alert")).toHaveTextContent("local cache failed");
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(t.threadCalls()).toHaveLength(2));
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
  });
});
