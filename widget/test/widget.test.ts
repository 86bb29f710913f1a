import { beforeEach, describe, expect, it } from "vitest";
import { $, FakeSocket, memoryKV, message, setup, storedOutbox, tick } from "./harness";

const type = (input: HTMLTextAreaElement, text: string) => {
  input.value = text;
  input.dispatchEvent(new Event("input"));
};
const enter = (input: HTMLTextAreaElement, shiftKey = false) =>
  input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", shiftKey, bubbles: true, cancelable: true }));

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  location.hash = "";
});

describe("connection and hello (W2)", () => {
  it("says hello with the project, the page and no token the first time, then keeps the token", async () => {
    const s = setup();
    expect(s.socket().url).toBe("ws://hub.test/ws/visitor");
    s.socket().open();
    const hello = s.socket().sent[0];
    expect(hello).toMatchObject({ type: "hello", version: 1, project: "DEMO", token: null, last_seq: null, language: "en-GB" });
    expect(hello.type === "hello" && hello.page?.url).toBe(location.href);
    s.socket().push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 10, history: [], seen: 0 });
    s.widget.saveNow();
    const saved = JSON.parse(s.kv.data.get("pupitre:DEMO")!);
    expect(saved.token).toBe("tok-1");
    expect(saved.seq).toBe(10);
  });

  it("comes back with its token and last seq, and gets exactly what it missed (R12)", async () => {
    const kv = memoryKV();
    const first = setup({ kv });
    const s1 = first.connect();
    s1.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, text: "first" }) } });
    first.widget.saveNow();
    first.widget.stop();

    const again = setup({ kv });
    await tick();
    expect(again.shadow.textContent).toContain("first"); // drawn from the cache before the hub answers
    const s2 = again.socket();
    s2.open();
    expect(s2.sent[0]).toMatchObject({ type: "hello", token: "tok-1", last_seq: 11 });
    s2.push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 40, history: null, seen: 0 });
    s2.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, text: "first" }) } });
    s2.push({ type: "event", seq: 12, event: { kind: "message", message: message({ id: 2, text: "second" }) } });
    await tick();
    const bubbles = Array.from(again.shadow.querySelectorAll(".bubble")).map((b) => b.textContent);
    expect(bubbles).toEqual(["first", "second"]);
    expect(again.widget.model.seq).toBe(12);
  });

  it("reconnects after a drop with its last seq, with growing waits, and says it is reconnecting", async () => {
    const s = setup();
    s.connect();
    s.socket().push({ type: "event", seq: 15, event: { kind: "conversation_started", conversation: "DEMO-1" } });
    s.socket().drop();
    await tick();
    s.widget.open();
    expect($(s.shadow, ".status").hidden).toBe(false);
    expect($(s.shadow, ".status").textContent).toBe("Reconnecting…");
    expect(FakeSocket.all.length).toBe(1);
    s.clock.advance(600);
    expect(FakeSocket.all.length).toBe(2);
    s.socket().drop();
    s.clock.advance(600);
    expect(FakeSocket.all.length).toBe(2); // waits longer the second time
    s.clock.advance(1000);
    expect(FakeSocket.all.length).toBe(3);
    s.socket().open();
    expect(s.socket().sent[0]).toMatchObject({ type: "hello", last_seq: 15 });
    s.socket().push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 15, history: null, seen: 0 });
    await tick();
    expect($(s.shadow, ".status").hidden).toBe(true);
  });

  it("starts as a new visitor when the hub refuses the token", async () => {
    const kv = memoryKV(new Map([["pupitre:DEMO", JSON.stringify({ v: 1, token: "forged", seq: 3, seen: 0, conversations: [], survey: null, questionnaire: null, emailLeft: null })]]));
    const s = setup({ kv });
    s.socket().open();
    expect(s.socket().sent[0]).toMatchObject({ token: "forged", last_seq: 3 });
    s.socket().push({ type: "error", code: "unauthorized", message: "invalid visitor token; connect without one" });
    s.socket().drop();
    s.clock.advance(1000);
    s.socket().open();
    expect(s.socket().sent[0]).toMatchObject({ token: null, last_seq: null });
  });

  it("pings when the line is quiet and gives up a dead connection", () => {
    const s = setup();
    s.connect();
    s.clock.advance(25_000);
    expect(s.socket().of("ping").length).toBe(1);
    s.clock.advance(10_000);
    expect(FakeSocket.all.length).toBe(1);
    s.clock.advance(1_000);
    expect(FakeSocket.all.length).toBe(2);
  });
});

