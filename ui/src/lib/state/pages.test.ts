/** ThreadPages: a bounded window over a thread, paged both ways, without gaps or doubles (P5). */
import { describe, expect, it } from "vitest";
import { ThreadPages, PAGE, CAP } from "./pages.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData, longConversation } from "../demo";
import { inFilter } from "../thread";
import type { Message } from "../protocol";
import { T0 } from "../test-fixtures";

function setup(count = 200) {
  const data = demoData(T0);
  const long = longConversation(T0, count);
  data.conversations = [long];
  const backend = new FakeBackend(data);
  // What the desk holds: the snapshot's last 50, then what the stream brings.
  const live: Message[] = long.messages.slice(-PAGE);
  return { backend, all: long.messages, live };
}

const ids = (messages: readonly Message[]) => messages.map((m) => m.id);

/** Consecutive ids: no gap, no double (the long conversation's ids follow each other). */
function expectRun(messages: readonly Message[]) {
  for (let i = 1; i < messages.length; i++) expect(messages[i].id).toBe(messages[i - 1].id + 1);
}

function visitorSays(backend: FakeBackend, live: Message[], text: string): Message {
  backend.visitorWrites("DEMO-9999", text);
  const message = backend.data.conversations[0].messages.at(-1)!;
  live.push(message);
  return message;
}

