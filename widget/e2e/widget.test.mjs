// The widget end to end (issue 4): a real hub, a scripted agent, a real SMTP sink and Debian's
// Chromium. Run with `npm run e2e` (PUPITRE_BIN names the hub binary; default
// ${CARGO_TARGET_DIR:-/var/tmp/pupitre-target}/debug/pupitre). Screenshots: e2e/shots/.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ALICE, PHONE, SHOTS, W, axe, browser, decodeHeader, eventually, gradientPng, mimeParts, scenario, shot, sleep, visitorContext } from "./helpers.mjs";

let chromium;
before(async () => {
  chromium = await browser();
});
after(async () => {
  await chromium?.close();
});

/** Opens the panel (if closed) and sends a message with the keyboard. */
async function write(page, text, { delay = 0 } = {}) {
  await page.locator(W.input).click();
  await page.locator(W.input).pressSequentially(text, { delay });
  await page.keyboard.press("Enter");
}

async function openPanel(page) {
  if (!(await page.locator(W.panel).isVisible())) await page.locator(W.launcher).click();
  await page.locator(W.panel).waitFor({ state: "visible" });
}

/** The texts waiting in the stored outbox (R12), shared by the site's tabs. */
function storedOutbox(page) {
  return page.evaluate(() => (JSON.parse(localStorage.getItem("pupitre:DEMO:outbox") ?? "null")?.entries ?? []).map((e) => e.frame.text ?? e.frame.type));
}

/** Whether the element is wholly inside the thread's visible part. */
async function inThreadView(page, locator) {
  const thread = await page.locator(W.thread).boundingBox();
  const box = await locator.boundingBox();
  return !!box && box.y >= thread.y - 1 && box.y + box.height <= thread.y + thread.height + 1;
}

/**
 * The visitor comes back with their identity but without the cached history (another device's
 * storage rules, a cleared cache): the page is left first, so that the widget's own save on
 * `pagehide` cannot put the cache back, then the snapshot is changed, then the page reopened.
 */
async function forgetCache(page, hub, change) {
  const url = page.url();
  await page.goto(`${hub.url}/healthz`);
  await page.evaluate((change) => {
    const key = "pupitre:DEMO";
    const snap = JSON.parse(localStorage.getItem(key));
    localStorage.setItem(key, JSON.stringify({ ...snap, ...change }));
  }, change);
  await page.goto(url);
}