describe("outbox in the page (R12)", () => {
  it("shows a message pending until acknowledged, merges its echo, and never shows it twice", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    const input = $(s.shadow, "textarea") as HTMLTextAreaElement;
    type(input, "Hello, is the Aurore lamp in stock?");
    enter(input);
    await tick();
    expect(input.value).toBe("");
    const sent = ws.of("send_message");
    expect(sent.length).toBe(1);
    expect(sent[0].client_id).toMatch(/^[0-9a-f-]{36}$/);
    const pending = $(s.shadow, "[data-client-id]");
    expect(pending.dataset.state).toBe("sent");
    expect(pending.textContent).toContain("Sending…");
    ws.push({ type: "event", seq: 11, event: { kind: "conversation_started", conversation: "DEMO-1" } });
    ws.push({ type: "event", seq: 12, event: { kind: "message", message: message({ id: 7, client_id: sent[0].client_id, author: { kind: "visitor" }, text: "Hello, is the Aurore lamp in stock?" }) } });
    ws.push({ type: "ack", client_id: sent[0].client_id });
    await tick();
    expect(s.shadow.querySelectorAll("[data-client-id]").length).toBe(0);
    const mine = Array.from(s.shadow.querySelectorAll(".row.me .bubble")).map((b) => b.textContent);
    expect(mine).toEqual(["Hello, is the Aurore lamp in stock?"]);
    expect(storedOutbox(s.kv)).toEqual([]);
  });

  it("keeps a message typed offline, shows it waiting, and sends it once with the same id when back", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    ws.drop();
    await tick();
    const input = $(s.shadow, "textarea") as HTMLTextAreaElement;
    type(input, "typed in a tunnel");
    enter(input);
    await tick();
    expect($(s.shadow, "[data-client-id]").textContent).toContain("typed in a tunnel");
    expect(storedOutbox(s.kv).map((e) => e.frame.type === "send_message" && e.frame.text)).toEqual(["typed in a tunnel"]);
    s.clock.advance(1000);
    const ws2 = s.socket();
    ws2.open();
    expect(ws2.of("send_message").length).toBe(0); // not before the welcome
    ws2.push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 10, history: null, seen: 0 });
    const resent = ws2.of("send_message");
    expect(resent.length).toBe(1);
    // The connection drops before the ack: the same id goes again, once.
    ws2.drop();
    s.clock.advance(1000);
    const ws3 = s.socket();
    ws3.open();
    ws3.push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 10, history: null, seen: 0 });
    expect(ws3.of("send_message").map((f) => f.client_id)).toEqual([resent[0].client_id]);
    ws3.push({ type: "ack", client_id: resent[0].client_id });
    ws3.push({ type: "ack", client_id: resent[0].client_id });
    ws3.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 8, client_id: resent[0].client_id, author: { kind: "visitor" }, text: "typed in a tunnel" }) } });
    await tick();
    expect(Array.from(s.shadow.querySelectorAll(".bubble")).map((b) => b.textContent)).toEqual(["typed in a tunnel"]);
  });

  it("a message the history already holds is not shown twice when its resend is acknowledged", async () => {
    const kv = memoryKV();
    const first = setup({ kv });
    first.widget.send("applied before the reload");
    const id = first.widget.outbox.entries[0].frame.client_id;
    first.widget.stop();
    const next = setup({ kv });
    const ws = next.connect({
      history: [{ reference: "DEMO-1", state: "queued", agent: null, messages: [message({ id: 1, client_id: id, author: { kind: "visitor" }, text: "applied before the reload" })] }],
    });
    expect(ws.of("send_message")).toEqual([]);
    ws.push({ type: "ack", client_id: id });
    await tick();
    expect(Array.from(next.shadow.querySelectorAll(".bubble")).map((b) => b.textContent)).toEqual(["applied before the reload"]);
    expect(next.kv.data.get("pupitre:DEMO:outbox") ?? "").not.toContain("send_message");
  });

  it("a message left in the outbox by an earlier page is sent by the next one", async () => {
    const kv = memoryKV();
    const first = setup({ kv });
    first.widget.send("left behind");
    first.widget.stop();
    const next = setup({ kv });
    const ws = next.connect();
    expect(ws.of("send_message").map((f) => f.text)).toEqual(["left behind"]);
  });

  it("two tabs offline keep both outboxes: each shows the other's message pending, and the tab left sends both once", async () => {
    const kv = memoryKV();
    const storage = () => window.dispatchEvent(new StorageEvent("storage", { key: "pupitre:DEMO:outbox" }));
    const a = setup({ kv });
    const wsA = a.connect();
    const b = setup({ kv, tab: true });
    const wsB = b.connect();
    a.widget.open();
    b.widget.open();
    wsA.drop();
    wsB.drop();
    const later = () => [a, b].forEach((tab) => tab.clock.advance(10));
    a.widget.send("from tab A");
    storage();
    later();
    b.widget.send("from tab B");
    storage();
    later();
    a.widget.send("A again");
    storage();
    await tick();
    // The stored outbox holds all three: neither tab overwrote the other's.
    const texts = (e: { frame: { type: string; text?: string } }) => (e.frame.type === "send_message" ? e.frame.text : "");
    expect(storedOutbox(kv).map(texts)).toEqual(["from tab A", "from tab B", "A again"]);
    for (const tab of [a, b]) {
      const pending = Array.from(tab.shadow.querySelectorAll<HTMLElement>("[data-client-id]"));
      expect(pending.map((p) => p.querySelector(".bubble")!.textContent)).toEqual(["from tab A", "from tab B", "A again"]);
      expect(pending.every((p) => p.textContent!.includes("Waiting for the connection"))).toBe(true);
    }

    // Tab A is closed while offline; tab B reconnects: its own message goes at once, A's after
    // a short grace (A might still be sending them), each once.
    a.widget.stop();
    b.clock.advance(1000);
    const ws2 = b.socket();
    expect(ws2).not.toBe(wsB);
    ws2.open();
    ws2.push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 10, history: null, seen: 0 });
    expect(ws2.of("send_message").map((f) => f.text)).toEqual(["from tab B"]);
    b.clock.advance(5000);
    const sent = ws2.of("send_message");
    expect(sent.map((f) => f.text)).toEqual(["from tab B", "from tab A", "A again"]);
    expect(new Set(sent.map((f) => f.client_id)).size).toBe(3);
    sent.forEach((f, i) => {
      ws2.push({ type: "event", seq: 11 + i, event: { kind: "message", message: message({ id: 20 + i, client_id: f.client_id, author: { kind: "visitor" }, text: f.text }) } });
      ws2.push({ type: "ack", client_id: f.client_id });
    });
    b.clock.advance(10_000);
    await tick();
    expect(ws2.of("send_message").length).toBe(3);
    expect(b.shadow.querySelectorAll("[data-client-id]").length).toBe(0);
    expect(Array.from(b.shadow.querySelectorAll(".row.me .bubble")).map((x) => x.textContent)).toEqual(["from tab B", "from tab A", "A again"]);
    expect(storedOutbox(kv)).toEqual([]);
  });

  it("a message the other tab sent while both are online is not sent again, and its pending copy goes", async () => {
    const kv = memoryKV();
    const storage = () => window.dispatchEvent(new StorageEvent("storage", { key: "pupitre:DEMO:outbox" }));
    const a = setup({ kv });
    const wsA = a.connect();
    const b = setup({ kv, tab: true });
    const wsB = b.connect();
    b.widget.open();
    a.widget.send("only from A");
    storage();
    await tick();
    const id = wsA.of("send_message")[0].client_id;
    expect($(b.shadow, "[data-client-id]").dataset.clientId).toBe(id); // shown pending in B
    // The hub's echo reaches both tabs, then A's ack.
    const echo = { type: "event", seq: 11, event: { kind: "message", message: message({ id: 30, client_id: id, author: { kind: "visitor" }, text: "only from A" }) } } as const;
    wsA.push(echo);
    wsB.push(echo);
    wsA.push({ type: "ack", client_id: id });
    storage();
    b.clock.advance(10_000);
    await tick();
    expect(wsB.of("send_message")).toEqual([]);
    expect(b.shadow.querySelectorAll("[data-client-id]").length).toBe(0);
    expect(Array.from(b.shadow.querySelectorAll(".row.me .bubble")).map((x) => x.textContent)).toEqual(["only from A"]);
    expect(storedOutbox(kv)).toEqual([]);
  });

  it("shows the hub's error next to a refused message, keeps its text, and can retry or edit it", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    s.widget.send("x".repeat(20));
    const id = ws.of("send_message")[0].client_id;
    ws.push({ type: "error", code: "invalid_input", message: "text is longer than 10000 characters", client_id: id });
    await tick();
    const failed = $(s.shadow, "[data-client-id]");
    expect(failed.dataset.state).toBe("failed");
    expect(failed.textContent).toContain("text is longer than 10000 characters");
    expect(failed.textContent).toContain("x".repeat(20));
    const [retry, edit] = Array.from(failed.querySelectorAll("button"));
    retry.click();
    expect(ws.of("send_message").length).toBe(2);
    ws.push({ type: "error", code: "invalid_input", message: "still too long", client_id: id });
    await tick();
    $(s.shadow, "[data-client-id]").querySelectorAll("button")[1].click();
    await tick();
    expect(($(s.shadow, "textarea") as HTMLTextAreaElement).value).toBe("x".repeat(20));
    expect(s.shadow.querySelector("[data-client-id]")).toBeNull();
    void edit;
  });

  it("tries a rate-limited message again a little later", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.send("hi");
    const id = ws.of("send_message")[0].client_id;
    ws.push({ type: "error", code: "rate_limited", message: "too many frames", client_id: id });
    expect(ws.of("send_message").length).toBe(1);
    s.clock.advance(2100);
    expect(ws.of("send_message").map((f) => f.client_id)).toEqual([id, id]);
  });
});

