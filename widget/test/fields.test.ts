// A7: `Pupitre.set(fields)`, the site's custom fields for the agent's visitor card.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { COALESCE_MS, FieldSync, MAX_FIELDS, apply, checkFields, diff } from "../src/fields";
import type { VisitorClientFrame } from "../src/protocol";
import { Clock, message, memoryKV, setup } from "./harness";

type SetFields = Extract<VisitorClientFrame, { type: "set_fields" }>;

let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  vi.spyOn(console, "warn").mockImplementation((...a: unknown[]) => void warnings.push(a.join(" ")));
  localStorage.clear();
  sessionStorage.clear();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("checkFields: what a page passes, as the hub takes it", () => {
  it("keeps strings (trimmed), numbers and booleans as text; null, undefined and blanks remove", () => {
    expect(
      checkFields({ cart: " 129,90 € ", items: 3, total: 12.5, zero: 0, member: true, vip: false, gone: null, none: undefined, blank: "  " }),
    ).toEqual({ cart: "129,90 €", items: "3", total: "12.5", zero: "0", member: "true", vip: "false", gone: "", none: "", blank: "" });
    expect(warnings).toEqual([]);
    // Checked once trimmed: a template's trailing line break or padding is not an error.
    expect(checkFields({ a: "cart\n", b: `\t${"x".repeat(500)}  ` })).toEqual({ a: "cart", b: "x".repeat(500) });
    expect(warnings).toEqual([]);
  });

  it("leaves out bad names and values with a warning naming each, and keeps the good ones", () => {
    const long = "x".repeat(501);
    const good = checkFields({
      Cart: "1",
      "2fa": "1",
      _x: "1",
      "a-b": "1",
      ["k" + "e".repeat(40)]: "1",
      __proto__x: "1",
      obj: { a: 1 },
      list: [1],
      fn: () => 1,
      nan: NaN,
      inf: Infinity,
      big: 10n,
      long,
      lines: "a\nb",
      tab: "a\tb",
      bidi: "invoice\u202Egpj.exe",
      zwsp: "a\u200Bb",
      lsep: "a\u2028b",
      lone: "a\uD800b",
      cart: "ok",
      a: "y".repeat(500),
      emoji: "😀".repeat(500), // 500 characters (1,000 UTF-16 units): allowed
    });
    expect(good).toEqual({ cart: "ok", a: "y".repeat(500), emoji: "😀".repeat(500) });
    const named = warnings.map((w) => w.match(/"([^"]*)"/)?.[1]);
    expect(named).toEqual([
      "Cart", "2fa", "_x", "a-b", "k" + "e".repeat(40), "__proto__x",
      "obj", "list", "fn", "nan", "inf", "big", "long", "lines", "tab", "bidi", "zwsp", "lsep", "lone",
    ]);
    expect(warnings.every((w) => w.startsWith("Pupitre.set: "))).toBe(true);
    expect(warnings.find((w) => w.includes('"long"'))).toMatch(/500 characters/);
    expect(warnings.find((w) => w.includes('"lines"'))).toMatch(/one line/);
    expect(warnings.find((w) => w.includes('"Cart"'))).toMatch(/lowercase/);
  });

  it("a key of 40 characters is fine, and `constructor` or `__proto__` cannot reach the prototype", () => {
    const key = "k".repeat(40);
    expect(checkFields({ [key]: "v" })).toEqual({ [key]: "v" });
    const parsed = JSON.parse('{"__proto__": {"polluted": "1"}, "constructor": "c"}');
    const good = checkFields(parsed);
    expect(Object.keys(good)).toEqual(["constructor"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses what is not an object", () => {
    for (const bad of [null, undefined, "cart=1", 3, ["cart", "1"]]) expect(checkFields(bad)).toEqual({});
    expect(warnings.length).toBe(5);
    expect(warnings[0]).toMatch(/takes an object/);
  });
});

describe("diff and apply", () => {
  const m = (o: Record<string, string>) => new Map(Object.entries(o));

  it("sends new and changed values, and an empty value for a key the site dropped", () => {
    expect(diff(m({ a: "1", b: "2", c: "3" }), m({ a: "1", b: "old", d: "4" }))).toEqual({ b: "2", c: "3", d: "" });
    expect(diff(m({ a: "1" }), m({ a: "1" }))).toEqual({});
    expect(diff(m({ constructor: "x" }), m({}))).toEqual({ constructor: "x" });
    expect(diff(m({}), m({ constructor: "x" }))).toEqual({ constructor: "" });
  });

  it("does not send again a value the hub refused, until it changes", () => {
    expect(diff(m({ a: "1", b: "2" }), m({}), m({ a: "1" }))).toEqual({ b: "2" });
    expect(diff(m({ a: "2" }), m({}), m({ a: "1" }))).toEqual({ a: "2" });
  });

  it("apply: an empty value removes", () => {
    expect(Object.fromEntries(apply(m({ a: "1", b: "2" }), { a: "", c: "3" }))).toEqual({ b: "2", c: "3" });
  });
});

/** A FieldSync on a fake connection. */
function sync(kv = memoryKV(), clock = new Clock()) {
  const sent: SetFields[] = [];
  let up = true;
  let n = 0;
  const f = new FieldSync({
    kv,
    key: "pupitre:DEMO:fields",
    send: (frame) => up && (sent.push(frame), true),
    id: () => `id-${++n}`,
    setTimeout: clock.setTimeout,
  });
  return { f, sent, kv, clock, setUp: (v: boolean) => (up = v), last: () => sent[sent.length - 1] };
}

describe("FieldSync: what the site wants on the card, sent as a difference", () => {
  it("keeps what is set before the connection and sends it once welcomed, in one frame", () => {
    const s = sync();
    s.f.set({ cart: "129,90 €" });
    s.f.set({ plan: "gold" });
    s.clock.advance(1000);
    expect(s.sent).toEqual([]);
    s.f.welcome("tok-1");
    expect(s.sent).toEqual([{ type: "set_fields", client_id: "id-1", fields: { cart: "129,90 €", plan: "gold" } }]);
  });

  it("coalesces calls in a row, and what comes while a frame waits for its ack", () => {
    const s = sync();
    s.f.welcome("tok-1");
    s.f.set({ a: "1" });
    s.f.set({ b: "2" });
    s.f.set({ a: "3" });
    expect(s.sent).toEqual([]);
    s.clock.advance(COALESCE_MS);
    expect(s.sent.map((f) => f.fields)).toEqual([{ a: "3", b: "2" }]);
    s.f.set({ c: "4" });
    s.f.set({ b: "" });
    s.clock.advance(COALESCE_MS * 5);
    expect(s.sent.length).toBe(1); // waiting for the ack
    expect(s.f.answer("id-1")).toBe(true);
    expect(s.sent.map((f) => f.fields)).toEqual([{ a: "3", b: "2" }, { b: "", c: "4" }]);
    s.f.answer("id-2");
    s.clock.advance(1000);
    expect(s.sent.length).toBe(2);
    expect(JSON.parse(s.kv.get("pupitre:DEMO:fields")!)).toEqual({ token: "tok-1", want: { a: "3", c: "4" }, hub: { a: "3", c: "4" } });
  });

  it("a page that sets what the hub already has sends nothing; a change sends only itself", () => {
    const kv = memoryKV();
    const first = sync(kv);
    first.f.set({ cart: "129,90 €", plan: "gold" });
    first.f.welcome("tok-1");
    first.f.answer("id-1");
    const next = sync(kv); // the next page
    next.f.set({ cart: "129,90 €" });
    next.f.welcome("tok-1");
    next.clock.advance(1000);
    expect(next.sent).toEqual([]);
    next.f.set({ cart: "12,00 €" });
    next.clock.advance(COALESCE_MS);
    expect(next.sent.map((f) => f.fields)).toEqual([{ cart: "12,00 €" }]);
  });

  it("a new visitor (another token) gets the whole set again", () => {
    const kv = memoryKV();
    const first = sync(kv);
    first.f.set({ cart: "129,90 €", plan: "gold" });
    first.f.welcome("tok-1");
    first.f.answer("id-1");
    const next = sync(kv);
    next.f.welcome("tok-2");
    expect(next.sent.map((f) => f.fields)).toEqual([{ cart: "129,90 €", plan: "gold" }]);
    next.f.answer("id-1");
    expect(JSON.parse(kv.get("pupitre:DEMO:fields")!).token).toBe("tok-2");
    // …and a removal made before the new welcome is not sent to a hub that never had the key.
    const third = sync(kv);
    third.f.set({ plan: "" });
    third.f.welcome("tok-3");
    expect(third.sent.map((f) => f.fields)).toEqual([{ cart: "129,90 €" }]);
  });

  it("a connection lost before the ack sends the difference again once welcomed", () => {
    const s = sync();
    s.f.welcome("tok-1");
    s.f.set({ cart: "1" });
    s.clock.advance(COALESCE_MS);
    s.f.down();
    s.f.set({ cart: "2", plan: "gold" });
    s.clock.advance(COALESCE_MS);
    expect(s.sent.length).toBe(1);
    expect(s.f.answer("id-1")).toBe(false); // an answer on the old connection is not ours now
    s.f.welcome("tok-1");
    expect(s.sent.map((f) => f.fields)).toEqual([{ cart: "1" }, { cart: "2", plan: "gold" }]);
    s.f.answer("id-2");
    expect(JSON.parse(s.kv.get("pupitre:DEMO:fields")!).hub).toEqual({ cart: "2", plan: "gold" });
  });

  it("a socket that cannot write keeps the difference for the next try", () => {
    const s = sync();
    s.setUp(false);
    s.f.welcome("tok-1");
    s.f.set({ cart: "1" });
    s.clock.advance(COALESCE_MS);
    expect(s.sent).toEqual([]);
    s.setUp(true);
    s.f.welcome("tok-1");
    expect(s.sent.map((f) => f.fields)).toEqual([{ cart: "1" }]);
  });

  it("rate_limited: sent again after a pause; refused: a warning, and not sent again until it changes", () => {
    const s = sync();
    s.f.welcome("tok-1");
    s.f.set({ cart: "1" });
    s.clock.advance(COALESCE_MS);
    expect(s.f.answer("id-1", { code: "rate_limited", message: "slow down" })).toBe(true);
    expect(s.sent.length).toBe(1);
    s.clock.advance(2000);
    expect(s.sent.map((f) => f.client_id)).toEqual(["id-1", "id-2"]);
    s.f.answer("id-2", { code: "invalid_input", message: "cart: nope" });
    expect(warnings.join("\n")).toMatch(/the hub refused cart: cart: nope/);
    s.f.set({ cart: "1", plan: "gold" });
    s.clock.advance(COALESCE_MS);
    expect(s.sent.map((f) => f.fields)).toEqual([{ cart: "1" }, { cart: "1" }, { plan: "gold" }]);
    s.f.answer("id-3");
    s.f.set({ cart: "2" });
    s.clock.advance(COALESCE_MS);
    expect(s.last().fields).toEqual({ cart: "2" });
  });

  it(`holds at most ${MAX_FIELDS} fields: a new one beyond is left out with a warning; changing or removing still works`, () => {
    const s = sync();
    const many = Object.fromEntries(Array.from({ length: MAX_FIELDS }, (_, i) => [`f${i}`, String(i)]));
    s.f.set(many);
    s.f.set({ extra: "x", f0: "changed" });
    expect(warnings).toEqual(['Pupitre.set: "extra" left out: a visitor card holds at most 30 fields']);
    s.f.set({ f1: "", extra: "x" });
    s.f.welcome("tok-1");
    const fields = s.sent[0].fields;
    expect(Object.keys(fields).length).toBe(MAX_FIELDS);
    expect(fields).toMatchObject({ f0: "changed", extra: "x" });
    expect(fields.f1).toBeUndefined();
  });

  it("ignores a stored state it cannot read", () => {
    const kv = memoryKV();
    kv.set("pupitre:DEMO:fields", '{"want": {"cart": 3, "Bad": "x", "ok": "1"}, "hub": "nonsense"}');
    const s = sync(kv);
    s.f.welcome("tok-1");
    expect(s.sent.map((f) => f.fields)).toEqual([{ ok: "1" }]);
    kv.set("pupitre:DEMO:fields", "{not json");
    const t = sync(kv);
    t.f.set({ cart: "1" });
    t.f.welcome("tok-1");
    expect(t.sent.map((f) => f.fields)).toEqual([{ cart: "1" }]);
  });
});

describe("in the widget", () => {
  it("sends the fields at the welcome, before the queued message (the conversation's card has them), and handles their ack itself", async () => {
    const s = setup();
    s.widget.fields.set(checkFields({ cart: "129,90 €", secret_internal: "x" }));
    s.widget.send("Hello");
    const ws = s.connect();
    const types = ws.sent.map((f) => f.type);
    expect(types.indexOf("set_fields")).toBeLessThan(types.indexOf("send_message"));
    const frame = ws.of("set_fields")[0];
    expect(frame.fields).toEqual({ cart: "129,90 €", secret_internal: "x" });
    ws.push({ type: "ack", client_id: frame.client_id });
    expect(JSON.parse(s.kv.data.get("pupitre:DEMO:fields")!).hub).toEqual({ cart: "129,90 €", secret_internal: "x" });
    // A message's ack still goes to the outbox.
    const msg = ws.of("send_message")[0];
    ws.push({ type: "ack", client_id: msg.client_id });
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ author: { kind: "visitor" }, client_id: msg.client_id, text: "Hello" }) } });
    expect(s.widget.outbox.entries).toEqual([]);

    // Later calls send their change; a drop before the ack sends it again after the welcome.
    s.widget.fields.set(checkFields({ cart: "12,00 €" }));
    s.clock.advance(COALESCE_MS);
    expect(ws.of("set_fields").map((f) => f.fields)).toEqual([{ cart: "129,90 €", secret_internal: "x" }, { cart: "12,00 €" }]);
    ws.drop();
    s.clock.advance(20_000);
    const again = s.connect();
    expect(again.of("set_fields").map((f) => f.fields)).toEqual([{ cart: "12,00 €" }]);
    // The hub's refusal of a field frame is not a message's failure.
    again.push({ type: "error", code: "invalid_input", message: "nope", client_id: again.of("set_fields")[0].client_id });
    expect(warnings.join("\n")).toMatch(/hub refused cart/);
    expect(s.shadow.querySelector(".note.bad")).toBeNull();
    expect(s.widget.outbox.entries).toEqual([]);
  });

  it("a visitor whose token is refused starts again as a new visitor, with all the fields", () => {
    const kv = memoryKV();
    const first = setup({ kv });
    first.widget.fields.set({ cart: "1" });
    const ws = first.connect({ token: "tok-1" });
    ws.push({ type: "ack", client_id: ws.of("set_fields")[0].client_id });
    first.widget.saveNow();
    first.widget.stop();
    const again = setup({ kv });
    const s2 = again.socket();
    s2.open();
    expect(s2.sent[0]).toMatchObject({ type: "hello", token: "tok-1" });
    s2.push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 10, history: null, seen: 0 });
    expect(s2.of("set_fields")).toEqual([]); // the hub has them
    s2.drop();
    again.clock.advance(20_000);
    const refused = again.socket();
    refused.open();
    refused.push({ type: "error", code: "unauthorized", message: "invalid visitor token; connect without one" });
    refused.drop();
    again.clock.advance(20_000);
    const s3 = again.socket();
    s3.open();
    expect(s3.sent[0]).toMatchObject({ type: "hello", token: null });
    s3.push({ type: "welcome", version: 1, token: "tok-9", visitor_id: "v9", seq: 0, history: [], seen: 0 });
    expect(s3.of("set_fields").map((f) => f.fields)).toEqual([{ cart: "1" }]);
  });
});
