// Accessibility check of the built desk (ui/dist) with axe-core, in the system's Chromium (no
// browser download): WCAG 2.0/2.1/2.2 A and AA rules, light and dark themes, on the login, the
// desk with conversations (1, 2 and 4 panes, offline, desk options off, a survey answered), every drawer and
// dialog, the menus and the emoji palette. Prints every violation with its elements and exits
// 1 if there is any. `npm run axe` builds first; CHROMIUM=/path/to/chromium to override.
//
// The page runs on the FakeBackend with the demo data, as in a plain browser (`?still=1`: no
// animation, so nothing is caught mid-transition).
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { preview } from "vite";

const root = fileURLToPath(new URL("..", import.meta.url));
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** The rule sets asked for: WCAG 2.0, 2.1 and 2.2, levels A and AA. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

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
  { name: "dialog: close", query: "dialog=close", ready: '[role="dialog"]' },
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
  {
    name: "today's figures",
    query: "",
    ready: ".box",
    act: async (page) => page.locator(".today button.strip").click(),
    settle: '.today [role="dialog"]',
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

let failures = 0;
let checked = 0;
let unjudged = 0;
let covered = 0;
/** axe's reasons for not judging text that is under something else (or too short to be text). */
const HIDDEN = new Set(["bgOverlap", "elmPartiallyObscured", "elmPartiallyObscuring", "shortTextContent"]);
try {
  for (const colorScheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 860 }, colorScheme, reducedMotion: "reduce" });
    for (const view of VIEWS) {
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (error) => errors.push(error.message));
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
      await page.addScriptTag({ path: axePath });
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
        return window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "incomplete"] });
      }, TAGS);
      checked++;
      const label = `[${colorScheme}] ${view.name}`;
      if (errors.length > 0) {
        failures++;
        console.log(`✗ ${label}: page errors\n    ${errors.join("\n    ")}`);
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