describe("hostile content is text (DESIGN §8)", () => {
  const payloads = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(document.cookie)</script>",
    '"><svg onload=alert(1)>',
    "<iframe src=javascript:alert(1)></iframe>",
    "javascript:alert(1)",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<style>*{display:none}</style>",
  ];

  it("renders hostile messages, sentences, offers, files, names and questions without making a single element from them", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    const before = s.shadow.querySelectorAll("*").length;
    let seq = 11;
    let id = 500;
    const evil = payloads.join(" ");
    const push = (m: object) => ws.push({ type: "event", seq: seq++, event: { kind: "message", message: message({ id: id++, ...m }) } });
    push({ author: { kind: "visitor" }, text: evil });
    push({ author: { kind: "agent", id: 1, name: evil }, text: evil });
    push({ author: { kind: "system" }, body: { kind: "sentence", sentence: "relaunch", text: evil } });
    push({ body: { kind: "offer", offer: { title: evil, text: evil, link: "javascript:alert(1)", image: "javascript:alert(1)" } } });
    push({ body: { kind: "file", file: { id: "f1", name: evil, size: 12, mime: "text/html" } } });
    push({ author: { kind: "system" }, body: { kind: "event", event: { kind: "file_requested", agent: evil } } });
    push({ author: { kind: "system" }, body: { kind: "event", event: { kind: "manager_joined", agent: evil, joined: true } } });
    ws.push({ type: "event", seq: seq++, event: { kind: "agent_joined", conversation: "DEMO-1", agent: { name: evil } } });
    ws.push({ type: "event", seq: seq++, event: { kind: "questionnaire_requested", conversation: "DEMO-2", questions: [evil], display_seconds: 60 } });
    ws.push({ type: "event", seq: seq++, event: { kind: "conversation_started", conversation: "DEMO-2" } });
    s.widget.send(evil);
    await tick();
    const all = Array.from(s.shadow.querySelectorAll("*"));
    expect(all.length).toBeGreaterThan(before);
    for (const tag of ["script", "iframe", "img", "svg style", "a[href^=javascript]", "[onerror]", "[onload]"]) {
      expect(s.shadow.querySelectorAll(tag).length, tag).toBe(0);
    }
    // Our own SVG icons are the only svg elements, and none came from the payload.
    for (const svg of Array.from(s.shadow.querySelectorAll("svg"))) expect(svg.getAttribute("onload")).toBeNull();
    expect(s.shadow.querySelectorAll("style").length).toBe(1);
    expect(document.body.querySelectorAll("img,script,iframe").length).toBe(0);
    expect(s.shadow.textContent).toContain('<img src=x onerror="alert(1)">');
    expect(s.shadow.textContent).toContain("<script>alert(document.cookie)</script>");
    // The offer's javascript: link is not a link at all.
    expect(s.shadow.querySelector(".card a")).toBeNull();
  });

  it("says when a manager joins or leaves the adviser (M3), and never shows agents-only notes", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    let seq = 11;
    let id = 700;
    const push = (m: object) => ws.push({ type: "event", seq: seq++, event: { kind: "message", message: message({ id: id++, ...m }) } });
    push({ author: { kind: "system" }, body: { kind: "event", event: { kind: "manager_joined", agent: "Mona", joined: true } } });
    // Never sent to a visitor by the hub; shown nowhere if it ever were.
    push({ author: { kind: "agent", id: 9, name: "Mona" }, body: { kind: "whisper", text: "psst-agents-only" } });
    push({ author: { kind: "system" }, body: { kind: "comment", text: "internal-comment" } });
    push({ author: { kind: "system" }, body: { kind: "event", event: { kind: "manager_joined", agent: "Mona", joined: false } } });
    await tick();
    const lines = Array.from(s.shadow.querySelectorAll('[data-event="manager_joined"]')).map((e) => e.textContent);
    expect(lines).toEqual(["Mona joined the conversation", "Mona left the conversation"]);
    expect(s.shadow.textContent).not.toContain("psst-agents-only");
    expect(s.shadow.textContent).not.toContain("internal-comment");
  });

  it("shows names and file names without bidi or zero-width controls, each isolated in a bdi (issue 9)", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    let seq = 11;
    const push = (m: object) => ws.push({ type: "event", seq: seq++, event: { kind: "message", message: message(m) } });
    const agent = { kind: "agent", id: 1, name: "Ali\u202Eec\u200B Martin" };
    push({ author: agent, text: "Bonjour \u202Eevil" });
    push({ author: agent, body: { kind: "file", file: { id: "f1", name: "invoice\u202Egpj.exe", size: 12, mime: "application/octet-stream" } } });
    push({ author: { kind: "system" }, body: { kind: "event", event: { kind: "file_requested", agent: "Ali\u2067ce" } } });
    ws.push({ type: "event", seq: seq++, event: { kind: "agent_joined", conversation: "DEMO-1", agent: { name: "Ali\u202Eec\u200B Martin" } } });
    await tick();
    const fn = $(s.shadow, ".fn");
    expect(fn.tagName).toBe("BDI");
    expect(fn.textContent).toBe("invoicegpj.exe");
    expect(fn.getAttribute("title")).toBe("invoicegpj.exe");
    const name = $(s.shadow, ".name");
    expect(name.querySelector("bdi")!.textContent).toBe("Aliec Martin");
    const header = $(s.shadow, ".who p");
    expect(header.querySelector("bdi")!.textContent).toBe("Aliec Martin");
    expect(header.textContent).toBe("Aliec Martin · Your adviser");
    const asked = $(s.shadow, ".box h3");
    expect(asked.querySelector("bdi")!.textContent).toBe("Alice");
    expect(asked.textContent).toBe("Alice asks you for a file");
    // A message keeps its text, in a bubble that isolates it.
    const bubble = $(s.shadow, ".them .bubble");
    expect(bubble.getAttribute("dir")).toBe("auto");
    expect(bubble.textContent).toBe("Bonjour \u202Eevil");
    // Outside message bodies, no bidi or zero-width control is left.
    const clone = $(s.shadow, ".panel").cloneNode(true) as HTMLElement;
    clone.querySelectorAll(".bubble[dir=auto]").forEach((el) => el.remove());
    expect(clone.textContent).not.toMatch(/[\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/);
  });

  it("never uses innerHTML, outerHTML, insertAdjacentHTML or document.write anywhere in its source", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dir = join(process.cwd(), "src");
    const names = (readdirSync(dir, { recursive: true }) as string[]).filter((n) => n.endsWith(".ts"));
    expect(names).toContain("render.ts");
    expect(names).toContain(join("recorder", "scrub.ts")); // the co-browsing recorder too
    for (const name of names) {
      const text = readFileSync(join(dir, name), "utf8");
      expect(text, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
  });
});

