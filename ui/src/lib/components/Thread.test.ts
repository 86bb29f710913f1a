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
import { contextMap } from "../context";
import { PAGE } from "../state/pages.svelte";
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
  const context = contextMap({ backend, desk, drafts: new Drafts(null), canned: new CannedResponses(), overlay: new Overlay() });
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
  return { ...result, view, scroller, rows, rowAtTop, ready, threadCalls, scrollTo };
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
    f.desk.apply({ kind: "message", message: f.backend.data.conversations.at(-1)!.messages.at(-1)! });
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
      kind: "message",
      message: { id: 2_000_000, conversation: "DEMO-9999", client_id: null, author: { kind: "visitor" }, body: { kind: "text", text: "Hello?" }, at: T0 + 1000 },
    });
    const button = await screen.findByRole("button", { name: /New messages/ });
    expect(t.scroller().scrollTop).toBe(800);
    await user.click(button);
    await waitFor(() => expect(t.scroller().scrollTop).toBe((SNAPSHOT_TAIL + 1) * 40 - 600));
    expect(await screen.findByText("Hello?")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole("button", { name: /New messages/ })).toBeNull());
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
