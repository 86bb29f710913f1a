// A visitor in Debian's Chromium for the real desk's end-to-end story (tests/desktop/e2e.py):
// the demo site with the real widget, driven by JSON lines on stdin, one answer per line on
// stdout (`{"done": "<command>", "ok": true, ...}`). Co-browsing needs a real browser: the
// recorder is rrweb in the page.
//
//   node tests/desktop/visitor_browser.mjs https://127.0.0.1:8491/demo/contact SHOTS_DIR
//
// Commands: {"do":"say","text":…} · {"do":"accept"} · {"do":"allow_guide"} ·
// {"do":"type","selector":…,"text":…} · {"do":"scroll","y":…} · {"do":"url"} ·
// {"do":"wait_url","contains":…} · {"do":"banner"} · {"do":"stop"} · {"do":"shot","name":…}
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../widget/package.json"));
const { chromium } = require("playwright-core");

const [url, shots] = process.argv.slice(2);
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