describe("panel (W1, accessibility)", () => {
  it("has a real launcher button and a labelled dialog; Escape closes and gives focus back", async () => {
    const s = setup();
    s.connect();
    const launcher = $(s.shadow, ".launcher") as HTMLButtonElement;
    const panel = $(s.shadow, "[role=dialog]");
    expect(launcher.tagName).toBe("BUTTON");
    expect(launcher.getAttribute("aria-expanded")).toBe("false");
    expect(launcher.getAttribute("aria-label")).toBe("Open the chat");
    expect(panel.hidden).toBe(true);
    expect(panel.getAttribute("aria-labelledby")).toBe("pw-title");
    expect($(s.shadow, "#pw-title").textContent).toBe("Maison Lumière");
    launcher.click();
    expect(panel.hidden).toBe(false);
    expect(launcher.getAttribute("aria-expanded")).toBe("true");
    expect(s.shadow.activeElement?.tagName).toBe("TEXTAREA");
    panel.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(panel.hidden).toBe(true);
    expect(s.shadow.activeElement).toBe(launcher);
  });

  it("keeps Tab inside the open panel", () => {
    const s = setup();
    s.connect();
    s.widget.open();
    const panel = $(s.shadow, "[role=dialog]");
    const close = $(s.shadow, "button.x");
    const textarea = $(s.shadow, "textarea");
    // The send button is disabled while empty: the textarea is the last stop.
    textarea.focus();
    const tab = new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true });
    textarea.dispatchEvent(tab);
    expect(tab.defaultPrevented).toBe(true);
    expect(s.shadow.activeElement).toBe(close);
    const back = new KeyboardEvent("keydown", { key: "Tab", shiftKey: true, bubbles: true, cancelable: true });
    close.dispatchEvent(back);
    expect(s.shadow.activeElement).toBe(textarea);
    void panel;
  });

  it("announces new agent messages in a polite live region", async () => {
    const s = setup();
    const ws = s.connect();
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, text: "Yes, in stock!" }) } });
    await tick();
    const live = $(s.shadow, "[aria-live=polite]");
    expect(live.textContent).toBe("Alice Martin: Yes, in stock!");
  });

  it("Enter sends, Shift+Enter does not", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    const input = $(s.shadow, "textarea") as HTMLTextAreaElement;
    type(input, "line one");
    enter(input, true);
    expect(ws.of("send_message").length).toBe(0);
    type(input, "line one\nline two");
    enter(input);
    expect(ws.of("send_message")[0].text).toBe("line one\nline two");
    type(input, "   ");
    enter(input);
    expect(ws.of("send_message").length).toBe(1);
  });

  it("opens at load on #pupitre-open (the link of the answer by e-mail)", () => {
    location.hash = "#pupitre-open";
    const s = setup();
    expect($(s.shadow, "[role=dialog]").hidden).toBe(false);
  });

  it("shows the agent's name and initials in the header once they joined", async () => {
    const s = setup();
    const ws = s.connect();
    expect($(s.shadow, ".avatar").textContent).toBe("ML");
    ws.push({ type: "event", seq: 11, event: { kind: "conversation_started", conversation: "DEMO-1" } });
    ws.push({ type: "event", seq: 12, event: { kind: "agent_joined", conversation: "DEMO-1", agent: { name: "Alice Martin" } } });
    await tick();
    expect($(s.shadow, ".avatar").textContent).toBe("AM");
    expect($(s.shadow, ".who p").textContent).toContain("Alice Martin");
  });

  it("applies the project's colour and font, and refuses CSS smuggled in them", () => {
    const s = setup();
    const box = $(s.shadow, ".pw");
    expect(box.style.getPropertyValue("--c")).toBe("#b4532a");
    // Text drawn on it and in it, derived to read at WCAG AA (contrast.ts).
    expect(box.style.getPropertyValue("--on")).toBe("#ffffff");
    expect(box.style.getPropertyValue("--on-soft")).toBe("#fbf6f4");
    expect(box.style.getPropertyValue("--avatar")).toBe("#8c4121");
    expect(box.style.getPropertyValue("--c-ink")).toBe("#b4532a");
    expect(box.style.getPropertyValue("--f")).toBe("Georgia, serif");
    const light = $(setup({ config: { color: "#ffd600" } }).shadow, ".pw");
    expect(light.style.getPropertyValue("--on")).toBe("#16171a");
    expect(light.style.getPropertyValue("--c-ink")).toBe("#806b00");
    const bad = setup({ config: { color: "red;background:url(https://evil.test/x)", font: "x;}</style><script>" } });
    const badBox = $(bad.shadow, ".pw");
    expect(badBox.style.getPropertyValue("--c")).toBe("#4f46e5");
    expect(badBox.style.getPropertyValue("--f")).toBe("");
  });

  it("speaks French to a French browser", async () => {
    const s = setup({ language: "fr-FR" });
    s.connect();
    expect($(s.shadow, ".launcher").getAttribute("aria-label")).toBe("Ouvrir la discussion");
    expect(($(s.shadow, "textarea") as HTMLTextAreaElement).placeholder).toBe("Écrivez votre message…");
    expect(s.socket().sent[0]).toMatchObject({ language: "fr-FR" });
  });

  it("renders links, offers, files and closed conversations", async () => {
    const s = setup();
    const ws = s.connect({
      history: [
        { reference: "DEMO-1", state: "closed", agent: { name: "Alice Martin" }, messages: [message({ id: 1, text: "Old answer" })] },
        {
          reference: "DEMO-2",
          state: "assigned",
          agent: { name: "Alice Martin" },
          messages: [
            message({ id: 2, conversation: "DEMO-2", text: "See https://lumiere.test/aurore or write to help@lumiere.test." }),
            message({ id: 3, conversation: "DEMO-2", body: { kind: "offer", offer: { title: "Aurore −20 %", text: "This week only", link: "https://lumiere.test/aurore", image: "https://lumiere.test/aurore.jpg" } } }),
            message({ id: 4, conversation: "DEMO-2", body: { kind: "file", file: { id: "f9", name: "guide.pdf", size: 2048, mime: "application/pdf" } } }),
            message({ id: 5, conversation: "DEMO-2", author: { kind: "system" }, body: { kind: "sentence", sentence: "transferred", text: "You have been transferred to another adviser." } }),
          ],
        },
      ],
    });
    void ws;
    s.widget.open();
    await tick();
    const links = Array.from(s.shadow.querySelectorAll<HTMLAnchorElement>(".bubble a"));
    expect(links.map((a) => a.href)).toEqual(["https://lumiere.test/aurore", "mailto:help@lumiere.test"]);
    expect(links.every((a) => a.target === "_blank" && a.rel === "noopener noreferrer")).toBe(true);
    expect($(s.shadow, ".sep").textContent).toBe("Conversation closed");
    expect(s.shadow.textContent!.indexOf("Old answer")).toBeLessThan(s.shadow.textContent!.indexOf("Conversation closed"));
    const card = $(s.shadow, ".card");
    expect(card.querySelector("h3")!.textContent).toBe("Aurore −20 %");
    expect((card.querySelector("img") as HTMLImageElement).src).toBe("https://lumiere.test/aurore.jpg");
    expect(card.querySelector("a")!.getAttribute("rel")).toBe("noopener noreferrer");
    expect($(s.shadow, ".file .fn").textContent).toBe("guide.pdf");
    expect($(s.shadow, ".file .fs").textContent).toBe("2.0 KB");
    expect($(s.shadow, ".sys").textContent).toBe("You have been transferred to another adviser.");
  });
});

