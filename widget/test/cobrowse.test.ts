/**
 * Co-browsing consent (SPEC C1, W3): the visitor is asked, accepts or declines; the tab that
 * accepted records (and only it, resuming on its next pages through sessionStorage); the
 * banner's Stop stops at once; guiding needs its own consent and stays on the site.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Effects, SessionStore } from "../src/cobrowse";
import { Consent } from "../src/cobrowse";
import type { CobrowseState, VisitorCobrowse } from "../src/protocol";
import type { RecorderOptions } from "../src/recorder/api";
import { $, FakeSocket, message, setup, tick } from "./harness";

const asked = (extra: Partial<CobrowseState> = {}): CobrowseState => ({
  conversation: "DEMO-1",
  phase: "asked",
  guiding: "no",
  agent: "Alice Martin",
  relay: null,
  end: null,
  ...extra,
});
const running = (relay = "r1", extra: Partial<CobrowseState> = {}) => asked({ phase: "running", relay, ...extra });
const ended = (end: CobrowseState["end"]) => asked({ phase: "ended", end });

function consent(stored: string | null = null, reachable = true) {
  let value = stored;
  const store: SessionStore = { get: () => value, set: (v) => void (value = v), remove: () => void (value = null) };
  const log: string[] = [];
  const sent: VisitorCobrowse[] = [];
  const fx: Effects = {
    record: (relay) => void log.push(`record ${relay}`),
    stop: () => void log.push("stop"),
    send: (_c, action) => (reachable ? (sent.push(action), true) : false),
  };
  return { c: new Consent(store, fx), log, sent, stored: () => value };
}

describe("consent (C1), as a state machine", () => {
  it("asked: the prompt; accepted: this tab records once the relay comes, and keeps its key", () => {
    const t = consent();
    t.c.update(asked());
    expect(t.c.prompt()).toBe("share");
    expect(t.c.agent()).toBe("Alice Martin");
    t.c.answer(true);
    expect(t.sent).toEqual(["accept"]);
    expect(t.c.prompt()).toBeNull();
    t.c.update(running("r1"));
    expect(t.log).toEqual(["record r1"]);
    expect(t.c.recording).toBe("r1");
    expect(t.stored()).toBe("r1");
    t.c.update(running("r1")); // told again (a guiding change): no second recorder
    expect(t.log).toEqual(["record r1"]);
  });

  it("declined: no recording, no note", () => {
    const t = consent();
    t.c.update(asked());
    t.c.answer(false);
    expect(t.sent).toEqual(["decline"]);
    expect(t.c.prompt()).toBeNull();
    t.c.update(ended("declined"));
    expect(t.c.note).toBeNull();
    expect(t.log).toEqual([]);
  });

  it("the hub cannot be reached: the prompt stays, to answer again", () => {
    const t = consent(null, false);
    t.c.update(asked());
    t.c.answer(true);
    expect(t.c.prompt()).toBe("share");
  });

  it("resumes on the next page of the tab that accepted (sessionStorage), without asking again", () => {
    const t = consent("r1");
    t.c.update(running("r1"));
    expect(t.log).toEqual(["record r1"]);
    expect(t.c.prompt()).toBeNull();
    // The tab moved to another page between its Yes and the relay.
    const first = consent();
    first.c.update(asked());
    first.c.answer(true);
    expect(first.stored()).toBe("?DEMO-1");
    const next = consent(first.stored());
    next.c.update(running("r1"));
    expect(next.log).toEqual(["record r1"]);
    expect(next.stored()).toBe("r1");
  });

  it("another tab never records: neither without the key nor with another session's", () => {
    const other = consent();
    other.c.update(asked());
    other.c.update(running("r1"));
    expect(other.log).toEqual([]);
    expect(other.c.recording).toBeNull();
    expect(other.c.prompt()).toBeNull();
    const stale = consent("r0");
    stale.c.update(running("r1"));
    expect(stale.log).toEqual([]);
  });

  it("ended: recording stops, the key goes, a note says so", () => {
    const t = consent("r1");
    t.c.update(running("r1"));
    t.c.update(ended("stopped_by_agent"));
    expect(t.log).toEqual(["record r1", "stop"]);
    expect(t.stored()).toBeNull();
    expect(t.c.note).toEqual({ kind: "stopped", conversation: "DEMO-1" });
    expect(t.c.state).toBeNull();
    // Another tab, not recording, says nothing.
    const other = consent();
    other.c.update(running("r1"));
    other.c.update(ended("conversation_moved"));
    expect(other.c.note).toBeNull();
  });

  it("the visitor's Stop stops at once, and again if the hub did not get it", () => {
    const t = consent("r1");
    t.c.update(running("r1"));
    t.c.stop();
    expect(t.sent).toEqual(["stop"]);
    expect(t.log).toEqual(["record r1", "stop"]);
    expect(t.c.recording).toBeNull();
    expect(t.stored()).toBeNull();
    expect(t.c.note?.kind).toBe("stopped");
    t.c.update(running("r1")); // after a reconnection, the hub still has it running
    expect(t.sent).toEqual(["stop", "stop"]);
    expect(t.log).toEqual(["record r1", "stop"]);
  });

  it("guiding: asked only in the recording tab, answered yes or no", () => {
    const t = consent("r1");
    t.c.update(running("r1", { guiding: "asked" }));
    expect(t.c.prompt()).toBe("guide");
    t.c.answer(true);
    expect(t.sent).toEqual(["accept_guide"]);
    expect(t.c.prompt()).toBeNull();
    const other = consent();
    other.c.update(running("r1", { guiding: "asked" }));
    expect(other.c.prompt()).toBeNull();
    const no = consent("r1");
    no.c.update(running("r1", { guiding: "asked" }));
    no.c.answer(false);
    expect(no.sent).toEqual(["decline_guide"]);
  });

  it("the recorder stopped by itself: replaced by another tab (quietly), too large (the hub and the agent told why), or over", () => {
    const a = consent("r1");
    a.c.update(running("r1"));
    a.c.recorderEnded("replaced");
    expect(a.c.recording).toBeNull();
    expect(a.stored()).toBeNull();
    expect(a.c.note).toBeNull();
    const b = consent("r1");
    b.c.update(running("r1"));
    b.c.recorderEnded("too_large");
    expect(b.sent).toEqual(["too_large"]);
    expect(b.c.note?.kind).toBe("tooLarge");
    const c = consent("r1");
    c.c.update(running("r1"));
    c.c.recorderEnded("gone");
    expect(c.c.note?.kind).toBe("stopped");
    expect(c.log).toEqual(["record r1", "stop"]);
  });
});

/** A stand-in for `cobrowse.js`: what the widget asked of it. */
function fakeRecorder() {
  const starts: RecorderOptions[] = [];
  const log: string[] = [];
  (window as unknown as Record<string, unknown>).__pupitreCobrowse = {
    version: 1,
    start(o: RecorderOptions) {
      starts.push(o);
      return { stop: () => log.push("stop"), point: (x: number, y: number, layer: Element) => log.push(`point ${x},${y} ${layer.className}`) };
    },
  };
  return { starts, log };
}