describe("the widget on the demo page", () => {
  it("chats live with an agent: draft then message, reply with a link, navigation reported, reload keeps the history, a file on request", async () => {
    await scenario(chromium, async ({ hub, open }) => {
      const alice = await hub.agent(ALICE);
      const page = await open();
      await page.goto(`${hub.url}/demo`);
      await page.locator(W.launcher).waitFor();
      await shot(page, "01-demo-page");
      await openPanel(page);
      assert.equal(await page.locator(W.launcher).getAttribute("aria-expanded"), "true");
      await write(page, "Hello!");
      const { event: assigned } = await alice.event("conversation_assigned");
      const ref = assigned.conversation.reference;
      assert.match(ref, /^DEMO-\d+$/);
      assert.ok(assigned.conversation.messages.some((m) => m.body.text === "Hello!"));
      assert.equal(new URL(assigned.conversation.visitor.page_url).pathname, "/demo");

      // D11: the draft reaches the desk while the visitor types, then the message.
      const from = alice.frames.length;
      const text = "Is the Aurore lamp in stock?";
      await page.locator(W.input).pressSequentially(text, { delay: 60 });
      const draft = await alice.frame("visitor_draft", (f) => f.conversation === ref && f.text.length > 0, from);
      await page.keyboard.press("Enter");
      const { index: messageAt } = await alice.event("message", (e) => e.message.body.text === text, from);
      assert.ok(draft.index < messageAt, "the draft came before the message");
      assert.ok(text.startsWith(draft.item.text));
      await alice.frame("visitor_draft", (f) => f.conversation === ref && f.text === "", messageAt);

      // The visitor's own messages show once each (echo merged with the pending copy).
      await eventually(async () => (await page.locator("#pupitre-widget [data-client-id]").count()) === 0, "no pending message");
      const mine = await page.locator("#pupitre-widget .row.me .bubble").allInnerTexts();
      assert.deepEqual(mine, ["Hello!", text]);

      // The agent answers; the visitor reads it, with a safe link.
      await alice.request({ type: "send_message", conversation: ref, text: "Yes! It is in stock: https://lumiere.example/aurore — delivery in 2 to 4 days." });
      await page.locator("#pupitre-widget .row.them .bubble", { hasText: "It is in stock" }).waitFor();
      const link = page.locator("#pupitre-widget .row.them .bubble a");
      assert.equal(await link.getAttribute("href"), "https://lumiere.example/aurore");
      assert.equal(await link.getAttribute("target"), "_blank");
      assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
      await eventually(async () => (await page.locator("#pupitre-widget .who p").innerText()).includes("Alice Martin"), "the agent in the header");
      await shot(page, "02-live-chat-desktop");

      // W4: the agent asks for a file; the visitor uploads one; both see it.
      await alice.request({ type: "request_file", conversation: ref });
      const ask = page.locator("#pupitre-widget .box", { hasText: "asks you for a file" });
      await ask.waitFor();
      const png = gradientPng();
      const fileFrom = alice.frames.length;
      await ask.locator("input[type=file]").setInputFiles({ name: "receipt.png", mimeType: "image/png", buffer: png });
      const { event: fileMessage } = await alice.event("message", (e) => e.message.body.kind === "file", fileFrom);
      assert.equal(fileMessage.message.body.file.name, "receipt.png");
      assert.equal(fileMessage.message.body.file.mime, "image/png");
      await page.locator("#pupitre-widget .row.me .file .fn", { hasText: "receipt.png" }).waitFor();
      await page.locator("#pupitre-widget img.preview").waitFor(); // fetched with the visitor's token
      assert.equal(await page.locator("#pupitre-widget .file .fn", { hasText: "receipt.png" }).count(), 1);
      await ask.locator("button", { hasText: "Choose a file" }).waitFor({ state: "detached" }); // answered

      // D13: another page of the site is reported to the desk; the panel stays open.
      const navFrom = alice.frames.length;
      await page.getByRole("link", { name: "Collection & prices" }).click();
      await page.waitForURL(/\/demo\/pricing$/);
      const { event: navigated } = await alice.event(
        "message",
        (e) => e.message.body.kind === "event" && e.message.body.event.kind === "navigated",
        navFrom,
      );
      assert.equal(new URL(navigated.message.body.event.url).pathname, "/demo/pricing");
      assert.match(navigated.message.body.event.title ?? "", /Collection/);
      await alice.event("visitor_updated", (e) => /\/demo\/pricing$/.test(e.visitor.page_url ?? ""), navFrom);
      await page.locator(W.panel).waitFor({ state: "visible" });

      // W2: a reload keeps the history; so does a visit whose cache is gone (from the hub).
      await page.reload();
      await page.locator("#pupitre-widget .bubble", { hasText: "It is in stock" }).waitFor();
      await forgetCache(page, hub, { seq: null, conversations: [] });
      await page.locator("#pupitre-widget .bubble", { hasText: "It is in stock" }).waitFor();
      const texts = await page.locator("#pupitre-widget .row.me .bubble").allInnerTexts();
      assert.deepEqual(texts.slice(0, 2), ["Hello!", text]);
      assert.equal(await page.locator("#pupitre-widget .file .fn", { hasText: "receipt.png" }).count(), 1);
      assert.equal(await page.locator("#pupitre-widget .bubble", { hasText: "It is in stock" }).count(), 1);
      assert.equal(alice.visitorTexts(text), 1, "the message reached the desk once");
      await shot(page, "03-after-reload");

      // A phone: full-screen panel.
      const phone = await visitorContext(chromium, PHONE);
      const mobile = await open(phone);
      await mobile.goto(`${hub.url}/demo`);
      await mobile.locator(W.launcher).waitFor();
      await shot(mobile, "04-phone-closed");
      await mobile.locator(W.launcher).tap();
      await write(mobile, "Bonjour from my phone, can I pick up in Lyon? Shipping to https://example.org/a-very-long-address-that-wraps is fine too.");
      await sleep(300);
      const box = await mobile.locator(W.panel).boundingBox();
      assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844]);
      await shot(mobile, "05-phone-open");
      await phone.close();
    });
  });

  it("without an agent: auto-reply at once, e-mail left; the agent answers and closes after the visitor left; the answer arrives by e-mail; the survey is stored", async () => {
    await scenario(chromium, { smtp: true }, async ({ smtp, hub, open }) => {
      const page = await open();
      await page.goto(`${hub.url}/demo/pricing`);
      await openPanel(page);
      const started = Date.now();
      await write(page, "Do you ship to Belgium?");
      const autoReply = page.locator('#pupitre-widget .sys[data-sentence="auto_reply"]');
      await autoReply.waitFor({ timeout: 5000 });
      assert.ok(Date.now() - started < 5000, "the auto-reply appears at once (no agent needed)");
      assert.match(await autoReply.innerText(), /Leave us a message/);

      // R8: the e-mail form.
      const form = page.locator("#pupitre-widget form.email");
      await form.waitFor();
      assert.match(await form.innerText(), /Leave your e-mail to get the answer/);
      await form.getByLabel("E-mail address").fill("zoe@");
      await form.getByRole("button", { name: "Send" }).click();
      await form.getByText("Please enter a valid e-mail address.").waitFor();
      await form.getByLabel("Your name (optional)").fill("Zoé Lambert");
      await form.getByLabel("E-mail address").fill("zoe@example.test");
      await shot(page, "06-async-email-form");
      await form.getByRole("button", { name: "Send" }).click();
      await page.locator("#pupitre-widget .box", { hasText: "We will send the answer to zoe@example.test" }).waitFor();
      await shot(page, "07-async-email-left");
      await page.close(); // the visitor leaves
      await sleep(300);

      // An agent arrives, gets the conversation from the queue, answers, closes.
      const alice = await hub.agent(ALICE);
      const { event: assigned } = await alice.event("conversation_assigned");
      const ref = assigned.conversation.reference;
      assert.equal(assigned.conversation.visitor.email, "zoe@example.test");
      assert.equal(assigned.conversation.visitor.name, "Zoé Lambert");
      assert.equal(assigned.conversation.visitor_online, false);
      const answer = "Yes, we ship to Belgium in 3 to 5 days, for €9.";
      await alice.request({ type: "send_message", conversation: ref, text: answer });
      await alice.request({ type: "close", conversation: ref, conversation_type: "Information" });

      // The answer by e-mail, plain and HTML, with the way back.
      const mail = await eventually(() => smtp.mails.find((m) => m.to.includes("zoe@example.test")), "the answer e-mail at the SMTP sink", 30_000);
      mkdirSync(SHOTS, { recursive: true });
      writeFileSync(join(SHOTS, "answer-mail.eml"), mail.raw); // to read it as a person would
      const parts = mimeParts(mail.raw);
      const plain = parts.find((p) => p.type === "text/plain");
      const html = parts.find((p) => p.type === "text/html");
      assert.ok(plain && html, `plain and HTML parts, got ${parts.map((p) => p.type)}`);
      assert.ok(plain.text.includes(answer), plain.text);
      assert.ok(html.text.includes("Yes, we ship to Belgium in 3 to 5 days, for €9."), html.text);
      const back = plain.text.match(/https?:\/\/\S+#pupitre-open/)?.[0];
      assert.ok(back, `a link back in:\n${plain.text}`);
      assert.ok(html.text.includes(`href="${back}"`), "the HTML part links back too");
      const subject = decodeHeader(parseSubject(mail.raw));
      assert.match(subject, /Alice/);

      // The link opens the page with the widget open, the answer there, and the survey.
      const again = await open();
      await again.goto(back);
      await again.locator(W.panel).waitFor({ state: "visible" });
      await again.locator("#pupitre-widget .bubble", { hasText: answer }).waitFor();
      await again.locator("#pupitre-widget .sep", { hasText: "Conversation closed" }).waitFor();
      const survey = again.locator("#pupitre-widget form.survey");
      await survey.waitFor();
      await survey.getByRole("button", { name: "4 out of 5" }).click();
      await survey.getByLabel("A comment? (optional)").fill("Quick and clear, thanks!");
      await shot(again, "08-back-from-email-survey");
      await survey.getByRole("button", { name: "Send" }).click();
      await again.locator("#pupitre-widget .box", { hasText: "Thank you for your feedback!" }).waitFor();
      assert.equal(await again.locator("#pupitre-widget form.survey").count(), 0);

      // Stored: the thread read back through the admin API has the answer.
      const doc = await eventually(async () => {
        const d = await hub.conversation(ref);
        return d.messages.some((m) => m.body.kind === "event" && m.body.event.kind === "survey_answered") && d;
      }, "survey_answered in the stored thread");
      const stored = doc.messages.find((m) => m.body.kind === "event" && m.body.event.kind === "survey_answered").body.event;
      assert.equal(stored.score, 4);
      assert.equal(stored.comment, "Quick and clear, thanks!");
      await shot(again, "09-survey-thanks");

      // A new message after the close starts a new conversation below the closed one.
      await write(again, "One more question: do you gift-wrap?");
      await again.locator("#pupitre-widget .row.me .bubble", { hasText: "gift-wrap" }).waitFor();
      const { event: second } = await alice.event("conversation_assigned", (e) => e.conversation.reference !== ref);
      assert.notEqual(second.conversation.reference, ref);
    });
  });

  it("network cut: the message waits in the page, shown pending, and is sent once when the network is back; unread badge and seen", async () => {
    await scenario(chromium, async ({ hub, context, open }) => {
      const alice = await hub.agent(ALICE);
      const page = await open();
      await page.goto(`${hub.url}/demo`);
      await openPanel(page);
      await write(page, "First, online.");
      await alice.event("conversation_assigned");

      await context.setOffline(true);
      await page.locator("#pupitre-widget .status", { hasText: "offline" }).waitFor();
      const text = "Written in the tunnel.";
      await write(page, text);
      const pending = page.locator("#pupitre-widget [data-client-id]");
      await pending.waitFor();
      assert.match(await pending.innerText(), /Waiting for the connection/);
      const stored = await page.evaluate(() => localStorage.getItem("pupitre:DEMO:outbox"));
      assert.ok(stored?.includes(text), "kept in localStorage until acknowledged");
      await shot(page, "10-offline-pending");
      await sleep(1500);
      assert.equal(alice.visitorTexts(text), 0, "nothing reached the hub while offline");

      await context.setOffline(false);
      await alice.event("message", (e) => e.message.body.text === text);
      await eventually(async () => (await pending.count()) === 0, "the pending mark to go");
      await sleep(1500);
      assert.equal(alice.visitorTexts(text), 1, "sent exactly once");
      assert.equal(await page.locator("#pupitre-widget .bubble", { hasText: text }).count(), 1);
      assert.deepEqual(await storedOutbox(page), [], "nothing left to send");
      assert.equal(await page.locator("#pupitre-widget .status").isVisible(), false);

      // W1, R8: with the panel closed, the agent's message makes the badge; opening it sends
      // `seen`, which the hub keeps (a visit without the cache finds no badge).
      const ref = (await alice.event("conversation_assigned")).event.conversation.reference;
      await page.locator("#pupitre-widget button.x").click();
      await alice.request({ type: "send_message", conversation: ref, text: "Got it, thanks!" });
      const badge = page.locator("#pupitre-widget .badge");
      await badge.waitFor({ state: "visible" });
      assert.equal(await badge.innerText(), "1");
      assert.match(await page.locator(W.launcher).getAttribute("aria-label"), /1 unread/);
      await shot(page, "10b-unread-badge");
      await page.locator(W.launcher).click();
      await badge.waitFor({ state: "hidden" });
      await page.locator(W.launcher).click(); // closed again: nothing unread
      await sleep(500);
      await forgetCache(page, hub, { seq: null, seen: 0, conversations: [] });
      await page.locator(W.launcher).waitFor();
      await sleep(1000);
      assert.equal(await badge.isVisible(), false, "the hub remembers what was seen");
    });
  });

  it("two tabs offline: each tab's message shows pending in both, outlives the tab that wrote it, and reaches the desk once (R12)", async () => {
    await scenario(chromium, async ({ hub, context, open }) => {
      const alice = await hub.agent(ALICE);
      const tabA = await open();
      await tabA.goto(`${hub.url}/demo`);
      await openPanel(tabA);
      await write(tabA, "Hello from the first tab.");
      await alice.event("conversation_assigned");
      await eventually(() => tabA.evaluate(() => JSON.parse(localStorage.getItem("pupitre:DEMO") ?? "{}").token), "the visitor's token saved");
      const tabB = await open();
      await tabB.goto(`${hub.url}/demo/pricing`);
      await openPanel(tabB);
      await tabB.locator("#pupitre-widget .bubble", { hasText: "Hello from the first tab." }).waitFor();

      await context.setOffline(true);
      for (const tab of [tabA, tabB]) await tab.locator("#pupitre-widget .status", { hasText: "offline" }).waitFor();
      const a = "Tab A, written offline.";
      const b = "Tab B, written offline.";
      await write(tabA, a);
      await write(tabB, b);
      for (const tab of [tabA, tabB]) {
        await eventually(async () => {
          const pending = await tab.locator("#pupitre-widget [data-client-id] .bubble").allInnerTexts();
          return pending.length === 2 && pending.includes(a) && pending.includes(b);
        }, "both tabs' messages pending in each tab");
      }
      assert.deepEqual((await storedOutbox(tabB)).filter((t) => t === a || t === b).sort(), [a, b]);
      await shot(tabB, "15-two-tabs-offline");

      // The first tab is closed before the network is back: the other one sends its message.
      await tabA.close();
      await context.setOffline(false);
      await alice.event("message", (e) => e.message.body.text === b);
      await alice.event("message", (e) => e.message.body.text === a);
      await eventually(async () => (await tabB.locator("#pupitre-widget [data-client-id]").count()) === 0, "no pending message left");
      await sleep(1500);
      assert.equal(alice.visitorTexts(a), 1, "the closed tab's message reached the desk once");
      assert.equal(alice.visitorTexts(b), 1, "the open tab's message reached the desk once");
      for (const text of [a, b]) assert.equal(await tabB.locator("#pupitre-widget .bubble", { hasText: text }).count(), 1);
      assert.deepEqual(await storedOutbox(tabB), []);
      await shot(tabB, "15b-two-tabs-delivered");
    });
  });

  it("hostile input: a name, a message and a page URL full of HTML/JS are stored and shown back as text; nothing runs, nothing is injected", async () => {
    await scenario(chromium, async ({ hub, open }) => {
      const page = await open();
      const evil = `<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script>"><svg onload=alert(3)>`;
      const url = `${hub.url}/demo?q=${evil}#${evil}`;
      await page.goto(url);
      await openPanel(page);
      await write(page, evil);
      await page.locator('#pupitre-widget .sys[data-sentence="auto_reply"]').waitFor();
      const form = page.locator("#pupitre-widget form.email");
      await form.getByLabel("Your name (optional)").fill(evil);
      await form.getByLabel("E-mail address").fill("evil@example.test");
      await form.getByRole("button", { name: "Send" }).click();
      await page.locator("#pupitre-widget .box", { hasText: "evil@example.test" }).waitFor();

      // The desk gets exactly what was typed, as data.
      const alice = await hub.agent(ALICE);
      const { event: assigned } = await alice.event("conversation_assigned");
      const ref = assigned.conversation.reference;
      assert.equal(assigned.conversation.visitor.name, evil);
      assert.ok(assigned.conversation.messages.some((m) => m.body.text === evil));
      assert.ok(decodeURIComponent(assigned.conversation.visitor.page_url).includes(evil), assigned.conversation.visitor.page_url);

      // An agent relaying the same payloads (a message, an offer) is shown as text too.
      await alice.request({ type: "send_message", conversation: ref, text: `You wrote: ${evil}` });
      await alice.request({
        type: "send_offer",
        conversation: ref,
        offer: { title: evil, text: evil, link: "https://lumiere.example/offer", image: null },
      });
      await page.locator("#pupitre-widget .bubble", { hasText: "You wrote:" }).waitFor();
      await page.locator("#pupitre-widget .card").waitFor();
      await shot(page, "11-hostile-as-text");

      // Stored as typed.
      const doc = await hub.conversation(ref);
      assert.equal(doc.visitor.name, evil);
      assert.ok(doc.messages.some((m) => m.author.kind === "visitor" && m.body.text === evil));

      const injected = await page.evaluate(() => {
        const root = document.querySelector("#pupitre-widget").shadowRoot;
        const scan = (r) => ({
          img: r.querySelectorAll("img").length,
          script: r.querySelectorAll("script").length,
          handlers: Array.from(r.querySelectorAll("*")).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith("on"))).length,
          svgFromPayload: Array.from(r.querySelectorAll("svg")).filter((s) => !s.closest("button") && !s.closest(".file") && !s.closest(".note")).length,
        });
        return { page: scan(document), shadow: scan(root), pwned: window.__pwned ?? null, text: root.textContent };
      });
      assert.equal(injected.pwned, null);
      assert.deepEqual(injected.shadow, { img: 0, script: 0, handlers: 0, svgFromPayload: 0 });
      assert.deepEqual({ ...injected.page, script: injected.page.script }, { img: 0, script: 1, handlers: 0, svgFromPayload: 0 }); // only the widget's own tag
      assert.ok(injected.text.includes(evil), "the payload shows as text");
      await sleep(500);
    });
  });

  it("keyboard only, in French: Tab reaches the launcher, Enter opens, focus stays in the panel, Escape closes", async () => {
    await scenario(chromium, { context: { locale: "fr-FR" } }, async ({ hub, open }) => {
      const page = await open();
      await page.goto(`${hub.url}/demo/contact`);
      await page.locator(W.launcher).waitFor();
      const launcher = page.locator(W.launcher);
      assert.equal(await launcher.getAttribute("aria-label"), "Ouvrir la discussion");
      const active = () => page.evaluate(() => document.querySelector("#pupitre-widget").shadowRoot.activeElement?.className ?? null);
      for (let i = 0; i < 40 && (await active()) !== "launcher"; i++) await page.keyboard.press("Tab");
      assert.equal(await active(), "launcher", "Tab reaches the launcher");
      await page.keyboard.press("Enter");
      await page.locator(W.panel).waitFor({ state: "visible" });
      assert.equal(await active(), "");  // the textarea has no class
      assert.equal(await page.locator(W.input).getAttribute("placeholder"), "Écrivez votre message…");
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press("Tab");
        assert.ok(await page.evaluate(() => document.activeElement?.id === "pupitre-widget"), "focus stays in the widget");
      }
      await page.locator(W.input).focus();
      await page.keyboard.type("Bonjour, êtes-vous ouverts le lundi ?");
      await page.keyboard.press("Enter");
      await page.locator('#pupitre-widget .sys[data-sentence="auto_reply"]', { hasText: "Bonjour" }).waitFor();
      await shot(page, "13-keyboard-french");
      await page.keyboard.press("Escape");
      await page.locator(W.panel).waitFor({ state: "hidden" });
      assert.equal(await active(), "launcher");
      // The page's own link opens it again (#pupitre-open, no script in the page).
      await page.getByRole("link", { name: "Chat with an adviser" }).click();
      await page.locator(W.panel).waitFor({ state: "visible" });
    });
  });

  it("nobody online, with a questionnaire: one form at a time (the e-mail offer first, the auto-reply in view), then the questionnaire; answers reach the visitor card; desktop and phone", async () => {
    await scenario(chromium, async ({ hub, open }) => {
      const phone = await visitorContext(chromium, PHONE);
      try {
        await hub.settings((s) => {
          s.widget.questionnaire = ["Your order number?", "Which lamp is it about?"];
          s.widget.questionnaire_seconds = 120;
        });
        const page = await open();
        await page.goto(`${hub.url}/demo`);
        await openPanel(page);
        await write(page, "My lamp flickers.");
        const autoReply = page.locator('#pupitre-widget .sys[data-sentence="auto_reply"]');
        const email = page.locator("#pupitre-widget form.email");
        const form = page.locator("#pupitre-widget form.questionnaire");
        await email.waitFor();
        await sleep(300);
        assert.equal(await form.count(), 0, "the questionnaire waits for the e-mail offer");
        assert.ok(await inThreadView(page, autoReply), "the auto-reply stays in view above the e-mail offer");
        assert.ok(await inThreadView(page, email), "the e-mail offer fits under it");
        await shot(page, "12-email-first");
        await email.getByRole("button", { name: "Not now" }).click();
        await form.waitFor();
        assert.equal(await email.count(), 0);
        assert.ok(await inThreadView(page, autoReply), "the auto-reply still in view above the questionnaire");
        await form.getByLabel("Your order number?").fill("ML-2048");
        await form.getByLabel("Which lamp is it about?").fill("Sauge");
        await shot(page, "12b-questionnaire");
        await form.getByRole("button", { name: "Send" }).click();
        await page.locator("#pupitre-widget .box", { hasText: "will read your answers" }).waitFor();

        // The same on a phone, the e-mail left this time.
        const mobile = await open(phone);
        await mobile.goto(`${hub.url}/demo/contact`);
        await mobile.locator(W.launcher).tap();
        await write(mobile, "Can I get the Opaline in blue?");
        const mobileEmail = mobile.locator("#pupitre-widget form.email");
        await mobileEmail.waitFor();
        await sleep(300);
        assert.ok(await inThreadView(mobile, mobile.locator('#pupitre-widget .sys[data-sentence="auto_reply"]')));
        assert.ok(await inThreadView(mobile, mobileEmail));
        await shot(mobile, "14-phone-email-first");
        await mobileEmail.getByLabel("E-mail address").fill("zoe@example.test");
        await mobileEmail.getByRole("button", { name: "Send" }).tap();
        await mobile.locator("#pupitre-widget .box", { hasText: "We will send the answer to zoe@example.test" }).waitFor();
        const mobileForm = mobile.locator("#pupitre-widget form.questionnaire");
        await mobileForm.waitFor();
        assert.ok(await inThreadView(mobile, mobile.locator('#pupitre-widget .sys[data-sentence="auto_reply"]')));
        assert.ok(await inThreadView(mobile, mobileForm));
        await shot(mobile, "14b-phone-questionnaire");

        const alice = await hub.agent(ALICE);
        const { event: assigned } = await alice.event("conversation_assigned", (e) => (e.conversation.visitor.fields ?? []).length > 0);
        const fields = assigned.conversation.visitor.fields ?? [];
        assert.deepEqual(
          fields.map((f) => [f.label, f.value]),
          [
            ["Your order number?", "ML-2048"],
            ["Which lamp is it about?", "Sauge"],
          ],
        );
        await page.locator("#pupitre-widget .who p", { hasText: "Alice Martin" }).waitFor();
        assert.equal(await form.count(), 0, "gone once an agent joined");
      } finally {
        await phone.close();
      }
    });
  });

  it("the site's custom fields (A7): Pupitre.set before the script loads reaches the agent's card as the admin labelled it, later changes as visitor_updated; unlisted keys never reach the desk; a hostile value stays text", async () => {
    await scenario(chromium, async ({ hub, open }) => {
      // The admin lists two custom fields on the visitor card; `secret_internal` is not listed.
      await hub.settings((s) => {
        s.visitor_card.fields.push(
          { key: "cart", label: { en: "Cart", fr: "Panier" }, shown: true },
          { key: "note", label: { en: "Note from the site" }, shown: true },
        );
      });
      const alice = await hub.agent(ALICE);
      const page = await open();
      const warnings = [];
      page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
      const sent = []; // the set_fields frames the page writes
      page.on("websocket", (ws) =>
        ws.on("framesent", ({ payload }) => {
          const f = JSON.parse(String(payload));
          if (f.type === "set_fields") sent.push(f.fields);
        }),
      );
      const hostile = `<img src=x onerror=alert(1)>`;
      // The brand's loader snippet (README), run before the page's own scripts as the site's
      // inline script or first script file would: calls made before widget.js has loaded.
      await page.addInitScript((hostile) => {
        window.Pupitre = window.Pupitre || { q: [], set: function (f) { Pupitre.q.push(["set", f]); } };
        Pupitre.set({ cart: "129,90 €", secret_internal: "x" });
        Pupitre.set({ note: hostile, "Bad Key": "y", lines: "one\ntwo" });
      }, hostile);
      await page.goto(`${hub.url}/demo`);
      await page.locator(W.launcher).waitFor();
      await eventually(() => sent.length === 1, "the fields sent once connected");
      assert.deepEqual(sent, [{ cart: "129,90 €", secret_internal: "x", note: hostile }], "one frame, the bad ones left out");
      assert.ok(warnings.some((w) => w.includes('"Bad Key"')), warnings.join("\n"));
      assert.ok(warnings.some((w) => w.includes('"lines"')), warnings.join("\n"));
      assert.equal(await page.evaluate(() => typeof window.Pupitre.set), "function");

      await openPanel(page);
      await write(page, "Hello, a question about my cart.");
      const { event: assigned } = await alice.event("conversation_assigned");
      const ref = assigned.conversation.reference;
      assert.deepEqual(
        assigned.conversation.visitor.fields.map((f) => [f.label, f.value]),
        [
          ["Cart", "129,90 €"],
          ["Note from the site", hostile],
        ],
      );
      assert.ok(!JSON.stringify(alice.frames).includes("secret_internal"), "an unlisted key never reaches the desk");
      assert.ok(!assigned.conversation.visitor.fields.some((f) => f.value === "x"));
      // Stored as typed (the admin API reads the card as a desk does).
      const doc = await hub.conversation(ref);
      assert.deepEqual(doc.visitor.fields.find((f) => f.label === "Note from the site")?.value, hostile);

      // A later call on the live page reaches the agent's card at once.
      const from = alice.frames.length;
      await page.evaluate(() => window.Pupitre.set({ cart: "12,00 €" }));
      const { event: updated } = await alice.event(
        "visitor_updated",
        (e) => e.visitor.fields?.some((f) => f.label === "Cart" && f.value === "12,00 €"),
        from,
      );
      assert.equal(updated.conversation, ref);
      assert.deepEqual(updated.visitor.fields.map((f) => f.label), ["Cart", "Note from the site"]);
      // The browser's report of its own frames can come after the hub's answer to the agent.
      await eventually(() => sent.length >= 2, "the page's second set_fields seen by the test");
      assert.deepEqual(sent.slice(1), [{ cart: "12,00 €" }], "only the change is sent");

      // The next page sets its cart again: only what differs from the hub's card goes.
      const before = sent.length;
      await page.goto(`${hub.url}/demo/pricing`);
      await alice.event("visitor_updated", (e) => e.visitor.fields?.some((f) => f.label === "Cart" && f.value === "129,90 €"), from);
      await sleep(500);
      assert.deepEqual(sent.slice(before), [{ cart: "129,90 €" }]);

      // The widget never shows the fields; the hostile value ran nowhere.
      const shown = await page.evaluate(() => ({
        text: document.querySelector("#pupitre-widget").shadowRoot.textContent,
        imgs: document.querySelectorAll("img").length,
      }));
      assert.ok(!shown.text.includes("onerror") && !shown.text.includes("129,90"), "fields are not shown to the visitor");
      assert.equal(shown.imgs, 0);
      await shot(page, "16-fields-set");
    });
  });

  it("the project's own survey (A5): the agent sends it during the live conversation; a required question left blank is named; the answers reach the desk and the stored thread as lines; not asked again at close", async () => {
    await scenario(chromium, async ({ hub, open }) => {
      await hub.settings((s) => {
        s.questionnaires.list.push({
          id: "after-chat",
          name: "After the chat",
          questions: [
            { id: "resolved", text: { en: "Was your question answered?", fr: "Avez-vous eu votre réponse ?" }, answer: { kind: "yes_no" }, required: true },
            { id: "recommend", text: { en: "How likely are you to recommend us?", fr: "Nous recommanderiez-vous ?" }, answer: { kind: "rating", max: 10 }, required: true },
            {
              id: "topics",
              text: { en: "What was it about?", fr: "C'était à propos de quoi ?" },
              answer: { kind: "choice", choices: [{ en: "Delivery", fr: "Livraison" }, { en: "Product", fr: "Produit" }, { en: "Price", fr: "Prix" }], multiple: true },
              required: false,
            },
            { id: "comment", text: { en: "Anything else?", fr: "Autre chose ?" }, answer: { kind: "text" }, required: false },
          ],
        });
        s.questionnaires.visitor = { questionnaire: "after-chat", agent_may_send: true };
      });
      const alice = await hub.agent(ALICE);
      const page = await open();
      await page.goto(`${hub.url}/demo`);
      await openPanel(page);
      await write(page, "Where is my Aurore lamp?");
      const { event: assigned } = await alice.event("conversation_assigned");
      const ref = assigned.conversation.reference;
      await alice.request({ type: "send_message", conversation: ref, text: "It ships tomorrow morning." });
      await page.locator("#pupitre-widget .row.them .bubble", { hasText: "ships tomorrow" }).waitFor();

      // The agent sends the survey while the conversation goes on.
      await alice.request({ type: "send_survey", conversation: ref });
      const form = page.locator("#pupitre-widget form.survey.questions");
      await form.waitFor();
      assert.equal(await page.locator("#pupitre-widget .sep").count(), 0, "the conversation is still open");
      assert.match(await form.locator("legend").first().innerText(), /Was your question answered\? \(required\)/);
      await form.getByRole("radio", { name: "Yes" }).check();
      await form.getByRole("checkbox", { name: "Delivery" }).check();
      await form.getByRole("checkbox", { name: "Price" }).check();
      await form.getByRole("button", { name: "Send" }).click();
      // The rating was left blank: said under it, and the focus goes there; nothing sent.
      const recommend = form.locator("fieldset", { hasText: "recommend us" });
      await recommend.getByText("Please answer this question.").waitFor();
      const focused = await page.evaluate(() => document.querySelector("#pupitre-widget").shadowRoot.activeElement?.getAttribute("aria-label"));
      assert.equal(focused, "1 out of 10");
      await axe(page, "the project's survey with a required question left blank");
      await shot(page, "survey-questionnaire");
      await recommend.getByRole("radio", { name: "9 out of 10" }).check();
      assert.equal(await recommend.getByText("Please answer this question.").count(), 0);
      await form.getByLabel("Anything else?").fill("Quick and clear, thanks!");
      await shot(page, "survey-questionnaire-filled");
      const from = alice.frames.length;
      await form.getByRole("button", { name: "Send" }).click();
      await page.locator("#pupitre-widget .box", { hasText: "Thank you for your feedback!" }).waitFor();
      assert.equal(await form.count(), 0);

      // The desk gets the answers as lines, in the visitor's language; the thread keeps them.
      const expected = [
        { question: "Was your question answered?", answer: "Yes" },
        { question: "How likely are you to recommend us?", answer: "9/10" },
        { question: "What was it about?", answer: "Delivery, Price" },
        { question: "Anything else?", answer: "Quick and clear, thanks!" },
      ];
      const { event: answered } = await alice.event(
        "message",
        (e) => e.message.body.kind === "event" && e.message.body.event.kind === "survey_answered",
        from,
      );
      assert.deepEqual(answered.message.body.event.answers, expected);
      const doc = await hub.conversation(ref);
      const stored = doc.messages.find((m) => m.body.kind === "event" && m.body.event.kind === "survey_answered").body.event;
      assert.deepEqual(stored.answers, expected);

      // The chat goes on; at close the hub asks again, but this survey was answered.
      await write(page, "Thanks, bye!");
      await alice.event("message", (e) => e.message.body.text === "Thanks, bye!", from);
      await alice.request({ type: "close", conversation: ref, conversation_type: "Information" });
      await page.locator("#pupitre-widget .sep", { hasText: "Conversation closed" }).waitFor();
      await sleep(500);
      assert.equal(await page.locator("#pupitre-widget form.survey").count(), 0, "not asked twice");
      await shot(page, "survey-questionnaire-closed");
    });
  });

  it("the console's live preview (/admin/widget-preview): framed by a same-origin page, it says it is ready, draws the posted look and forms in both languages, ignores other origins and wrong shapes, and makes no request of its own", async () => {
    await scenario(chromium, async ({ hub, open }) => {
      const page = await open();
      await page.goto(`${hub.url}/admin/`);
      const requests = [];
      const sockets = [];
      const warnings = [];
      page.on("request", (r) => r.frame() !== page.mainFrame() && requests.push(new URL(r.url()).pathname));
      page.on("websocket", (ws) => sockets.push(ws.url()));
      page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
      // The console's Widget page frames the preview and waits for its ready message.
      await page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            const frame = document.createElement("iframe");
            frame.id = "pupitre-preview";
            frame.title = "Widget preview";
            frame.src = "/admin/widget-preview";
            Object.assign(frame.style, { position: "fixed", top: "0", left: "0", width: "520px", height: "760px", border: "0", zIndex: "9", background: "#fff" });
            addEventListener("message", (e) => {
              if (e.source === frame.contentWindow && e.origin === location.origin && e.data?.type === "pupitre-preview-ready") resolve();
            });
            setTimeout(() => reject(new Error("the preview never said it was ready")), 10_000);
            document.body.append(frame);
          }),
      );
      const frame = page.frame({ url: /\/admin\/widget-preview$/ });
      assert.ok(frame, "the preview frame");
      const config = {
        project: "DEMO",
        name: "Maison Lumière",
        color: "#1f2a44",
        font: 'Georgia, "Times New Roman", serif',
        email_capture: true,
        max_file_bytes: 5 * 1024 * 1024,
        file_types: ["image/png", "application/pdf"],
      };
      const state = { type: "pupitre-preview", language: "en", config, survey: true, questionnaire: ["Your order number?"] };
      const post = (data) => page.evaluate((data) => document.getElementById("pupitre-preview").contentWindow.postMessage(data, location.origin), data);
      const title = frame.locator("#pupitre-widget #pw-title");

      await post(state);
      await frame.locator("#pupitre-widget [role=dialog]").waitFor({ state: "visible" });
      await eventually(async () => (await title.innerText()) === "Maison Lumière", "the posted name in the header");
      const header = await frame.locator("#pupitre-widget header").evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(header, "rgb(31, 42, 68)");
      await frame.locator("#pupitre-widget .row.me .bubble", { hasText: "Hello, where is my order?" }).waitFor();
      await frame.locator("#pupitre-widget .row.them .bubble", { hasText: "It left our warehouse this morning." }).waitFor();
      await frame.locator("#pupitre-widget form.email").waitFor();
      await frame.locator("#pupitre-widget form.questionnaire").getByText("Your order number?").waitFor();
      await frame.locator("#pupitre-widget .box", { hasText: "Marie asks you for a file" }).getByRole("button", { name: "Choose a file" }).waitFor();
      await frame.locator("#pupitre-widget form.survey").waitFor();
      await sleep(300);
      mkdirSync(SHOTS, { recursive: true });
      await page.locator("#pupitre-preview").screenshot({ path: join(SHOTS, "preview-en.png") });

      // The e-mail offer goes with e-mail capture; the look and the language follow each message.
      await post({ ...state, config: { ...config, email_capture: false } });
      await frame.locator("#pupitre-widget form.email").waitFor({ state: "detached" });
      const frState = {
        ...state,
        language: "fr",
        config: { ...config, color: "#f5c518", email_capture: true },
        survey_questions: [
          { id: "resolved", text: { en: "Was your question answered?", fr: "Avez-vous eu votre réponse ?" }, answer: { kind: "yes_no" }, required: true },
          { id: "recommend", text: { en: "How likely are you to recommend us?", fr: "Nous recommanderiez-vous ?" }, answer: { kind: "rating", max: 5 }, required: false },
        ],
        questionnaire: ["Votre numéro de commande ?"],
      };
      await post(frState);
      await frame.locator("#pupitre-widget .row.me .bubble", { hasText: "Bonjour, où en est ma commande ?" }).waitFor();
      await frame.locator("#pupitre-widget form.email").waitFor();
      await frame.locator("#pupitre-widget form.questions").getByText("Avez-vous eu votre réponse ?").waitFor();
      assert.equal(await frame.locator("#pupitre-widget header").evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(245, 197, 24)");
      assert.equal(await frame.locator("#pupitre-widget .who p").innerText(), "Marie · Votre conseiller");
      await sleep(300);
      await page.locator("#pupitre-preview").screenshot({ path: join(SHOTS, "preview-fr.png") });

      // Ignored: another origin, another window than the parent, a wrong shape (with a warning).
      const evil = { ...frState, config: { ...frState.config, name: "Evil" } };
      await frame.evaluate((data) => window.dispatchEvent(new MessageEvent("message", { data, origin: "https://evil.example", source: window.parent })), evil);
      await frame.evaluate((data) => window.postMessage(data, location.origin), evil);
      await post({ ...evil, config: { ...evil.config, max_file_bytes: "big" } });
      await eventually(() => warnings.some((w) => /wrong shape/.test(w)), "a warning for the wrong shape");
      await sleep(300);
      assert.equal(await title.innerText(), "Maison Lumière");

      // The visitor's side can be tried: nothing leaves the frame.
      const input = frame.locator("#pupitre-widget .composer textarea");
      await input.fill("Merci !");
      await input.press("Enter");
      await frame.locator("#pupitre-widget .row.me .bubble", { hasText: "Merci !" }).waitFor();
      await sleep(500);
      assert.deepEqual([...new Set(requests)].sort(), ["/admin/widget-preview", "/widget.js"]);
      assert.deepEqual(sockets, []);
      assert.equal(await frame.evaluate(() => localStorage.length + sessionStorage.length), 0);
    });
  });

  for (const color of ["#f5c518", "#1f2a44"]) {
    it(`accessibility (axe-core, WCAG 2.2 A/AA) with the brand colour ${color}: the demo pages, the panel empty, the e-mail offer, the questionnaire, a live conversation, the survey, offline`, async () => {
      await scenario(chromium, async ({ hub, context, open }) => {
        const name = color.slice(1);
        const findings = []; // every state is checked; the test fails at the end with all of them
        await hub.settings((s) => {
          s.widget.color = color;
          s.widget.questionnaire = ["Your order number?"];
        });
        const page = await open();
        for (const path of ["/demo", "/demo/pricing", "/demo/contact"]) {
          await page.goto(`${hub.url}${path}`);
          await page.locator(W.launcher).waitFor();
          await axe(page, `${path}, widget closed, ${color}`, findings);
        }
        await page.goto(`${hub.url}/demo`);
        await openPanel(page);
        await axe(page, `panel open, empty, ${color}`, findings);

        // Nobody online: the automatic reply and the e-mail offer, refused then left.
        await write(page, "Do you ship to Belgium?");
        const email = page.locator("#pupitre-widget form.email");
        await email.waitFor();
        await axe(page, `e-mail offer, ${color}`, findings);
        await email.getByLabel("E-mail address").fill("zoe@");
        await email.getByRole("button", { name: "Send" }).click();
        await email.getByText("Please enter a valid e-mail address.").waitFor();
        await axe(page, `e-mail offer with its error, ${color}`, findings);
        await email.getByLabel("E-mail address").fill("zoe@example.test");
        await email.getByRole("button", { name: "Send" }).click();
        const questionnaire = page.locator("#pupitre-widget form.questionnaire");
        await questionnaire.waitFor();
        await axe(page, `waiting questionnaire, ${color}`, findings);
        await shot(page, `17-axe-${name}-forms`);
        await questionnaire.getByLabel("Your order number?").fill("ML-2048");
        await questionnaire.getByRole("button", { name: "Send" }).click();
        await page.locator("#pupitre-widget .box", { hasText: "will read your answers" }).waitFor();

        // An agent takes it: messages both ways, a link, an offer, a file request.
        const alice = await hub.agent(ALICE);
        const { event: assigned } = await alice.event("conversation_assigned");
        const ref = assigned.conversation.reference;
        await alice.request({ type: "send_message", conversation: ref, text: "Yes, in 3 to 5 days: https://lumiere.example/shipping" });
        await page.locator("#pupitre-widget .row.them .bubble", { hasText: "3 to 5 days" }).waitFor();
        await write(page, "Great, and the price?");
        await page.locator("#pupitre-widget .row.me .bubble", { hasText: "the price?" }).waitFor();
        await alice.request({
          type: "send_offer",
          conversation: ref,
          offer: { title: "Aurore, free delivery", text: "This week only.", link: "https://lumiere.example/aurore", image: null },
        });
        await alice.request({ type: "request_file", conversation: ref });
        await page.locator("#pupitre-widget .box", { hasText: "asks you for a file" }).waitFor();
        await page.locator("#pupitre-widget .card").waitFor();
        await eventually(async () => (await page.locator("#pupitre-widget [data-client-id]").count()) === 0, "no pending message");
        await axe(page, `live conversation, ${color}`, findings);
        await shot(page, `18-axe-${name}-conversation`);

        // The agent closes: the survey.
        await alice.request({ type: "close", conversation: ref, conversation_type: "Information" });
        const survey = page.locator("#pupitre-widget form.survey");
        await survey.waitFor();
        await survey.getByRole("button", { name: "4 out of 5" }).click();
        await axe(page, `survey, ${color}`, findings);
        await shot(page, `19-axe-${name}-survey`);

        // Offline: the status line.
        await context.setOffline(true);
        await page.locator("#pupitre-widget .status", { hasText: "offline" }).waitFor();
        await axe(page, `offline, ${color}`, findings);
        await context.setOffline(false);

        // A phone: the full-screen panel, closed and open.
        const phone = await visitorContext(chromium, PHONE);
        try {
          const mobile = await open(phone);
          await mobile.goto(`${hub.url}/demo/contact`);
          await mobile.locator(W.launcher).waitFor();
          await axe(mobile, `phone, closed, ${color}`, findings);
          await mobile.locator(W.launcher).tap();
          await write(mobile, "Bonjour from my phone.");
          const { event: other } = await alice.event("conversation_assigned", (e) => e.conversation.reference !== ref);
          await alice.request({ type: "send_message", conversation: other.conversation.reference, text: "Bonjour! How can I help?" });
          await mobile.locator("#pupitre-widget .row.them .bubble", { hasText: "How can I help?" }).waitFor();
          await axe(mobile, `phone, conversation, ${color}`, findings);
          await shot(mobile, `20-axe-${name}-phone`);
        } finally {
          await phone.close();
        }
        if (findings.length) assert.fail(findings.join("\n\n"));
      });
    });
  }
});

function parseSubject(raw) {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
  return head.split(/\r?\n/).find((l) => /^subject:/i.test(l))?.slice(8).trim() ?? "";
}