describe("unread badge and seen (W1, R8)", () => {
  it("counts agent messages while closed, sends seen when opened, and clears on another tab's seen", async () => {
    const s = setup();
    const ws = s.connect();
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1 }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "message", message: message({ id: 2 }) } });
    await tick();
    const badge = $(s.shadow, ".badge");
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toBe("2");
    expect($(s.shadow, ".launcher").getAttribute("aria-label")).toBe("Open the chat (2 unread message(s))");
    ws.push({ type: "event", seq: 13, event: { kind: "seen", up_to: 2 } });
    await tick();
    expect(badge.hidden).toBe(true);
    expect(ws.of("seen")).toEqual([]);

    ws.push({ type: "event", seq: 14, event: { kind: "message", message: message({ id: 3 }) } });
    await tick();
    expect(badge.textContent).toBe("1");
    s.widget.open();
    expect(ws.of("seen")).toEqual([{ type: "seen", up_to: 3 }]);
    expect(badge.hidden).toBe(true);
    ws.push({ type: "event", seq: 15, event: { kind: "message", message: message({ id: 4 }) } });
    await tick();
    expect(ws.of("seen").map((f) => f.up_to)).toEqual([3, 4]);
  });

  it("takes the welcome's seen mark", async () => {
    const s = setup();
    s.connect({ history: [{ reference: "DEMO-1", state: "assigned", agent: null, messages: [message({ id: 1 }), message({ id: 2 })] }], seen: 1 });
    await tick();
    expect($(s.shadow, ".badge").textContent).toBe("1");
  });
});

describe("drafts and navigation (W3)", () => {
  it("sends throttled drafts only during a conversation, and an empty one after sending", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    const input = $(s.shadow, "textarea") as HTMLTextAreaElement;
    type(input, "Hel");
    expect(ws.of("draft")).toEqual([]); // no conversation yet: nobody to preview it
    ws.push({ type: "event", seq: 11, event: { kind: "conversation_started", conversation: "DEMO-1" } });
    s.clock.advance(600);
    type(input, "Hello");
    expect(ws.of("draft").map((d) => d.text)).toEqual(["Hello"]);
    type(input, "Hello t");
    type(input, "Hello th");
    s.clock.advance(500);
    expect(ws.of("draft").map((d) => d.text)).toEqual(["Hello", "Hello th"]);
    enter(input);
    expect(ws.of("draft").map((d) => d.text)).toEqual(["Hello", "Hello th", ""]);
    expect(ws.sent.map((f) => f.type).slice(-2)).toEqual(["send_message", "draft"]);
  });

  it("reports the page on load when a conversation is open, not otherwise", () => {
    const kv = memoryKV();
    const first = setup({ kv });
    const ws = first.connect();
    expect(ws.of("navigate")).toEqual([]);
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, author: { kind: "visitor" } }) } });
    first.widget.saveNow();
    first.widget.stop();
    document.title = "Pricing — Maison Lumière";
    const next = setup({ kv });
    const ws2 = next.connect({ history: null });
    const nav = ws2.of("navigate");
    expect(nav.length).toBe(1);
    expect(nav[0].page).toEqual({ url: location.href, title: "Pricing — Maison Lumière" });
    // Once acknowledged, a reconnect in the same page does not report it again.
    ws2.push({ type: "ack", client_id: nav[0].client_id });
    ws2.drop();
    next.clock.advance(1000);
    const ws3 = next.connect({ history: null });
    expect(ws3.of("navigate").map((f) => f.client_id)).toEqual([]);
  });
});

