// Makes the co-browsing fixture: rrweb 2.2.2's `record` run in the system's Chromium on a
// hostile shop page (cobrowse-hostile-page.html, served as
// https://shop.example.com/produits/casque-x200; nothing leaves the machine: every request is
// answered here or refused), with the visitor moving the mouse, typing in a form field and the
// page changing itself in hostile ways (images to foreign hosts with handlers, CSS rules and
// declarations with url(), an adopted stylesheet, a late <link> and <meta refresh>, a
// javascript: link). Then, since a visitor's recorder can send anything, the script texts the
// recorder blanked get real payloads, and events the recorder would not send here are added
// (custom, plugin, font, canvas, log, asset). Every foreign host is evil.test; the page's own
// script texts and handlers are a harmless `/*payload*/` while recording (they would run here),
// swapped for real payloads after. Written to src/lib/cobrowse/fixtures/.
//
//   node scripts/record-cobrowse-fixture.mjs   (CHROMIUM=/path/to/chromium to override)
//
// The demo plays it (`?cobrowse=1`), and `npm run axe` checks that replaying it in Chromium
// runs nothing, opens no dialog and requests nothing outside the desk.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
// The same rrweb as the desk's (pinned 2.2.2), its browser build.
const rrwebPath = createRequire(import.meta.url).resolve("rrweb").replace(/rrweb\.cjs$/, "rrweb.umd.min.cjs");
const html = readFileSync(here("./cobrowse-hostile-page.html"), "utf8");
const PAGE = "https://shop.example.com/produits/casque-x200";
const PAYLOAD = "window.top.__pwned='script';document.title='pwned';alert('pwned')";
const HANDLER = "window.top.__pwned='handler';alert('handler')";

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const context = await browser.newContext({ viewport: { width: 1024, height: 640 }, locale: "fr-FR" });
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (url === PAGE) return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html });
  return route.abort();
});
const page = await context.newPage();
page.on("dialog", (d) => d.dismiss());
await page.goto(PAGE);
await page.addScriptTag({ content: readFileSync(rrwebPath, "utf8") });
await page.evaluate(() => {
  window.__events = [];
  window.__stop = window.rrweb.record({
    emit: (event) => window.__events.push(event),
    maskAllInputs: true,
    maskInputFn: () => "•".repeat(8),
    sampling: { mousemove: 50, mousemoveCallback: 100, scroll: 100 },
  });
});

// The visitor reads, moves the mouse over the product, types a promo code.
const path = [
  [120, 200],
  [260, 240],
  [420, 300],
  [560, 220],
  [640, 180],
  [700, 320],
  [640, 430],
];
for (const [x, y] of path) await page.mouse.move(x, y, { steps: 6 });
await page.locator("input.code").click();
await page.keyboard.type("EXPRESS", { delay: 40 });

// The page changes itself, in every hostile way a recorder passes on.
await page.evaluate(() => {
  const late = new Image();
  late.src = "https://evil.test/late.png";
  late.setAttribute("onerror", "/*payload*/");
  late.alt = "";
  document.body.append(late);
  document.querySelector(".photo").setAttribute("src", "https://evil.test/swapped.jpg");
  document.querySelector(".ship").style.backgroundImage = "url(https://evil.test/style-object.png)";
  document.querySelector("nav a").setAttribute("href", "javascript:window.top.__pwned='mutated-link'");
  const sheet = document.querySelector("style").sheet;
  sheet.insertRule(".late { background: url(https://evil.test/rule.png) }", sheet.cssRules.length);
  sheet.insertRule('@import url("https://evil.test/late-import.css");', 0);
  const rule = [...sheet.cssRules].find((r) => r.selectorText === ".promo");
  rule?.style.setProperty("border-image-source", "url(https://evil.test/declaration.png)");
  const adopted = new CSSStyleSheet();
  adopted.replaceSync(".adopted { background: url(https://evil.test/adopted.png) } .stars { letter-spacing: 0.5px }");
  document.adoptedStyleSheets = [adopted];
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "https://evil.test/late.css";
  document.head.append(link);
  const meta = document.createElement("meta");
  meta.httpEquiv = "refresh";
  meta.content = "60;url=https://evil.test/late-refresh";
  document.head.append(meta);
  const style = document.createElement("style");
  style.textContent = ".later { background: url(https://evil.test/style-text.png) }";
  document.head.append(style);
  const frame = document.createElement("iframe");
  frame.src = "https://evil.test/late-frame";
  frame.className = "ad";
  document.body.append(frame);
});
await page.mouse.move(560, 470, { steps: 8 });
await page.mouse.move(520, 500, { steps: 4 });
await page.waitForTimeout(400);
const events = await page.evaluate(() => {
  window.__stop?.();
  return window.__events;
});
await browser.close();

