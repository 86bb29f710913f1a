// Accessibility check of the built desk (ui/dist) with axe-core, in the system's Chromium (no
// browser download): WCAG 2.0/2.1/2.2 A and AA rules, light and dark themes, on the login, the
// desk with conversations (1, 2 and 4 panes, offline, desk options off, a survey answered, an
// important conversation and a refused mark, D16), every drawer and dialog (D16's knowledge,
// assistant and agents online among them, with an article open, offline, answers and none; the
// e-mail's confirmation; the printable layout under print media) (the close dialog with
// the closing questionnaire, A5, R9: required, left blank, optional, none, in French; the
// questionnaire on its own), the menus, the emoji
// palette, and co-browsing (the mirroring panel in 1, 2 and 4 panes, pointing, a refused
// address, waiting for consent), the statistics (D15: a week, a month in French, a manager's
// group, a chart as a table, offline), today's figures with the day's sales (in English and
// French), and supervision (M1–M3: the team board, the help banner, "Ask a manager" with its
// dialog, refusal and chip, a manager's whisper in the agent's thread, the watch pane with a
// whisper and a refused take-over, joined with the manager's message to the visitor, a refused
// join, beside the board, and the visitor's page seen by the watching manager). Prints every violation with its elements and exits 1 if there is any. `npm run axe` builds first; CHROMIUM=/path/to/chromium
// to override; ONLY=text checks only the views whose name has it.
//
// The page runs on the FakeBackend with the demo data, as in a plain browser (`?still=1`: no
// animation, so nothing is caught mid-transition).
//
// Every view is also watched for what must never happen (C4, DESIGN §8): a request to any host
// but the desk's own (`data:` and the desk's `blob:` URLs excepted), a dialog (alert, confirm…).
// The co-browsing views replay the hostile fixture page (src/lib/cobrowse/fixtures: inline and
// SVG scripts, onerror/onload handlers, javascript: links, a form, a meta refresh, CSS url() and
// @import to foreign hosts, foreign images, frames) and check that nothing in it ran (the page's
// payloads would set `window.top.__pwned`, change the title or alert), that the replay's iframe
// is sandboxed with `allow-same-origin` only and holds none of it, and that the page is shown;
// one of them runs under the app's own CSP (tauri.conf.json), where any violation fails.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { preview } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const axeSource = readFileSync(axePath, "utf8");
/** The desk's CSP in the app (Tauri sets it on the page): what the replay's iframe inherits. */
const APP_CSP = JSON.parse(readFileSync(new URL("../../tauri.conf.json", import.meta.url), "utf8")).app.security.csp;
/** The rule sets asked for: WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** Picks an option of the closing questionnaire: a click on its label, as the agent does (the
 * radio itself is hidden under it). */
const pick = (page, role, name) => page.locator("label", { has: page.getByRole(role, { name, exact: true }) }).click();

