// D15: the brand's site reports a sale (`Pupitre.sale`, issue 12), end to end: a real hub, a
// scripted agent and Debian's Chromium. The sale reaches the agent's figures of the day
// (`GET /api/stats/today`, with the agent's own bearer token), once per order, and a sale the
// page could not send (the visitor left offline) goes from the next page. Run with
// `npm run e2e` (PUPITRE_BIN names the hub binary, built with the `sale` frame).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALICE, W, browser, eventually, scenario, sleep } from "./helpers.mjs";

const KEY = "pupitre:DEMO:sales";

let chromium;
before(async () => {
  chromium = await browser();
});
after(async () => {
  await chromium?.close();
});

/** Opens the panel (if closed) and sends a message with the keyboard. */
async function write(page, text) {
  if (!(await page.locator(W.panel).isVisible())) await page.locator(W.launcher).click();
  await page.locator(W.panel).waitFor({ state: "visible" });
  await page.locator(W.input).click();
  await page.locator(W.input).pressSequentially(text);
  await page.keyboard.press("Enter");
}

/** The `sale` frames the page writes on its socket (the page's own report of them). */
function saleFrames(page) {
  const sent = [];
  page.on("websocket", (ws) =>
    ws.on("framesent", ({ payload }) => {
      try {
        const f = JSON.parse(String(payload));
        if (f.type === "sale") sent.push(f);
      } catch {
        /* not JSON */
      }
    }),
  );
  return sent;
}

/** The pending sales the page keeps in localStorage (null: none). */
const stored = (page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null"), KEY);

describe("sales reported by the site (D15)", () => {
  it("Pupitre.sale reaches the figures of the agent who served the visitor, once per order; a pending sale goes from the next page; the loader snippet's queue too", async () => {
    await scenario(chromium, async ({ hub, context, open }) => {
      const alice = await hub.agent(ALICE);
      // Alice's desk reads her figures with her own bearer token.
      const { access_token: aliceToken } = await hub.api("/api/login", { method: "POST", body: ALICE });
      const sales = async () => (await hub.api("/api/stats/today", { token: aliceToken })).sales;
      assert.deepEqual(await sales(), []);

      // The visitor chats, Alice answers: the visitor has a conversation (and a token).
      const page = await open();
      const warnings = [];
      page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
      const sent = saleFrames(page);
      await page.goto(`${hub.url}/demo`);
      await page.locator(W.launcher).waitFor();
      await write(page, "Hello, is the Aurore lamp in stock?");
      const { event: assigned } = await alice.event("conversation_assigned");
      const ref = assigned.conversation.reference;
      await alice.request({ type: "send_message", conversation: ref, text: "Yes, it ships tomorrow." });
      await page.locator("#pupitre-widget .row.them .bubble", { hasText: "ships tomorrow" }).waitFor();

      // The order-confirmation page reports the sale: a string amount, a lowercase currency.
      await page.evaluate(() => window.Pupitre.sale({ amount: "129.90", currency: "eur", order: "A-1042" }));
      await eventually(() => sent.length === 1, "the sale frame");
      const { client_id: firstId, ...frame } = sent[0];
      assert.match(firstId, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.deepEqual(frame, { type: "sale", amount_minor: 12990, currency: "EUR", order: "A-1042" });
      await eventually(async () => (await sales()).length === 1, "the sale in Alice's figures");
      assert.deepEqual(await sales(), [{ currency: "EUR", count: 1, amount_minor: 12990 }]);
      await eventually(async () => (await stored(page)) === null, "the acknowledged sale forgotten by the page");

      // The same order reported again (the visitor reloads the confirmation page): the hub
      // acknowledges it and counts it once.
      await page.evaluate(() => window.Pupitre.sale({ amount: 129.9, currency: "EUR", order: "A-1042" }));
      await eventually(() => sent.length === 2, "the second report");
      await eventually(async () => (await stored(page)) === null, "the second report acknowledged");
      await sleep(500);
      assert.deepEqual(await sales(), [{ currency: "EUR", count: 1, amount_minor: 12990 }]);

      // A bad call is left out with a warning naming the problem; nothing is sent.
      await page.evaluate(() => window.Pupitre.sale({ amount: -5, currency: "EUR", order: "A-1099" }));
      await page.evaluate(() => window.Pupitre.sale({ amount: 5, currency: "EUR", order: "two\nlines" }));
      assert.ok(warnings.some((w) => /^Pupitre\.sale: amount: /.test(w)), warnings.join("\n"));
      assert.ok(warnings.some((w) => /^Pupitre\.sale: order: one line/.test(w)), warnings.join("\n"));
      await sleep(300);
      assert.equal(sent.length, 2);
      assert.equal(await stored(page), null);

      // The network goes; the site reports a sale; the visitor leaves at once. The sale waits in
      // localStorage, with its client id.
      await context.setOffline(true);
      await page.locator("#pupitre-widget .status", { hasText: "offline" }).waitFor();
      await page.evaluate(() => window.Pupitre.sale({ amount: 20, currency: "EUR", order: "A-1043" }));
      const pending = await stored(page);
      assert.deepEqual(
        pending.map((p) => [p.order, p.amount_minor, p.currency]),
        [["A-1043", 2000, "EUR"]],
      );
      assert.equal(sent.length, 2, "nothing sent offline");
      await page.close();
      await context.setOffline(false);

      // The next page of the site sends it. It is also an order page whose sale is queued by
      // the loader snippet (README) before widget.js has loaded: an amount in yen.
      const next = await open();
      const nextSent = saleFrames(next);
      await next.addInitScript(() => {
        window.Pupitre = window.Pupitre || { q: [], sale: function (s) { Pupitre.q.push(["sale", s]); } };
        Pupitre.sale({ amount: 5000, currency: "JPY", order: "A-1044" });
      });
      await next.goto(`${hub.url}/demo/pricing`);
      await eventually(async () => (await sales()).length === 2 && (await sales())[0].count === 2, "both sales in Alice's figures");
      assert.deepEqual(await sales(), [
        { currency: "EUR", count: 2, amount_minor: 14990 },
        { currency: "JPY", count: 1, amount_minor: 5000 },
      ]);
      await eventually(() => nextSent.length >= 2, "the next page's sale frames");
      const a1043 = nextSent.find((f) => f.order === "A-1043");
      assert.equal(a1043?.client_id, pending[0].client_id, "sent again with its client id");
      const { client_id: jpyId, ...jpy } = nextSent.find((f) => f.order === "A-1044") ?? {};
      assert.ok(jpyId);
      assert.deepEqual(jpy, { type: "sale", amount_minor: 5000, currency: "JPY", order: "A-1044" });
      await eventually(async () => (await stored(next)) === null, "every sale acknowledged");
      assert.equal(await next.evaluate(() => typeof window.Pupitre.sale), "function");
    });
  });
});
