/** ThreadPages: the pages before the live messages, without gaps or doubles (P5). */
import { describe, expect, it } from "vitest";
import { ThreadPages, PAGE } from "./pages.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData, longConversation } from "../demo";
import { T0 } from "../test-fixtures";

function setup(count = 200) {
  const data = demoData(T0);
  const long = longConversation(T0, count);
  data.conversations = [long];
  const backend = new FakeBackend(data);
  return { backend, all: long.messages, live: long.messages.slice(-PAGE) };
}

describe("ThreadPages", () => {
  it("prepends pages before the first live message until the start", async () => {
    const { backend, all, live } = setup(120);
    const pages = new ThreadPages(backend, "DEMO-9999");
    expect(await pages.loadOlder(live)).toBe(50);
    expect(pages.merged(live).map((m) => m.id)).toEqual(all.slice(-100).map((m) => m.id));
    expect(pages.done).toBe(false);
    expect(await pages.loadOlder(live)).toBe(20);
    expect(pages.done).toBe(true);
    expect(pages.merged(live)).toEqual(all);
    expect(await pages.loadOlder(live)).toBe(0);
  });

  it("skips live messages already in the pages, and new live ones go after", async () => {
    const { backend, all, live } = setup(120);
    const pages = new ThreadPages(backend, "DEMO-9999");
    await pages.loadOlder(live);
    const fresh = { ...all[0], id: 5_000_000, body: { kind: "text" as const, text: "new" } };
    const merged = pages.merged([pages.older.at(-1)!, ...live, fresh]);
    expect(new Set(merged.map((m) => m.id)).size).toBe(merged.length);
    expect(merged.at(-1)!.id).toBe(5_000_000);
  });

  it("a fresh snapshot with another window drops the pages and starts again from it", async () => {
    const { backend, all, live } = setup(200);
    const pages = new ThreadPages(backend, "DEMO-9999");
    await pages.loadOlder(live);
    const later = all.slice(-20);
    expect(pages.stale(later)).toBe(true);
    expect(pages.merged(later)).toEqual(later);
    await pages.loadOlder(later);
    expect(pages.merged(later)).toEqual(all.slice(-70));
  });

  it("re-reading a closed conversation starts from its newest page", async () => {
    const { backend, all } = setup(60);
    const pages = new ThreadPages(backend, "DEMO-9999");
    await pages.loadOlder([]);
    expect(backend.calls.at(-1)!.args).toEqual(["DEMO-9999", null, PAGE]);
    expect(pages.merged([])).toEqual(all.slice(-50));
    await pages.loadOlder([]);
    expect(pages.merged([])).toEqual(all);
    expect(pages.done).toBe(true);
  });
});