describe("co-browsing in the widget (C1)", () => {
  beforeEach(() => {
    sessionStorage.clear();
    delete (window as unknown as Record<string, unknown>).__pupitreCobrowse;
    document.head.querySelectorAll("script").forEach((s) => s.remove());
  });
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__pupitreCobrowse;
  });

  const frame = (s: CobrowseState) => ({ type: "cobrowse", ...s });
  /** The live conversation the agent asks in. */
  const live = {
    history: [{ reference: "DEMO-1", state: "assigned" as const, agent: { name: "Alice Martin" }, messages: [message({ text: "How can I help?" })] }],
  };
  const sentCobrowse = (ws: FakeSocket) => ws.of("cobrowse").map((f) => f.action);

  it("asks in the panel (opened, the card focused and announced); Share accepts; recording starts with the admin's selectors; the banner shows", async () => {
    const rec = fakeRecorder();
    const s = setup({ config: { cobrowse: { unmask: ["#promo"], mask: [".ads"] } } });
    const ws = s.connect();
    ws.push(frame(asked()));
    await tick();
    const card = $(s.shadow, ".cbp");
    expect(card.getAttribute("role")).toBe("group");
    expect(s.shadow.getElementById(card.getAttribute("aria-labelledby")!)!.textContent).toBe("Alice Martin would like to see this page with you");
    expect(card.textContent).toContain("Passwords and card numbers stay hidden"); // some fields are shown as typed
    expect($(s.shadow, "[role=dialog]").hidden).toBe(false);
    expect(s.shadow.activeElement).toBe(card);
    expect($(s.shadow, "[aria-live]").textContent).toContain("would like to see this page");
    const buttons = Array.from(card.querySelectorAll("button"), (b) => b.textContent);
    expect(buttons).toEqual(["Share this page", "No thanks"]);
    card.querySelector("button")!.click();
    await tick();
    expect(sentCobrowse(ws)).toEqual(["accept"]);
    expect(s.shadow.querySelector(".cbp")).toBeNull();
    expect(s.shadow.activeElement).toBe($(s.shadow, ".composer textarea"));
    ws.push(frame(running("relay-1")));
    await tick();
    await tick();
    expect(rec.starts).toHaveLength(1);
    expect(rec.starts[0]).toMatchObject({ hub: "http://hub.test", relay: "relay-1", unmask: ["#promo"], mask: [".ads"], host: "#pupitre-widget" });
    expect(sessionStorage.getItem("pupitre:DEMO:cobrowse")).toBe("relay-1");
    const banner = $(s.shadow, ".cbb");
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("Alice Martin sees this page·Stop");
    expect(banner.querySelector("button")!.getAttribute("aria-label")).toBe("Stop sharing this page");
    expect($(s.shadow, ".pw").classList.contains("cb")).toBe(true);
    // Nothing of a recording is kept: only the relay's key, in this tab.
    expect([...s.kv.data.keys()].some((k) => k.includes("cobrowse"))).toBe(false);
  });

  it("the banner's Stop sends stop and stops recording at once; the panel says sharing stopped", async () => {
    const rec = fakeRecorder();
    sessionStorage.setItem("pupitre:DEMO:cobrowse", "relay-1");
    const s = setup();
    const ws = s.connect(live);
    ws.push(frame(running("relay-1")));
    await tick();
    await tick();
    expect(rec.starts).toHaveLength(1); // resumed: no prompt
    expect(s.shadow.querySelector(".cbp")).toBeNull();
    $(s.shadow, ".cbb button").click();
    expect(rec.log).toEqual(["stop"]);
    expect(sentCobrowse(ws)).toEqual(["stop"]);
    await tick();
    expect($(s.shadow, ".cbb").hidden).toBe(true);
    expect(sessionStorage.getItem("pupitre:DEMO:cobrowse")).toBeNull();
    expect($(s.shadow, ".thread .sys[role=status]").textContent).toBe("Sharing stopped");
    ws.push(frame(ended("stopped_by_visitor")));
    await tick();
    expect(s.shadow.querySelectorAll(".thread .sys[role=status]")).toHaveLength(1);
  });

  it("another tab is asked too, but does not record what the first tab shares", async () => {
    const rec = fakeRecorder();
    const s = setup();
    const ws = s.connect();
    ws.push(frame(asked()));
    await tick();
    expect(s.shadow.querySelector(".cbp")).not.toBeNull();
    ws.push(frame(running("relay-1"))); // accepted elsewhere
    await tick();
    expect(s.shadow.querySelector(".cbp")).toBeNull();
    expect($(s.shadow, ".cbb").hidden).toBe(true);
    expect(rec.starts).toHaveLength(0);
    ws.push(frame(ended("stopped_by_agent")));
    await tick();
    expect(s.shadow.querySelector(".thread .sys[role=status]")).toBeNull();
  });

  it("declined: nothing recorded, no note", async () => {
    const rec = fakeRecorder();
    const s = setup();
    const ws = s.connect();
    ws.push(frame(asked()));
    await tick();
    Array.from(s.shadow.querySelectorAll<HTMLButtonElement>(".cbp button")).find((b) => b.textContent === "No thanks")!.click();
    expect(sentCobrowse(ws)).toEqual(["decline"]);
    ws.push(frame(ended("declined")));
    await tick();
    expect(s.shadow.querySelector(".cbp")).toBeNull();
    expect(s.shadow.querySelector(".thread .sys[role=status]")).toBeNull();
    expect(rec.starts).toHaveLength(0);
  });

  it("loads the recorder from the hub once, only when recording starts", async () => {
    const s = setup();
    const ws = s.connect();
    ws.push(frame(asked()));
    await tick();
    expect(document.head.querySelector("script")).toBeNull();
    $(s.shadow, ".cbp button").click();
    ws.push(frame(running("relay-1")));
    ws.push(frame(running("relay-1", { guiding: "asked" })));
    await tick();
    const scripts = document.head.querySelectorAll("script");
    expect(scripts).toHaveLength(1);
    expect(scripts[0].getAttribute("src")).toBe("http://hub.test/cobrowse.js");
  });

  it("guiding: its own prompt; a page of this site is opened, another site's is not; pointing is drawn by the recorder", async () => {
    const rec = fakeRecorder();
    sessionStorage.setItem("pupitre:DEMO:cobrowse", "relay-1");
    const assigned: string[] = [];
    const loc = { href: "http://shop.test/cart", origin: "http://shop.test", hash: "", pathname: "/cart", search: "", assign: (u: string) => assigned.push(u) };
    const win = new Proxy(window, {
      get: (t, k) => (k === "location" ? loc : typeof (t as never)[k] === "function" ? ((t as never)[k] as (...a: unknown[]) => unknown).bind(t) : (t as never)[k]),
    });
    const s = setup({ language: "fr-FR", win });
    const ws = s.connect();
    ws.push(frame(running("relay-1", { guiding: "asked" })));
    await tick();
    await tick();
    const card = $(s.shadow, ".cbp");
    expect(card.querySelector("h3")!.textContent).toBe("Alice Martin souhaite vous guider : ouvrir des pages de ce site et vous montrer des éléments");
    expect(Array.from(card.querySelectorAll("button"), (b) => b.textContent)).toEqual(["Autoriser", "Non"]);
    expect($(s.shadow, ".cbb").textContent).toBe("Alice Martin voit cette page·Arrêter");
    card.querySelector("button")!.click();
    expect(sentCobrowse(ws)).toEqual(["accept_guide"]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const guide = (g: object) => ws.push({ type: "cobrowse_guide", conversation: "DEMO-1", guide: g });
    guide({ kind: "navigate", url: "https://evil.test/phish" });
    guide({ kind: "navigate", url: "javascript:alert(1)" });
    guide({ kind: "navigate", url: "http://shop.test/pricing?x=1" });
    expect(assigned).toEqual(["http://shop.test/pricing?x=1"]);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
    guide({ kind: "point", x: 120, y: 2400 });
    expect(rec.log).toEqual(["point 120,2400 pw open cb"]); // in the widget's root, with its colour
  });

  it("ignores guiding in a tab that does not record", async () => {
    const rec = fakeRecorder();
    const s = setup();
    const ws = s.connect();
    ws.push(frame(running("relay-1", { guiding: "allowed" })));
    ws.push({ type: "cobrowse_guide", conversation: "DEMO-1", guide: { kind: "point", x: 1, y: 1 } });
    await tick();
    expect(rec.log).toEqual([]);
  });

  it("a page too large to share: the recorder says so, the widget stops and tells the visitor", async () => {
    const rec = fakeRecorder();
    sessionStorage.setItem("pupitre:DEMO:cobrowse", "relay-1");
    const s = setup();
    const ws = s.connect(live);
    ws.push(frame(running("relay-1")));
    await tick();
    await tick();
    rec.starts[0].onEnd("too_large");
    await tick();
    expect(sentCobrowse(ws)).toEqual(["too_large"]);
    expect($(s.shadow, ".cbb").hidden).toBe(true);
    expect($(s.shadow, ".thread .sys[role=status]").textContent).toBe("This page is too large to share");
  });
});
