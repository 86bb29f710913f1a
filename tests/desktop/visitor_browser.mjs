// A visitor in Debian's Chromium for the real desk's end-to-end story (tests/desktop/e2e.py):
// the demo site with the real widget, driven by JSON lines on stdin, one answer per line on
// stdout (`{"done": "<command>", "ok": true, ...}`). Co-browsing needs a real browser: the
// recorder is rrweb in the page.
//
//   node tests/desktop/visitor_browser.mjs https://127.0.0.1:8491/demo/contact SHOTS_DIR
//   node tests/desktop/visitor_browser.mjs hostile:https://127.0.0.1:8491 SHOTS_DIR
//
// Commands: {"do":"say","text":…} · {"do":"accept"} · {"do":"allow_guide"} ·
// {"do":"type","selector":…,"text":…} · {"do":"scroll","y":…} · {"do":"url"} ·
// {"do":"wait_url","contains":…} · {"do":"banner"} · {"do":"stop"} · {"do":"ring"} (the agent's
// pointer shows) · {"do":"canary"} (what fetched the hostile page's canaries, and its own
// picture) · {"do":"origin"} (the hostile page's origin) · {"do":"shot",…}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../widget/package.json"));
const { chromium } = require("playwright-core");

const [where, shots] = process.argv.slice(2);

// `hostile:<hub>`: the visitor is on a brand page of our own (another origin) full of active
// content, each piece pointing at this server's /canary/… under another name (`localhost`,
// another origin): whatever fetches it is logged with its user agent, so a request from the
// desk (WebKitGTK, or its Rust side: no "Chrome" in either) shows. The page also shows one
// picture of its own site (/site/lamp.svg): the desk may fetch that one, through its Rust side
// only, once the page's origin is among the site origins (`{"do":"origin"}` says which).
const canaryHits = [];
const siteHits = [];
let pageOrigin = null;
let url = where;
if (where.startsWith("hostile:")) {
  const hub = where.slice("hostile:".length);
  const server = createServer((req, res) => {
    if (req.url.startsWith("/canary/")) {
      canaryHits.push({ path: req.url, agent: req.headers["user-agent"] ?? "" });
      res.writeHead(404).end();
      return;
    }
    if (req.url === "/site/lamp.svg") {
      siteHits.push({ path: req.url, agent: req.headers["user-agent"] ?? "" });
      res.writeHead(200, { "content-type": "image/svg+xml" }).end(readFileSync(join(here, "../../widget/demo/lamp.svg")));
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(hostilePage(hub, `http://localhost:${server.address().port}`));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  pageOrigin = `http://127.0.0.1:${server.address().port}`;
  url = `${pageOrigin}/shop`;
}

function hostilePage(hub, self) {
  const c = (name) => `${self}/canary/${name}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile shop</title>
<link rel="stylesheet" href="${c("linked.css")}">
<style>@import url("${c("imported.css")}"); body{font-family:sans-serif;background:#fff url("${c("bg.png")}")} .x{background-image:image-set("${c("set.png")}" 1x)}</style>
<script>window.__pwned = "in the visitor's page only"; document.addEventListener("DOMContentLoaded", () => { const s = document.createElement("p"); s.textContent = "A script of the brand ran here."; document.body.append(s); });</script>
</head><body>
<h1>Hostile shop</h1>
<img class="own" src="/site/lamp.svg" width="60" height="60" alt="the shop's own picture">
<p class="x">Everything below tries to run or fetch something.</p>
<img src="${c("img.png")}" onerror="window.top.__pwned = 'img'" alt="a picture">
<img srcset="${c("srcset.png")} 2x" alt="another">
<a href="javascript:window.top.__pwned='link'">a javascript: link</a>
<a href="${c("page.html")}">a link</a>
<form action="${c("form")}" method="post"><input name="q" value="x"><button>Send</button></form>
<svg width="40" height="40"><script>window.top.__pwned = "svg"</script><image href="${c("svg.png")}" width="40" height="40"/></svg>
<video poster="${c("poster.png")}" width="80" height="40"></video>
<iframe src="${c("frame.html")}" width="80" height="40"></iframe>
<object data="${c("object.bin")}" width="10" height="10"></object>
<div style="width:40px;height:40px;background:url(${c("inline.png")})" onmouseover="window.top.__pwned='hover'"></div>
<script src="${hub}/widget.js" data-project="DEMO" async></script>
</body></html>`;
}
const WAIT = 20_000;
const root = "#pupitre-widget";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
// The hub's certificate comes from a CA made for the test: the context trusts it.
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 }, locale: "en-US" });
const page = await context.newPage();
await page.goto(url);
await page.locator(`${root} .launcher`).waitFor({ timeout: WAIT });

const reply = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const commands = {
  async say({ text }) {
    const panel = page.locator(`${root} [role=dialog]`);
    if (!(await panel.isVisible())) await page.locator(`${root} .launcher`).click();
    await page.locator(`${root} .composer textarea`).click();
    await page.keyboard.type(text);
    await page.keyboard.press("Enter");
  },
  async accept() {
    await page.locator(`${root} .cbp`).getByRole("button", { name: "Share this page" }).click({ timeout: WAIT });
    await page.locator(`${root} .cbb`).waitFor({ timeout: WAIT });
  },
  async allow_guide() {
    await page.locator(`${root} .cbp`).getByRole("button", { name: "Allow" }).click({ timeout: WAIT });
  },
  async type({ selector, text }) {
    await page.locator(selector).click();
    await page.keyboard.type(text);
    await page.keyboard.press("Tab");
  },
  async scroll({ y }) {
    await page.mouse.move(400, 300);
    await page.evaluate((top) => window.scrollTo({ top, behavior: "instant" }), y);
  },
  async url() {
    return { url: page.url() };
  },
  async wait_url({ contains }) {
    await page.waitForURL((u) => u.href.includes(contains), { timeout: WAIT });
    await page.locator(`${root} .cbb`).waitFor({ timeout: WAIT });
    return { url: page.url() };
  },
  async banner() {
    return { visible: await page.locator(`${root} .cbb`).isVisible() };
  },
  async stop() {
    await page.locator(`${root} .cbb`).getByRole("button", { name: "Stop sharing this page" }).click();
  },
  async ring() {
    await page.locator(`${root} .ring`).waitFor({ state: "attached", timeout: WAIT });
  },
  async canary() {
    return { hits: canaryHits, site: siteHits };
  },
  async origin() {
    return { origin: pageOrigin };
  },
  async shot({ name }) {
    await page.screenshot({ path: join(shots, `visitor-${name}.png`) });
  },
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    continue;
  }
  try {
    const extra = (await commands[cmd.do]?.(cmd)) ?? {};
    if (!commands[cmd.do]) throw new Error(`no command ${cmd.do}`);
    reply({ done: cmd.do, ok: true, ...extra });
  } catch (e) {
    reply({ done: cmd.do, ok: false, error: String(e?.message ?? e) });
  }
}
await browser.close();