/** What to look at: a URL of the demo, then optional clicks to get there. */
const VIEWS = [
  { name: "login", query: "screen=login", ready: "form" },
  { name: "desk, 1 pane", query: "", ready: ".box" },
  { name: "desk, 2 panes (waiting timer, R10 warning)", query: "panes=2", ready: ".box" },
  { name: "desk, 4 panes", query: "panes=4", ready: ".box" },
  { name: "desk, offline, message pending", query: "offline=1&panes=2", ready: ".box" },
  { name: "desk, options off (A3)", query: "off=canned_responses,request_file,send_file", ready: ".box" },
  { name: "desk in French", query: "lang=fr&panes=2", ready: ".box" },
  { name: "desk, survey sent and answered, send-survey action (A5)", query: "survey=1&panes=2", ready: ".event.survey dl" },
  { name: "drawer: snoozed", query: "drawer=snoozed", ready: ".drawer" },
  { name: "drawer: history", query: "drawer=history", ready: ".drawer li" },
  { name: "drawer: canned responses", query: "drawer=canned", ready: ".drawer .resp" },
  { name: "drawer: knowledge, the newest articles (D16)", query: "drawer=knowledge", ready: ".drawer li .hit" },
  {
    name: "drawer: knowledge, an article open",
    query: "drawer=knowledge&lang=fr",
    ready: ".drawer li .hit",
    act: async (page) => page.locator(".drawer li .hit").nth(2).click(),
    settle: '[data-testid="knowledge-body"]',
  },
  { name: "drawer: knowledge offline, from this computer", query: "drawer=knowledge&offline=1", ready: '[data-testid="knowledge-offline"]' },
  {
    name: "drawer: assistant, answers with their sources (D16)",
    query: "drawer=assistant",
    ready: ".drawer form",
    act: async (page) => {
      await page.getByRole("textbox", { name: "Your question" }).fill("Livrez-vous en Belgique avant samedi ?");
      await page.keyboard.press("Enter");
    },
    settle: ".drawer .card",
  },
  {
    name: "drawer: assistant in French, no answer found",
    query: "drawer=assistant&lang=fr",
    ready: ".drawer form",
    act: async (page) => {
      await page.getByRole("textbox", { name: "Votre question" }).fill("zzqx wvbk");
      await page.keyboard.press("Enter");
    },
    settle: ".drawer .status.none",
  },
  { name: "drawer: agents online (D16)", query: "drawer=team", ready: ".drawer [data-member]" },
  { name: "drawer: agents online in French, 2 panes", query: "drawer=team&lang=fr&panes=2", ready: ".drawer [data-member]" },
  {
    name: "desk: the conversation e-mailed to oneself (D16)",
    query: "",
    ready: ".box",
    act: async (page) => page.getByRole("button", { name: "E-mail to me" }).first().click(),
    settle: '[data-testid="email-sent"]',
  },
  {
    name: "print: the conversation's printable layout, print media (D16)",
    query: "print=hold",
    ready: ".box",
    act: async (page) => {
      await page.locator('.box[data-reference="DEMO-1044"]').click();
      await page.locator('section[aria-label^="DEMO-1044"]').getByRole("button", { name: "Print" }).click();
      await page.waitForSelector(".print-sheet", { state: "attached" });
      await page.emulateMedia({ media: "print" });
    },
    settle: ".print-sheet",
  },
  { name: "dialog: snooze", query: "dialog=snooze", ready: '[role="dialog"]' },
  { name: "dialog: transfer", query: "dialog=transfer", ready: '[role="dialog"] input[value^="agent:"]' },
  {
    name: "dialog: transfer to an unavailable agent (R7)",
    query: "dialog=transfer",
    ready: '[role="dialog"] input[value^="agent:"]',
    act: async (page) => {
      await page.getByText("Marc Dubois").click();
      await page.getByRole("button", { name: "Transfer", exact: true }).last().click();
    },
    settle: '[role="dialog"] [role="alert"]',
  },
  { name: "dialog: close, with the closing questionnaire (A5, R9)", query: "dialog=close", ready: '[role="dialog"] [data-question]' },
  {
    name: "dialog: close, the questionnaire left blank (a message under the required question)",
    query: "dialog=close",
    ready: '[role="dialog"] [data-question]',
    act: async (page) => page.getByRole("button", { name: "Close conversation" }).click(),
    settle: '[role="dialog"] [aria-invalid="true"]',
  },
  { name: "dialog: close with the questionnaire, in French", query: "dialog=close&lang=fr", ready: '[role="dialog"] [data-question]' },
  {
    name: "dialog: close, questionnaire optional (close without answering, no Cancel)",
    query: "dialog=close&questionnaire=optional",
    ready: '[role="dialog"] [data-question]',
  },
  { name: "dialog: close, no questionnaire", query: "dialog=close&questionnaire=none", ready: '[role="dialog"] select' },
  { name: "dialog: the closing questionnaire (Complete questionnaire)", query: "dialog=questionnaire", ready: '[role="dialog"] [data-question]' },
  {
    name: "dialog: the closing questionnaire in French, answered in part",
    query: "dialog=questionnaire&lang=fr",
    ready: '[role="dialog"] [data-question]',
    act: async (page) => {
      await pick(page, "checkbox", "Livraison");
      await pick(page, "radio", "4 sur 5");
      await page.getByRole("button", { name: "Enregistrer les réponses" }).click();
    },
    settle: '[role="dialog"] [aria-invalid="true"]',
  },
  {
    name: "desk, the questionnaire answered: \"Edit the questionnaire\" and the answers in the thread",
    query: "dialog=questionnaire",
    ready: '[role="dialog"] [data-question]',
    act: async (page) => {
      await pick(page, "radio", "Yes");
      await pick(page, "checkbox", "Delivery");
      await page.getByRole("textbox", { name: "Notes" }).fill("Express shipping offered");
      await page.getByRole("button", { name: "Save answers" }).click();
    },
    settle: ".event.survey dl",
  },
  { name: "dialog: logout", query: "dialog=logout", ready: '[role="dialog"]' },
  { name: "dialog: canned responses", query: "dialog=canned", ready: '[role="dialog"]' },
  { name: "dialog: offer", query: "dialog=offer", ready: '[role="dialog"]' },
  { name: "dialog: link", query: "dialog=link", ready: '[role="dialog"]' },
  { name: "dialog: closed conversation re-read", query: "history=DEMO-0877", ready: '[role="dialog"] [data-ready]' },
  {
    name: "menu: status",
    query: "",
    ready: ".box",
    act: async (page) => page.locator(".statuses button").first().click(),
    settle: '[role="menu"]',
  },
  {
    name: "menu: more",
    query: "",
    ready: ".box",
    act: async (page) => page.locator("header.top").getByRole("button", { name: "More", exact: true }).click(),
    settle: '[role="menu"]',
  },
  {
    name: "emoji palette",
    query: "",
    ready: ".box",
    act: async (page) => page.getByRole("button", { name: "Emoji" }).first().click(),
    settle: '[role="grid"]',
  },
  {
    name: "canned picker (/)",
    query: "",
    ready: ".box",
    act: async (page) => page.locator("textarea[data-composer]").first().fill("/"),
    settle: '[role="listbox"]',
  },
  { name: "mirroring: the visitor's hostile page, live (D5, C4)", query: "cobrowse=1", ready: '[data-status="live"]', hostile: true },
  { name: "mirroring under the app's CSP (tauri.conf.json)", query: "cobrowse=1", ready: '[data-status="live"]', hostile: true, csp: true },
  { name: "mirroring, 2 panes (the page above the thread)", query: "cobrowse=1&panes=2", ready: '[data-status="live"]', hostile: true },
  { name: "mirroring in French, 4 panes", query: "cobrowse=1&panes=4&lang=fr", ready: '[data-status="live"]', hostile: true },
  {
    name: "mirroring: pointing (C1)",
    query: "cobrowse=1",
    ready: '[data-status="live"]',
    hostile: true,
    act: async (page) => {
      await page.getByRole("button", { name: "Point", exact: true }).click();
      await page.getByRole("button", { name: "Show this spot to the visitor" }).click({ position: { x: 200, y: 120 } });
    },
    settle: ".mirror .ring",
  },
  {
    name: "mirroring: a page guiding may not open (C1)",
    query: "cobrowse=1",
    ready: '[data-status="live"]',
    act: async (page) => {
      await page.getByRole("textbox", { name: "Page to open for the visitor" }).fill("https://evil.test/");
      await page.getByRole("button", { name: "Send to page" }).click();
    },
    settle: '.mirror [role="alert"]',
  },
  {
    name: "see the page: waiting for the visitor's consent",
    query: "",
    ready: ".box",
    act: async (page) => page.getByRole("button", { name: "See the page" }).first().click(),
    settle: '[data-testid="cobrowse-asking"]',
  },
  { name: "statistics: this week (D15)", query: "page=stats", ready: '[data-testid="stats"] [data-figure]' },
  {
    name: "statistics: last week, charts drawn",
    query: "page=stats",
    ready: '[data-testid="stats"] [data-figure]',
    act: async (page) => page.getByRole("button", { name: "Previous week" }).click(),
    settle: '[data-testid="stats"] .plot canvas',
  },
  {
    name: "statistics: month, in French",
    query: "page=stats&lang=fr",
    ready: '[data-testid="stats"] [data-figure]',
    act: async (page) => {
      await page.getByRole("radio", { name: "Mois" }).click();
      await page.getByRole("button", { name: "Mois précédent" }).click();
    },
    settle: '[data-testid="stats"] .plot canvas',
  },
  {
    name: "statistics: a manager's group",
    query: "page=stats&role=manager",
    ready: '[data-testid="stats"] [data-figure]',
    act: async (page) => page.getByRole("combobox", { name: "Figures of" }).selectOption({ label: "Group Support" }),
    settle: "text=Figures of the group Support",
  },
  {
    name: "statistics: a chart as a table, closed conversations filtered",
    query: "page=stats",
    ready: '[data-testid="stats"] [data-figure]',
    act: async (page) => {
      await page.getByRole("button", { name: "Previous week" }).click();
      await page.waitForSelector('[data-testid="stats"] .plot canvas');
      await page.getByRole("button", { name: "Show as table" }).first().click();
      await page.getByRole("checkbox", { name: "Important only" }).click();
    },
    settle: '[data-testid="stats"] table caption',
  },
  { name: "statistics: offline, never read", query: "page=stats&offline=1", ready: '[data-testid="stats"] [role="alert"]' },
  {
    name: "today's figures, with the day's sales (D15)",
    query: "",
    ready: ".box",
    act: async (page) => page.locator(".today button.strip").click(),
    settle: '.today [role="dialog"] [data-testid="today-sales"]',
  },
  {
    name: "today's figures with sales, in French",
    query: "lang=fr",
    ready: ".box",
    act: async (page) => page.locator(".today button.strip").click(),
    settle: '.today [role="dialog"] [data-testid="today-sales"]',
  },
  {
    name: "desk, an important conversation on screen: its toggle on, its box starred (D16)",
    query: "",
    ready: ".box",
    act: async (page) => page.locator('.box[data-reference="DEMO-1044"]').click(),
    settle: 'section[aria-label^="DEMO-1044"] [data-testid="mark-important"][aria-pressed="true"]',
  },
  { name: "drawer: the team board, a help request asked of this manager (M1, M2)", query: "manager=1&drawer=board", ready: ".drawer [data-board-conversation]" },
  { name: "drawer: the team board in French, 2 panes", query: "manager=1&drawer=board&lang=fr&panes=2", ready: ".drawer [data-board-conversation]" },
  { name: "help banner: a help request asked of this manager (M2)", query: "manager=1", ready: '[data-testid="help-banner"]' },
  { name: "dialog: ask a manager (M2, D16)", query: "dialog=ask_help", ready: '[role="dialog"] textarea' },
  {
    name: "dialog: ask a manager refused (no manager online), in French",
    query: "dialog=ask_help&lang=fr&fail=askHelp:unavailable",
    ready: '[role="dialog"] textarea',
    act: async (page) => {
      await page.locator('[role="dialog"] textarea').fill("Remboursement d'un article soldé ?");
      await page.getByRole("button", { name: "Demander de l'aide" }).click();
    },
    settle: '[data-testid="ask-help-error"]',
  },
  {
    name: "desk: asking a manager (the chip, counting down)",
    query: "help=wait",
    ready: ".box",
    act: async (page) => {
      await page.getByRole("button", { name: "Ask a manager" }).first().click();
      await page.getByRole("button", { name: "Ask for help" }).click();
    },
    settle: '[data-testid="help-chip"]',
  },
  {
    name: "desk: a manager helps, their whisper in the thread (M3)",
    query: "panes=2",
    ready: ".box",
    act: async (page) => {
      await page.getByRole("button", { name: "Ask a manager" }).first().click();
      await page.getByRole("button", { name: "Ask for help" }).click();
      await page.waitForSelector("[data-whisper]", { timeout: 15_000 });
    },
    settle: '[data-testid="help-chip"]',
  },
  {
    name: "watch pane with a whisper, beside a conversation (M3)",
    query: "manager=1&watch=DEMO-1051",
    ready: "[data-watch]",
    act: async (page) => {
      await page.locator("textarea[data-whisper-composer]").fill("Offer her a refund this once.");
      await page.keyboard.press("Enter");
    },
    settle: "[data-watch] [data-whisper]",
  },
  {
    name: "watch pane in French, 2 panes, take-over refused",
    query: "manager=1&watch=DEMO-1051&lang=fr&panes=2&fail=takeOver:agent_unavailable",
    ready: "[data-watch]",
    act: async (page) => page.getByRole("button", { name: "Reprendre" }).click(),
    settle: '[data-testid="watch-error"]',
  },
  {
    name: "watch pane joined: the manager's message to the visitor and a whisper (M3)",
    query: "manager=1&watch=DEMO-1051&joined=1",
    ready: "[data-watch][data-joined] textarea[data-visitor-composer]",
    act: async (page) => {
      await page.locator("textarea[data-visitor-composer]").fill("Bonjour Zoé, je prends le relais avec Sarah.");
      await page.keyboard.press("Enter");
      await page.waitForSelector("[data-watch] .msg.agent.mine");
      await page.locator("textarea[data-whisper-composer]").fill("I'll refund her this once.");
      await page.keyboard.press("Enter");
    },
    settle: "[data-watch] [data-whisper]",
  },
  {
    name: "watch pane joined in French, 2 panes",
    query: "manager=1&watch=DEMO-1051&joined=1&lang=fr&panes=2",
    ready: "[data-watch][data-joined] textarea[data-visitor-composer]",
    act: async (page) => {
      await page.locator("textarea[data-visitor-composer]").fill("Je regarde votre commande.");
      await page.keyboard.press("Enter");
    },
    settle: "[data-watch] .msg.agent.mine",
  },
  {
    name: "watch pane, joining refused (no free slot), in French",
    query: "manager=1&watch=DEMO-1051&lang=fr&fail=join:agent_unavailable",
    ready: "[data-watch]",
    act: async (page) => page.getByRole("button", { name: "Rejoindre" }).click(),
    settle: '[data-testid="watch-error"]',
  },
  {
    name: "watch pane beside the team board, 2 panes: the focused one only (M1, M3)",
    query: "manager=1&watch=DEMO-1051&drawer=board&panes=2",
    ready: ".drawer [data-board-conversation]",
    settle: "main.squeezed [data-watch]",
  },
  {
    name: "mirroring seen by a watching manager, view only (M3, D5, C4)",
    query: "manager=1&watch=DEMO-1051&cobrowse=1",
    ready: '[data-testid="watch-cobrowse"]',
    act: async (page) => page.locator('[data-testid="watch-cobrowse"] button').click(),
    settle: '[data-watch] [data-status="live"]',
    hostile: true,
  },
  {
    name: "desk, mark important refused (the error strip)",
    query: "lang=fr&panes=2&fail=markImportant:forbidden",
    ready: ".box",
    act: async (page) => page.locator('section[aria-label^="DEMO-1042"] [data-testid="mark-important"]').click(),
    settle: '[data-testid="mark-important-error"]',
  },
];