describe("forms (R8, W4)", () => {
  it("offers the e-mail form after the auto-reply, validates it, shows the hub's error, then thanks", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    s.widget.send("Anyone?");
    const id = ws.of("send_message")[0].client_id;
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, client_id: id, author: { kind: "visitor" }, text: "Anyone?" }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "message", message: message({ id: 2, author: { kind: "system" }, body: { kind: "sentence", sentence: "auto_reply", text: "👋 Hello! Leave us a message" } }) } });
    await tick();
    const form = $(s.shadow, "form.email") as HTMLFormElement;
    expect(form.textContent).toContain("Leave your e-mail to get the answer");
    const [name, email] = Array.from(form.querySelectorAll("input"));
    email.value = "not an address";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(form.querySelector(".err")!.textContent).toBe("Please enter a valid e-mail address.");
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(s.shadow.getElementById(email.getAttribute("aria-describedby")!)!.textContent).toBe("Please enter a valid e-mail address.");
    expect(ws.of("set_profile")).toEqual([]);
    name.value = "Zoé";
    email.value = "zoe@example.test";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    const [frame] = ws.of("set_profile");
    expect(frame).toMatchObject({ name: "Zoé", email: "zoe@example.test" });
    ws.push({ type: "error", code: "invalid_input", message: "this is not an e-mail address", client_id: frame.client_id });
    await tick();
    expect($(s.shadow, "form.email .err").textContent).toBe("this is not an e-mail address");
    expect((form.querySelectorAll("input")[1] as HTMLInputElement).value).toBe("zoe@example.test");
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    const second = ws.of("set_profile")[1];
    ws.push({ type: "ack", client_id: second.client_id });
    await tick();
    expect(s.shadow.querySelector("form.email")).toBeNull();
    expect(s.shadow.textContent).toContain("Thank you! We will send the answer to zoe@example.test.");
  });

  it("does not offer the e-mail form when the project has no e-mail capture", async () => {
    const s = setup({ config: { email_capture: false } });
    const ws = s.connect();
    ws.push({ type: "event", seq: 12, event: { kind: "message", message: message({ id: 2, author: { kind: "system" }, body: { kind: "sentence", sentence: "auto_reply", text: "Hi" } }) } });
    await tick();
    expect(s.shadow.querySelector("form.email")).toBeNull();
  });

  it("keeps what the visitor types in a form while events arrive", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    ws.push({ type: "event", seq: 12, event: { kind: "message", message: message({ id: 2, author: { kind: "system" }, body: { kind: "sentence", sentence: "auto_reply", text: "Hi" } }) } });
    await tick();
    const email = $(s.shadow, "form.email input[type=email]") as HTMLInputElement;
    email.value = "half@typ";
    email.focus();
    ws.push({ type: "event", seq: 13, event: { kind: "message", message: message({ id: 3, author: { kind: "visitor" }, text: "more" }) } });
    await tick();
    expect($(s.shadow, "form.email input[type=email]")).toBe(email);
    expect(email.value).toBe("half@typ");
    expect(s.shadow.activeElement).toBe(email);
  });

  it("runs the survey at close: score and comment, hidden on ack", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, text: "Bye!" }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "conversation_closed", conversation: "DEMO-1" } });
    ws.push({ type: "event", seq: 13, event: { kind: "survey_requested", conversation: "DEMO-1" } });
    await tick();
    const form = $(s.shadow, "form.survey") as HTMLFormElement;
    const send = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
    expect(send.disabled).toBe(true);
    const scores = Array.from(form.querySelectorAll<HTMLButtonElement>(".scores button"));
    expect(scores.map((b) => b.getAttribute("aria-label"))).toEqual(["1 out of 5", "2 out of 5", "3 out of 5", "4 out of 5", "5 out of 5"]);
    scores[4].click();
    expect(scores[4].getAttribute("aria-pressed")).toBe("true");
    form.querySelector("textarea")!.value = "Very helpful";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    const [answer] = ws.of("answer_survey");
    expect(answer).toMatchObject({ conversation: "DEMO-1", score: 5, comment: "Very helpful" });
    ws.push({ type: "ack", client_id: answer.client_id });
    await tick();
    expect(s.shadow.querySelector("form.survey")).toBeNull();
    expect(s.shadow.textContent).toContain("Thank you for your feedback!");
    expect(s.widget.model.survey).toBeNull();
  });

  it("hides the survey when another tab answered it", async () => {
    const s = setup();
    const ws = s.connect();
    ws.push({ type: "event", seq: 12, event: { kind: "conversation_closed", conversation: "DEMO-1" } });
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1 }) } });
    ws.push({ type: "event", seq: 13, event: { kind: "survey_requested", conversation: "DEMO-1" } });
    await tick();
    expect(s.shadow.querySelector("form.survey")).not.toBeNull();
    ws.push({ type: "event", seq: 14, event: { kind: "survey_answered", conversation: "DEMO-1" } });
    await tick();
    expect(s.shadow.querySelector("form.survey")).toBeNull();
  });

  it("shows the waiting questionnaire while queued and sends one answer per question, in order", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, author: { kind: "visitor" }, text: "Hi" }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "questionnaire_requested", conversation: "DEMO-1", questions: ["Your order number?", "Your city?"], display_seconds: 30 } });
    await tick();
    const form = $(s.shadow, "form.questionnaire") as HTMLFormElement;
    const inputs = Array.from(form.querySelectorAll("input"));
    expect(Array.from(form.querySelectorAll("label")).map((l) => l.textContent)).toEqual(["Your order number?", "Your city?"]);
    inputs[1].value = "Lyon";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    const [answer] = ws.of("answer_questionnaire");
    expect(answer.answers).toEqual(["", "Lyon"]);
    ws.push({ type: "ack", client_id: answer.client_id });
    await tick();
    expect(s.shadow.querySelector("form.questionnaire")).toBeNull();
  });

  it("takes the questionnaire away after its display time, or when an agent joins", async () => {
    const s = setup();
    const ws = s.connect();
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, author: { kind: "visitor" }, text: "Hi" }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "questionnaire_requested", conversation: "DEMO-1", questions: ["Q?"], display_seconds: 30 } });
    await tick();
    expect(s.shadow.querySelector("form.questionnaire")).not.toBeNull();
    s.clock.advance(31_000);
    expect(s.shadow.querySelector("form.questionnaire")).toBeNull();

    ws.push({ type: "event", seq: 13, event: { kind: "questionnaire_requested", conversation: "DEMO-1", questions: ["Q?"], display_seconds: 30 } });
    await tick();
    expect(s.shadow.querySelector("form.questionnaire")).not.toBeNull();
    ws.push({ type: "event", seq: 14, event: { kind: "agent_joined", conversation: "DEMO-1", agent: { name: "Alice" } } });
    await tick();
    expect(s.shadow.querySelector("form.questionnaire")).toBeNull();
  });
});

