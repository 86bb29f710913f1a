import { describe, expect, it } from "vitest";
import { backoff, MAX_BACKOFF_MS } from "../src/connection";
import { formatBytes, pickLang, translator } from "../src/i18n";
import { linkify, safeHref, splitLinks } from "../src/linkify";
import { Model } from "../src/model";
import { ADOPT_GRACE_MS, Outbox } from "../src/outbox";
import { checkFile } from "../src/render";
import { isEmail, oneLine } from "../src/text";
import { DraftThrottle } from "../src/throttle";
import { uuidv7 } from "../src/uuid";
import { Clock, CONFIG, memoryKV, message, storedOutbox } from "./harness";

describe("uuidv7", () => {
  it("is a version 7 UUID that sorts by time", () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(uuidv7()).not.toBe(uuidv7());
  });
});

describe("i18n", () => {
  it("speaks French to fr* browsers and English to everything else", () => {
    expect(pickLang("fr-FR")).toBe("fr");
    expect(pickLang("fr")).toBe("fr");
    expect(pickLang("FR-ca")).toBe("fr");
    expect(pickLang("en-US")).toBe("en");
    expect(pickLang("de")).toBe("en");
    expect(pickLang("C")).toBe("en");
    expect(pickLang("")).toBe("en");
    expect(pickLang(undefined)).toBe("en");
    expect(pickLang("frisian")).toBe("en");
  });
  it("fills placeholders and formats sizes per language", () => {
    expect(translator("fr")("fileAsked", { agent: "Alice" })).toBe("Alice vous demande un fichier");
    expect(translator("en")("emailThanks", { email: "a@b.c" })).toContain("a@b.c");
    expect(formatBytes(1536, "en")).toBe("1.5 KB");
    expect(formatBytes(1536, "fr")).toBe("1,5 Ko");
    expect(formatBytes(10 * 1024 * 1024, "en")).toBe("10 MB");
    expect(formatBytes(12, "fr")).toBe("12 o");
  });
});

