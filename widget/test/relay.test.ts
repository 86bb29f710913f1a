/**
 * The recorder's transport (W3; `crates/protocol/src/cobrowse.rs`): events batched into relay
 * frames `[flags][payload]` (a new batch at each Meta and full snapshot, `FLAG_FULL` for it,
 * gzip with `FLAG_GZIP`), frames of at most 1 MiB (cut, or the page too large to share), and
 * the relay socket (hello, notices, reconnection with backoff, the end).
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it, vi } from "vitest";
import { BATCH_MS, Batcher, FLAG_FULL, FLAG_GZIP, MAX_FRAME_BYTES } from "../src/recorder/batch";
import type { BatchDeps } from "../src/recorder/batch";
import { NO_SUCH_RELAY, RelayLink, relayBackoff, relayUrl } from "../src/recorder/link";
import type { LinkEnd } from "../src/recorder/link";
import type { RecorderApi } from "../src/recorder/api";
import { Clock } from "./harness";

const meta = (n = 0) => ({ type: 4, data: { href: "https://shop.example/", width: 1280, height: 800 }, n });
const full = (size = 10, n = 0) => ({ type: 2, data: { node: { type: 0, text: "x".repeat(size) } }, n });
const move = (n = 0, size = 0) => ({ type: 3, data: { source: 1, positions: [{ x: n, y: n }], pad: "y".repeat(size) }, n });

function frames(opts: { gzip?: boolean; ready?: boolean; sendOk?: () => boolean } = {}) {
  const clock = new Clock();
  const sent: Uint8Array[] = [];
  const calls = { tooLarge: 0, resync: 0 };
  const deps: BatchDeps = {
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    compress: opts.gzip ? async (b) => new Uint8Array(gzipSync(b)) : null,
    send: (f) => {
      if (opts.sendOk && !opts.sendOk()) return false;
      sent.push(f);
      return true;
    },
    ready: () => opts.ready ?? true,
    tooLarge: () => void calls.tooLarge++,
    resync: () => void calls.resync++,
  };
  const b = new Batcher(deps);
  const read = (f: Uint8Array) => {
    const body = Buffer.from(f.subarray(1));
    return { flags: f[0], events: JSON.parse((f[0] & FLAG_GZIP ? gunzipSync(body) : body).toString("utf8")) as { type: number; n: number }[] };
  };
  return { clock, sent, calls, b, read, all: () => sent.map(read) };
}

describe("batching into relay frames", () => {
  it("batches events for 80 ms, the full snapshot first with its flag, gzip-compressed", async () => {
    const t = frames({ gzip: true });
    t.b.add(meta());
    t.b.add(full());
    t.b.add(move(1));
    t.clock.advance(BATCH_MS - 1);
    await t.b.idle();
    expect(t.sent).toHaveLength(0);
    t.clock.advance(1);
    await t.b.idle();
    t.b.add(move(2));
    t.b.add(move(3));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.all().map((f) => [f.flags, f.events.map((e) => e.type)])).toEqual([
      [FLAG_FULL | FLAG_GZIP, [4, 2, 3]],
      [FLAG_GZIP, [3, 3]],
    ]);
  });

  it("starts a new frame at each Meta and full snapshot (a checkout), and sends plain JSON without a compressor", async () => {
    const t = frames({ gzip: false });
    t.b.add(meta());
    t.b.add(full());
    t.b.add(move(1));
    t.b.add(meta(2)); // checkout: Meta, FullSnapshot
    t.b.add(full(10, 2));
    t.b.add(move(3));
    t.b.add(full(10, 4)); // a full snapshot without its Meta still begins a frame
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.all().map((f) => [f.flags, f.events.map((e) => e.type)])).toEqual([
      [FLAG_FULL, [4, 2, 3]],
      [FLAG_FULL, [4, 2, 3]],
      [FLAG_FULL, [2]],
    ]);
  });

  it("sends nothing but a full snapshot first, after a reset (the socket came back), and drops what an old socket had queued", async () => {
    const t = frames();
    t.b.add(move(1));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.sent).toHaveLength(0);
    expect(t.calls.resync).toBe(1); // asked once, as the socket is ready
    t.b.add(move(2));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.calls.resync).toBe(1);
    t.b.add(meta());
    t.b.add(full());
    t.b.flush();
    t.b.reset(); // before it went
    await t.b.idle();
    expect(t.sent).toHaveLength(0);
    t.b.add(meta(5));
    t.b.add(full(10, 5));
    t.b.add(move(6));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.all().map((f) => f.events.map((e) => e.n))).toEqual([[5, 5, 6]]);
  });

  it("cuts a batch larger than a frame into frames of at most 1 MiB, in order", async () => {
    const t = frames({ gzip: false });
    t.b.add(meta());
    t.b.add(full(600_000));
    for (let i = 1; i <= 6; i++) t.b.add(move(i, 300_000));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    const got = t.all();
    expect(t.sent.every((f) => f.length <= MAX_FRAME_BYTES)).toBe(true);
    expect(got[0].flags).toBe(FLAG_FULL);
    expect(got[0].events[0].type).toBe(4);
    expect(got[0].events[1].type).toBe(2);
    expect(got.slice(1).every((f) => f.flags === 0)).toBe(true);
    expect(got.flatMap((f) => f.events.map((e) => e.n))).toEqual([0, 0, 1, 2, 3, 4, 5, 6]);
    expect(t.sent.length).toBeGreaterThanOrEqual(3);
  });

  it("a full snapshot larger than a frame: the page is too large to share, and nothing more goes", async () => {
    const t = frames({ gzip: false });
    t.b.add(meta());
    t.b.add(full(MAX_FRAME_BYTES));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.calls.tooLarge).toBe(1);
    expect(t.sent).toHaveLength(0);
    t.b.add(move(1));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.sent).toHaveLength(0);
  });

  it("the size limit counts the compressed frame: a large but repetitive snapshot goes", async () => {
    const t = frames({ gzip: true });
    t.b.add(meta());
    t.b.add(full(3 * MAX_FRAME_BYTES));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.calls.tooLarge).toBe(0);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0].length).toBeLessThan(MAX_FRAME_BYTES);
  });

  it("a single other event larger than a frame is dropped, and a new full snapshot asked", async () => {
    const t = frames({ gzip: false });
    t.b.add(meta());
    t.b.add(full());
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    t.b.add(move(1, MAX_FRAME_BYTES));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.calls.resync).toBe(1);
    t.b.add(move(2));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.sent).toHaveLength(1); // the lost event's followers wait for the new snapshot
  });

  it("a frame the socket cannot take: the next must be a full snapshot", async () => {
    let ok = true;
    const t = frames({ sendOk: () => ok });
    t.b.add(meta());
    t.b.add(full());
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    ok = false;
    t.b.add(move(1));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    ok = true;
    expect(t.calls.resync).toBe(1);
    t.b.add(move(2));
    t.clock.advance(BATCH_MS);
    await t.b.idle();
    expect(t.sent).toHaveLength(1);
  });
});

class FakeRelay {
  static all: FakeRelay[] = [];
  readyState = 0;
  bufferedAmount = 0;
  sent: (string | Uint8Array)[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeRelay.all.push(this);
  }
  send(x: string | Uint8Array) {
    this.sent.push(x);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  notice(n: object) {
    this.onmessage?.({ data: JSON.stringify(n) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function link() {
  FakeRelay.all = [];
  const clock = new Clock();
  const log: string[] = [];
  const ends: LinkEnd[] = [];
  const l = new RelayLink(
    relayUrl("https://hub.example/"),
    "k3y",
    { WebSocket: FakeRelay as unknown as typeof WebSocket, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, now: clock.now },
    { open: () => log.push("open"), down: () => log.push("down"), checkout: () => log.push("checkout"), ended: (why) => ends.push(why) },
  );
  l.start();
  return { clock, log, ends, l, last: () => FakeRelay.all[FakeRelay.all.length - 1] };
}

describe("the relay socket", () => {
  it("says hello with the relay's key as the visitor, then sends frames", () => {
    const t = link();
    expect(t.last().url).toBe("wss://hub.example/ws/cobrowse");
    expect(t.l.send(new Uint8Array([1, 2]))).toBe(false);
    t.last().open();
    expect(t.last().sent[0]).toBe(JSON.stringify({ relay: "k3y", side: "visitor" }));
    expect(t.log).toEqual(["open"]);
    expect(t.l.send(new Uint8Array([1, 2]))).toBe(true);
    t.last().bufferedAmount = 5 * 1024 * 1024;
    expect(t.l.ready()).toBe(false);
    expect(relayUrl("http://127.0.0.1:8080")).toBe("ws://127.0.0.1:8080/ws/cobrowse");
  });

  it("takes a checkout and the end from the relay's notices", () => {
    const t = link();
    t.last().open();
    t.last().notice({ type: "visitor_away" });
    t.last().notice({ type: "checkout" });
    expect(t.log).toEqual(["open", "checkout"]);
    t.last().notice({ type: "ended", reason: "stopped_by_agent" });
    expect(t.ends).toEqual(["ended"]);
    t.last().drop(1000);
    t.clock.advance(60_000);
    expect(FakeRelay.all).toHaveLength(1); // never again
  });

  it("another page of the session took over: replaced; an unknown relay: gone", () => {
    const a = link();
    a.last().open();
    a.last().notice({ type: "ended", reason: "replaced by another page" });
    expect(a.ends).toEqual(["replaced"]);
    const b = link();
    b.last().drop(NO_SUCH_RELAY);
    expect(b.ends).toEqual(["gone"]);
    b.clock.advance(60_000);
    expect(FakeRelay.all).toHaveLength(1);
  });

  it("comes back after 1 s, 2 s, 4 s… at most 15 s, each time with a full snapshot; a socket that lasted starts over at 1 s", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(relayBackoff)).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    const t = link();
    t.last().open();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = FakeRelay.all.length;
      t.last().drop();
      const at = t.clock.t;
      while (FakeRelay.all.length === before) t.clock.advance(100);
      waits.push(t.clock.t - at);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
    t.last().open();
    t.clock.advance(10_000);
    t.last().drop();
    const at = t.clock.t;
    const before = FakeRelay.all.length;
    while (FakeRelay.all.length === before) t.clock.advance(100);
    expect(t.clock.t - at).toBe(1000);
    t.last().open();
    expect(t.log.filter((x) => x === "open")).toHaveLength(3);
    expect(t.log.filter((x) => x === "down")).toHaveLength(7);
  });

  it("stops for good when asked: the socket closes, no reconnection", () => {
    const t = link();
    t.last().open();
    const ws = t.last();
    t.l.stop();
    expect(ws.closed).toBe(true);
    t.clock.advance(60_000);
    expect(FakeRelay.all).toHaveLength(1);
    expect(t.ends).toEqual([]);
  });
});

describe("the recorder as the widget starts it (cobrowse.js in jsdom)", () => {
  it("records once the relay socket is open, full snapshot first; again after a checkout and a reconnection; stops on the relay's end", async () => {
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = { WebSocket: window.WebSocket, CompressionStream: g.CompressionStream };
    FakeRelay.all = [];
    (window as unknown as Record<string, unknown>).WebSocket = FakeRelay;
    delete g.CompressionStream; // plain JSON frames, to read them here
    vi.useFakeTimers();
    try {
      document.body.innerHTML = `<h1>Shop</h1><input id="pw" type="password" value="CANARY-1"><div id="pupitre-widget">chat</div>`; // fixture
      await import("../src/recorder/main");
      const api = (window as unknown as Record<string, RecorderApi>).__pupitreCobrowse;
      expect(api.version).toBe(1);
      const ends: string[] = [];
      const rec = api.start({ hub: "https://hub.example", relay: "k", unmask: [], mask: [], host: "#pupitre-widget", onEnd: (w) => ends.push(w) });
      const ws = FakeRelay.all[0];
      expect(ws.url).toBe("wss://hub.example/ws/cobrowse");
      const frames = () => ws.sent.filter((x): x is Uint8Array => typeof x !== "string").map((f) => ({ flags: f[0], text: Buffer.from(f.subarray(1)).toString("utf8") }));
      const settle = async () => {
        await vi.advanceTimersByTimeAsync(BATCH_MS + 10);
        await vi.advanceTimersByTimeAsync(10);
      };
      await settle();
      expect(frames()).toEqual([]); // nothing before the socket is open
      ws.open();
      await settle();
      expect(ws.sent[0]).toBe(JSON.stringify({ relay: "k", side: "visitor" }));
      expect(frames()[0].flags).toBe(FLAG_FULL);
      expect(frames()[0].text).toContain("Shop");
      expect(frames()[0].text).not.toContain("CANARY");
      expect(frames()[0].text).not.toContain("chat");
      ws.notice({ type: "checkout" });
      await settle();
      expect(frames().filter((f) => f.flags & FLAG_FULL)).toHaveLength(2);
      ws.drop();
      await vi.advanceTimersByTimeAsync(1_000);
      const again = FakeRelay.all[1];
      again.open();
      await settle();
      expect(again.sent.filter((x) => typeof x !== "string").map((f) => (f as Uint8Array)[0])).toEqual([FLAG_FULL]);
      again.notice({ type: "ended", reason: "stopped_by_agent" });
      expect(ends).toEqual(["ended"]);
      rec.stop();
    } finally {
      vi.useRealTimers();
      (window as unknown as Record<string, unknown>).WebSocket = saved.WebSocket;
      g.CompressionStream = saved.CompressionStream;
      document.body.replaceChildren();
    }
  });
});