describe("one form at a time (R8, R10, W4)", () => {
  /** What the hub sends when nobody can take the visitor: queued (questionnaire), then the
   * automatic reply. */
  const noAgent = (ws: FakeSocket, seconds = 30) => {
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, author: { kind: "visitor" }, text: "Anyone?" }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "questionnaire_requested", conversation: "DEMO-1", questions: ["Your order number?"], display_seconds: seconds } });
    ws.push({ type: "event", seq: 13, event: { kind: "message", message: message({ id: 2, author: { kind: "system" }, body: { kind: "sentence", sentence: "auto_reply", text: "👋 Hello! Leave us a message" } }) } });
  };

  it("offers the e-mail first; 'Not now' puts it off and the questionnaire follows, for its full display time", async () => {
    const kv = memoryKV();
    const s = setup({ kv });
    const ws = s.connect();
    s.widget.open();
    noAgent(ws, 30);
    await tick();
    expect(s.shadow.querySelector("form.email")).not.toBeNull();
    expect(s.shadow.querySelector("form.questionnaire")).toBeNull();
    // The visitor takes their time over the e-mail offer: the questionnaire's time has not run.
    s.clock.advance(120_000);
    await tick();
    const later = Array.from(s.shadow.querySelectorAll<HTMLButtonElement>("form.email button")).find((b) => b.textContent === "Not now")!;
    expect(later.type).toBe("button");
    later.focus();
    later.click();
    await tick();
    expect(s.shadow.querySelector("form.email")).toBeNull();
    expect(ws.of("set_profile")).toEqual([]);
    const form = $(s.shadow, "form.questionnaire");
    expect(form.querySelector("label")!.textContent).toBe("Your order number?");
    expect(s.shadow.activeElement).toBe($(s.shadow, ".composer textarea")); // not lost to the page
    expect($(s.shadow, '.sys[data-sentence="auto_reply"]')).toBeTruthy();
    s.clock.advance(29_000);
    expect(s.shadow.querySelector("form.questionnaire")).not.toBeNull();
    s.clock.advance(2_000);
    expect(s.shadow.querySelector("form.questionnaire")).toBeNull();

    // Put off for this conversation: the next page does not offer it again.
    s.widget.saveNow();
    s.widget.stop();
    const next = setup({ kv });
    next.connect({ history: null });
    await tick();
    expect(next.shadow.querySelector("form.email")).toBeNull();
  });

  it("shows the questionnaire once the e-mail is left, and 'Plus tard' puts it off too", async () => {
    const s = setup({ language: "fr-FR" });
    const ws = s.connect();
    s.widget.open();
    noAgent(ws);
    await tick();
    const form = $(s.shadow, "form.email") as HTMLFormElement;
    form.querySelector<HTMLInputElement>("input[type=email]")!.value = "zoe@example.test";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await tick();
    expect(s.shadow.querySelector("form.questionnaire")).toBeNull(); // not before the hub took it
    ws.push({ type: "ack", client_id: ws.of("set_profile")[0].client_id });
    await tick();
    expect(s.shadow.textContent).toContain("Merci ! Nous enverrons la réponse à zoe@example.test.");
    const q = $(s.shadow, "form.questionnaire");
    const later = Array.from(q.querySelectorAll("button")).find((b) => b.textContent === "Plus tard")!;
    later.click();
    await tick();
    expect(s.shadow.querySelector("form.questionnaire")).toBeNull();
    expect(ws.of("answer_questionnaire")).toEqual([]);
  });

  it("a thanks stays where the form was answered: later messages go below it", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    noAgent(ws);
    await tick();
    const form = $(s.shadow, "form.email") as HTMLFormElement;
    form.querySelector<HTMLInputElement>("input[type=email]")!.value = "zoe@example.test";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    ws.push({ type: "ack", client_id: ws.of("set_profile")[0].client_id });
    ws.push({ type: "event", seq: 14, event: { kind: "agent_joined", conversation: "DEMO-1", agent: { name: "Alice Martin" } } });
    ws.push({ type: "event", seq: 15, event: { kind: "message", message: message({ id: 3, text: "Yes, in blue too." }) } });
    await tick();
    const order = Array.from($(s.shadow, ".thread").children, (el) => el.textContent ?? "");
    const thanksAt = order.findIndex((x) => x.includes("We will send the answer to zoe@example.test"));
    expect(thanksAt).toBeGreaterThan(order.findIndex((x) => x.includes("Leave us a message")));
    expect(thanksAt).toBeLessThan(order.findIndex((x) => x.includes("Yes, in blue too.")));
  });

  it("without e-mail capture the questionnaire shows at once", async () => {
    const s = setup({ config: { email_capture: false } });
    const ws = s.connect();
    noAgent(ws);
    await tick();
    expect(s.shadow.querySelector("form.questionnaire")).not.toBeNull();
  });

  it("keeps the automatic reply in view when a form hangs under it, and still follows new messages", async () => {
    const s = setup();
    const ws = s.connect();
    s.widget.open();
    // A layout for jsdom: a 300 px thread over 1000 px of content; the reply is at 500 px.
    const th = $(s.shadow, ".thread");
    let top = 0;
    Object.defineProperty(th, "scrollTop", { get: () => top, set: (v: number) => (top = v), configurable: true });
    Object.defineProperty(th, "scrollHeight", { value: 1000, configurable: true });
    Object.defineProperty(th, "clientHeight", { value: 300, configurable: true });
    const rect = HTMLElement.prototype.getBoundingClientRect;
    HTMLElement.prototype.getBoundingClientRect = function (this: HTMLElement) {
      const y = this === th ? 100 : this.classList.contains("sys") ? 100 + 500 - top : 0;
      return { top: y, bottom: y, left: 0, right: 0, width: 0, height: 0, x: 0, y, toJSON() {} } as DOMRect;
    };
    try {
      noAgent(ws);
      await tick();
      expect(s.shadow.querySelector("form.email")).not.toBeNull();
      expect(top).toBe(492); // the reply's top (less a margin), not the end (700)
      th.dispatchEvent(new Event("scroll")); // that scroll is ours: still following
      ws.push({ type: "event", seq: 14, event: { kind: "message", message: message({ id: 3, text: "Hello, Alice here." }) } });
      await tick();
      expect(s.shadow.querySelector("form.email")).toBeNull(); // an agent answered
      expect(top).toBe(700);
      // The offline banner takes 40 px from the thread: the end stays in view.
      Object.defineProperty(th, "clientHeight", { value: 260, configurable: true });
      ws.drop();
      await tick();
      expect($(s.shadow, ".status").hidden).toBe(false);
      expect(top).toBe(740);
    } finally {
      HTMLElement.prototype.getBoundingClientRect = rect;
    }
  });
});