describe("links (W1, DESIGN §8)", () => {
  it("links http, https, mailto, www and e-mail addresses, with trailing punctuation left out", () => {
    const parts = splitLinks("See https://lumiere.test/lamps?a=1&b=2. Or www.lumiere.test, or write to help@lumiere.test!");
    expect(parts.filter((p) => p.href).map((p) => p.href)).toEqual([
      "https://lumiere.test/lamps?a=1&b=2",
      "https://www.lumiere.test/",
      "mailto:help@lumiere.test",
    ]);
    expect(parts.map((p) => p.text).join("")).toBe(
      "See https://lumiere.test/lamps?a=1&b=2. Or www.lumiere.test, or write to help@lumiere.test!",
    );
    expect(splitLinks("(see https://x.test/a_(b))")[1].text).toBe("https://x.test/a_(b)");
  });
  it("reduces a mailto to its bare address: the headers stay in the text, not in the link (issue 9)", () => {
    const text = "write to mailto:help@lumiere.test?cc=boss@evil.test&bcc=all@evil.test&body=Send%20your%20card%20number now";
    const parts = splitLinks(text);
    const links = parts.filter((p) => p.href);
    expect(links.map((p) => p.href)).toEqual(["mailto:help@lumiere.test"]);
    expect(links[0].text).toBe("mailto:help@lumiere.test?cc=boss@evil.test&bcc=all@evil.test&body=Send%20your%20card%20number");
    expect(parts.map((p) => p.text).join("")).toBe(text);
    expect(safeHref("MAILTO:help@lumiere.test?subject=x#y")).toBe("mailto:help@lumiere.test");
    const a = linkify("mailto:help@lumiere.test?bcc=all@evil.test").find((n) => n.nodeName === "A") as HTMLAnchorElement;
    expect(a.getAttribute("href")).toBe("mailto:help@lumiere.test");
  });
  it("a mailto that is not one valid address is no link at all (issue 9)", () => {
    for (const bad of [
      "mailto:?to=a@evil.test",
      "mailto:a@localhost",
      "mailto:a@evil.test,b@evil.test",
      "mailto:a%3Fbcc%3Db@evil.test",
      "mailto:a%40b@evil.test",
      "mailto:%E2%80%AEa@evil.test",
      "mailto:a@-evil.test",
      "mailto:%ZZ@evil.test",
    ]) {
      expect(safeHref(bad), bad).toBeNull();
      expect(splitLinks(`write to ${bad} now`).some((p) => p.href), bad).toBe(false);
    }
  });
  it("isEmail takes one address and nothing else", () => {
    expect(isEmail("help@lumiere.test")).toBe(true);
    expect(isEmail("first.last+tag@mail.lumiere-shop.co.uk")).toBe(true);
    for (const bad of ["a@example.com?bcc=evil%40evil.test&body=hi", "a b@x.test", "a@b@x.test", "a@x", "<a>@x.test", '"a"@x.test', "a@x.test‮", ".a@x.test", "a.@x.test", "@x.test", "a@"]) {
      expect(isEmail(bad), bad).toBe(false);
    }
  });
  it("oneLine drops bidi and zero-width controls and line breaks, and keeps emoji joined", () => {
    expect(oneLine("invoice\u202Egpj.exe")).toBe("invoicegpj.exe");
    expect(oneLine(" A\u200Bl\u2066i\u2069ce\u200F\n\u2028Martin\uFEFF ")).toBe("Alice Martin");
    expect(oneLine("\u{1F469}\u200D\u{1F4BB} dev")).toBe("\u{1F469}\u200D\u{1F4BB} dev");
    expect(oneLine(null)).toBe("");
  });
  it("never links other schemes", () => {
    for (const bad of ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "file:///etc/passwd"]) {
      expect(safeHref(bad)).toBeNull();
      expect(splitLinks(`click ${bad}`).some((p) => p.href)).toBe(false);
    }
  });
  it("makes anchors that open in a new tab without opener or referrer", () => {
    const nodes = linkify('go https://a.test/"><img src=x onerror=alert(1)> now');
    const a = nodes.find((n) => n.nodeName === "A") as HTMLAnchorElement;
    expect(a.target).toBe("_blank");
    expect(a.rel).toBe("noopener noreferrer");
    expect(a.getAttribute("href")).toBe("https://a.test/");
    const div = document.createElement("div");
    div.append(...nodes);
    expect(div.querySelector("img")).toBeNull();
    expect(div.textContent).toBe('go https://a.test/"><img src=x onerror=alert(1)> now');
  });
});

describe("draft throttle (W3, D11)", () => {
  it("sends at most one draft per 500 ms while typing, the latest text last, and an empty one when cleared or sent", () => {
    const clock = new Clock();
    const sent: string[] = [];
    const d = new DraftThrottle((t) => sent.push(t), clock);
    d.input("H");
    expect(sent).toEqual(["H"]);
    for (const text of ["He", "Hel", "Hell", "Hello"]) {
      clock.advance(100);
      d.input(text);
    }
    expect(sent).toEqual(["H"]);
    clock.advance(100);
    expect(sent).toEqual(["H", "Hello"]);
    clock.advance(2000);
    expect(sent).toEqual(["H", "Hello"]);
    d.input("Hello!");
    expect(sent).toEqual(["H", "Hello", "Hello!"]);
    d.input("");
    expect(sent).toEqual(["H", "Hello", "Hello!", ""]);
    d.input("");
    expect(sent.length).toBe(4);
    d.input("Again");
    clock.advance(600);
    d.sent();
    expect(sent.slice(-2)).toEqual(["Again", ""]);
    d.sent();
    expect(sent.slice(-2)).toEqual(["Again", ""]);
  });
  it("in 10 s of continuous typing sends about 20 drafts, not one per key", () => {
    const clock = new Clock();
    const sent: string[] = [];
    const d = new DraftThrottle((t) => sent.push(t), clock);
    let text = "";
    for (let i = 0; i < 200; i++) {
      text += "a";
      d.input(text);
      clock.advance(50);
    }
    clock.advance(1000);
    expect(sent.length).toBeGreaterThanOrEqual(19);
    expect(sent.length).toBeLessThanOrEqual(21);
    expect(sent[sent.length - 1]).toBe(text);
  });
});