// ---- A visitor's recorder can send anything: the payloads the real one would blank. ----
function arm(node, parentTag = null) {
  if (!node || typeof node !== "object") return;
  if (node.type === 3 && parentTag === "script") node.textContent = PAYLOAD;
  if (node.type === 2) {
    for (const [name, value] of Object.entries(node.attributes ?? {})) {
      if (typeof value === "string" && value.includes("/*payload*/")) node.attributes[name] = HANDLER;
    }
    for (const child of node.childNodes ?? []) arm(child, node.tagName.toLowerCase());
  } else for (const child of node.childNodes ?? []) arm(child, null);
}
const tags = new Map();
const remember = (node) => {
  if (node?.type === 2) tags.set(node.id, node.tagName.toLowerCase());
  for (const child of node?.childNodes ?? []) remember(child);
};
for (const event of events) {
  if (event.type === 2) {
    remember(event.data.node);
    arm(event.data.node);
  }
  if (event.type === 3 && event.data.source === 0) {
    for (const add of event.data.adds ?? []) {
      remember(add.node);
      arm(add.node, tags.get(add.parentId) ?? null);
    }
    for (const change of event.data.attributes ?? []) {
      for (const [name, value] of Object.entries(change.attributes)) {
        if (typeof value === "string" && value.includes("/*payload*/")) change.attributes[name] = HANDLER;
      }
    }
  }
}

// Compress the idle gaps (the demo plays it at its pace) and add what the recorder would not send.
const t0 = events[0].timestamp;
let shift = 0;
for (let i = 1; i < events.length; i++) {
  const gap = events[i].timestamp + shift - events[i - 1].timestamp;
  if (gap > 250) shift -= gap - 250;
  events[i].timestamp += shift;
}
const end = events.at(-1).timestamp;
const body = (() => {
  const html = events.find((e) => e.type === 2).data.node.childNodes.find((n) => n.type === 2);
  return html.childNodes.find((n) => n.type === 2 && n.tagName === "body");
})();
events.push(
  { type: 5, timestamp: end + 10, data: { tag: "hostile", payload: { script: PAYLOAD, url: "https://evil.test/custom" } } },
  { type: 6, timestamp: end + 20, data: { plugin: "rrweb/console@1", payload: { level: "log", payload: ["https://evil.test/plugin"] } } },
  { type: 7, timestamp: end + 30, data: { url: "https://evil.test/asset.png", payload: { rr_type: "Blob", type: "image/png" } } },
  { type: 3, timestamp: end + 40, data: { source: 10, family: "Evil", fontSource: "url(https://evil.test/font-event.woff2)", buffer: false } },
  { type: 3, timestamp: end + 50, data: { source: 9, id: body.id, type: 0, commands: [{ property: "drawImage", args: [{ rr_type: "HTMLImageElement", src: "https://evil.test/canvas.png" }] }] } },
  { type: 3, timestamp: end + 60, data: { source: 11, level: "log", payload: ["https://evil.test/log"], trace: [] } },
  {
    type: 3,
    timestamp: end + 70,
    data: {
      source: 0,
      texts: [],
      removes: [],
      attributes: [{ id: body.id, attributes: { onclick: HANDLER, background: "https://evil.test/late-body.png", style: { "background-image": "url(https://evil.test/late-style.png)", color: ["#1f2430", ""] } } }],
      adds: [
        {
          parentId: body.id,
          nextId: null,
          node: { type: 2, tagName: "script", attributes: {}, childNodes: [{ type: 3, textContent: PAYLOAD, id: 900002 }], id: 900001 },
        },
        {
          parentId: body.id,
          nextId: null,
          node: { type: 2, tagName: "img", attributes: { src: "https://evil.test/added.png", onerror: HANDLER, alt: "" }, childNodes: [], id: 900003 },
        },
      ],
    },
  },
);

const out = here("../src/lib/cobrowse/fixtures/hostile-page.json");
writeFileSync(out, JSON.stringify(events) + "\n");
console.log(`${events.length} events, ${((end - t0) / 1000).toFixed(1)} s, ${JSON.stringify(events).length} bytes → ${out}`);