describe("files (W4)", () => {
  const requested = (ws: FakeSocket) => {
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, author: { kind: "visitor" }, text: "Hi" }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "message", message: message({ id: 2, author: { kind: "system" }, body: { kind: "event", event: { kind: "file_requested", agent: "Alice Martin" } } }) } });
  };
  const choose = (box: HTMLElement, file: File) => {
    const input = box.querySelector<HTMLInputElement>("input[type=file]")!;
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    input.dispatchEvent(new Event("change"));
  };

  it("checks size and type before sending, then posts the raw file with the visitor's token", async () => {
    let posted: { url: string; init?: RequestInit } | null = null;
    (URL as unknown as { createObjectURL: (b: Blob) => string }).createObjectURL = () => "blob:x";
    const s = setup({
      fetch: (async (url: string, init?: RequestInit) => {
        if (init?.method === "POST") posted = { url, init };
        return new Response(
          JSON.stringify({ id: 3, conversation: "DEMO-1", client_id: null, author: { kind: "visitor" }, body: { kind: "file", file: { id: "f3", name: "receipt.png", size: 4, mime: "image/png" } }, at: 1 }),
          { status: 200, headers: { "content-type": "application/json" } },
        );
      }) as unknown as typeof fetch,
    });
    const ws = s.connect();
    s.widget.open();
    requested(ws);
    await tick();
    const box = $(s.shadow, ".box");
    expect(box.textContent).toContain("Alice Martin asks you for a file");
    expect(box.querySelector<HTMLInputElement>("input[type=file]")!.accept).toBe("image/png,application/pdf");
    choose(box, new File(["<html>"], "page.html", { type: "text/html" }));
    expect(box.querySelector(".err")!.textContent).toBe("This type of file is not accepted. Accepted: image/png, application/pdf.");
    choose(box, new File([new Uint8Array(2 * 1024 * 1024)], "huge.png", { type: "image/png" }));
    expect(box.querySelector(".err")!.textContent).toBe("This file is too large: 1.0 MB at most.");
    expect(posted).toBeNull();
    choose(box, new File([new Uint8Array([1, 2, 3, 4])], "receipt & co.png", { type: "image/png" }));
    await tick();
    await tick();
    expect(posted!.url).toBe("http://hub.test/api/visitor/files?conversation=DEMO-1&name=receipt%20%26%20co.png");
    expect(posted!.init!.method).toBe("POST");
    expect(posted!.init!.headers).toEqual({ "X-Pupitre-Visitor": "tok-1", "Content-Type": "image/png" });
    expect(s.shadow.querySelector(".file .fn")!.textContent).toBe("receipt.png");
  });

  it("shows the hub's refusal", async () => {
    const s = setup({
      fetch: (async () => new Response(JSON.stringify({ code: "invalid_input", message: "file too large" }), { status: 400 })) as unknown as typeof fetch,
    });
    const ws = s.connect();
    s.widget.open();
    requested(ws);
    await tick();
    const box = $(s.shadow, ".box");
    choose(box, new File(["x"], "a.pdf", { type: "application/pdf" }));
    await tick();
    await tick();
    expect(box.querySelector(".err")!.textContent).toBe("The file could not be sent: file too large");
  });

  it("downloads a file with the visitor's token", async () => {
    const s = setup({ fetch: (async () => new Response(new Blob(["pdf"]), { status: 200 })) as unknown as typeof fetch });
    (URL as unknown as { createObjectURL: (b: Blob) => string }).createObjectURL = () => "blob:x";
    const ws = s.connect();
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, body: { kind: "file", file: { id: "f/1", name: "guide.pdf", size: 3, mime: "application/pdf" } } }) } });
    await tick();
    $(s.shadow, ".file .dl").click();
    await tick();
    expect(s.fetches.at(-1)!.url).toBe("http://hub.test/api/files/f%2F1");
    expect(s.fetches.at(-1)!.init!.headers).toEqual({ "X-Pupitre-Visitor": "tok-1" });
  });
});

describe("robustness", () => {
  it("survives malformed and unknown frames and keeps going", async () => {
    const s = setup();
    const ws = s.connect();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => errors.push(a);
    try {
      ws.onmessage?.({ data: "not json" });
      ws.push({ type: "teleport", to: "mars" });
      ws.push({ type: "event", seq: 11, event: { kind: "message", message: { id: "x" } } });
      ws.push({ type: "event", seq: 12, event: { kind: "message", message: { id: 5, conversation: "DEMO-1", author: null, body: null, at: 0 } } });
      ws.push({ type: "event", seq: 13, event: { kind: "message", message: message({ id: 6, body: { kind: "offer", offer: null } as never }) } });
      ws.push({ type: "event", seq: 14, event: { kind: "message", message: message({ id: 7, text: "still alive" }) } });
      await tick();
    } finally {
      console.error = original;
    }
    expect(s.shadow.textContent).toContain("still alive");
    expect(s.widget.model.seq).toBe(14);
  });
});
