// D15: `Pupitre.sale({amount, currency, order})`, a sale reported by the brand's site.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Sale, SaleFrame } from "../src/sales";
import { KEEP_MS, MAX_PENDING, SalesSync, addPending, checkSale, currencyDecimals, readPending, toMinor } from "../src/sales";
import { Clock, memoryKV, message, setup } from "./harness";

const KEY = "pupitre:DEMO:sales";

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

/** The minor units of `amount` in `currency`, or null (and a warning). */
const minor = (amount: unknown, currency = "EUR") => checkSale({ amount, currency, order: "A-1" })?.amount_minor ?? null;

describe("amounts: major units to the currency's minor unit", () => {
  it("knows each currency's decimals from the browser: EUR 2, JPY 0, BHD 3; nothing else is a currency", () => {
    expect(currencyDecimals("EUR")).toBe(2);
    expect(currencyDecimals("USD")).toBe(2);
    expect(currencyDecimals("JPY")).toBe(0);
    expect(currencyDecimals("BHD")).toBe(3);
    for (const bad of ["", "eur", "EURO", "EU", "XYZ", "E1R", "€"]) expect(currencyDecimals(bad)).toBeNull();
  });

  it("converts numbers and numeric strings, with the currency's own decimals", () => {
    expect(minor(129.9)).toBe(12990);
    expect(minor("129.90")).toBe(12990);
    expect(minor(" 129.90 ")).toBe(12990);
    expect(minor("129")).toBe(12900);
    expect(minor(129)).toBe(12900);
    expect(minor(".5")).toBe(50);
    expect(minor("5.")).toBe(500);
    expect(minor(0)).toBe(0);
    expect(minor("0.00")).toBe(0);
    expect(minor(-0)).toBe(0);
    expect(minor("1.5e3")).toBe(150000);
    expect(minor(1500, "JPY")).toBe(1500);
    expect(minor("1500", "jpy")).toBe(1500);
    expect(minor("12.345", "BHD")).toBe(12345);
    expect(minor(1.2, "BHD")).toBe(1200);
    expect(warnings).toEqual([]);
    // The conversion alone, for any number of decimals.
    expect(toMinor("129.9", 2)).toBe(12990);
    expect(toMinor(7, 0)).toBe(7);
    expect(toMinor("0.0015", 3)).toBe(2);
    expect(toMinor("-1", 2)).toMatch(/not negative/);
  });

  it("rounds half up on the written digits: no float surprises", () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the float surprise itself
    expect(minor(0.1 + 0.2)).toBe(30);
    expect(1.005 * 100).toBeLessThan(100.5);
    expect(minor(1.005)).toBe(101);
    expect(minor(8.675)).toBe(868);
    expect(minor(0.29)).toBe(29);
    expect(minor(19.99)).toBe(1999);
    expect(minor("129.905")).toBe(12991);
    expect(minor("129.9049")).toBe(12990);
    expect(minor("0.005")).toBe(1);
    expect(minor("0.0049")).toBe(0);
    expect(minor(1e-7)).toBe(0);
    expect(minor("1500.4", "JPY")).toBe(1500);
    expect(minor("1500.5", "JPY")).toBe(1501);
    expect(minor(1.2345, "BHD")).toBe(1235);
    expect(minor("1.2344", "BHD")).toBe(1234);
    // Large amounts stay exact.
    expect(minor("9999999999.99")).toBe(999_999_999_999);
    expect(minor(1e10)).toBe(1e12);
    expect(minor("1000000000", "JPY")).toBe(1e9);
    expect(warnings).toEqual([]);
  });

  it("refuses what is not an amount, a negative one and one too large, naming the amount", () => {
    const bad = [-1, "-5", "-0.01", -1e-9, NaN, Infinity, -Infinity, "", "  ", "abc", "1,299.00", "129,90", "12 000", "0x10", "1e", ".", "-", "+5", "€129", null, undefined, true, {}, [129], 10n];
    for (const b of bad) expect(minor(b), String(b)).toBeNull();
    expect(warnings.length).toBe(bad.length);
    expect(warnings.every((w) => w.startsWith("Pupitre.sale: amount: "))).toBe(true);
    expect(warnings[0]).toMatch(/not negative/);
    expect(warnings[4]).toMatch(/a number/);
    warnings = [];
    for (const b of [10_000_000_000.01, "10000000000.005", 1e13, 1e21, "1e999999999", "1" + "0".repeat(400)]) expect(minor(b)).toBeNull();
    expect(minor(1e12 + 1, "JPY")).toBeNull();
    expect(minor("1000000000.0005", "BHD")).toBeNull();
    expect(warnings.length).toBe(8);
    expect(warnings.every((w) => /^Pupitre\.sale: amount: too large/.test(w))).toBe(true);
    // The largest amount the hub takes is fine.
    expect(minor("10000000000.00")).toBe(1e12);
    expect(minor(1e12, "JPY")).toBe(1e12);
    expect(minor("1000000000", "BHD")).toBe(1e12);
  });
});