describe("ThreadPages", () => {
  it("prepends pages before the first live message until the start", async () => {
    const { backend, all, live } = setup(120);
    const pages = new ThreadPages(backend, "DEMO-9999");
    expect(await pages.loadOlder(live)).toBe(50);
    expect(ids(pages.view(live))).toEqual(ids(all.slice(-100)));
    expect(pages.done).toBe(false);
    expect(await pages.loadOlder(live)).toBe(20);
    expect(pages.done).toBe(true);
    expect(pages.startAt).toBe(all[0].at);
    expect(pages.view(live)).toEqual(all);
    expect(await pages.loadOlder(live)).toBe(0);
    expect(pages.present).toBe(true);
  });

  it("skips live messages already in the pages, and new live ones go after", async () => {
    const { backend, all, live } = setup(120);
    const pages = new ThreadPages(backend, "DEMO-9999");
    await pages.loadOlder(live);
    const fresh = { ...all[0], id: 5_000_000, body: { kind: "text" as const, text: "new" } };
    const view = pages.view([pages.loaded.at(-1)!, ...live, fresh]);
    expect(new Set(ids(view)).size).toBe(view.length);
    expect(view.at(-1)!.id).toBe(5_000_000);
  });

  it("a fresh snapshot with another window drops the pages and starts again from it", async () => {
    const { backend, all, live } = setup(200);
    const pages = new ThreadPages(backend, "DEMO-9999");
    await pages.loadOlder(live);
    const later = all.slice(-20);
    expect(pages.stale(later)).toBe(true);
    expect(pages.view(later)).toEqual(later);
    await pages.loadOlder(later);
    expect(pages.view(later)).toEqual(all.slice(-70));
  });

  it("re-reading a closed conversation starts from its newest page", async () => {
    const { backend, all } = setup(60);
    const pages = new ThreadPages(backend, "DEMO-9999");
    await pages.loadOlder([]);
    expect(backend.calls.at(-1)!.args).toEqual(["DEMO-9999", null, PAGE]);
    expect(pages.view([])).toEqual(all.slice(-50));
    await pages.loadOlder([]);
    expect(pages.view([])).toEqual(all);
    expect(pages.done).toBe(true);
  });

  it("pages 10,000 messages up to the start and back down to the present, never holding more than the cap", async () => {
    const { backend, all, live } = setup(10_000);
    let largest = 0;
    let settled = 0;
    const check = () => {
      const view = pages.view(live);
      largest = Math.max(largest, view.length, pages.loaded.length);
      expectRun(view);
    };
    // Between letting go of one end and growing at the other: never more than the cap either.
    const pages: ThreadPages = new ThreadPages(backend, "DEMO-9999", "all", { settle: async () => (settled++, check()) });

    // Up: a page before the window at a time; past the cap the newest end goes, live included.
    let steps = 0;
    while (!pages.done) {
      const first = pages.view(live)[0].id;
      const got = await pages.loadOlder(live);
      check();
      // Whole pages until the start (9,950 = 199 × 50: then an empty one says it is the start).
      expect(got).toBe(pages.done ? 0 : PAGE);
      // No gap at the top: the page ends just before what was first.
      if (got > 0) expect(pages.view(live)[PAGE - 1].id).toBe(first - 1);
      expect(++steps).toBeLessThan(500);
    }
    expect(steps).toBe(10_000 / PAGE);
    expect(pages.present).toBe(false);
    expect(ids(pages.view(live))).toEqual(ids(all.slice(0, CAP)));
    expect(pages.startAt).toBe(all[0].at);
    expect(await pages.loadOlder(live)).toBe(0);

    // Down: the page after the window at a time, the oldest end let go of, until the live
    // messages follow again.
    const afterCalls = () => backend.calls.filter((c) => c.name === "threadAfter").length;
    while (!pages.present) {
      const last = pages.view(live).at(-1)!.id;
      const got = await pages.loadNewer(live);
      check();
      // No gap at the bottom: the page starts just after what was last (the last page, after
      // the newest message, is empty).
      expect(got).toBe(pages.present ? 0 : PAGE);
      if (got > 0) expect(ids(pages.view(live))).toContain(last + 1);
      expect(pages.done).toBe(false);
      expect(afterCalls()).toBeLessThan(500);
    }
    expect(backend.calls.find((c) => c.name === "threadAfter")!.args).toEqual(["DEMO-9999", all[CAP - 1].id, PAGE]);
    expect(ids(pages.view(live))).toEqual(ids(all.slice(-CAP)));
    expect(pages.view(live).slice(-PAGE)).toEqual(live);
    expect(largest).toBe(CAP);
    expect(settled).toBeGreaterThan(300);

    // At the present again: live messages append, and the oldest end goes past the cap.
    const hello = visitorSays(backend, live, "Hello again?");
    pages.fit(live);
    const view = pages.view(live);
    expect(view.at(-1)).toBe(hello);
    expect(view.length).toBe(CAP);
    expectRun(view);
  }, 60_000); // 10,000 messages through jsdom: seconds on a busy 2-core machine, not a timing test

  it("a live message while scrolled far up is not lost: at the present it is there", async () => {
    const { backend, all, live } = setup(1_000);
    const pages = new ThreadPages(backend, "DEMO-9999");
    while (pages.present) await pages.loadOlder(live);
    const hello = visitorSays(backend, live, "Anyone?");
    // Not in the window (it does not reach the present)…
    expect(pages.view(live)).not.toContain(hello);
    // …paging down reaches it…
    while (!pages.present) await pages.loadNewer(live);
    expect(pages.view(live).at(-1)!.id).toBe(hello.id);
    expect(ids(pages.view(live)).filter((id) => id === hello.id)).toHaveLength(1);
    // …and so does the jump to the present ("New messages ↓"), which drops the window.
    while (pages.present) await pages.loadOlder(live);
    const again = visitorSays(backend, live, "Hello?");
    const epoch = pages.epoch;
    pages.toPresent();
    expect(pages.epoch).toBe(epoch + 1);
    expect(pages.present).toBe(true);
    expect(pages.loaded).toEqual([]);
    expect(pages.view(live)).toEqual(live);
    expect(pages.view(live).at(-1)).toBe(again);
    // Paging up starts again before the live messages.
    expect(await pages.loadOlder(live)).toBe(PAGE);
    expect(ids(pages.view(live))).toEqual([...ids(all.slice(-PAGE * 2)), hello.id, again.id]);
  });

  it("a read in flight is forgotten when the window is dropped for the present", async () => {
    const { backend, live } = setup(1_000);
    const pages = new ThreadPages(backend, "DEMO-9999");
    while (pages.present) await pages.loadOlder(live);
    const reading = pages.loadNewer(live);
    pages.toPresent();
    expect(await reading).toBe(0);
    expect(pages.loaded).toEqual([]);
    expect(pages.loading).toBeNull();
  });

  it("a failed page is said, on its side, and asked again", async () => {
    const { backend, live } = setup(1_000);
    const pages = new ThreadPages(backend, "DEMO-9999");
    while (pages.present) await pages.loadOlder(live);
    backend.failNext("threadAfter", { code: "cache", message: "disk I/O error" });
    expect(await pages.loadNewer(live)).toBe(0);
    expect(pages.error?.code).toBe("cache");
    expect(pages.failed).toBe("newer");
    expect(await pages.loadNewer(live)).toBe(PAGE);
    expect(pages.error).toBeNull();
  });

  it("under a filter the window holds what the filter shows, capped, without gaps or doubles", async () => {
    const { backend, all, live } = setup(10_000);
    const pages = new ThreadPages(backend, "DEMO-9999", "visitor");
    const visitor = all.filter((m) => inFilter(m, "visitor"));
    const position = new Map(visitor.map((m, i) => [m.id, i]));
    const check = () => {
      const view = pages.view(live);
      expect(view.length).toBeLessThanOrEqual(CAP);
      expect(view.every((m) => inFilter(m, "visitor"))).toBe(true);
      // Consecutive among the visitor's messages.
      for (let i = 1; i < view.length; i++) expect(position.get(view[i].id)).toBe(position.get(view[i - 1].id)! + 1);
    };
    while (!pages.done) {
      await pages.loadOlder(live, PAGE * 4);
      check();
    }
    expect(pages.view(live)[0]).toEqual(visitor[0]);
    expect(pages.present).toBe(false);
    while (!pages.present) {
      await pages.loadNewer(live, PAGE * 4);
      check();
    }
    expect(pages.view(live).at(-1)).toEqual(visitor.at(-1));
  });

  it("another filter keeps what is loaded when the window reaches the present; otherwise starts there", async () => {
    const { backend, all, live } = setup(1_000);
    const pages = new ThreadPages(backend, "DEMO-9999");
    await pages.loadOlder(live);
    await pages.loadOlder(live);
    const visitor = pages.withFilter("visitor");
    expect(visitor.view(live)).toEqual(all.slice(-150).filter((m) => inFilter(m, "visitor")));
    const calls = backend.calls.length;
    await visitor.loadOlder(live, PAGE * 4);
    expect(backend.calls.at(-1)!.args).toEqual(["DEMO-9999", all.at(-150)!.id, PAGE * 4]);
    expect(backend.calls.length).toBe(calls + 1);
    // Back to every message: what the narrow window lacks is read again, from the present.
    expect(visitor.withFilter("all").view(live)).toEqual(live);
    // A window that does not reach the present: the other filter starts at the present.
    while (pages.present) await pages.loadOlder(live);
    expect(pages.withFilter("agent").view(live)).toEqual(live.filter((m) => inFilter(m, "agent")));
  });

  it("a smaller cap: never more than it, both ways", async () => {
    const { backend, all, live } = setup(500);
    const pages = new ThreadPages(backend, "DEMO-9999", "all", { cap: 120 });
    while (!pages.done) {
      await pages.loadOlder(live);
      expect(pages.view(live).length).toBeLessThanOrEqual(120);
      expectRun(pages.view(live));
    }
    expect(ids(pages.view(live))).toEqual(ids(all.slice(0, 120)));
    while (!pages.present) {
      await pages.loadNewer(live);
      expect(pages.view(live).length).toBeLessThanOrEqual(120);
      expectRun(pages.view(live));
    }
    expect(ids(pages.view(live))).toEqual(ids(all.slice(-120)));
  });
});