describe("backoff", () => {
  it("grows, is jittered and capped", () => {
    expect(backoff(0, () => 0)).toBe(250);
    expect(backoff(0, () => 1)).toBe(500);
    expect(backoff(3, () => 1)).toBe(4000);
    expect(backoff(30, () => 1)).toBe(MAX_BACKOFF_MS);
    expect(backoff(30, () => 0)).toBe(MAX_BACKOFF_MS / 2);
  });
});

describe("model: resume and history (R12, W2)", () => {
  const welcome = (over: object = {}) => ({
    type: "welcome" as const,
    version: 1,
    token: "t",
    visitor_id: "v",
    seq: 50,
    history: null,
    seen: 0,
    ...over,
  });

  it("knows the visitor's id from the welcome, across pages, and forgets it with its token (D15)", () => {
    const m = new Model();
    expect(m.visitorId).toBeNull();
    m.welcome(welcome({ visitor_id: "v-42" }));
    expect(m.visitorId).toBe("v-42");
    expect(Model.from(JSON.parse(JSON.stringify(m.snapshot()))).visitorId).toBe("v-42");
    expect(Model.from({ ...m.snapshot(), token: null }).visitorId).toBeNull();
  });

  it("keeps its resume point on a resume and skips events already seen", () => {
    const m = new Model();
    m.seq = 20;
    m.welcome(welcome());
    expect(m.seq).toBe(20);
    expect(m.event(21, { kind: "conversation_started", conversation: "DEMO-1" })).toBe(true);
    expect(m.event(21, { kind: "conversation_started", conversation: "DEMO-1" })).toBe(false);
    expect(m.event(19, { kind: "message", message: message({}) })).toBe(false);
    expect(m.seq).toBe(21);
    expect(m.conversations.length).toBe(1);
  });

  it("takes the history as the truth, from the welcome's seq", () => {
    const m = new Model();
    m.conversation("DEMO-9");
    m.welcome(
      welcome({
        seq: 77,
        history: [{ reference: "DEMO-1", state: "closed", agent: { name: "Alice" }, messages: [message({ id: 3 }), message({ id: 2 })] }],
        seen: 3,
      }),
    );
    expect(m.seq).toBe(77);
    expect(m.conversations.map((c) => c.reference)).toEqual(["DEMO-1"]);
    expect(m.conversations[0].messages.map((x) => x.id)).toEqual([2, 3]);
    expect(m.seen).toBe(3);
    expect(m.open()).toBeNull();
  });

  it("adds a message once, in id order; a visitor message reopens a closed conversation", () => {
    const m = new Model();
    const a = message({ id: 5 });
    expect(m.addMessage(a)).toBe(true);
    expect(m.addMessage({ ...a })).toBe(false);
    m.addMessage(message({ id: 4 }));
    expect(m.conversations[0].messages.map((x) => x.id)).toEqual([4, 5]);
    m.apply({ kind: "conversation_closed", conversation: "DEMO-1" });
    expect(m.open()).toBeNull();
    m.addMessage(message({ id: 6, author: { kind: "visitor" } }));
    expect(m.open()?.reference).toBe("DEMO-1");
  });

  it("ignores unknown event kinds and bodies", () => {
    const m = new Model();
    m.apply({ kind: "mirroring_started", whatever: 1 } as never);
    m.addMessage(message({ id: 9, body: { kind: "hologram", x: 1 } as never }));
    m.addMessage(message({ id: 10, body: { kind: "event", event: { kind: "assigned", agent: "A" } } }));
    expect([...m.visible()].length).toBe(0);
    expect(m.unread()).toBe(0);
  });

  it("counts unread brand-side messages after the seen mark; a seen event clears them", () => {
    const m = new Model();
    m.addMessage(message({ id: 1, author: { kind: "visitor" } }));
    m.addMessage(message({ id: 2 }));
    m.addMessage(message({ id: 3, author: { kind: "system" }, body: { kind: "sentence", sentence: "auto_reply", text: "Hi" } }));
    expect(m.unread()).toBe(2);
    m.apply({ kind: "seen", up_to: 2 });
    expect(m.unread()).toBe(1);
    m.apply({ kind: "seen", up_to: 1 });
    expect(m.seen).toBe(2);
  });

  it("offers the e-mail form after an automatic first reply, until an agent answers or it is left (R8)", () => {
    const m = new Model();
    m.addMessage(message({ id: 1, author: { kind: "visitor" } }));
    expect(m.emailOffer()).toBeNull();
    m.addMessage(message({ id: 2, author: { kind: "system" }, body: { kind: "sentence", sentence: "auto_reply", text: "Leave us a message" } }));
    expect(m.emailOffer()).toEqual({ conversation: "DEMO-1", after: 2 });
    m.emailLeft = "a@b.c";
    expect(m.emailOffer()).toBeNull();
    m.emailLeft = null;
    m.addMessage(message({ id: 3 }));
    expect(m.emailOffer()).toBeNull();

    const n = new Model();
    n.addMessage(message({ id: 1, author: { kind: "visitor" } }));
    n.addMessage(message({ id: 2, author: { kind: "system" }, body: { kind: "sentence", sentence: "relaunch", text: "Still there?" } }));
    expect(n.emailOffer()).toBeNull();
  });

  it("shows the waiting questionnaire while queued, for its display time or until an agent joins (R10)", () => {
    const m = new Model();
    m.apply({ kind: "conversation_started", conversation: "DEMO-1" });
    m.apply({ kind: "questionnaire_requested", conversation: "DEMO-1", questions: ["Order number?"], display_seconds: 60 });
    expect(m.questionnaireShown(1000)?.questions).toEqual(["Order number?"]);
    expect(m.questionnaireShown(60_999)).not.toBeNull();
    expect(m.questionnaireShown(61_000)).toBeNull();
    m.apply({ kind: "agent_joined", conversation: "DEMO-1", agent: { name: "Alice" } });
    expect(m.questionnaireShown(2000)).toBeNull();
    expect(m.questionnaire).toBeNull();
  });

  it("holds the questionnaire back while another form asks first; its display time starts when it shows (R10)", () => {
    const m = new Model();
    m.apply({ kind: "conversation_started", conversation: "DEMO-1" });
    m.apply({ kind: "questionnaire_requested", conversation: "DEMO-1", questions: ["Order number?"], display_seconds: 60 });
    expect(m.questionnaireShown(1000)).not.toBeNull(); // shown at once: its clock runs
    expect(m.questionnaireShown(5000, true)).toBeNull(); // then the e-mail offer comes first
    expect(m.questionnaire?.until).toBeNull();
    expect(m.questionnaireShown(500_000)?.until).toBe(560_000); // back: a full display time
    expect(m.questionnaireShown(560_000)).toBeNull();
    expect(Model.from(JSON.parse(JSON.stringify(m.snapshot()))).questionnaire?.until).toBe(560_000);
  });

  it("does not offer the e-mail form again in a conversation where the visitor put it off (R8)", () => {
    const m = new Model();
    m.addMessage(message({ id: 1, author: { kind: "visitor" } }));
    m.addMessage(message({ id: 2, author: { kind: "system" }, body: { kind: "sentence", sentence: "no_agent", text: "Nobody is here" } }));
    m.emailDismissed = "DEMO-1";
    expect(m.emailOffer()).toBeNull();
    expect(Model.from(JSON.parse(JSON.stringify(m.snapshot()))).emailDismissed).toBe("DEMO-1");
    m.conversations[0].state = "closed";
    m.addMessage(message({ id: 3, conversation: "DEMO-2", author: { kind: "visitor" } }));
    m.addMessage(message({ id: 4, conversation: "DEMO-2", author: { kind: "system" }, body: { kind: "sentence", sentence: "no_agent", text: "Nobody is here" } }));
    expect(m.emailOffer()).toEqual({ conversation: "DEMO-2", after: 4 }); // a new question: offered again
  });

  it("holds the survey until it is answered (W4)", () => {
    const m = new Model();
    m.apply({ kind: "survey_requested", conversation: "DEMO-1" });
    expect(m.survey).toBe("DEMO-1");
    m.apply({ kind: "survey_answered", conversation: "DEMO-2" });
    expect(m.survey).toBe("DEMO-1");
    m.apply({ kind: "survey_answered", conversation: "DEMO-1" });
    expect(m.survey).toBeNull();
  });

  it("survives its own snapshot", () => {
    const m = new Model();
    m.token = "tok";
    m.seq = 12;
    m.addMessage(message({ id: 1 }));
    m.emailLeft = "x@y.z";
    const back = Model.from(JSON.parse(JSON.stringify(m.snapshot())));
    expect(back.seq).toBe(12);
    expect(back.token).toBe("tok");
    expect(back.conversations[0].messages[0].id).toBe(1);
    expect(back.emailLeft).toBe("x@y.z");
    expect(Model.from({ ...m.snapshot(), token: null }).seq).toBeNull();
    expect(Model.from(null).seq).toBeNull();
  });
});