describe("checkSale: what a page passes, as the hub takes it", () => {
  it("upper-cases the currency and trims the order", () => {
    expect(checkSale({ amount: "129.90", currency: " eur ", order: "  A-1042 " })).toEqual({ amount_minor: 12990, currency: "EUR", order: "A-1042" });
    expect(checkSale({ amount: 5000, currency: "JPY", order: 1042 })).toEqual({ amount_minor: 5000, currency: "JPY", order: "1042" });
    const long = "😀".repeat(100); // 100 characters (200 UTF-16 units): allowed
    expect(checkSale({ amount: 1, currency: "EUR", order: long })?.order).toBe(long);
    expect(warnings).toEqual([]);
  });

  it("warns naming the problem and reports nothing", () => {
    const cases: [unknown, RegExp][] = [
      [null, /takes \{amount, currency, order\}/],
      [undefined, /takes/],
      ["A-1042", /takes/],
      [{ amount: 1, currency: "XYZ", order: "A" }, /currency: an ISO 4217 code such as "EUR", not "XYZ"/],
      [{ amount: 1, currency: "euro", order: "A" }, /currency: .*"EURO"/],
      [{ amount: 1, order: "A" }, /currency/],
      [{ amount: 1, currency: 978, order: "A" }, /currency/],
      [{ currency: "EUR", order: "A" }, /amount/],
      [{ amount: -3, currency: "EUR", order: "A" }, /amount: a sale is not negative/],
      [{ amount: 1, currency: "EUR" }, /order: the site's order reference/],
      [{ amount: 1, currency: "EUR", order: "   " }, /order: the site's order reference/],
      [{ amount: 1, currency: "EUR", order: { id: 1 } }, /order/],
      [{ amount: 1, currency: "EUR", order: NaN }, /order/],
      [{ amount: 1, currency: "EUR", order: "x".repeat(101) }, /order: at most 100 characters/],
      [{ amount: 1, currency: "EUR", order: "A-1\nA-2" }, /order: one line/],
      [{ amount: 1, currency: "EUR", order: "A\u202Egpj" }, /order: one line/],
      [{ amount: 1, currency: "EUR", order: "A\u200Bb" }, /order: one line/],
      [{ amount: 1, currency: "EUR", order: "A\uD800" }, /order: one line/],
    ];
    for (const [input, why] of cases) {
      warnings = [];
      expect(checkSale(input)).toBeNull();
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toMatch(/^Pupitre\.sale: .*the sale is not reported$/);
      expect(warnings[0]).toMatch(why);
    }
  });
});

const SALE: Sale = { amount_minor: 12990, currency: "EUR", order: "A-1042" };

/** A SalesSync on a fake connection. */
function sync(kv = memoryKV(), clock = new Clock(), tab = "id") {
  const sent: SaleFrame[] = [];
  let up = true;
  let ready = false;
  let n = 0;
  const s = new SalesSync({
    kv,
    key: KEY,
    ready: () => ready,
    none: () => false,
    send: (frame) => up && (sent.push(frame), true),
    id: () => `${tab}-${++n}`,
    now: clock.now,
    setTimeout: clock.setTimeout,
  });
  return {
    s,
    sent,
    kv,
    clock,
    setUp: (v: boolean) => (up = v),
    /** Welcomed (with a conversation) or not. */
    setReady: (v: boolean) => ((ready = v), v && s.flush()),
    stored: () => readPending(kv, KEY, clock.now()),
  };
}

describe("pending sales: kept until the hub has them", () => {
  it("keeps a sale at once, sends it once ready with its client id, and forgets it at the ack", () => {
    const t = sync();
    t.s.add(SALE);
    expect(t.sent).toEqual([]);
    expect(t.stored()).toEqual([{ client_id: "id-1", ...SALE, at: t.clock.now() }]);
    t.setReady(true);
    expect(t.sent).toEqual([{ type: "sale", client_id: "id-1", amount_minor: 12990, currency: "EUR", order: "A-1042" }]);
    t.s.flush();
    expect(t.sent.length).toBe(1); // not twice on one connection
    expect(t.s.answer("other")).toBe(false);
    expect(t.s.answer("id-1")).toBe(true);
    expect(t.stored()).toEqual([]);
    expect(t.kv.data.has(KEY)).toBe(false);
    expect(t.s.answer("id-1")).toBe(false);
    // Ready already: the next one goes at once.
    t.s.add({ ...SALE, order: "A-1043" });
    expect(t.sent.map((f) => [f.client_id, f.order])).toEqual([
      ["id-1", "A-1042"],
      ["id-2", "A-1043"],
    ]);
    expect(warnings).toEqual([]);
  });

  it("a final refusal (invalid_input, invalid_state, not_found) removes the sale, with a warning", () => {
    const t = sync();
    t.setReady(true);
    for (const [i, code] of ["invalid_input", "invalid_state", "not_found"].entries()) {
      t.s.add({ ...SALE, order: `A-${i}` });
      expect(t.s.answer(`id-${i + 1}`, { code, message: `no (${code})` })).toBe(true);
      expect(t.stored()).toEqual([]);
    }
    expect(warnings).toEqual(["invalid_input", "invalid_state", "not_found"].map((c) => `Pupitre.sale: the hub did not take the sale: no (${c})`));
    t.s.down();
    t.s.flush();
    expect(t.sent.length).toBe(3);
  });

  it("rate_limited keeps it and sends it again 2 s later, with the same client id", () => {
    const t = sync();
    t.setReady(true);
    t.s.add(SALE);
    t.s.add({ ...SALE, order: "A-2" });
    t.s.answer("id-1", { code: "rate_limited", message: "slow down" });
    t.s.answer("id-2", { code: "rate_limited", message: "slow down" });
    expect(t.stored().length).toBe(2);
    t.clock.advance(1_999);
    expect(t.sent.length).toBe(2);
    t.clock.advance(1);
    expect(t.sent.map((f) => f.client_id)).toEqual(["id-1", "id-2", "id-1", "id-2"]); // one timer for both
    t.s.answer("id-1");
    t.s.answer("id-2");
    expect(t.stored()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("a lost connection keeps it: sent again at the next welcome; another refusal waits for it too (no loop)", () => {
    const t = sync();
    t.setReady(true);
    t.s.add(SALE);
    t.setReady(false);
    t.s.down();
    t.s.flush();
    expect(t.sent.length).toBe(1);
    t.setReady(true);
    expect(t.sent.map((f) => f.client_id)).toEqual(["id-1", "id-1"]);
    t.s.answer("id-1", { code: "internal", message: "try again" });
    t.clock.advance(60_000);
    t.s.flush();
    expect(t.sent.length).toBe(2);
    expect(t.stored().length).toBe(1);
    t.s.down();
    t.s.flush();
    expect(t.sent.length).toBe(3);
    // A socket that takes nothing: the sale stays, and goes once it can.
    t.s.down();
    t.setUp(false);
    t.s.flush();
    expect(t.sent.length).toBe(3);
    t.setUp(true);
    t.s.flush();
    expect(t.sent.length).toBe(4);
  });

  it("drops sales older than 30 days, and keeps at most the newest 20", () => {
    const t = sync();
    t.s.add(SALE);
    t.clock.advance(KEEP_MS - 1);
    expect(t.stored().length).toBe(1);
    t.clock.advance(1);
    expect(t.stored()).toEqual([]);
    t.setReady(true);
    expect(t.sent).toEqual([]);

    const u = sync();
    for (let i = 1; i <= 25; i++) u.s.add({ ...SALE, order: `A-${i}` });
    expect(u.stored().map((p) => p.order)).toEqual(Array.from({ length: MAX_PENDING }, (_, i) => `A-${i + 6}`));
    u.setReady(true);
    expect(u.sent.length).toBe(MAX_PENDING);
  });

  it("an order already waiting is not added again (the hub counts one sale per order)", () => {
    const t = sync();
    t.s.add(SALE);
    t.s.add({ ...SALE, amount_minor: 1 });
    expect(t.stored().map((p) => [p.client_id, p.amount_minor])).toEqual([["id-1", 12990]]);
    // Once acknowledged, a new report goes to the hub, which acknowledges it and counts nothing.
    t.setReady(true);
    t.s.answer("id-1");
    t.s.add(SALE);
    expect(t.sent.map((f) => f.client_id)).toEqual(["id-1", "id-3"]);
  });

  it("ignores a broken or foreign store", () => {
    const kv = memoryKV();
    kv.set(KEY, "{not json");
    expect(readPending(kv, KEY, 0)).toEqual([]);
    kv.set(KEY, '{"client_id": "x"}');
    expect(readPending(kv, KEY, 0)).toEqual([]);
    const good = { client_id: "c", amount_minor: 1, currency: "EUR", order: "A", at: 5 };
    kv.set(
      KEY,
      JSON.stringify([
        null,
        "x",
        { ...good, amount_minor: -1 },
        { ...good, amount_minor: 1.5 },
        { ...good, amount_minor: 1e13 },
        { ...good, currency: "eur" },
        { ...good, order: "" },
        { ...good, order: 3 },
        { ...good, client_id: 3 },
        { ...good, at: "5" },
        good,
      ]),
    );
    expect(readPending(kv, KEY, 10)).toEqual([good]);
    addPending(kv, KEY, { ...SALE }, "d", 10);
    expect(readPending(kv, KEY, 10).map((p) => p.client_id)).toEqual(["c", "d"]);
  });

  it("two tabs share the store: each sends what waits once, each ack removes it, nothing loops", () => {
    const kv = memoryKV();
    const clock = new Clock();
    const a = sync(kv, clock, "a");
    const b = sync(kv, clock, "b");
    a.s.add(SALE);
    b.s.add({ ...SALE, order: "B-1" });
    a.setReady(true);
    b.setReady(true);
    expect(a.sent.map((f) => f.client_id)).toEqual(["a-1", "b-1"]);
    expect(b.sent.map((f) => f.client_id)).toEqual(["a-1", "b-1"]);
    a.s.answer("a-1");
    a.s.answer("b-1");
    b.s.answer("a-1");
    b.s.answer("b-1");
    expect(a.stored()).toEqual([]);
    a.s.flush();
    b.s.flush();
    clock.advance(60_000);
    expect(a.sent.length + b.sent.length).toBe(4);
  });
});

describe("in the widget", () => {
  const withConversation = {
    history: [{ reference: "DEMO-1", state: "assigned" as const, agent: { name: "Alice Martin" }, messages: [message({ text: "How can I help?" })] }],
  };

  it("sends the pending sales after the welcome of a visitor with a conversation, and handles their answers itself", () => {
    const s = setup();
    s.widget.sales.add(SALE);
    expect(JSON.parse(s.kv.data.get(KEY)!)).toMatchObject([{ ...SALE }]);
    const ws = s.connect(withConversation);
    const [frame] = ws.of("sale");
    expect(frame).toEqual({ type: "sale", client_id: expect.any(String), amount_minor: 12990, currency: "EUR", order: "A-1042" });
    expect(frame.client_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    ws.push({ type: "ack", client_id: frame.client_id });
    expect(s.kv.data.has(KEY)).toBe(false);
    // A refusal is the sale's, not a message's failure.
    s.widget.sales.add({ ...SALE, order: "A-1043" });
    const second = ws.of("sale")[1];
    ws.push({ type: "error", code: "invalid_state", message: "no conversation", client_id: second.client_id });
    expect(s.kv.data.has(KEY)).toBe(false);
    expect(s.shadow.querySelector(".note.bad")).toBeNull();
    // The outbox holds only the page's navigation (an open conversation), untouched.
    expect(s.widget.outbox.entries.map((e) => [e.frame.type, e.state])).toEqual([["navigate", "sent"]]);
    expect(warnings).toEqual(["Pupitre.sale: the hub did not take the sale: no conversation"]);
  });

  it("a visitor without a conversation: the sale is not kept for a later one (it did not make it)", () => {
    const s = setup();
    s.widget.sales.add(SALE); // before the welcome: kept until the hub says
    const ws = s.connect({ history: [] });
    expect(ws.of("sale")).toEqual([]);
    expect(readPending(s.kv, KEY, s.clock.now())).toEqual([]);
    s.widget.sales.add({ ...SALE, order: "A-1043" }); // after: not kept at all
    ws.push({ type: "event", seq: 11, event: { kind: "conversation_started", conversation: "DEMO-1" } });
    ws.push({ type: "event", seq: 12, event: { kind: "message", message: message({ author: { kind: "visitor" }, text: "Hi" }) } });
    expect(ws.of("sale")).toEqual([]);
    // Once there is a conversation, a new sale goes.
    s.widget.sales.add({ ...SALE, order: "A-1044" });
    expect(ws.of("sale").map((f) => f.order)).toEqual(["A-1044"]);
  });

  it("a sale left pending by a page (the visitor went on at once) goes from the next page, with the same client id", () => {
    const kv = memoryKV();
    const first = setup({ kv });
    first.widget.sales.add(SALE);
    first.widget.stop(); // the page is left before the hub answered
    const id = readPending(kv, KEY, first.clock.now())[0].client_id;
    const next = setup({ kv });
    const ws = next.connect(withConversation);
    expect(ws.of("sale").map((f) => f.client_id)).toEqual([id]);
    ws.drop(); // lost before the ack: sent again after the next welcome
    next.clock.advance(20_000);
    const again = next.connect(withConversation);
    expect(again.of("sale").map((f) => f.client_id)).toEqual([id]);
    again.push({ type: "ack", client_id: id });
    expect(kv.data.has(KEY)).toBe(false);
  });
});

describe("Pupitre.sale through the loader snippet (main.ts)", () => {
  const w = window as unknown as Record<string, unknown>;
  afterEach(() => {
    delete w.Pupitre;
    delete w.__pupitreWidget;
    document.head.replaceChildren();
    vi.unstubAllGlobals();
  });

  it("plays the queued sale before the widget is up, stored at once; later calls too; bad ones warned", async () => {
    const script = document.createElement("script");
    script.dataset.project = "DEMO";
    script.setAttribute("src", "http://hub.test/widget.js");
    document.head.append(script);
    // The config never comes: the widget is not up, the page may be left at any time.
    vi.stubGlobal("fetch", () => new Promise(() => {}));
    w.Pupitre = {
      q: [
        ["sale", { amount: "129.90", currency: "eur", order: "A-1042" }],
        ["sale", { amount: -1, currency: "EUR", order: "A-1043" }],
        ["nope", {}],
      ],
    };
    vi.resetModules();
    const main = await import("../src/main");
    const stored = () => JSON.parse(localStorage.getItem(KEY) ?? "[]") as { order: string; amount_minor: number; currency: string }[];
    expect(stored().map((p) => [p.order, p.amount_minor, p.currency])).toEqual([["A-1042", 12990, "EUR"]]);
    expect(warnings).toEqual(["Pupitre.sale: amount: a sale is not negative; the sale is not reported"]);
    main.sale({ amount: 5000, currency: "JPY", order: "A-1044" });
    main.sale({ amount: "1", currency: "EUR", order: "A-1042" }); // already waiting
    expect(stored().map((p) => [p.order, p.amount_minor, p.currency])).toEqual([
      ["A-1042", 12990, "EUR"],
      ["A-1044", 5000, "JPY"],
    ]);
    expect(typeof main.sale).toBe("function");
  });
});