let server = null;
let base = process.env.BASE;
if (!base) {
  server = await preview({ root, logLevel: "warn", preview: { host: "127.0.0.1", port: 0, strictPort: false, open: false } });
  base = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.httpServer.address().port}/`;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});

/** What must not leave the page: the desk's own origin, inline data, its own blobs excepted. */
function foreign(url, origin) {
  return !(url.startsWith(origin) || url.startsWith("data:") || url.startsWith(`blob:${origin}`) || url === "about:blank");
}

/** In a co-browsing view, once the fixture played: nothing of the page ran, nothing of it is left
 * in the replay but what is inert, and the page is there. */
async function hostileChecks(page) {
  // The fixture plays for about 2 s after its full snapshot: let it all land.
  await page.waitForTimeout(2500);
  return page.evaluate(() => {
    const problems = [];
    if (window.__pwned !== undefined) problems.push(`window.__pwned = ${window.__pwned}`);
    if (!document.title.startsWith("Pupitre")) problems.push(`the title changed: ${document.title}`);
    const frames = [...document.querySelectorAll(".mirror iframe")];
    if (frames.length !== 1) problems.push(`${frames.length} replay iframes`);
    for (const frame of frames) {
      if (frame.getAttribute("sandbox") !== "allow-same-origin") problems.push(`sandbox="${frame.getAttribute("sandbox")}"`);
      if (!frame.closest("[inert]")) problems.push("the replay is not inert");
      const doc = frame.contentDocument;
      if (!doc) {
        problems.push("no replay document");
        continue;
      }
      if (frame.contentWindow.__pwned !== undefined) problems.push(`frame __pwned = ${frame.contentWindow.__pwned}`);
      if (!doc.body?.textContent.includes("Casque X200")) problems.push("the page is not shown");
      const banned = doc.querySelectorAll("script, iframe, frame, object, embed, link, base, meta[http-equiv], foreignObject, noscript");
      for (const el of banned) problems.push(`<${el.tagName.toLowerCase()}> in the replay`);
      for (const el of doc.querySelectorAll("*")) {
        for (const attr of el.attributes) {
          if (/^on/i.test(attr.name)) problems.push(`${el.tagName} ${attr.name}`);
          if (/javascript:/i.test(attr.value)) problems.push(`${el.tagName} ${attr.name}=${attr.value}`);
          if (/^(src|srcset|href|poster|background|action|formaction|data|xlink:href)$/i.test(attr.name) && !/^(data:image\/|#)/.test(attr.value))
            problems.push(`${el.tagName} ${attr.name}=${attr.value.slice(0, 60)}`);
        }
      }
    }
    return problems;
  });
}

let failures = 0;
let checked = 0;
let unjudged = 0;
let covered = 0;
/** axe's reasons for not judging text that is under something else (or too short to be text). */
const HIDDEN = new Set(["bgOverlap", "elmPartiallyObscured", "elmPartiallyObscuring", "shortTextContent"]);
try {
  for (const colorScheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 860 }, colorScheme, reducedMotion: "reduce" });
    for (const view of VIEWS.filter((v) => !process.env.ONLY || v.name.includes(process.env.ONLY))) {
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const origin = new URL(base).origin;
      page.on("request", (request) => {
        if (foreign(request.url(), origin)) errors.push(`a request left the desk: ${request.url()}`);
      });
      page.on("dialog", (dialog) => {
        errors.push(`a ${dialog.type()} opened: ${dialog.message()}`);
        dialog.dismiss().catch(() => {});
      });
      if (view.csp) {
        // As in the app: the page and everything in it (the replay's about:blank iframe inherits it).
        page.on("console", (message) => {
          if (/Content Security Policy|Refused to/i.test(message.text())) errors.push(`CSP: ${message.text()}`);
        });
        await page.route(`${origin}/**`, async (route) => {
          const response = await route.fetch();
          const type = response.headers()["content-type"] ?? "";
          await route.fulfill({ response, headers: type.includes("text/html") ? { ...response.headers(), "content-security-policy": APP_CSP } : response.headers() });
        });
      }
      const query = ["still=1", view.query.includes("lang=") ? "" : "lang=en", view.query].filter(Boolean).join("&");
      await page.goto(`${base}?${query}`);
      await page.waitForSelector(view.ready, { timeout: 15_000 });
      if (view.act) {
        await view.act(page);
        await page.waitForSelector(view.settle, { timeout: 5_000 });
      }
      await page.evaluate(() => document.fonts.ready);
      // Let the fake backend's answers (latency 120 ms) and a last frame land.
      await page.waitForTimeout(400);
      if (view.hostile) errors.push(...(await hostileChecks(page)));
      // From the desk's own origin, so that the app's CSP (script-src 'self') lets it in too.
      await page.route(`${origin}/__axe.js`, (route) => route.fulfill({ contentType: "text/javascript", body: axeSource }));
      await page.addScriptTag({ url: `${origin}/__axe.js` });
      const results = await page.evaluate((tags) => {
        // The only pseudo-elements with a background are the boxes' 3 px "on screen" band
        // (ConversationBox), never behind text: without `ignorePseudo` axe leaves the boxes'
        // text (the red timers on pink) unjudged. `configure` replaces the options whole: these
        // are axe-core 4.14's defaults but for that one.
        window.axe.configure({
          checks: [
            {
              id: "color-contrast",
              options: {
                ignoreUnicode: true,
                ignoreLength: false,
                ignorePseudo: true,
                boldValue: 700,
                boldTextPt: 14,
                largeTextPt: 18,
                contrastRatio: { normal: { expected: 4.5 }, large: { expected: 3 } },
                pseudoSizeThreshold: 0.25,
                shadowOutlineEmMax: 0.2,
                textStrokeEmMin: 0.03,
              },
            },
          ],
        });
        // The only iframe is the co-browsing replay: a copy of a stranger's page, inert and shown
        // as a picture (`role="img"`), with no axe inside to answer.
        return window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "incomplete"], iframes: false });
      }, TAGS);
      checked++;
      const label = `[${colorScheme}] ${view.name}`;
      if (errors.length > 0) {
        failures++;
        console.log(`✗ ${label}: page errors, requests or dialogs\n    ${errors.join("\n    ")}`);
      }
      // What axe could not judge is shown, to be looked at; but for text under an open menu or
      // popover (or cut by a scrolled edge), which the views without it judge.
      const unsure = results.incomplete.filter((r) => r.id === "color-contrast").flatMap((r) => r.nodes);
      for (const node of unsure) {
        const keys = [...node.any, ...node.all, ...node.none].map((c) => c.data?.messageKey ?? c.id);
        if (keys.length > 0 && keys.every((k) => HIDDEN.has(k))) {
          covered++;
          continue;
        }
        unjudged++;
        const why = [...node.any, ...node.all, ...node.none].map((c) => c.message).join(" ");
        console.log(`? ${label}: contrast not judged by axe: ${node.target.join(" ")} — ${why}`);
      }
      if (results.violations.length === 0) {
        console.log(`✓ ${label}`);
      } else {
        for (const v of results.violations) {
          failures += v.nodes.length;
          console.log(`✗ ${label}: ${v.id} (${v.impact}) — ${v.help}\n    ${v.helpUrl}`);
          for (const node of v.nodes) {
            const summary = node.failureSummary?.split("\n").slice(1).map((l) => l.trim()).join(" ") ?? "";
            console.log(`    ${node.target.join(" ")}\n      ${node.html.slice(0, 160)}\n      ${summary}`);
          }
        }
      }
      await page.close();
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server?.close();
}

console.log(
  `\naxe (${TAGS.join(", ")}): ${checked} views checked, ${failures} violation${failures === 1 ? "" : "s"}` +
    (unjudged > 0 ? `, ${unjudged} contrast${unjudged === 1 ? "" : "s"} not judged (listed with ?)` : "") +
    (covered > 0 ? ` (${covered} texts under an open menu or popover left to the views without it)` : ""),
);
process.exit(failures === 0 ? 0 : 1);