describe("outbox (R12)", () => {
  const frame = (text: string) => ({ type: "send_message" as const, client_id: uuidv7(), text });

  it("persists what is not acknowledged and reloads it as queued", () => {
    const kv = memoryKV();
    const o = new Outbox(kv, "k");
    const a = o.add(frame("one"), 1);
    const b = o.add(frame("two"), 2);
    o.markSent(a);
    const again = new Outbox(kv, "k");
    expect(again.toSend().map((e) => e.frame.client_id)).toEqual([a.frame.client_id, b.frame.client_id]);
    o.ack(a.frame.client_id);
    expect(new Outbox(kv, "k").entries.map((e) => e.frame.client_id)).toEqual([b.frame.client_id]);
    expect(o.get(a.frame.client_id)?.state).toBe("acked");
    o.drop(a.frame.client_id);
    o.drop(b.frame.client_id);
    expect(storedOutbox(kv, "k")).toEqual([]);
  });

  it("resends after a disconnect, keeps a refused message with its error, retries a rate-limited one", () => {
    const o = new Outbox(memoryKV(), "k");
    const a = o.add(frame("a"), 1);
    o.markSent(a);
    expect(o.toSend()).toEqual([]);
    o.disconnected();
    expect(o.toSend()).toEqual([a]);
    o.markSent(a);
    o.fail(a.frame.client_id, "rate_limited", "slow down");
    expect(o.toSend()).toEqual([a]);
    o.markSent(a);
    o.fail(a.frame.client_id, "invalid_input", "text is longer than 10000 characters");
    expect(a.state).toBe("failed");
    expect(a.error?.message).toContain("longer");
    expect(o.toSend()).toEqual([]);
    expect(new Outbox((o as unknown as { kv: ReturnType<typeof memoryKV> }).kv, "k").entries[0].state).toBe("failed");
    o.retry(a.frame.client_id);
    expect(o.toSend()).toEqual([a]);
  });

  it("two tabs share the stored outbox: each write merges by client id and removes only what it settled", () => {
    const kv = memoryKV();
    const clock = new Clock();
    const a = new Outbox(kv, "k", clock.now);
    const b = new Outbox(kv, "k", clock.now); // neither has seen the other's entries
    const texts = () => storedOutbox(kv, "k").map((e) => (e.frame.type === "send_message" ? e.frame.text : e.frame.type));
    const a1 = a.add(frame("a1"), 1);
    b.add(frame("b1"), 2);
    a.add(frame("a2"), 3);
    expect(texts()).toEqual(["a1", "b1", "a2"]);
    a.ack(a1.frame.client_id);
    expect(texts()).toEqual(["b1", "a2"]);
    // B still holds a stale view; its write does not bring a1 back nor lose a2.
    b.add(frame("b2"), 4);
    expect(texts()).toEqual(["b1", "a2", "b2"]);
    // A page loaded now (a third tab, or the next visit) gets everything unsent.
    expect(new Outbox(kv, "k", clock.now).toSend().map((e) => e.frame.type === "send_message" && e.frame.text)).toEqual(["b1", "a2", "b2"]);
  });

  it("sync: another tab's entries show here, go on this connection only after a grace, and follow its refusals, retries and settlements", () => {
    const kv = memoryKV();
    const clock = new Clock();
    const a = new Outbox(kv, "k", clock.now);
    const b = new Outbox(kv, "k", clock.now);
    const x = a.add(frame("x"), clock.t);
    expect(b.sync()).toBe(true);
    expect(b.messages().map((e) => e.frame.client_id)).toEqual([x.frame.client_id]);
    expect(b.toSend(clock.t)).toEqual([]);
    expect(b.toSend(clock.t + ADOPT_GRACE_MS).map((e) => e.frame.client_id)).toEqual([x.frame.client_id]);
    expect(b.sync()).toBe(false); // nothing new

    a.fail(x.frame.client_id, "invalid_input", "too long");
    b.sync();
    expect(b.get(x.frame.client_id)).toMatchObject({ state: "failed", error: { message: "too long" } });
    a.retry(x.frame.client_id);
    b.sync();
    expect(b.get(x.frame.client_id)?.state).toBe("queued");

    // Settled by A (acknowledged, or taken back to edit): gone from B too, never re-adopted.
    a.drop(x.frame.client_id);
    expect(b.sync()).toBe(true);
    expect(b.messages()).toEqual([]);
    kv.set("k", JSON.stringify([{ frame: x.frame, state: "queued", at: 1 }])); // a stale old-format write
    b.sync();
    expect(b.messages()).toEqual([]);
  });

  it("sync writes back this tab's entries that another tab's write missed", () => {
    const kv = memoryKV();
    const a = new Outbox(kv, "k", new Clock().now);
    const mine = a.add(frame("mine"), 1);
    kv.set("k", JSON.stringify({ entries: [], done: [] })); // clobbered by a racing write
    a.sync();
    expect(storedOutbox(kv, "k").map((e) => e.frame.client_id)).toEqual([mine.frame.client_id]);
    kv.remove("k"); // the site cleared localStorage
    a.sync();
    expect(storedOutbox(kv, "k").map((e) => e.frame.client_id)).toEqual([mine.frame.client_id]);
  });

  it("reads the older stored format (a bare array)", () => {
    const f = frame("old");
    const kv = memoryKV(new Map([["k", JSON.stringify([{ frame: f, state: "sent", at: 5 }])]]));
    expect(new Outbox(kv, "k").toSend().map((e) => e.frame.client_id)).toEqual([f.client_id]);
  });

  it("ignores garbage in storage", () => {
    const kv = memoryKV(new Map([["k", '[{"nope":1},null,"x"]']]));
    expect(new Outbox(kv, "k").entries).toEqual([]);
    expect(new Outbox(memoryKV(new Map([["k", "{not json"]])), "k").entries).toEqual([]);
  });
});

