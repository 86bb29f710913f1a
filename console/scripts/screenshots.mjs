// Screenshots of the built console at 1440×860 into console/screenshots/, in Debian's
// Chromium, served by scripts/mock-hub.mjs with the hub's CSP. Fails on any CSP violation,
// console error or axe-core (WCAG 2.2 A/AA) violation. Run `npm run build` first, then
// `npm run screenshots` (CHROMIUM=/path/to/chromium to override).
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { startMockHub } from "./mock-hub.mjs";

const out = new URL("../screenshots/", import.meta.url);
await mkdir(out, { recursive: true });
const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const hub = await startMockHub();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const problems = [];
const shots = [];

async function open(locale, colorScheme = "light") {
  const context = await browser.newContext({ viewport: { width: 1440, height: 860 }, locale, colorScheme, reducedMotion: "reduce" });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`[${locale}] console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`[${locale}] page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return { context, page };
}

async function axe(page, name) {
  // Evaluated over CDP, which the page's CSP does not govern (an injected <script> would be refused).
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } }),
  );
  for (const v of result.violations) {
    problems.push(`[${name}] axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }
}

async function shot(page, name) {
  await page.evaluate(() => document.fonts.ready);
  await axe(page, name);
  const path = new URL(`${name}.png`, out).pathname;
  await page.screenshot({ path });
  shots.push(path);
}

async function signIn(page, email = "admin@demo.pupitre.test", password = "admin-demo-4") {
  await page.locator("#login-email").fill(email);
  await page.locator("#login-password").fill(password);
  await page.locator("form button[type=submit]").click();
  await page.waitForSelector("main h1");
  await page.waitForSelector("form .card input");
}

try {
  // French browser: sign-in page, then the hub's rate limit.
  {
    const { context, page } = await open("fr-FR");
    await page.goto(`${hub.url}/admin/`);
    await page.waitForSelector("#login-email");
    await shot(page, "login-fr");

    hub.queue({ method: "POST", path: "/api/console/session", status: 429, body: { code: "rate_limited", message: "too many attempts" }, headers: { "retry-after": "30" } });
    await page.locator("#login-email").fill("admin@demo.pupitre.test");
    await page.locator("#login-password").fill("admin-demo-4");
    await page.locator("form button[type=submit]").click();
    await page.waitForSelector("#login-error");
    await shot(page, "login-rate-limited-fr");

    await page.reload();
    await page.waitForSelector("#login-email");
    await signIn(page);
    await shot(page, "capacity-fr");

    // A value out of range, caught before sending; then the hub's own refusal of a field.
    await page.getByLabel("Nombre de conversations par conseiller").fill("80");
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector("[role=alert]");
    await shot(page, "capacity-invalid-fr");

    await page.getByLabel("Nombre de conversations par conseiller").fill("4");
    hub.queue({
      method: "PUT",
      path: "/api/admin/projects/DEMO/settings",
      status: 400,
      body: {
        code: "invalid_input",
        message: "2 setting(s) refused; first, routing.queue_per_agent: between 0 and 100",
        fields: { "routing.queue_per_agent": "between 0 and 100", "optional_statuses.1": "appears twice" },
      },
    });
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector("#field-routing\\.queue_per_agent-problem");
    await shot(page, "capacity-hub-refused-fr");

    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector(".toast");
    await shot(page, "capacity-saved-fr");
    if (hub.settings().default_slot_max !== 4) problems.push("the saved slot maximum did not reach the hub");
    const put = hub.log.filter((c) => c.method === "PUT").at(-1);
    if (!put?.csrf) problems.push("PUT sent without X-Pupitre-CSRF");

    await page.getByRole("link", { name: "Timeouts" }).click();
    await page.waitForSelector("#field-routing\\.timeouts\\.auto_transfer_s");
    await page.getByLabel("Transfert automatique après (en secondes)").fill("90");
    await page.getByLabel("Timeout du livechat (en minutes)").fill("15");
    await page.getByRole("switch").check();
    await shot(page, "timeouts-fr");
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector(".toast");
    const t = hub.settings().routing.timeouts;
    if (t.auto_transfer_s !== 90 || t.visitor_inactivity_min !== 15 || t.auto_transfer_notify_visitor !== true) {
      problems.push(`timeouts not stored as typed: ${JSON.stringify(t)}`);
    }
    // The page's end (the main area scrolls, not the window).
    await page.evaluate(() => document.getElementById("main")?.scrollTo(0, 1e6));
    await shot(page, "timeouts-saved-end-fr");

    // Optional statuses (A4): add, rename, move, remove with its undo; then the refusals.
    await page.getByRole("link", { name: "Statuts optionnels" }).click();
    await page.waitForSelector("#list-new");
    await shot(page, "statuses-fr");
    await page.locator("#list-new").fill("Pause déjeuner");
    await page.locator("#list-new").press("Enter");
    await page.getByLabel("Statut 2", { exact: true }).fill("Au téléphone");
    await page.getByRole("button", { name: /^Monter «.Pause déjeuner.»$/ }).click();
    await page.getByRole("button", { name: /^Supprimer «.With supervisor.»$/ }).click();
    await page.getByRole("button", { name: "Annuler la suppression" }).waitFor();
    await shot(page, "statuses-edited-fr");

    await page.getByLabel("Statut 3", { exact: true }).fill("in TRAINING");
    await page.getByLabel("Statut 4", { exact: true }).fill("De retour\u202e vite");
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector("[id='field-optional_statuses.2-problem']");
    await shot(page, "statuses-invalid-fr");

    await page.getByLabel("Statut 3", { exact: true }).fill("En réunion");
    await page.getByLabel("Statut 4", { exact: true }).fill("De retour vite");
    hub.queue({
      method: "PUT",
      path: "/api/admin/projects/DEMO/settings",
      status: 400,
      body: { code: "invalid_input", message: "1 setting(s) refused; first, optional_statuses.2: appears twice", fields: { "optional_statuses.2": "appears twice" } },
    });
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector("[id='field-optional_statuses.2-problem'] .detail");
    await shot(page, "statuses-hub-refused-fr");

    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector(".toast");
    await shot(page, "statuses-saved-fr");
    const statuses = JSON.stringify(hub.settings().optional_statuses);
    if (statuses !== JSON.stringify(["In training", "Au téléphone", "En réunion", "De retour vite", "Looking up information"])) {
      problems.push(`optional statuses not stored as edited: ${statuses}`);
    }

    // Divers (A9) with D15's sales attribution window: out of range, said at the field; then saved.
    await page.getByRole("link", { name: "Divers" }).click();
    await page.waitForSelector("#field-sales\\.attribution_days");
    await shot(page, "misc-fr");
    const days = page.getByLabel("Fenêtre d'attribution des ventes (jours)");
    await days.fill("91");
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector("#field-sales\\.attribution_days-problem");
    const said = await page.locator("#field-sales\\.attribution_days-problem").innerText();
    if (said.trim() !== "Saisissez un nombre de 1 à 90.") problems.push(`the sales window's problem reads “${said}”`);
    await shot(page, "misc-invalid-fr");
    await days.fill("30");
    await page.getByRole("button", { name: "Enregistrer" }).click();
    await page.waitForSelector(".toast");
    if (hub.settings().sales?.attribution_days !== 30) problems.push(`sales window not stored: ${JSON.stringify(hub.settings().sales)}`);
    await context.close();
  }

  // English browser: unsaved changes, keyboard focus, then the dark theme.
  {
    const { context, page } = await open("en-GB");
    await page.goto(`${hub.url}/admin/#/capacity`);
    await signIn(page);
    await page.getByLabel("Queue places per connected agent").fill("5");
    await page.getByRole("link", { name: "Timeouts" }).click();
    await page.waitForSelector("dialog[open]");
    await shot(page, "leave-dialog-en");
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Discard changes" }).click();

    // Keyboard only: the skip link first, then the header, then the sections.
    await page.reload();
    await page.waitForSelector("form .card input");
    await page.keyboard.press("Tab");
    await shot(page, "skip-link-en");
    await page.keyboard.press("Tab"); // Sign out
    await page.keyboard.press("Tab"); // Capacity
    await page.keyboard.press("Tab"); // Timeouts
    await shot(page, "keyboard-focus-en");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#field-routing\\.timeouts\\.auto_transfer_s");
    const focused = await page.evaluate(() => document.activeElement?.id);
    if (focused !== "page-title") problems.push(`after choosing a section, focus is on #${focused}, not its title`);

    // Conversation types (A8, R9), from the keyboard: a row moved down with its button.
    await page.getByRole("link", { name: "Conversation types" }).click();
    await page.waitForSelector("#list-new");
    await shot(page, "conversation-types-en");
    await page.getByLabel("Type 2", { exact: true }).focus();
    await page.keyboard.press("Tab"); // Move up
    await page.keyboard.press("Tab"); // Move down
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.id === "field-conversation_types.2-down");
    await page.locator("#list-new").fill("Refund request");
    await page.locator("#list-new").press("Enter");
    await page.getByLabel("Type 3", { exact: true }).focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await shot(page, "conversation-types-keyboard-en");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForSelector(".toast");
    const types = JSON.stringify(hub.settings().conversation_types);
    if (types !== JSON.stringify(["Sale", "After-sales", "Information", "Complaint", "Other", "Refund request"])) {
      problems.push(`conversation types not stored as edited: ${types}`);
    }

    await page.getByRole("link", { name: "Miscellaneous" }).click();
    await page.waitForSelector("#field-sales\\.attribution_days");
    await page.getByLabel("Sales attribution window (days)").fill("14");
    await shot(page, "misc-en");
    await context.close();
  }
  {
    const { context, page } = await open("en-US", "dark");
    await page.goto(`${hub.url}/admin/#/timeouts`);
    await signIn(page);
    await page.waitForSelector("#field-routing\\.timeouts\\.auto_transfer_s");
    await page.getByLabel("Reminder before the timeout (seconds)").fill("1200");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForSelector("[role=alert]");
    await shot(page, "timeouts-dark-en");
    await page.getByRole("button", { name: "Discard changes" }).click();
    await page.getByRole("link", { name: "Optional statuses" }).click();
    await page.waitForSelector("#list-new");
    await page.locator("#list-new").fill("in training");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("button", { name: /^Remove / }).nth(1).click();
    await page.getByLabel("Status 2", { exact: true }).fill("");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForSelector("[role=alert]");
    await shot(page, "statuses-dark-en");
    await context.close();
  }
  // Canary: an inline <style> must be refused and reported, or the checks above prove nothing.
  {
    const { context, page } = await open("en-GB");
    await page.goto(`${hub.url}/admin/`);
    await page.waitForSelector("#login-email");
    const before = problems.length;
    await page.evaluate(() => {
      const style = document.createElement("style");
      style.textContent = "body { background: red }";
      document.head.append(style);
    });
    await page.waitForTimeout(300);
    const caught = problems.splice(before).filter((p) => p.includes("CSP violation"));
    console.log(`CSP canary: ${caught[0] ?? "not reported"}`);
    if (caught.length === 0) problems.push("the CSP canary (an inline <style>) was not reported: the CSP is not enforced");
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if (background === "rgb(255, 0, 0)") problems.push("an inline <style> applied: the CSP is not enforced");
    await context.close();
  }
} finally {
  await browser.close();
  await hub.close();
}

console.log(shots.map((s) => `  ${s}`).join("\n"));
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("No CSP violation, console error or axe violation.");