describe("file checks (W4)", () => {
  const t = translator("en");
  it("refuses too large files and other types, with a clear message", () => {
    expect(checkFile({ size: 10, type: "image/png" }, CONFIG, t, "en")).toBeNull();
    expect(checkFile({ size: 2 * 1024 * 1024, type: "image/png" }, CONFIG, t, "en")).toBe("This file is too large: 1.0 MB at most.");
    expect(checkFile({ size: 10, type: "text/html" }, CONFIG, t, "en")).toBe(
      "This type of file is not accepted. Accepted: image/png, application/pdf.",
    );
    expect(checkFile({ size: 10, type: "image/gif" }, { ...CONFIG, file_types: ["image/*"] }, t, "en")).toBeNull();
  });
});

describe("config (W1)", () => {
  it("reads the project's config, keeps it for a visit without the hub, and stays away from an unknown project", async () => {
    const { loadConfig } = await import("../src/main");
    const kv = memoryKV();
    const ok = (async () => new Response(JSON.stringify(CONFIG), { status: 200 })) as unknown as typeof fetch;
    expect(await loadConfig("http://hub.test", "DEMO", kv, ok)).toEqual(CONFIG);
    const down = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch;
    expect((await loadConfig("http://hub.test", "DEMO", kv, down))?.name).toBe("Maison Lumière");
    expect((await loadConfig("http://hub.test", "OTHER", kv, down))?.name).toBe("OTHER");
    const missing = (async () => new Response("{}", { status: 404 })) as unknown as typeof fetch;
    expect(await loadConfig("http://hub.test", "NOPE", kv, missing)).toBeNull();
  });
});
