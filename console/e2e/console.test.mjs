// The administration console end to end (issue 10): a real hub (`pupitre serve --demo`, the
// console built into it, served at /admin/) and Debian's Chromium. Every value the console
// says it saved is read back from the hub over HTTP with a bearer token, as another client
// would. Every page the tests stop on is checked with axe-core (WCAG 2.2 A/AA) and
// photographed into e2e/shots/; any console error, uncaught error or CSP violation fails.
// What reaches the agents' desks (desk options, optional statuses) is checked on a scripted desk
// connected to /ws/agent before the change, with a scripted visitor for its conversation.
//
// The hub embeds console/dist when it is compiled: build the console before the hub
// (`make console-e2e` does both), or these tests run against an older console.
//
// Run with `npm run e2e` (PUPITRE_BIN names the hub binary; default
// ${CARGO_TARGET_DIR:-/var/tmp/pupitre-target}/debug/pupitre; CHROMIUM the browser).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  ADMIN,
  ALICE,
  MANAGER,
  SETTINGS_PATH,
  SHOTS,
  Hub,
  advice,
  axe,
  browser,
  consoleContext,
  consoleCookies,
  desk,
  evilServer,
  eventually,
  failed,
  field,
  guard,
  look,
  pagesChecked,
  recordRequests,
  signIn,
  submitSignIn,
  widget,
} from "./helpers.mjs";

let chromium;
before(async () => {
  chromium = await browser();
});
after(async () => {
  await chromium?.close();
  console.log(`e2e: pages checked with axe and photographed (e2e/shots/): ${pagesChecked.join(", ")}`);
  if (advice.length > 0) console.log(`e2e: axe best-practice advice (not failing):\n  ${advice.join("\n  ")}`);
});

const QUEUE = "routing.queue_per_agent";
const SLOTS = "default_slot_max";
const T = "routing.timeouts";
/** The desk options (A3) in the seed's order, then co-browsing (C1), with their switches' names. */
const DESK = [
  ["print", "Print the conversation"],
  ["email_to_self", "E-mail the conversation to oneself"],
  ["mark_important", "Mark the conversation as “important”"],
  ["ask_manager", "Ask a manager for help"],
  ["online_agents", "Show the list of agents online"],
  ["knowledge_search", "Show the “Search knowledge” tab"],
  ["canned_responses", "Publish the canned responses with their themes"],
  ["request_file", "Ask the visitor for a file"],
  ["send_file", "Send a file"],
  ["assistant", "The assistant chatbox (augmented live chat agent)"],
  ["cobrowse", "Co-browsing: agents may ask to see the visitor's page"],
];

/** A deep copy of `settings` with `change` applied. */
function changed(settings, change) {
  const copy = structuredClone(settings);
  change(copy);
  return copy;
}

/**
 * One test's real parts: a hub, a browser profile, the problems seen on its pages. `body`
 * gets them; afterwards the pages must have had no problem, and on failure every open page is
 * photographed with the hub's log.
 */
async function withHub(label, body, { contextOptions = {}, pictures = true } = {}) {
  const hub = await Hub.start();
  const problems = [];
  const contexts = [];
  const open = async (options = contextOptions) => {
    const context = await consoleContext(chromium, options);
    contexts.push(context);
    const page = await context.newPage();
    await guard(page, problems);
    return { context, page };
  };
  let ok = false;
  try {
    await body({ hub, problems, open });
    assert.deepEqual(problems, [], "no console error, page error, CSP violation or axe (WCAG 2.2 A/AA) violation");
    ok = true;
  } finally {
    if (!ok && pictures) for (const c of contexts) await failed(c, hub, label);
    for (const c of contexts) await c.close().catch(() => {});
    await hub.stop();
  }
}

/** Opens the console signed out; answers the page on the sign-in form. */
async function openSignedOut(hub, open, path = "/admin/", options) {
  const { context, page } = await open(options);
  await page.goto(`${hub.url}${path}`);
  await page.locator("#login-email").waitFor();
  return { context, page };
}

/** Signs in from the sign-in page in French. */
async function signInFr(page, who = ADMIN) {
  await page.locator("#login-email").fill(who.email);
  await page.locator("#login-password").fill(who.password);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.locator("[data-testid=person]", { hasText: who.name }).waitFor();
}

const FRENCH = { locale: "fr-FR", viewport: { width: 1440, height: 860 }, reducedMotion: "reduce" };

/** Today's date in a time zone, `YYYY-MM-DD`. */
const todayIn = (zone) => new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());

const problemOf = (page, path) => page.locator(`[id="field-${path}-problem"]`);
const toast = (page) => page.locator(".toasts .toast");
const saveState = (page) => page.locator(".bar .state");

describe("the administration console on a real hub", () => {
  it("capacity: the admin signs in, sees DEMO's values, saves one the hub then answers; an invalid value is shown at its field and nothing is stored", async () => {
    await withHub("capacity", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      assert.equal(stored[SLOTS], 3, "the demo's conversations per agent");
      assert.equal(stored.routing.queue_per_agent, 2, "the demo's queue places per agent");

      const { page } = await open();
      const response = await page.goto(`${hub.url}/admin`);
      assert.equal(page.url(), `${hub.url}/admin/`, "/admin redirects to /admin/");
      assert.equal(response.status(), 200);
      await page.locator("#login-email").waitFor();
      assert.equal(await page.title(), "Sign in — Pupitre administration");
      await page.getByRole("heading", { name: "Sign in to the administration console" }).waitFor();
      assert.deepEqual(page.refusals, ["401 /api/console/session"], "only the signed-out check was refused");
      await look(page, "01-sign-in", problems);

      await signIn(page, ADMIN);
      await field(page, SLOTS).waitFor();
      assert.match(page.url(), /\/admin\/#\/capacity$/);
      assert.equal(await page.locator("main h1").innerText(), "Capacity");
      assert.equal(await page.locator("[data-testid=project]").innerText(), "DEMO");
      assert.equal(await page.locator(".person .role").innerText(), "Administrator");
      assert.equal(await page.locator("nav a[aria-current=page]").innerText(), "Capacity");
      assert.equal(await page.getByLabel("Conversations per agent").inputValue(), "3");
      assert.equal(await page.getByLabel("Queue places per connected agent").inputValue(), "2");
      assert.equal(await saveState(page).innerText(), "Everything is saved");
      await look(page, "02-capacity", problems);

      // A change: unsaved until saved, then confirmed on the page and by the hub.
      await page.getByLabel("Queue places per connected agent").fill("5");
      assert.equal(await saveState(page).innerText(), "Unsaved changes");
      await look(page, "03-capacity-unsaved", problems);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Capacity saved. The hub applies it right away." }).waitFor();
      assert.equal(await saveState(page).innerText(), "Everything is saved");
      assert.equal(await page.getByLabel("Queue places per connected agent").inputValue(), "5");
      await look(page, "04-capacity-saved", problems);

      const afterSave = await hub.settings();
      assert.equal(afterSave.routing.queue_per_agent, 5, "the hub stored the new queue places");
      assert.deepEqual(afterSave, changed(stored, (s) => (s.routing.queue_per_agent = 5)), "nothing else changed");

      // A reload reads the stored value back from the hub.
      await page.reload();
      await field(page, QUEUE).waitFor();
      assert.equal(await field(page, QUEUE).inputValue(), "5");

      // Invalid values: shown at the field, in the summary, never sent.
      const puts = recordRequests(page, "PUT", /\/api\/admin\/projects\/DEMO\/settings$/);
      for (const bad of ["0", "51"]) {
        await field(page, SLOTS).fill(bad);
        await page.getByRole("button", { name: "Save", exact: true }).click();
        await problemOf(page, SLOTS).waitFor();
        assert.equal(await field(page, SLOTS).getAttribute("aria-invalid"), "true");
        assert.equal(await problemOf(page, SLOTS).innerText(), "Enter a number from 1 to 50.");
        const describedBy = (await field(page, SLOTS).getAttribute("aria-describedby")).split(" ");
        assert.equal(describedBy[0], `field-${SLOTS}-problem`, "the input is described by its problem first");
        // The problem sits in the field's own block, next to its input.
        assert.equal(await page.locator(`.field[data-path="${SLOTS}"] .problem`).count(), 1);
        const summary = page.locator(".summary[role=alert]");
        assert.match(await summary.innerText(), /1 field to correct[\s\S]*Conversations per agent — Enter a number from 1 to 50\./);
        assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("summary")), true, "focus moved to the summary");
        assert.equal(await field(page, QUEUE).getAttribute("aria-invalid"), null, "the valid field is not marked");
        await look(page, `05-capacity-invalid-${bad}`, problems);
      }
      // The summary's link brings the reader to the field.
      await page.locator(".summary a").click();
      assert.equal(await page.evaluate(() => document.activeElement?.id), `field-${SLOTS}`);

      assert.deepEqual(puts, [], "an invalid value is never sent");
      assert.deepEqual(await hub.settings(), afterSave, "nothing was stored");
      assert.equal(await saveState(page).innerText(), "Unsaved changes");

      // The hub is the judge too: the same values sent past the console are refused by field.
      const token = await hub.token(ADMIN);
      for (const bad of [0, 51]) {
        const r = await hub.request(SETTINGS_PATH, { method: "PUT", token, body: changed(afterSave, (s) => (s[SLOTS] = bad)) });
        assert.equal(r.status, 400, `the hub refuses ${SLOTS} = ${bad}: ${r.text}`);
        assert.equal(r.json.code, "invalid_input");
        assert.ok(r.json.fields?.[SLOTS], `the hub names the field: ${r.text}`);
      }
      assert.deepEqual(await hub.settings(), afterSave, "nothing was stored");

      // Discarding brings back the stored value and clears the marks.
      await page.getByRole("button", { name: "Discard changes" }).click();
      assert.equal(await field(page, SLOTS).inputValue(), "3");
      assert.equal(await field(page, SLOTS).getAttribute("aria-invalid"), null);
      assert.equal(await page.locator(".summary").count(), 0);
    });
  });

  it("timeouts: minutes and seconds are stored in their own units; the reminder rule is shown; leaving unsaved asks first", async () => {
    await withHub("timeouts", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      const { page } = await openSignedOut(hub, open);
      await signIn(page, ADMIN);
      await field(page, SLOTS).waitFor();
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Timeouts" }).click();
      await field(page, `${T}.auto_transfer_s`).waitFor();
      assert.match(page.url(), /#\/timeouts$/);
      assert.equal(await page.locator("main h1").innerText(), "Timeouts");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "page-title", "focus on the new page's title");
      for (const name of Object.keys(stored.routing.timeouts)) {
        const input = field(page, `${T}.${name}`);
        assert.equal(await input.count(), 1, `an input for ${name}`);
      }
      assert.equal(await field(page, `${T}.visitor_inactivity_min`).inputValue(), "0");
      await look(page, "10-timeouts", problems);

      // The reminder must come before the timeout (settings_rules.rs), said at the field.
      const puts = recordRequests(page, "PUT", /\/settings$/);
      await page.getByLabel("Live chat timeout (minutes)").fill("15");
      await page.getByLabel("Reminder before the timeout (seconds)").fill("1200");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await problemOf(page, `${T}.reminder_before_timeout_s`).waitFor();
      assert.equal(
        await problemOf(page, `${T}.reminder_before_timeout_s`).innerText(),
        "The reminder comes before the timeout: enter less than 900 seconds, or 0.",
      );
      assert.equal(await field(page, `${T}.reminder_before_timeout_s`).getAttribute("aria-invalid"), "true");
      await look(page, "11-timeouts-reminder-refused", problems);
      assert.deepEqual(puts, []);
      assert.deepEqual(await hub.settings(), stored);

      // One minute timeout, two second timeouts and the switch; each stored as typed, in its unit.
      await page.getByLabel("Reminder before the timeout (seconds)").fill("120");
      await page.getByLabel("Automatic transfer after (seconds)").fill("90");
      await page.getByRole("switch", { name: "Tell the visitor about the automatic transfer" }).check();
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Timeouts saved." }).waitFor();
      assert.equal(await saveState(page).innerText(), "Everything is saved");
      assert.equal(puts.length, 1, "one PUT");
      await look(page, "12-timeouts-saved", problems);

      const saved = await hub.settings();
      assert.equal(saved.routing.timeouts.visitor_inactivity_min, 15, "15 minutes stored as 15 (minutes), not 900 or 0.25");
      assert.equal(saved.routing.timeouts.reminder_before_timeout_s, 120, "120 seconds stored as 120 (seconds), not 2");
      assert.equal(saved.routing.timeouts.auto_transfer_s, 90, "90 seconds stored as 90 (seconds), not 1.5");
      assert.equal(saved.routing.timeouts.auto_transfer_notify_visitor, true);
      assert.deepEqual(
        saved,
        changed(stored, (s) =>
          Object.assign(s.routing.timeouts, {
            visitor_inactivity_min: 15,
            reminder_before_timeout_s: 120,
            auto_transfer_s: 90,
            auto_transfer_notify_visitor: true,
          }),
        ),
        "nothing else changed",
      );

      // After a reload, the page shows what the hub stored.
      await page.reload();
      await field(page, `${T}.auto_transfer_s`).waitFor();
      assert.equal(await field(page, `${T}.visitor_inactivity_min`).inputValue(), "15");
      assert.equal(await field(page, `${T}.reminder_before_timeout_s`).inputValue(), "120");
      assert.equal(await field(page, `${T}.auto_transfer_s`).inputValue(), "90");

      // A fraction of a minute cannot be stored in whole minutes: refused, not rounded.
      await page.getByLabel("Relaunch sentence after (minutes)").fill("1.5");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await problemOf(page, `${T}.relaunch_after_min`).waitFor();
      assert.match(await problemOf(page, `${T}.relaunch_after_min`).innerText(), /whole minutes/);
      assert.deepEqual(await hub.settings(), saved);

      // Leaving with unsaved changes asks first; discarding leaves, nothing stored.
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Capacity" }).click();
      const dialog = page.locator("dialog[open]");
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /Leave without saving\?[\s\S]*Your changes to “Timeouts” are not saved\./);
      assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), "Keep editing", "focus starts on the safe choice");
      await look(page, "13-leave-dialog", problems);
      await page.getByRole("button", { name: "Discard and leave" }).click();
      await field(page, SLOTS).waitFor();
      assert.match(page.url(), /#\/capacity$/);
      assert.deepEqual(await hub.settings(), saved);
      assert.equal(puts.length, 1, "still one PUT");
    });
  });

  it("optional statuses: added, renamed, moved, removed and stored exactly; repeats and bidi controls refused at their row, as the hub refuses them", async () => {
    await withHub("statuses", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      assert.deepEqual(stored.optional_statuses, ["In training", "On the phone", "With supervisor", "No new conversation", "Looking up information"]);
      const { page } = await openSignedOut(hub, open, "/admin/#/statuses");
      await signIn(page, ADMIN);
      await page.locator("#list-new").waitFor();
      assert.match(page.url(), /#\/statuses$/);
      assert.equal(await page.locator("main h1").innerText(), "Optional statuses");
      assert.equal(await page.locator("nav a[aria-current=page]").innerText(), "Optional statuses");
      assert.match(await page.locator("main header").innerText(), /counts as unavailable for routing/);
      for (const [i, name] of stored.optional_statuses.entries()) assert.equal(await field(page, `optional_statuses.${i}`).inputValue(), name);
      // Each status's French name beside it.
      assert.equal(await page.getByLabel("French name of Status 2").inputValue(), "Téléphone");
      assert.equal(await page.getByLabel("French name of Status 1").getAttribute("lang"), "fr");
      await look(page, "60-statuses", problems);

      // Hostile text is a name like any other: stored as typed, shown as text.
      const hostile = `<img src=x onerror=alert(1)> & "Lunch"`;
      await page.locator("#list-new").fill(hostile);
      await page.locator("#list-new").press("Enter");
      await field(page, "optional_statuses.1").fill("On a call");
      await page.getByLabel("French name of Status 1").fill("En formation interne");
      await page.getByRole("button", { name: "Move “No new conversation” down" }).click();
      await page.getByRole("button", { name: "Remove “With supervisor”" }).click();
      await page.getByRole("button", { name: "Undo" }).waitFor();
      assert.equal(await saveState(page).innerText(), "Unsaved changes");
      await look(page, "61-statuses-edited", problems);

      const puts = recordRequests(page, "PUT", /\/api\/admin\/projects\/DEMO\/settings$/);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Optional statuses saved. Connected desks see the change at once." }).waitFor();
      const wanted = ["In training", "On a call", "Looking up information", "No new conversation", hostile];
      const saved = await hub.settings();
      // The hub keeps an optional status's labels only while it is listed (a removal
      // takes them along); the console moves a renamed status's to its new name.
      assert.deepEqual(
        saved,
        changed(stored, (s) => {
          s.optional_statuses = wanted;
          s.optional_status_labels = {
            "In training": { fr: "En formation interne" },
            "Looking up information": { fr: "En recherche d'information" },
            "No new conversation": { fr: "Pas de nouvelle conversation" },
            "On a call": { fr: "Téléphone" },
          };
        }),
        "exactly the new list, its French names kept on rename, nothing else changed",
      );
      assert.equal(puts.length, 1);
      assert.equal(await page.locator("main img").count(), 0, "the name rendered as text");
      await look(page, "62-statuses-saved", problems);

      // A reload shows what the hub stored, in its order.
      await page.reload();
      await page.locator("#list-new").waitFor();
      for (const [i, name] of wanted.entries()) assert.equal(await field(page, `optional_statuses.${i}`).inputValue(), name);

      // A repeat (capitals and spaces aside) and a right-to-left override: named at their rows, never sent.
      await field(page, "optional_statuses.2").fill("  on A CALL ");
      await field(page, "optional_statuses.3").fill("Back\u202Esoon");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await problemOf(page, "optional_statuses.2").waitFor();
      assert.equal(await problemOf(page, "optional_statuses.2").innerText(), "Same name as row 2 (capitals and spaces aside).");
      assert.match(await problemOf(page, "optional_statuses.3").innerText(), /^Remove the invisible character U\+202E/);
      assert.equal(await field(page, "optional_statuses.2").getAttribute("aria-invalid"), "true");
      assert.equal((await field(page, "optional_statuses.2").getAttribute("aria-describedby")).split(" ")[0], "field-optional_statuses.2-problem");
      assert.equal(await page.locator('li[data-path="optional_statuses.2"] .problem').count(), 1, "the problem sits in its row");
      assert.match(await page.locator(".summary[role=alert]").innerText(), /2 fields to correct[\s\S]*Status 3 “on A CALL” — Same name as row 2/);
      await look(page, "63-statuses-refused", problems);
      assert.equal(puts.length, 1, "nothing more sent");
      assert.deepEqual(await hub.settings(), saved);

      // The hub refuses the same, by index, and a 51st entry on the list itself.
      const token = await hub.token(ADMIN);
      const bad = await hub.request(SETTINGS_PATH, { method: "PUT", token, body: changed(saved, (s) => (s.optional_statuses = ["Lunch", " lunch", "Back\u202Esoon"])) });
      assert.equal(bad.status, 400, bad.text);
      assert.ok(bad.json.fields?.["optional_statuses.1"] && bad.json.fields?.["optional_statuses.2"], bad.text);
      const many = await hub.request(SETTINGS_PATH, { method: "PUT", token, body: changed(saved, (s) => (s.optional_statuses = Array.from({ length: 51 }, (_, i) => `S${i}`))) });
      assert.equal(many.status, 400, many.text);
      assert.ok(many.json.fields?.optional_statuses, many.text);
      assert.deepEqual(await hub.settings(), saved);

      // Keyboard only: the first row's "Move down", then Alt+↑ in a row; focus follows the row.
      await page.getByRole("button", { name: "Discard changes" }).click();
      await field(page, "optional_statuses.0").focus();
      await page.keyboard.press("Tab"); // its French name
      await page.keyboard.press("Tab"); // Move up (disabled on the first row, still focusable)
      await page.keyboard.press("Tab"); // Move down
      await page.keyboard.press("Enter");
      await eventually(() => page.evaluate(() => document.activeElement?.id === "field-optional_statuses.1-down"), "focus on the moved row's Move down");
      assert.equal(await field(page, "optional_statuses.1").inputValue(), "In training");
      await look(page, "64-statuses-keyboard", problems);
      await field(page, "optional_statuses.1").focus();
      await page.keyboard.press("Alt+ArrowUp");
      await eventually(() => page.evaluate(() => document.activeElement?.id === "field-optional_statuses.0"), "focus on the moved row");
      assert.equal(await field(page, "optional_statuses.0").inputValue(), "In training");
      assert.equal(await saveState(page).innerText(), "Everything is saved");
    });
  });

  it("conversation types: a French admin edits the list closing a conversation offers; only that list changes", async () => {
    await withHub("conversation-types", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      assert.deepEqual(stored.conversation_types, ["Sale", "Information", "After-sales", "Complaint", "Other"]);
      const { page } = await openSignedOut(hub, open, "/admin/", { locale: "fr-FR", viewport: { width: 1440, height: 860 }, reducedMotion: "reduce" });
      await page.locator("#login-email").fill(ADMIN.email);
      await page.locator("#login-password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Se connecter" }).click();
      await field(page, SLOTS).waitFor();
      await page.getByRole("navigation", { name: "Réglages" }).getByRole("link", { name: "Types de conversation" }).click();
      await page.locator("#list-new").waitFor();
      assert.match(page.url(), /#\/conversation_types$/);
      assert.equal(await page.locator("main h1").innerText(), "Types de conversation");
      await look(page, "65-conversation-types-fr", problems);

      await page.getByLabel("Nouveau type de conversation").fill("Remboursement");
      await page.getByRole("button", { name: "Ajouter" }).click();
      await page.getByLabel("Type 1", { exact: true }).fill("Vente");
      await page.getByRole("button", { name: /^Supprimer «.Other.»$/ }).click();
      await page.getByRole("button", { name: /^Monter «.Remboursement.»$/ }).click();
      // A repeat typed in "new" is refused there, not added.
      await page.getByLabel("Nouveau type de conversation").fill("vente ");
      await page.getByLabel("Nouveau type de conversation").press("Enter");
      await page.locator("[id='list-new-problem']").waitFor();
      assert.match(await page.locator("[id='list-new-problem']").innerText(), /^Déjà dans la liste, ligne 1\./);
      await look(page, "66-conversation-types-edited-fr", problems);
      await page.getByLabel("Nouveau type de conversation").fill("");

      await page.getByRole("button", { name: "Enregistrer", exact: true }).click();
      await toast(page).filter({ hasText: "Types de conversation : enregistré." }).waitFor();
      assert.deepEqual(
        await hub.settings(),
        changed(stored, (s) => (s.conversation_types = ["Vente", "Information", "After-sales", "Remboursement", "Complaint"])),
        "only the conversation types changed",
      );
      await look(page, "67-conversation-types-saved-fr", problems);
    });
  });

  it("desk options: the admin switches off sending and asking for files; a desk connected before is told at once, and the hub refuses both", async () => {
    await withHub("desk-options", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      assert.deepEqual(stored.desk, Object.fromEntries(DESK.map(([option]) => [option, true])), "every tool on in a new project");
      const alice = await desk(hub, ALICE);
      const visitor = await widget(hub);
      try {
        assert.deepEqual(alice.welcome.agent.options, stored.desk, "the desk's welcome carries the options");
        // A conversation of Alice's own: she is available, a visitor writes, routing gives it to her.
        const available = await alice.change({ type: "set_status", channel: "chat", status: { kind: "available" } });
        assert.equal(available.type, "ack", JSON.stringify(available));
        const sent = await visitor.change({ type: "send_message", text: "Hello, is the brass lamp in stock?" });
        assert.equal(sent.type, "ack", JSON.stringify(sent));
        const started = await visitor.next((f) => f.type === "event" && f.event.kind === "conversation_started", "the visitor's conversation");
        const ref = started.event.conversation;
        await alice.next(
          (f) => f.type === "event" && f.event.kind === "conversation_assigned" && f.event.conversation.reference === ref,
          `${ref} on Alice's desk`,
        );
        const token = await hub.token(ALICE);
        const upload = () =>
          hub.request(`/api/conversations/${encodeURIComponent(ref)}/files?name=price-list.txt`, {
            method: "POST",
            token,
            headers: { "content-type": "text/plain" },
            raw: "Brass lamp: 120 EUR",
          });
        // Control: with the options on, both work on this conversation (so a refusal later is the option's).
        const asked = await alice.change({ type: "request_file", conversation: ref });
        assert.equal(asked.type, "ack", JSON.stringify(asked));
        const first = await upload();
        assert.equal(first.status, 200, first.text);

        const { page } = await openSignedOut(hub, open);
        await signIn(page, ADMIN);
        await field(page, SLOTS).waitFor();
        await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Desk options" }).click();
        await field(page, "desk.print").waitFor();
        assert.match(page.url(), /#\/desk_options$/);
        assert.equal(await page.locator("main h1").innerText(), "Desk options");
        assert.equal(await page.locator("nav a[aria-current=page]").innerText(), "Desk options");
        const ids = await page.locator("main").getByRole("switch").evaluateAll((inputs) => inputs.map((i) => i.id));
        assert.deepEqual(ids, DESK.map(([option]) => `field-desk.${option}`), "the seed's ten switches in its order, then co-browsing");
        for (const [option, name] of DESK) {
          assert.equal(await page.getByRole("switch", { name, exact: true }).isChecked(), true, `${option} on`);
          const hint = await page.locator(`[id="field-desk.${option}-hint"]`).innerText();
          assert.match(hint, /\bOff: /, `${option}'s hint says what the agent loses: ${hint}`);
        }
        await look(page, "70-desk-options", problems);

        await page.getByRole("switch", { name: "Send a file", exact: true }).uncheck();
        await page.getByRole("switch", { name: "Ask the visitor for a file", exact: true }).uncheck();
        assert.equal(await saveState(page).innerText(), "Unsaved changes");
        await look(page, "71-desk-options-unsaved", problems);
        assert.equal(alice.frames.filter((f) => f.type === "profile").length, 0, "no profile frame before the save");
        await page.getByRole("button", { name: "Save", exact: true }).click();
        await toast(page).filter({ hasText: "Desk options saved. Connected desks see the change at once." }).waitFor();
        assert.equal(await saveState(page).innerText(), "Everything is saved");
        await look(page, "72-desk-options-saved", problems);
        const saved = await hub.settings();
        assert.deepEqual(saved, changed(stored, (s) => Object.assign(s.desk, { send_file: false, request_file: false })), "only the two options changed");

        // Alice's desk, on the connection it had before the change, gets its new profile.
        const profile = await alice.next((f) => f.type === "profile", "a profile frame on Alice's desk");
        assert.equal(profile.agent.email, ALICE.email);
        assert.deepEqual(profile.agent.options, saved.desk, "the profile says both are off, the rest on");
        assert.equal(alice.closed, null, "still the same connection");
        assert.equal(alice.frames.filter((f) => f.type === "welcome").length, 1, "no second welcome: the desk did not reconnect");

        // The hub refuses both now, with forbidden; what stayed on still works.
        const refused = await alice.change({ type: "request_file", conversation: ref });
        assert.equal(refused.type, "error", JSON.stringify(refused));
        assert.equal(refused.code, "forbidden", JSON.stringify(refused));
        const second = await upload();
        assert.equal(second.status, 403, second.text);
        assert.equal(second.json.code, "forbidden");
        const canned = await hub.request("/api/canned-responses", { token });
        assert.equal(canned.status, 200, `canned responses are still on: ${canned.text}`);
        const message = await alice.change({ type: "send_message", conversation: ref, text: "Yes, we have it." });
        assert.equal(message.type, "ack", JSON.stringify(message));

        // A reload reads the options back from the hub.
        await page.reload();
        await field(page, "desk.send_file").waitFor();
        for (const [option] of DESK) {
          const off = option === "send_file" || option === "request_file";
          assert.equal(await field(page, `desk.${option}`).isChecked(), !off, option);
        }
      } finally {
        alice.close();
        visitor.close();
      }
    });
  });

  it("co-browsing: the admin lists the brand's site, an element to hide and a field to show; the widget's config and a connected desk get them; a bad selector is refused at its row; switched off in Desk options, the widget is offered none; a manager reads the page", async () => {
    await withHub("cobrowse", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      assert.deepEqual(stored.cobrowse, { unmask: [], mask: [], site_origins: [] }, "nothing set in a new project");
      assert.equal(stored.desk.cobrowse, true, "offered in a new project");
      const widgetConfig = async () => {
        const r = await hub.request("/api/widget/config?project=DEMO");
        assert.equal(r.status, 200, r.text);
        return r.json;
      };
      assert.deepEqual((await widgetConfig()).cobrowse, { unmask: [], mask: [] });
      const alice = await desk(hub, ALICE);
      try {
        assert.equal(alice.welcome.agent.options.cobrowse, true);
        assert.deepEqual(alice.welcome.agent.site_origins, []);

        const { page } = await openSignedOut(hub, open, "/admin/#/cobrowse");
        await signIn(page, ADMIN);
        const addSite = page.getByLabel("Add a site", { exact: true });
        await addSite.waitFor();
        assert.equal(await page.locator("main h1").innerText(), "Co-browsing");
        assert.equal(await page.locator("nav a[aria-current=page]").innerText(), "Co-browsing");
        const links = await page.getByRole("navigation", { name: "Settings" }).getByRole("link").allInnerTexts();
        assert.equal(links.indexOf("Co-browsing"), links.indexOf("Desk options") + 1, `after Desk options: ${links.join(", ")}`);
        assert.match(await page.getByTestId("cobrowse-offered").innerText(), /^Agents may ask to see the visitor's page: the visitor is asked each time and can stop at any time\./);
        await look(page, "cobrowse-1-empty", problems);

        // A page's address, as copied from the browser: the page offers its origin.
        await addSite.fill("https://Shop.example/lamps/brass?colour=gold#reviews");
        const use = page.getByRole("button", { name: "Use https://shop.example", exact: true });
        await use.waitFor();
        assert.match(await page.locator("#cobrowse-new-site_origins-offer").innerText(), /That is the address of a page: only its site counts here\./);
        await look(page, "cobrowse-2-offer", problems);
        await use.click();
        assert.equal(await addSite.inputValue(), "https://shop.example");
        await addSite.press("Enter");
        await page.getByLabel("Add an element to hide", { exact: true }).fill("#account-summary");
        await page.getByLabel("Add an element to hide", { exact: true }).press("Enter");
        await page.getByLabel("Add a field to show", { exact: true }).fill("#quantity");
        await page.getByLabel("Add a field to show", { exact: true }).press("Enter");
        assert.equal(await field(page, "cobrowse.site_origins.0").inputValue(), "https://shop.example");
        assert.equal(await field(page, "cobrowse.mask.0").inputValue(), "#account-summary");
        assert.equal(await field(page, "cobrowse.unmask.0").inputValue(), "#quantity");
        await page
          .locator("section[data-list=unmask]")
          .getByText("Passwords, hidden fields, e-mail addresses, phone numbers and payment fields stay masked whatever is listed here.")
          .waitFor();
        assert.equal(await saveState(page).innerText(), "Unsaved changes");
        await look(page, "cobrowse-3-edited", problems);
        assert.equal(alice.frames.filter((f) => f.type === "profile").length, 0, "no profile frame before the save");

        await page.getByRole("button", { name: "Save", exact: true }).click();
        await toast(page).filter({ hasText: "Co-browsing saved." }).waitFor();
        assert.equal(await saveState(page).innerText(), "Everything is saved");
        await look(page, "cobrowse-4-saved", problems);
        const saved = await hub.settings();
        const cobrowse = { unmask: ["#quantity"], mask: ["#account-summary"], site_origins: ["https://shop.example"] };
        assert.deepEqual(saved, changed(stored, (s) => (s.cobrowse = cobrowse)), "the three lists, nothing else");
        assert.deepEqual((await widgetConfig()).cobrowse, { unmask: ["#quantity"], mask: ["#account-summary"] }, "what the widget's recorder reads");
        const profile = await alice.next((f) => f.type === "profile", "a profile frame on Alice's desk");
        assert.deepEqual(profile.agent.site_origins, ["https://shop.example"], "the desk's sites, at once");

        // A selector with a brace: refused at its row, never sent; the hub would refuse it too.
        const puts = recordRequests(page, "PUT", /\/settings$/);
        await field(page, "cobrowse.unmask.0").fill("a{}");
        await page.getByRole("button", { name: "Save", exact: true }).click();
        await problemOf(page, "cobrowse.unmask.0").waitFor();
        assert.match(await problemOf(page, "cobrowse.unmask.0").innerText(), /A selector cannot hold “\{”/);
        assert.equal(await field(page, "cobrowse.unmask.0").getAttribute("aria-invalid"), "true");
        assert.match(await page.locator(".summary[role=alert]").innerText(), /Field to show 1 “a\{\}” — A selector cannot hold “\{”/);
        await look(page, "cobrowse-5-refused", problems);
        assert.deepEqual(puts, [], "nothing sent");
        const byHub = await hub.request(SETTINGS_PATH, {
          method: "PUT",
          token: await hub.token(ADMIN),
          body: changed(saved, (s) => (s.cobrowse.unmask = ["a{}"])),
        });
        assert.equal(byHub.status, 400, byHub.text);
        assert.deepEqual(Object.keys(byHub.json.fields), ["cobrowse.unmask.0"], "the hub names the same row");
        await page.getByRole("button", { name: "Discard changes" }).click();
        assert.equal(await field(page, "cobrowse.unmask.0").inputValue(), "#quantity");

        // Switched off in Desk options: the widget is offered no co-browsing, the desk is told.
        await page.getByRole("link", { name: "Desk options", exact: true }).first().click();
        const offer = page.getByRole("switch", { name: "Co-browsing: agents may ask to see the visitor's page", exact: true });
        await offer.waitFor();
        assert.match(await page.locator('[id="field-desk.cobrowse-hint"]').innerText(), /^The visitor is asked each time and can stop at any time/);
        await offer.uncheck();
        await offer.scrollIntoViewIfNeeded();
        await look(page, "cobrowse-0-desk-option-off", problems);
        await page.getByRole("button", { name: "Save", exact: true }).click();
        await toast(page).filter({ hasText: "Desk options saved." }).waitFor();
        assert.equal((await hub.settings()).desk.cobrowse, false);
        assert.equal("cobrowse" in (await widgetConfig()), false, "no co-browsing in the widget's config");
        const off = await alice.next((f) => f.type === "profile", "a second profile frame on Alice's desk");
        assert.equal(off.agent.options.cobrowse, false, "the desk's option, off");
        assert.deepEqual(off.agent.site_origins, ["https://shop.example"], "the sites are kept");
        await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Co-browsing" }).click();
        await field(page, "cobrowse.mask.0").waitFor();
        assert.match(await page.getByTestId("cobrowse-offered").innerText(), /^Co-browsing is switched off: agents cannot ask to see a visitor's page\./);
        await look(page, "cobrowse-6-switched-off", problems);

        // Chloé, a manager: the page, read only.
        const chloe = await openSignedOut(hub, open, "/admin/#/cobrowse");
        await signIn(chloe.page, MANAGER);
        await chloe.page.getByRole("heading", { level: 1, name: "Co-browsing" }).waitFor();
        await chloe.page.getByText("Only an administrator of the project changes these settings: you can read them here.").waitFor();
        assert.deepEqual(await chloe.page.locator("section[data-list=site_origins] li code").allInnerTexts(), ["https://shop.example"]);
        assert.deepEqual(await chloe.page.locator("section[data-list=mask] li code").allInnerTexts(), ["#account-summary"]);
        assert.deepEqual(await chloe.page.locator("section[data-list=unmask] li code").allInnerTexts(), ["#quantity"]);
        assert.equal(await chloe.page.locator("main").getByRole("textbox").count(), 0, "no input");
        assert.equal(await chloe.page.getByRole("button", { name: "Save", exact: true }).count(), 0, "no Save");
        await look(chloe.page, "cobrowse-7-manager", problems);

        // In French.
        const fr = await openSignedOut(hub, open, "/admin/#/cobrowse", FRENCH);
        await signInFr(fr.page, ADMIN);
        await fr.page.getByRole("heading", { level: 1, name: "Co-navigation" }).waitFor();
        await fr.page.getByRole("region", { name: "Votre site" }).waitFor();
        await fr.page.getByRole("region", { name: "Toujours masqués" }).waitFor();
        await fr.page.getByRole("region", { name: "Affichés tels que saisis" }).waitFor();
        await look(fr.page, "cobrowse-8-fr", problems);
      } finally {
        alice.close();
      }
    });
  });

  it("optional statuses: a status the admin adds reaches a connected desk at once, which may choose it without reconnecting", async () => {
    await withHub("statuses-live", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      const alice = await desk(hub, ALICE);
      try {
        assert.deepEqual(alice.welcome.agent.optional_statuses, stored.optional_statuses);
        const early = await alice.change({ type: "set_status", channel: "chat", status: { kind: "optional", name: "Lunch break" } });
        assert.equal(early.type, "error", `not a status of the project yet: ${JSON.stringify(early)}`);

        const { page } = await openSignedOut(hub, open, "/admin/#/statuses");
        await signIn(page, ADMIN);
        await page.locator("#list-new").waitFor();
        await page.locator("#list-new").fill("Lunch break");
        await page.locator("#list-new").press("Enter");
        await page.getByRole("button", { name: "Save", exact: true }).click();
        await toast(page).filter({ hasText: "Optional statuses saved. Connected desks see the change at once." }).waitFor();
        await look(page, "68-statuses-saved-live", problems);
        const wanted = [...stored.optional_statuses, "Lunch break"];
        assert.deepEqual((await hub.settings()).optional_statuses, wanted);

        const profile = await alice.next((f) => f.type === "profile", "a profile frame on Alice's desk");
        assert.deepEqual(profile.agent.optional_statuses, wanted, "the desk's list, with the new status last");
        assert.equal(alice.closed, null, "still the same connection");
        assert.equal(alice.frames.filter((f) => f.type === "welcome").length, 1, "no second welcome: the desk did not reconnect");
        const chosen = await alice.change({ type: "set_status", channel: "chat", status: { kind: "optional", name: "Lunch break" } });
        assert.equal(chosen.type, "ack", `the new status can be chosen at once: ${JSON.stringify(chosen)}`);
        await alice.next(
          (f) =>
            f.type === "event" &&
            f.event.kind === "status_changed" &&
            f.event.statuses.some((s) => s.channel === "chat" && s.chosen.kind === "optional" && s.chosen.name === "Lunch break"),
          "Alice's chat status in Lunch break",
        );
      } finally {
        alice.close();
      }
    });
  });

  it("miscellaneous: the seed's three settings and the sales attribution window saved and read back; the transfer on disconnection is the Timeouts page's setting too", async () => {
    await withHub("misc", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      assert.deepEqual(stored.misc, { knowledge_answers_as_agent: false });
      assert.deepEqual(stored.sales, { attribution_days: 7 });
      const DAYS = "sales.attribution_days";
      assert.equal(stored.routing.reopen_to_previous_agent, false);
      assert.equal(stored.routing.timeouts.disconnected_transfer_s, 0);
      const TRANSFER = `${T}.disconnected_transfer_s`;
      const knowledge = (page) => page.getByRole("switch", { name: /^Answers that follow a knowledge redirect/ });
      const reopen = (page) => page.getByRole("switch", { name: /^Do not close the conversation at the end of the live chat/ });

      const { page } = await openSignedOut(hub, open, "/admin/#/misc");
      await signIn(page, ADMIN);
      await field(page, TRANSFER).waitFor();
      assert.match(page.url(), /#\/misc$/);
      assert.equal(await page.locator("main h1").innerText(), "Miscellaneous");
      assert.equal(await page.locator("nav a[aria-current=page]").innerText(), "Miscellaneous");
      assert.deepEqual(
        await page.locator("main .field").evaluateAll((blocks) => blocks.map((b) => b.dataset.path)),
        ["misc.knowledge_answers_as_agent", "routing.reopen_to_previous_agent", TRANSFER, DAYS],
      );
      assert.equal(await knowledge(page).isChecked(), false);
      assert.equal(await reopen(page).isChecked(), false);
      assert.equal(await page.getByLabel("Transfer the conversation to another agent when its agent disconnects (seconds)").inputValue(), "0");
      assert.match(await page.locator(`[id="field-${TRANSFER}-hint"]`).innerText(), /on the Timeouts page\. 0 = off$/);
      assert.equal(await page.getByLabel("Sales attribution window (days)").inputValue(), "7");
      await look(page, "75-misc", problems);

      await knowledge(page).check();
      await reopen(page).check();
      await field(page, TRANSFER).fill("120");
      await field(page, DAYS).fill("30");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Miscellaneous saved. The hub applies it right away." }).waitFor();
      await look(page, "76-misc-saved", problems);
      const saved = await hub.settings();
      assert.deepEqual(
        saved,
        changed(stored, (s) => {
          s.misc.knowledge_answers_as_agent = true;
          s.routing.reopen_to_previous_agent = true;
          s.routing.timeouts.disconnected_transfer_s = 120;
          s.sales.attribution_days = 30;
        }),
        "the four settings, nothing else",
      );

      await page.reload();
      await field(page, TRANSFER).waitFor();
      assert.equal(await knowledge(page).isChecked(), true);
      assert.equal(await reopen(page).isChecked(), true);
      assert.equal(await field(page, TRANSFER).inputValue(), "120");
      assert.equal(await field(page, DAYS).inputValue(), "30");

      // Beyond the hub's day of seconds: refused at the field, as on the Timeouts page, never sent.
      const puts = recordRequests(page, "PUT", /\/settings$/);
      await field(page, TRANSFER).fill("90000");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await problemOf(page, TRANSFER).waitFor();
      assert.equal(await problemOf(page, TRANSFER).innerText(), "Enter 0 to turn it off, or at most 86,400 seconds.");
      // The sales window outside the hub's 1–90 days: the same, never sent.
      await field(page, DAYS).fill("91");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await problemOf(page, DAYS).waitFor();
      assert.equal(await problemOf(page, DAYS).innerText(), "Enter a number from 1 to 90.");
      await look(page, "77-misc-invalid", problems);
      assert.deepEqual(puts, []);
      await page.getByRole("button", { name: "Discard changes" }).click();

      // The same setting on the Timeouts page: it shows what was saved here, and what it saves shows here.
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Timeouts" }).click();
      await field(page, `${T}.auto_transfer_s`).waitFor();
      assert.equal(await field(page, TRANSFER).inputValue(), "120");
      await field(page, TRANSFER).fill("0");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Timeouts saved." }).waitFor();
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Miscellaneous" }).click();
      await field(page, TRANSFER).waitFor();
      assert.equal(await field(page, TRANSFER).inputValue(), "0");
      assert.equal(await knowledge(page).isChecked(), true, "the Timeouts page left the switches alone");
      assert.deepEqual(await hub.settings(), changed(saved, (s) => (s.routing.timeouts.disconnected_transfer_s = 0)));

      // Both pages in French, with the seed's words.
      const fr = await openSignedOut(hub, open, "/admin/#/desk_options", { locale: "fr-FR", viewport: { width: 1440, height: 860 }, reducedMotion: "reduce" });
      await fr.page.locator("#login-email").fill(ADMIN.email);
      await fr.page.locator("#login-password").fill(ADMIN.password);
      await fr.page.getByRole("button", { name: "Se connecter" }).click();
      await field(fr.page, "desk.print").waitFor();
      assert.equal(await fr.page.locator("main h1").innerText(), "Options du pupitre");
      await fr.page.getByRole("switch", { name: "La chatbox assistant (opérateur livechat augmenté)" }).waitFor();
      await look(fr.page, "78-desk-options-fr", problems);
      await fr.page.getByRole("navigation", { name: "Réglages" }).getByRole("link", { name: "Divers" }).click();
      await field(fr.page, TRANSFER).waitFor();
      await fr.page
        .getByRole("switch", { name: "Ne pas clore la conversation en fin de livechat ; en cas de réescalade, rediriger vers l'opérateur précédent s'il est disponible" })
        .waitFor();
      await look(fr.page, "79-misc-fr", problems);
    });
  });

  it("opening hours: the admin makes today a holiday for every group on the page; a visitor is told the out-of-hours sentence set there; the audit log shows each change with the admin's name", async () => {
    await withHub("hours-audit", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      assert.equal(stored.routing.timezone, "Europe/Paris");
      const token = await hub.token(ADMIN);
      // Live chat only: out of hours, the visitor is told so instead of being queued.
      const live = await hub.request(SETTINGS_PATH, { method: "PUT", token, body: changed(stored, (s) => (s.routing.async_messaging = false)) });
      assert.equal(live.status, 200, live.text);
      const groups = await hub.request("/api/admin/projects/DEMO/groups", { token });
      assert.deepEqual(groups.json.map((g) => [g.name, g.hours]), [["Sales", null], ["Support", null]], "the demo's groups, always open");

      const { page } = await openSignedOut(hub, open, "/admin/#/hours");
      await signIn(page, ADMIN);
      await page.locator("#hours-group").waitFor();
      assert.equal(await page.locator("main h1").innerText(), "Opening hours");
      assert.equal(await page.locator("nav a[aria-current=page]").innerText(), "Opening hours");
      const status = page.getByTestId("hours-status");
      assert.match(await status.innerText(), /Always open[\s\S]*Visitors reach the agents of Sales at any hour\./);
      await look(page, "80-hours", problems);

      // The sentence a closed group's visitor reads: markup in it stays text.
      const sentence = `Closed today <b>for inventory</b> & back tomorrow — "see you"`;
      await page.locator("#sentence-out_of_hours-en").fill(sentence);
      assert.equal(await page.getByTestId("preview-sentence").innerText(), sentence, "the preview shows the text as typed");
      assert.equal(await page.locator("main figure b").count(), 0, "rendered as text, never HTML");
      await page.getByTestId("preview-sentence").scrollIntoViewIfNeeded();
      await look(page, "81-hours-preview", problems);

      const today = todayIn("Europe/Paris");
      for (const [i, name] of ["Sales", "Support"].entries()) {
        if (i > 0) await page.getByLabel("Group", { exact: true }).selectOption({ label: name });
        await page.getByRole("radio", { name: /^Open on set hours/ }).check();
        // Open all day every day (so only the holiday closes it), typed on Monday and copied.
        await page.getByLabel("Monday, range 1: opens at").fill("00:00");
        await page.getByLabel("Monday, range 1: closes at").fill("24:00");
        await page.getByRole("button", { name: "Copy Monday to Tuesday–Friday" }).click();
        for (const day of ["Saturday", "Sunday"]) {
          await page.getByRole("button", { name: `Add a range: ${day}` }).click();
          await page.getByLabel(`${day}, range 1: opens at`).fill("0:00");
          await page.getByLabel(`${day}, range 1: closes at`).fill("24:00");
        }
        assert.match(await status.innerText(), /Open now[\s\S]*These hours never close\./);
        await page.getByRole("button", { name: "Add a date" }).click();
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("type")), "date", "focus on the new date");
        await page.getByLabel("Date 1", { exact: true }).fill(today);
        await page.getByLabel("Label (Date 1)").fill("Inventory");
        assert.equal(await page.getByRole("radio", { name: "Closed all day" }).isChecked(), true);
        await status.filter({ hasText: "Closed now" }).waitFor();
        assert.match(await status.innerText(), /Closed now[\s\S]*Today is closed all day: Inventory\.[\s\S]*Opens tomorrow at 00:00\./);
        if (i === 0) {
          await page.locator("main").evaluate((main) => main.scrollTo(0, 0));
          await look(page, "82-hours-holiday-unsaved", problems);
        }
        await page.getByRole("button", { name: "Save", exact: true }).click();
        await toast(page).filter({ hasText: "Opening hours saved. Routing uses them at once." }).waitFor();
        assert.equal(await saveState(page).innerText(), "Everything is saved");
        await page.locator(".toasts button").click();
      }
      await page.locator("main").evaluate((main) => main.scrollTo(0, 0));
      await look(page, "83-hours-saved", problems);

      // What the hub stored: every day open, today closed, for both groups; the sentence.
      const week = Array.from({ length: 7 }, () => [{ start: 0, end: 1440 }]);
      const after = await hub.request("/api/admin/projects/DEMO/groups", { token });
      for (const g of after.json) {
        assert.deepEqual(g.hours, { days: week, exceptions: [{ date: today, spans: [], label: "Inventory" }] }, g.name);
      }
      const settings = await hub.settings();
      assert.equal(settings.sentences.out_of_hours.en, sentence);
      assert.deepEqual(
        settings,
        changed(stored, (s) => {
          s.routing.async_messaging = false;
          s.sentences.out_of_hours.en = sentence;
        }),
        "only the sentence changed from the page",
      );

      // A visitor now: out of hours, told so with the sentence set on the page.
      const visitor = await widget(hub);
      try {
        const sent = await visitor.change({ type: "send_message", text: "Hello, is anyone there?" });
        assert.equal(sent.type, "ack", JSON.stringify(sent));
        const told = await visitor.next(
          (f) => f.type === "event" && f.event.kind === "message" && f.event.message.body.kind === "sentence",
          "the hub's sentence to the visitor",
        );
        assert.deepEqual(told.event.message.body, { kind: "sentence", sentence: "out_of_hours", text: sentence });
        assert.deepEqual(told.event.message.author, { kind: "system" });
      } finally {
        visitor.close();
      }

      // The same page in French.
      const fr = await openSignedOut(hub, open, "/admin/#/hours", FRENCH);
      await signInFr(fr.page);
      await fr.page.locator("#hours-group").waitFor();
      assert.equal(await fr.page.locator("main h1").innerText(), "Horaires d'ouverture");
      assert.match(await fr.page.getByTestId("hours-status").innerText(), /Fermé en ce moment[\s\S]*Aujourd'hui est fermé toute la journée : Inventory\./);
      await fr.page.locator("#sentence-out_of_hours-fr").focus();
      assert.equal(await fr.page.getByTestId("preview-sentence").innerText(), stored.sentences.out_of_hours.fr);
      await look(fr.page, "84-hours-fr", problems);

      // The audit log: every change of this test, newest first, with the admin's name.
      const log = (await hub.request("/api/admin/projects/DEMO/audit", { token })).json.entries;
      assert.deepEqual(
        log.map((e) => [e.action, e.target]),
        [
          ["group.hours", "Support"],
          ["settings.update", "settings"],
          ["group.hours", "Sales"],
          ["settings.update", "settings"],
        ],
        "the hub's log: the API's settings, then Sales's hours and the sentence saved with them, then Support's hours",
      );
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Audit log" }).click();
      const rows = page.locator("main tbody tr");
      await rows.first().waitFor();
      assert.match(page.url(), /#\/audit$/);
      assert.equal(await page.locator("main h1").innerText(), "Audit log");
      assert.equal(await rows.count(), log.length, "one row per entry");
      const texts = await rows.allInnerTexts();
      for (const [i, entry] of log.entries()) {
        assert.match(texts[i], new RegExp(ADMIN.name), `row ${i + 1} names the admin`);
        assert.match(texts[i], entry.action === "group.hours" ? /Opening hours changed/ : /Settings changed/);
        assert.match(texts[i], /ago|Just now/, "today: relative");
      }
      assert.match(texts[0], /Support/);
      assert.match(texts[2], /Sales[\s\S]*Opening hours[\s\S]*hours/);
      assert.match(texts[1], /Project settings[\s\S]*Out of hours[\s\S]*sentences\.out_of_hours\.en/);
      assert.ok(texts[1].includes(JSON.stringify(sentence)), "the sentence as JSON text");
      assert.match(texts[3], /Asynchronous messaging[\s\S]*routing\.async_messaging[\s\S]*true[\s\S]*false/);
      assert.equal(await page.locator("main tbody b").count(), 0, "the sentence's markup stays text");
      await look(page, "85-audit", problems);

      const calls = recordRequests(page, "GET", /\/api\/admin\/projects\/DEMO\/audit$/);
      await page.getByLabel("Action").selectOption({ label: "Opening hours changed" });
      await page.getByRole("button", { name: "Search" }).click();
      await eventually(async () => (await rows.count()) === 2, "two rows: the hours only");
      assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.action)), ["group.hours", "group.hours"]);
      assert.match(calls.at(-1), /action=group\.hours/);
      await look(page, "86-audit-filtered", problems);
      await page.getByLabel("Contains").fill("inventory");
      await page.getByLabel("Contains").press("Enter");
      await eventually(async () => (await rows.count()) === 2, "the text search keeps both");
      await page.getByLabel("Contains").fill("no such text anywhere");
      await page.getByLabel("Contains").press("Enter");
      await page.getByText("No entry matches these filters.").waitFor();

      await fr.page.getByRole("navigation", { name: "Réglages" }).getByRole("link", { name: "Journal des modifications" }).click();
      await fr.page.locator("main tbody tr").first().waitFor();
      assert.match(await fr.page.locator("main tbody").innerText(), /Horaires d'ouverture modifiés[\s\S]*Réglages modifiés/);
      await look(fr.page, "87-audit-fr", problems);
    });
  });

  it("export and import: the configuration downloads as a file; imported back with another queue size it shows the dry run, then applies; a broken file changes nothing", async () => {
    await withHub("export-import", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      const { page } = await openSignedOut(hub, open, "/admin/#/export");
      await signIn(page, ADMIN);
      await page.getByRole("button", { name: "Download the configuration" }).waitFor();
      assert.equal(await page.locator("main h1").innerText(), "Export and import");
      await look(page, "90-export", problems);

      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download the configuration" }).click()]);
      assert.equal(download.suggestedFilename(), "pupitre-DEMO-configuration.json", "the hub's file name");
      const file = JSON.parse(readFileSync(await download.path(), "utf8"));
      assert.equal(file.format, "pupitre-configuration");
      assert.equal(file.version, 1);
      assert.equal(file.project, "DEMO");
      assert.deepEqual(file.settings, stored);
      assert.deepEqual(file.groups.map((g) => g.name), ["Sales", "Support"]);
      await page.getByText("pupitre-DEMO-configuration.json downloaded.").waitFor();

      // Back in with 7 queue places per agent: the dry run first, nothing changed yet.
      const input = page.getByLabel("Configuration file (.json)");
      const edited = changed(file, (f) => (f.settings.routing.queue_per_agent = 7));
      await input.setInputFiles({ name: "pupitre-DEMO-configuration.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(edited, null, 2)) });
      const report = page.locator(".report");
      await report.getByRole("heading", { name: "What importing pupitre-DEMO-configuration.json would change" }).waitFor();
      assert.match(await report.innerText(), /1 setting changes:[\s\S]*Queue places per connected agent[\s\S]*routing\.queue_per_agent[\s\S]*2[\s\S]*7/);
      assert.equal((await hub.settings()).routing.queue_per_agent, 2, "a dry run changes nothing");
      await look(page, "91-import-dry-run", problems);

      await report.getByRole("button", { name: "Apply the import" }).click();
      await page.getByRole("heading", { name: "Configuration imported" }).waitFor();
      assert.match(
        await page.locator(".report.applied").innerText(),
        /pupitre-DEMO-configuration\.json is applied: the hub uses it at once, and the import is in the audit log\./,
      );
      await look(page, "92-import-applied", problems);
      assert.deepEqual(await hub.settings(), changed(stored, (s) => (s.routing.queue_per_agent = 7)), "only the queue places changed");
      const log = (await hub.request("/api/admin/projects/DEMO/audit?action=config.import", { token: await hub.token(ADMIN) })).json.entries;
      assert.equal(log.length, 1);
      assert.deepEqual(log[0].changes, [{ path: "settings.routing.queue_per_agent", before: 2, after: 7 }]);

      // The Capacity page shows the imported value (the console read the settings again).
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Capacity" }).click();
      await field(page, QUEUE).waitFor();
      assert.equal(await field(page, QUEUE).inputValue(), "7");

      // A broken file: said at once, nothing sent, nothing changed.
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Export and import" }).click();
      const posts = recordRequests(page, "POST", /\/configuration$/);
      await page.getByLabel("Configuration file (.json)").setInputFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from('{"format": "pupitre-configuration", ') });
      const error = page.locator("#import-file-problem");
      await error.waitFor();
      assert.equal(await error.innerText(), "This file is not JSON, so it cannot be a Pupitre configuration file.");
      assert.equal(await page.getByLabel("Configuration file (.json)").getAttribute("aria-invalid"), "true");
      assert.deepEqual(posts, [], "never sent");
      // A file the hub refuses (an unknown time zone): its words, nothing changed.
      const mars = changed(file, (f) => (f.settings.routing.timezone = "Mars/Olympus"));
      await page.getByLabel("Configuration file (.json)").setInputFiles({ name: "mars.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(mars)) });
      await error.filter({ hasText: "The hub refused this file; nothing was changed." }).waitFor();
      assert.match(await error.innerText(), /routing\.timezone/);
      await look(page, "93-import-refused", problems);
      assert.equal((await hub.settings()).routing.queue_per_agent, 7);
      assert.equal((await hub.settings()).routing.timezone, "Europe/Paris");

      const fr = await openSignedOut(hub, open, "/admin/#/export", FRENCH);
      await signInFr(fr.page);
      await fr.page.getByRole("button", { name: "Télécharger la configuration" }).waitFor();
      assert.equal(await fr.page.locator("main h1").innerText(), "Export et import");
      await fr.page.getByLabel("Fichier de configuration (.json)").setInputFiles({ name: "config.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(changed(file, (f) => (f.settings.default_slot_max = 4)))) });
      await fr.page.getByRole("heading", { name: "Ce que changerait l'import de config.json" }).waitFor();
      await look(fr.page, "94-import-dry-run-fr", problems);

      // The dark theme: the audit log with the import in it, and the opening hours.
      const dark = await openSignedOut(hub, open, "/admin/#/audit", { locale: "en-GB", colorScheme: "dark", viewport: { width: 1440, height: 860 }, reducedMotion: "reduce" });
      await signIn(dark.page, ADMIN);
      await dark.page.locator("main tbody tr[data-action='config.import']").waitFor();
      await look(dark.page, "95-audit-dark", problems);
      await dark.page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Opening hours" }).click();
      await dark.page.getByRole("radio", { name: /^Open on set hours/ }).check();
      await dark.page.getByLabel("Monday, range 1: opens at").fill("25:00");
      await dark.page.getByRole("button", { name: "Save", exact: true }).click();
      await dark.page.locator(".summary[role=alert]").waitFor();
      await look(dark.page, "96-hours-invalid-dark", problems);
    });
  });

  it("roles: an agent is refused at sign-in; a manager reads the project's settings read only, sees only her groups' agents and shares canned responses with her groups, sets her groups' hours, and is not offered the audit log", async () => {
    await withHub("roles", async ({ hub, problems, open }) => {
      const stored = await hub.settings();

      // Alice, an agent: the refusal sentence, no session.
      const alice = await openSignedOut(hub, open);
      await submitSignIn(alice.page, ALICE);
      const error = alice.page.locator("#login-error");
      await error.waitFor();
      assert.equal(await error.getAttribute("data-code"), "forbidden");
      assert.match(
        await error.innerText(),
        /^This account cannot open the console: it is for administrators and managers\. Agents work in the desk\./,
      );
      assert.equal((await consoleCookies(alice.context, hub)).session, null, "no console session for an agent");
      assert.deepEqual(alice.page.refusals, ["401 /api/console/session", "403 /api/console/session"]);
      await look(alice.page, "20-agent-refused", problems);
      await alice.page.reload();
      await alice.page.locator("#login-email").waitFor();
      assert.equal(await alice.page.locator("[data-testid=person]").count(), 0, "still signed out after a reload");

      // A wrong password: its own sentence, the password emptied.
      await submitSignIn(alice.page, { ...ADMIN, password: "not-the-password" });
      await alice.page.locator("#login-error[data-code=unauthorized]").waitFor();
      assert.match(await alice.page.locator("#login-error").innerText(), /^Wrong e-mail or password\./);
      assert.equal(await alice.page.locator("#login-password").inputValue(), "");
      await look(alice.page, "21-wrong-password", problems);

      // A group that is not Chloé's, with an agent of its own: she never sees either.
      const adminToken = await hub.token(ADMIN);
      const billing = await hub.request("/api/admin/projects/DEMO/groups", { method: "POST", token: adminToken, body: { name: "Billing" } });
      assert.equal(billing.status, 201, billing.text);
      const dan = await hub.request("/api/admin/projects/DEMO/agents", {
        method: "POST",
        token: adminToken,
        body: { email: "dan@demo.pupitre.test", name: "Dan Billing", password: "dan-billing-5", role: "agent", groups: ["Billing"] },
      });
      assert.equal(dan.status, 201, dan.text);

      // Chloé, a manager (M4): she reads the settings, read only, without a Save the hub would refuse.
      const chloe = await openSignedOut(hub, open);
      await signIn(chloe.page, MANAGER);
      assert.equal(await chloe.page.locator(".person .role").innerText(), "Manager");
      await field(chloe.page, QUEUE).waitFor();
      assert.equal(await field(chloe.page, QUEUE).inputValue(), "2", "the settings are hers to read");
      assert.equal(await field(chloe.page, QUEUE).getAttribute("readonly"), "", "read only");
      await chloe.page.getByText("Only an administrator of the project changes these settings: you can read them here.").waitFor();
      assert.equal(await chloe.page.getByRole("button", { name: "Save", exact: true }).count(), 0, "no Save");
      const links = await chloe.page.getByRole("navigation", { name: "Settings" }).getByRole("link").allInnerTexts();
      assert.ok(links.includes("Opening hours") && links.includes("People and content"), links.join(", "));
      assert.ok(!links.includes("Audit log") && !links.includes("Export and import"), `the admin's pages are not offered: ${links.join(", ")}`);
      await look(chloe.page, "22-manager-capacity-read-only", problems);

      // People and content: her groups' agents, read only; canned responses for her groups only.
      await chloe.page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "People and content" }).click();
      const agents = chloe.page.getByRole("table", { name: "Agents" });
      await agents.waitFor();
      const names = await agents.locator("tbody th[scope=row] bdi").allInnerTexts();
      assert.deepEqual(names, ["Admin Pupitre", "Alice Martin", "Bruno Petit", "Chloé Durand"], "her groups' agents, not Dan");
      assert.equal(await chloe.page.getByRole("button", { name: "Invite an agent" }).count(), 0);
      assert.equal(await chloe.page.getByRole("button", { name: /^Edit / }).count(), 0);
      await look(chloe.page, "M1-manager-people", problems);
      await chloe.page.getByRole("tab", { name: /^Groups/ }).click();
      assert.deepEqual((await chloe.page.locator(".group-name").allInnerTexts()).sort(), ["Sales", "Support"]);
      assert.equal(await chloe.page.getByLabel("New group").count(), 0);
      await chloe.page.getByRole("tab", { name: /^Canned responses/ }).click();
      await chloe.page.getByRole("button", { name: "Add a canned response" }).click();
      const shared = chloe.page.getByRole("dialog").getByLabel("Shared with");
      assert.deepEqual(await shared.locator("option").allInnerTexts(), ["Group Sales", "Group Support"], "her groups, not the whole project");
      await chloe.page.getByRole("dialog").getByLabel("Theme").fill("Sales");
      await chloe.page.getByRole("dialog").getByLabel("Title").fill("Discount");
      await chloe.page.getByRole("dialog").getByLabel("Text").fill("Here is 10 % off your next order.");
      await look(chloe.page, "M2-manager-canned", problems);
      await chloe.page.getByRole("dialog").getByRole("button", { name: "Add", exact: true }).click();
      await chloe.page.getByRole("dialog").waitFor({ state: "detached" });
      const mineCanned = (await hub.request("/api/admin/projects/DEMO/canned-responses", { token: adminToken })).json.find((c) => c.title === "Discount");
      assert.equal(mineCanned.group_id, 1, "shared with Sales");

      // Her groups' opening hours are hers to set; the project's zone and sentences are read only.
      await chloe.page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Opening hours" }).click();
      await chloe.page.locator("#hours-group").waitFor();
      const mine = await chloe.page.locator("#hours-group option").allInnerTexts();
      assert.deepEqual([...mine].sort(), ["Sales", "Support"], "the groups she manages");
      assert.equal(await chloe.page.getByLabel("Time zone of the project").getAttribute("readonly"), "");
      assert.equal(await chloe.page.locator("#sentence-out_of_hours-en").getAttribute("readonly"), "");
      await chloe.page.getByLabel("Group", { exact: true }).selectOption({ label: "Support" });
      await chloe.page.getByRole("radio", { name: /^Open on set hours/ }).check();
      await chloe.page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(chloe.page).filter({ hasText: "Opening hours saved." }).waitFor();
      await look(chloe.page, "23-manager-hours", problems);
      const support = (await hub.request("/api/admin/projects/DEMO/groups", { token: await hub.token(ADMIN) })).json.find((g) => g.name === "Support");
      assert.equal(support.hours.days[0][0].start, 540, "Support's hours stored: Monday from 09:00");

      // The audit log is the admin's: its address opens her first page, and the hub refuses it.
      await chloe.page.goto(`${hub.url}/admin/#/audit`);
      await chloe.page.getByRole("heading", { level: 1, name: "Capacity" }).waitFor();
      assert.match(chloe.page.url(), /#\/capacity$/);
      const audit = await hub.request("/api/admin/projects/DEMO/audit", { token: await hub.token(MANAGER) });
      assert.equal(audit.status, 403, audit.text);

      // The hub says the same, by bearer token and by the console's own session (with its CSRF
      // token, from the right origin: refused for the role, not as a forgery).
      const token = await hub.token(MANAGER);
      const read = await hub.request(SETTINGS_PATH, { token });
      assert.equal(read.status, 200, `a manager reads the settings (M4): ${read.text}`);
      const write = await hub.request(SETTINGS_PATH, { method: "PUT", token, body: changed(stored, (s) => (s.routing.queue_per_agent = 9)) });
      assert.equal(write.status, 403, write.text);
      const cookies = await consoleCookies(chloe.context, hub);
      assert.ok(cookies.session && cookies.csrf, "the manager has a console session");
      const refusalsBefore = await hub.csrfRefusals();
      const bySession = await hub.request(SETTINGS_PATH, {
        method: "PUT",
        body: changed(stored, (s) => (s.routing.queue_per_agent = 9)),
        headers: { cookie: cookies.header, "x-pupitre-csrf": cookies.csrf, origin: hub.url },
      });
      assert.equal(bySession.status, 403, bySession.text);
      assert.equal(bySession.json.code, "forbidden");
      assert.match(bySession.json.message, /admin role/, "refused for the role");
      assert.equal(await hub.csrfRefusals(), refusalsBefore, "not counted as a forgery");
      assert.deepEqual(await hub.settings(), stored, "nothing was stored");
    });
  });

  it("people and content: the admin invites an agent with a generated password, who then signs in; her hostile name stays text; deactivated, she is refused; groups and canned responses too; the audit log lists every change", async () => {
    await withHub("people", async ({ hub, problems, open }) => {
      const HOSTILE = "<img src=x onerror=alert(1)>Zoé";
      const { page } = await openSignedOut(hub, open);
      await signIn(page, ADMIN);
      const nav = page.getByRole("navigation", { name: "Settings" });
      await nav.getByRole("link", { name: "People and content" }).click();
      await page.getByRole("heading", { level: 1, name: "People and content" }).waitFor();
      assert.match(page.url(), /#\/people$/);
      const table = page.getByRole("table", { name: "Agents" });
      await table.waitFor();
      const names = await table.locator("tbody th[scope=row] bdi").allInnerTexts();
      assert.deepEqual(names, ["Admin Pupitre", "Alice Martin", "Bruno Petit", "Chloé Durand"], "the demo's agents, by name");
      await look(page, "P1-people-agents", problems);

      // Invite: a first password generated on the page, shown once to copy.
      await page.getByRole("button", { name: "Invite an agent" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Name").fill(HOSTILE);
      await dialog.getByLabel("E-mail").fill("zoe@shop.example");
      await dialog.getByRole("checkbox", { name: "Support" }).check();
      await dialog.getByRole("button", { name: "Generate" }).click();
      const generated = await dialog.getByLabel("First password").inputValue();
      assert.match(generated, /^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/);
      await look(page, "P2-people-invite", problems);
      await dialog.getByRole("button", { name: "Create the account" }).click();
      await page.getByRole("heading", { name: `${HOSTILE} can sign in` }).waitFor();
      const shown = await page.locator("#agent-given-password").inputValue();
      assert.equal(shown, generated, "the password shown is the one sent");
      await look(page, "P3-people-invited", problems);
      await page.getByRole("button", { name: "Done" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });

      // Her name, hostile, is text in the table: no image, no script ran (a dialog would be a problem).
      const zoe = table.locator("tbody tr", { hasText: "zoe@shop.example" });
      assert.equal(await zoe.locator("th[scope=row] bdi").innerText(), HOSTILE);
      assert.equal(await page.locator("main img").count(), 0, "no element made of her name");
      assert.equal(await zoe.locator("td").nth(2).innerText(), "Support");

      // She signs in with the password read from the page, as the desk does.
      const login = await hub.request("/api/login", { method: "POST", body: { email: "zoe@shop.example", password: shown } });
      assert.equal(login.status, 200, login.text);
      const stored = (await hub.request("/api/admin/projects/DEMO/agents", { token: await hub.token(ADMIN) })).json.find((a) => a.email === "zoe@shop.example");
      assert.equal(stored.name, HOSTILE);
      assert.equal(stored.role, "agent");
      assert.equal(stored.active, true);

      // Deactivated after the page says what happens: her desk is signed out at once, her sign-in refused.
      const zoeDesk = await desk(hub, { email: "zoe@shop.example", password: shown });
      await page.getByRole("button", { name: `Deactivate ${HOSTILE}` }).click();
      await dialog.getByText("They are signed out everywhere at once, and can no longer sign in.").waitFor();
      await look(page, "P4-people-deactivate", problems);
      await dialog.getByRole("button", { name: "Deactivate", exact: true }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await zoe.getByText("Deactivated").waitFor();
      await toast(page).filter({ hasText: `${HOSTILE} is deactivated.` }).waitFor();
      const refused = await hub.request("/api/login", { method: "POST", body: { email: "zoe@shop.example", password: shown } });
      assert.notEqual(refused.status, 200, `a deactivated agent signs in: ${refused.text}`);
      await eventually(() => zoeDesk.closed, "her desk's connection closed by the hub");
      zoeDesk.close();
      await look(page, "P5-people-deactivated", problems);

      // Channels: Alice works on calls and video too; the hub stores the list.
      await page.getByRole("button", { name: "Edit Alice Martin" }).click();
      const channels = dialog.getByRole("group", { name: "Channels" });
      assert.equal(await channels.getByRole("checkbox", { name: "Chat" }).isChecked(), true, "chat: every agent's first channel");
      await channels.getByRole("checkbox", { name: "Chat" }).uncheck();
      await dialog.getByRole("button", { name: "Save", exact: true }).click();
      await dialog.locator("#agent-channels-problem", { hasText: "Tick at least one channel." }).waitFor();
      await channels.getByRole("checkbox", { name: "Chat" }).check();
      await channels.getByRole("checkbox", { name: "Call" }).check();
      await channels.getByRole("checkbox", { name: "Video" }).check();
      await look(page, "P4b-people-agent-channels", problems);
      await dialog.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await toast(page).filter({ hasText: "Alice Martin saved." }).waitFor();
      const alice = table.locator("tbody tr", { hasText: "alice@demo.pupitre.test" });
      assert.equal(await alice.getByTestId("channels").innerText(), "Chat\nCall\nVideo");
      const storedAlice = (await hub.request("/api/admin/projects/DEMO/agents", { token: await hub.token(ADMIN) })).json.find((a) => a.email === ALICE.email);
      assert.deepEqual(storedAlice.channels, ["chat", "call", "video"]);

      // The project's name: renamed at the top of the page, shown in the header, read by the widget.
      const projectName = page.getByLabel("Project name");
      assert.equal(await projectName.inputValue(), "Maison Lumière");
      assert.equal(await page.locator("header.top [data-testid=project-name]").innerText(), "Maison Lumière");
      await projectName.fill("   ");
      await page.getByRole("button", { name: "Save the name" }).click();
      await page.locator("#project-name-problem", { hasText: "Enter the project's name." }).waitFor();
      await projectName.fill("Maison Lumière & <b>Fils</b>");
      await page.getByRole("button", { name: "Save the name" }).click();
      await toast(page).filter({ hasText: "The project is now called Maison Lumière & <b>Fils</b>." }).waitFor();
      await page.locator("header.top [data-testid=project-name]", { hasText: "Maison Lumière & <b>Fils</b>" }).waitFor();
      assert.equal(await page.locator("header.top [data-testid=project]").innerText(), "DEMO", "the code stays");
      assert.equal(await page.locator("b").count(), 0, "the name is text");
      await look(page, "P4c-people-project-renamed", problems);
      const projects = (await hub.request("/api/admin/projects", { token: await hub.token(ADMIN) })).json;
      assert.deepEqual(projects.map((p) => [p.code, p.name]), [["DEMO", "Maison Lumière & <b>Fils</b>"]]);
      assert.equal((await hub.request("/api/widget/config?project=DEMO")).json.name, "Maison Lumière & <b>Fils</b>", "what the widget reads");
      // The Widget page's preview names it too.
      await nav.getByRole("link", { name: "Widget" }).click();
      await page.frameLocator('iframe[title="Widget preview"]').locator("#pupitre-widget header h2", { hasText: "Maison Lumière & <b>Fils</b>" }).waitFor();
      await nav.getByRole("link", { name: "People and content" }).click();
      await table.waitFor();

      // Groups: add one, rename it.
      await page.getByRole("tab", { name: /^Groups/ }).click();
      await page.getByLabel("New group").fill("After sales");
      await page.getByLabel("New group").press("Enter");
      await page.getByRole("button", { name: "Rename After sales" }).click();
      await page.getByLabel("New name for After sales").fill("Returns");
      await page.getByLabel("New name for After sales").press("Enter");
      await page.getByRole("button", { name: "Rename Returns" }).waitFor();
      await page.getByLabel("New group").fill("Sales");
      await page.getByLabel("New group").press("Enter");
      await page.locator("#group-new-problem", { hasText: "Another group already has this name." }).waitFor();
      await look(page, "P6-people-groups", problems);
      const groups = (await hub.request("/api/admin/projects/DEMO/groups", { token: await hub.token(ADMIN) })).json.map((g) => g.name);
      assert.deepEqual(groups.sort(), ["Returns", "Sales", "Support"]);

      // Canned responses: by theme, one added for a group, as text.
      await page.getByRole("tab", { name: /^Canned responses/ }).click();
      await page.getByRole("button", { name: "Add a canned response" }).click();
      await dialog.getByLabel("Theme").fill("Returns");
      await dialog.getByLabel("Title").fill("Return label");
      await dialog.getByLabel("Text").fill("Print the label <b>attached</b>, then drop the parcel.");
      await dialog.getByLabel("Shortcut").fill("/label");
      await dialog.getByLabel("Shared with").selectOption({ label: "Group Returns" });
      await dialog.getByRole("button", { name: "Add", exact: true }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await page.getByText("Print the label <b>attached</b>, then drop the parcel.").waitFor();
      await look(page, "P7-people-canned", problems);
      const canned = (await hub.request("/api/admin/projects/DEMO/canned-responses", { token: await hub.token(ADMIN) })).json;
      const added = canned.find((c) => c.title === "Return label");
      assert.equal(added.shortcut, "/label");
      assert.equal(added.theme, "Returns");
      assert.ok(added.group_id !== null, "shared with the group");
      await page.getByLabel("Filter").fill("label");
      assert.equal(await page.locator(".canned").count(), 1);

      // The audit log lists each change, the hostile name as text.
      await nav.getByRole("link", { name: "Audit log" }).click();
      await page.locator("tbody tr").first().waitFor();
      const actions = await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
      for (const action of ["agent.create", "agent.update", "project.rename", "group.create", "group.rename", "canned.create"]) {
        assert.ok(actions.includes(action), `${action} in the audit log: ${actions.join(", ")}`);
      }
      assert.equal(await page.locator("main img").count(), 0);
      await look(page, "P8-audit-people", problems);

      // French and dark: the same page passes axe.
      const fr = await openSignedOut(hub, open, "/admin/#/people", { ...FRENCH, colorScheme: "dark" });
      await signInFr(fr.page);
      await fr.page.getByRole("table", { name: "Conseillers" }).waitFor();
      await fr.page.getByRole("button", { name: "Inviter un conseiller" }).click();
      await fr.page.getByRole("dialog").getByRole("button", { name: "Créer le compte" }).click();
      await fr.page.locator("#agent-name-problem", { hasText: "Saisissez un nom." }).waitFor();
      await look(fr.page, "P9-people-invite-invalid-fr-dark", problems);
      await fr.page.keyboard.press("Escape");
      await fr.page.getByRole("dialog").waitFor({ state: "detached" });
      assert.equal(await fr.page.evaluate(() => document.activeElement?.textContent?.trim()), "Inviter un conseiller", "focus back on the button that opened it");
      await fr.page.getByRole("tab", { name: /^Réponses prédéfinies/ }).click();
      await look(fr.page, "P10-people-canned-fr-dark", problems);
    });
  });

  it("visitor card: one ordered list — the admin hides a built-in line, labels one, adds the site's cart with labels in both languages and moves it first; the hub stores exactly that, and a connected desk gets the card in that order; a bad key is refused at its row", async () => {
    await withHub("visitor-card", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      // A desk with a conversation open before the change: its visitor card follows the admin's order.
      const alice = await desk(hub, ALICE);
      const visitor = await widget(hub);
      try {
        const available = await alice.change({ type: "set_status", channel: "chat", status: { kind: "available" } });
        assert.equal(available.type, "ack", JSON.stringify(available));
        assert.equal((await visitor.change({ type: "send_message", text: "Hello, about my order" })).type, "ack");
        const started = await visitor.next((f) => f.type === "event" && f.event.kind === "conversation_started", "the visitor's conversation");
        const ref = started.event.conversation;
        const assigned = await alice.next(
          (f) => f.type === "event" && f.event.kind === "conversation_assigned" && f.event.conversation.reference === ref,
          `${ref} on Alice's desk`,
        );
        assert.deepEqual(assigned.event.conversation.visitor.order, ["name", "email", "page", "language", "browser", "questionnaire"], "the default order");

        const { page } = await openSignedOut(hub, open, "/admin/#/visitor_card");
        await signIn(page, ADMIN);
        await page.getByRole("switch", { name: "Show Browser to agents" }).waitFor();
        assert.equal(await page.locator("main h1").innerText(), "Visitor card");
        const order = () => page.locator("ol.rows > li").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-key")));
        assert.deepEqual(await order(), ["name", "email", "page", "language", "browser", "questionnaire"]);
        assert.equal(await page.getByLabel("French label of Name").getAttribute("placeholder"), "Nom", "a built-in line's placeholder: the desk's own name");
        assert.equal(await page.getByRole("button", { name: "Remove Name" }).count(), 0, "a built-in line cannot be removed");
        await look(page, "C1-visitor-card", problems);

        await page.getByRole("switch", { name: "Show Browser to agents" }).uncheck();
        await page.getByLabel("English label of E-mail").fill("Customer e-mail");
        await page.getByLabel("French label of E-mail").fill("Courriel du client");
        const key = page.getByLabel("New field from your site");
        await key.fill("Cart");
        await key.press("Enter");
        await page.locator("#card-new-problem", { hasText: "Lowercase letters, digits and _ only" }).waitFor();
        await key.fill("loyalty");
        await key.press("Enter");
        await key.fill("cart");
        await key.press("Enter");
        await page.getByLabel("English label of cart").fill("Cart");
        await page.getByLabel("French label of cart").fill("Panier");
        // Keyboard: Alt+↑ in the row moves cart above loyalty, then above every built-in line.
        for (let i = 0; i < 7; i++) await page.getByLabel("French label of cart").press("Alt+ArrowUp");
        await eventually(async () => (await order())[0] === "cart", "cart moved first");
        // The buttons: the questionnaire's answers go last.
        await page.getByRole("button", { name: "Move Waiting questionnaire answers down" }).click();
        assert.deepEqual(await order(), ["cart", "name", "email", "page", "language", "browser", "loyalty", "questionnaire"]);
        await page.getByLabel("English label of loyalty").fill("Loyalty <b>level</b>");
        const preview = page.getByRole("complementary", { name: "Preview" });
        await preview.getByRole("radio", { name: "French" }).check();
        await preview.getByText("Panier").waitFor();
        await preview.getByText("Courriel du client").waitFor();
        await preview.getByText("Loyalty <b>level</b>").waitFor();
        assert.deepEqual(
          await preview.locator("dt").evaluateAll((dts) => dts.map((dt) => dt.getAttribute("data-key"))),
          ["cart", "name", "email", "page", "language", "loyalty", "questionnaire"],
          "the preview in the card's order, the hidden browser left out",
        );
        assert.match(await page.locator("#card-snippet").innerText(), /Pupitre\.set\(\{\s*cart: "129,90 €",\s*loyalty: /);
        await look(page, "C2-visitor-card-edited", problems);

        await page.getByRole("button", { name: "Save", exact: true }).click();
        await toast(page).filter({ hasText: "Visitor card saved." }).waitFor();
        const saved = await hub.settings();
        const field = (key) => stored.visitor_card.fields.find((f) => f.key === key);
        assert.deepEqual(
          saved,
          changed(stored, (s) => {
            s.visitor_card.fields = [
              { key: "cart", label: { en: "Cart", fr: "Panier" }, shown: true },
              field("name"),
              { key: "email", label: { en: "Customer e-mail", fr: "Courriel du client" }, shown: true },
              field("page"),
              field("language"),
              { ...field("browser"), shown: false },
              { key: "loyalty", label: { en: "Loyalty <b>level</b>" }, shown: true },
              field("questionnaire"),
            ];
          }),
          "exactly the new card, nothing else changed",
        );
        assert.equal(await page.locator("main b").count(), 0, "labels are text");
        await look(page, "C3-visitor-card-saved", problems);

        // Alice's desk, on the connection it had, gets the card in the admin's order, with the admin's names.
        const updated = await alice.next(
          (f) => f.type === "event" && f.event.kind === "visitor_updated" && f.event.conversation === ref && Array.isArray(f.event.visitor.order) && f.event.visitor.order[0] === "cart",
          "the visitor card in the new order on Alice's desk",
        );
        assert.deepEqual(updated.event.visitor.order, ["cart", "name", "email", "page", "language", "loyalty", "questionnaire"]);
        assert.deepEqual(updated.event.visitor.names, { email: { en: "Customer e-mail", fr: "Courriel du client" } });
        assert.equal(updated.event.visitor.user_agent ?? null, null, "the hidden browser never reaches the desk");
        assert.equal(alice.closed, null, "still the same connection");
      } finally {
        alice.close();
        visitor.close();
      }

      // The hub names a bad key by its place; the same rule the page applies.
      const token = await hub.token(ADMIN);
      const bad = await hub.request(SETTINGS_PATH, {
        method: "PUT",
        token,
        body: changed(await hub.settings(), (s) => s.visitor_card.fields.push({ key: "Bad key", label: {}, shown: true })),
      });
      assert.equal(bad.status, 400, bad.text);
      assert.ok(bad.json.fields?.["visitor_card.fields.8.key"], bad.text);
    });
  });

  it("questionnaires: the admin writes one with a yes/no, a score and choices in both languages, has agents fill it in at close without a cancel button, and sends it to visitors; the hub stores exactly that; a French admin reads it back", async () => {
    await withHub("questionnaires", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      const { page } = await openSignedOut(hub, open, "/admin/#/agent_questionnaire");
      await signIn(page, ADMIN);
      await page.getByRole("heading", { level: 2, name: "Questionnaires" }).waitFor();
      assert.equal(await page.locator("main h1").innerText(), "Agent questionnaire");
      await look(page, "Q1-agent-questionnaire-empty", problems);

      await page.getByLabel("New questionnaire").fill("After sales");
      await page.getByLabel("New questionnaire").press("Enter");
      await page.getByLabel("Question 1 in English").fill("Was the problem solved?");
      await page.getByLabel("Question 1 in French").fill("Le problème est-il résolu ?");
      await page.getByLabel("Answer to question 1").selectOption({ label: "Yes or no" });
      await page.getByRole("button", { name: "Add a question" }).click();
      await page.getByLabel("Question 2 in English").fill("How easy was it?");
      await page.getByLabel("Question 2 in French").fill("Était-ce simple ?");
      await page.getByLabel("Answer to question 2").selectOption({ label: "A score" });
      await page.getByLabel("Highest score").fill("11");
      await page.getByRole("button", { name: "Add a question" }).click();
      await page.getByLabel("Question 3 in English").fill("What was it about?");
      await page.getByLabel("Answer to question 3").selectOption({ label: "Choices" });
      await page.getByLabel("Choice 1 of question 3 in English").fill("Delivery");
      await page.getByLabel("Choice 1 of question 3 in French").fill("Livraison");
      await page.getByLabel("Choice 2 of question 3 in English").fill("Refund");
      await page.getByLabel("Choice 2 of question 3 in French").fill("Remboursement");
      await page.getByLabel("Questionnaire the agent fills in").selectOption({ label: "After sales" });
      await page.getByRole("switch", { name: "A “Cancel” button on the questionnaire" }).uncheck();

      // A scale of 11: refused at its input, nothing sent.
      const puts = recordRequests(page, "PUT", /\/api\/admin\/projects\/DEMO\/settings$/);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.locator(".summary[role=alert]", { hasText: "Highest score of question 2 of After sales — Enter a number from 3 to 10." }).waitFor();
      assert.equal(await page.getByLabel("Highest score").getAttribute("aria-invalid"), "true");
      await look(page, "Q2-agent-questionnaire-refused", problems);
      assert.equal(puts.length, 0);
      await page.getByLabel("Highest score").fill("10");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Agent questionnaire saved." }).waitFor();
      await look(page, "Q3-agent-questionnaire-saved", problems);
      await page.getByRole("button", { name: "Add a choice" }).scrollIntoViewIfNeeded();
      await look(page, "Q3b-agent-questionnaire-choices", problems);

      const expectedList = [
        {
          id: "after-sales",
          name: "After sales",
          questions: [
            { id: "question-1", text: { en: "Was the problem solved?", fr: "Le problème est-il résolu ?" }, answer: { kind: "yes_no" }, required: false },
            { id: "question-2", text: { en: "How easy was it?", fr: "Était-ce simple ?" }, answer: { kind: "rating", max: 10 }, required: false },
            {
              id: "question-3",
              text: { en: "What was it about?" },
              answer: { kind: "choice", choices: [{ en: "Delivery", fr: "Livraison" }, { en: "Refund", fr: "Remboursement" }], multiple: false },
              required: false,
            },
          ],
        },
      ];
      let saved = await hub.settings();
      assert.deepEqual(
        saved,
        changed(stored, (s) => {
          s.questionnaires.list = expectedList;
          s.questionnaires.agent = { questionnaire: "after-sales", complete_button: true, cancel_button: false, closable_without_answer: true };
        }),
        "exactly the questionnaire and the agent's options",
      );

      // The visitor's survey: this one instead of the built-in, and not sent by agents.
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Visitor survey" }).click();
      await page.getByLabel("Survey sent at close").waitFor();
      assert.equal(await page.locator(`#q-visitor-questionnaire option:checked`).innerText(), "Built-in satisfaction survey (a score from 1 to 5 and a comment)");
      await page.getByLabel("Survey sent at close").selectOption({ label: "After sales" });
      await page.getByRole("switch", { name: "The agent may send the survey during the conversation" }).uncheck();
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Visitor survey saved." }).waitFor();
      await look(page, "Q4-visitor-survey-saved", problems);
      saved = await hub.settings();
      assert.deepEqual(saved.questionnaires.visitor, { questionnaire: "after-sales", agent_may_send: false });
      assert.deepEqual(saved.questionnaires.list, expectedList);

      // The hub names a bad scale by its path; the page would have refused it.
      const bad = await hub.request(SETTINGS_PATH, {
        method: "PUT",
        token: await hub.token(ADMIN),
        body: changed(saved, (s) => (s.questionnaires.list[0].questions[1].answer.max = 2)),
      });
      assert.equal(bad.status, 400, bad.text);
      assert.ok(bad.json.fields?.["questionnaires.list.0.questions.1.answer.max"], bad.text);

      // In French.
      const fr = await openSignedOut(hub, open, "/admin/#/agent_questionnaire", FRENCH);
      await signInFr(fr.page);
      await fr.page.getByLabel("Question 1 en français").waitFor();
      assert.equal(await fr.page.getByLabel("Question 1 en français").inputValue(), "Le problème est-il résolu ?");
      await look(fr.page, "Q5-agent-questionnaire-fr", problems);
    });
  });

  it("a forged cross-site request is refused: the settings and the admin's session stay as they were", async () => {
    await withHub("csrf", async ({ hub, problems, open }) => {
      const stored = await hub.settings();
      const { context, page } = await openSignedOut(hub, open);
      await signIn(page, ADMIN);
      await field(page, QUEUE).waitFor();
      const own = await consoleCookies(context, hub);
      assert.ok(own.session && own.csrf, "the admin has a console session");

      const forged = changed(stored, (s) => (s.routing.queue_per_agent = 999));
      const evil = await evilServer(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Win a lamp</title></head>
<body><h1>Win a lamp!</h1>
<form id="f" method="POST" action="${hub.url}/api/console/session" enctype="text/plain">
  <input type="hidden" name='{"email":"${MANAGER.email}","password":"${MANAGER.password}","x":"' value='"}'>
</form>
<script>
(async () => {
  const hub = ${JSON.stringify(hub.url)};
  const seen = { origin: location.origin };
  // The settings, replaced by a "simple" content type (still a PUT: the browser asks first).
  try {
    const r = await fetch(hub + "/api/admin/projects/DEMO/settings", {
      method: "PUT", credentials: "include", headers: { "content-type": "text/plain" },
      body: ${JSON.stringify(JSON.stringify(forged))},
    });
    seen.put = "answered " + r.status;
  } catch (e) { seen.put = "blocked " + e.name; }
  // Signing the browser in as someone else (login CSRF): a simple request, it reaches the hub.
  try {
    const r = await fetch(hub + "/api/console/session", {
      method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" },
      body: JSON.stringify({ email: ${JSON.stringify(MANAGER.email)}, password: ${JSON.stringify(MANAGER.password)} }),
    });
    seen.login = "sent, " + r.type;
  } catch (e) { seen.login = "blocked " + e.name; }
  // Signing the admin out.
  try {
    const r = await fetch(hub + "/api/console/session", { method: "DELETE", credentials: "include" });
    seen.signout = "answered " + r.status;
  } catch (e) { seen.signout = "blocked " + e.name; }
  await fetch("/report", { method: "POST", body: JSON.stringify(seen) });
  document.getElementById("f").submit();
})();
</script></body></html>`);
      try {
        const before = await hub.csrfRefusals();
        const origins = [`http://127.0.0.1:${evil.port}`, `http://localhost:${evil.port}`];
        for (const [i, origin] of origins.entries()) {
          const attacker = await context.newPage(); // same browser, same cookies as the console
          await attacker.goto(`${origin}/evil`);
          const report = await eventually(() => evil.reports[i], `the evil page's report from ${origin}`);
          assert.equal(report.origin, origin);
          assert.equal(report.put, "blocked TypeError", `the forged PUT never left the browser (${origin})`);
          assert.equal(report.signout, "blocked TypeError", `the forged sign-out never left the browser (${origin})`);
          assert.equal(report.login, "sent, opaque", `the forged sign-in reached the hub (${origin})`);
          // The form post reaches the hub too, which answers forbidden.
          await attacker.waitForURL(`${hub.url}/api/console/session`);
          const body = JSON.parse(await attacker.locator("body").innerText());
          assert.equal(body.code, "forbidden", `the hub refused the form post from ${origin}`);
          mkdirSync(SHOTS, { recursive: true });
          await attacker.screenshot({ path: join(SHOTS, `30-forged-form-answer-${i}.png`) });
          await attacker.close();
        }
        assert.equal(await hub.csrfRefusals(), before + 4, "the hub refused the two forged sign-ins and the two form posts");

        // The hub itself, were a browser to send the PUT: the admin's real cookie is not enough.
        const cookie = own.header;
        const attempts = {
          "no CSRF header": { cookie },
          "a wrong CSRF header": { cookie, "x-pupitre-csrf": "x".repeat(own.csrf.length) },
          "the right CSRF header from another origin": { cookie, "x-pupitre-csrf": own.csrf, origin: origins[0] },
        };
        for (const [what, headers] of Object.entries(attempts)) {
          const r = await hub.request(SETTINGS_PATH, { method: "PUT", body: forged, headers });
          assert.equal(r.status, 403, `${what}: ${r.text}`);
          assert.equal(r.json.code, "forbidden", what);
        }
        assert.equal(await hub.csrfRefusals(), before + 7);
        // Control: the same cookie with its CSRF header from the console's origin is accepted
        // (sending the stored settings unchanged), so the refusals above were not a dead session.
        const control = await hub.request(SETTINGS_PATH, { method: "PUT", body: stored, headers: { cookie, "x-pupitre-csrf": own.csrf, origin: hub.url } });
        assert.equal(control.status, 200, control.text);

        assert.deepEqual(await hub.settings(), stored, "the settings did not change (queue places still 2)");
        // The admin is still signed in as themself: not signed out, not swapped for the manager.
        await page.reload();
        await page.locator("[data-testid=person]", { hasText: ADMIN.name }).waitFor();
        await field(page, QUEUE).waitFor();
        assert.equal(await field(page, QUEUE).inputValue(), "2");
        const session = await page.evaluate(() => fetch("/api/console/session").then((r) => r.json()));
        assert.equal(session.role, "admin");
        assert.equal(session.name, ADMIN.name);
        await look(page, "31-capacity-after-forgeries", problems);
      } finally {
        await evil.close();
      }
    });
  });

  it("sign out returns to the sign-in page, drops the session, and a reload stays signed out", async () => {
    await withHub("sign-out", async ({ hub, problems, open }) => {
      const { context, page } = await openSignedOut(hub, open, "/admin/#/timeouts");
      await signIn(page, ADMIN);
      await field(page, `${T}.auto_transfer_s`).waitFor();
      assert.match(page.url(), /#\/timeouts$/, "the section asked for in the address");

      // With unsaved changes, signing out asks first.
      await field(page, `${T}.auto_transfer_s`).fill("30");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.locator("dialog[open]").waitFor();
      await look(page, "40-sign-out-unsaved", problems);
      await page.getByRole("button", { name: "Keep editing" }).click();
      await page.locator("dialog[open]").waitFor({ state: "detached" });
      assert.equal(await field(page, `${T}.auto_transfer_s`).inputValue(), "30", "kept editing");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Discard and leave" }).click();

      await page.locator("#login-email").waitFor();
      assert.equal(await page.title(), "Sign in — Pupitre administration");
      assert.equal(await page.locator("[data-testid=person]").count(), 0);
      const cookies = await consoleCookies(context, hub);
      assert.equal(cookies.session, null, "the session cookie is gone");
      assert.equal(cookies.csrf, null, "the CSRF cookie is gone");
      await look(page, "41-signed-out", problems);
      assert.equal((await hub.settings()).routing.timeouts.auto_transfer_s, 0, "the discarded change was not stored");

      const refusals = page.refusals.length;
      await page.reload();
      await page.locator("#login-email").waitFor();
      assert.equal(await page.locator("[data-testid=person]").count(), 0, "still signed out after a reload");
      assert.deepEqual(page.refusals.slice(refusals), ["401 /api/console/session"], "the hub says nobody is signed in");
      await page.goto(`${hub.url}/admin/#/capacity`);
      await page.locator("#login-email").waitFor();
      assert.equal(await field(page, SLOTS).count(), 0, "no settings without signing in");
      const settings = await page.evaluate(() => fetch("/api/admin/projects/DEMO/settings").then((r) => r.status));
      assert.equal(settings, 401);
    });
  });

  it("the hub serves the console with its strict CSP, and a violation would be caught; dark theme and French pages pass axe", async () => {
    await withHub("csp", async ({ hub, problems, open }) => {
      // The policy as the hub sends it, on the page and on its assets.
      const { page } = await open();
      const response = await page.goto(`${hub.url}/admin/`);
      const csp = response.headers()["content-security-policy"];
      for (const directive of ["script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "form-action 'self'"]) {
        assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
      }
      assert.ok(!/unsafe-inline|unsafe-eval/.test(csp), csp);
      await page.locator("#login-email").waitFor();
      const assets = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
      assert.ok(assets.some((a) => /\/admin\/assets\/.*\.js$/.test(a)) && assets.some((a) => /\/admin\/assets\/.*\.css$/.test(a)), assets.join(", "));
      assert.ok(assets.every((a) => a.startsWith(hub.url)), `only the hub's own files: ${assets.join(", ")}`);

      // Canary: an inline <style> must be refused and reported, or "no CSP violation" proves nothing.
      const before = problems.length;
      await page.evaluate(() => {
        const style = document.createElement("style");
        style.textContent = "body { background: rgb(255, 0, 0) }";
        document.head.append(style);
      });
      // Reported twice: by the page's securitypolicyviolation listener and by Chromium itself.
      await eventually(
        () => problems.slice(before).some((p) => p.includes("CSP violation:")) && problems.slice(before).some((p) => p.includes("Content Security Policy")),
        "the canary's two CSP violation reports",
        5000,
      );
      const caught = problems.splice(before);
      assert.ok(caught.some((p) => p.startsWith("console error: CSP violation: style-src")), caught.join("\n"));
      assert.ok(caught.every((p) => /CSP violation: style-src|Content Security Policy directive 'style-src 'self''/.test(p)), caught.join("\n"));
      assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(255, 0, 0)");

      // Canary for axe: an unlabelled input must be reported, or "no axe violation" proves nothing.
      await page.evaluate(() => {
        const input = document.createElement("input");
        input.id = "axe-canary";
        document.querySelector("form").append(input);
      });
      const found = [];
      await axe(page, "axe-canary", found);
      assert.ok(found.some((p) => /axe label .*#axe-canary/.test(p)), `axe reports the unlabelled input: ${found.join("\n")}`);
      await page.evaluate(() => document.getElementById("axe-canary").remove());

      // Dark theme: contrast of every page and state.
      const dark = await openSignedOut(hub, open, "/admin/", { locale: "en-US", colorScheme: "dark", viewport: { width: 1440, height: 860 }, reducedMotion: "reduce" });
      await look(dark.page, "50-sign-in-dark", problems);
      await signIn(dark.page, ADMIN);
      await field(dark.page, SLOTS).waitFor();
      await field(dark.page, SLOTS).fill("80");
      await dark.page.getByRole("button", { name: "Save", exact: true }).click();
      await problemOf(dark.page, SLOTS).waitFor();
      await look(dark.page, "51-capacity-invalid-dark", problems);
      await dark.page.getByRole("button", { name: "Discard changes" }).click();
      await dark.page.getByRole("link", { name: "Timeouts" }).click();
      await field(dark.page, `${T}.auto_transfer_s`).waitFor();
      await field(dark.page, `${T}.auto_transfer_s`).fill("45");
      await dark.page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(dark.page).waitFor();
      await look(dark.page, "52-timeouts-saved-dark", problems);
      assert.equal((await hub.settings()).routing.timeouts.auto_transfer_s, 45);

      // French browser: the console speaks French, same checks.
      const fr = await openSignedOut(hub, open, "/admin/", { locale: "fr-FR", viewport: { width: 1440, height: 860 }, reducedMotion: "reduce" });
      assert.equal(await fr.page.locator("html").getAttribute("lang"), "fr");
      await look(fr.page, "53-sign-in-fr", problems);
      await fr.page.locator("#login-email").fill(ADMIN.email);
      await fr.page.locator("#login-password").fill(ADMIN.password);
      await fr.page.getByRole("button", { name: "Se connecter" }).click();
      await field(fr.page, SLOTS).waitFor();
      await look(fr.page, "54-capacity-fr", problems);
      await fr.page.getByRole("link", { name: "Timeouts" }).click();
      await field(fr.page, `${T}.auto_transfer_s`).waitFor();
      assert.equal(await field(fr.page, `${T}.auto_transfer_s`).inputValue(), "45");
      await look(fr.page, "55-timeouts-fr", problems);
    });
  });

  it(
    "signing out ends the session on the hub too (a copied cookie stops working)",
    async () => {
      await withHub("sign-out-revokes", async ({ hub, open }) => {
        const { context, page } = await openSignedOut(hub, open);
        await signIn(page, ADMIN);
        const { header } = await consoleCookies(context, hub);
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.locator("#login-email").waitFor();
        const replay = await hub.request("/api/console/session", { headers: { cookie: header } });
        assert.equal(replay.status, 401, `the old cookie still opens the session: ${replay.text}`);
      }, { pictures: false });
    },
  );

  it(
    "the English hint of the queue places names the hub's limit",
    async () => {
      await withHub("queue-hint", async ({ hub, open }) => {
        const { page } = await openSignedOut(hub, open);
        await signIn(page, ADMIN);
        await field(page, QUEUE).waitFor();
        const hint = await page.locator(`[id="field-${QUEUE}-hint"]`).innerText();
        assert.match(hint, /from 0 to 1,?000/, hint);
      }, { pictures: false });
    },
  );

  it("widget look: the preview is the real widget, told the unsaved colour and questions as they are typed; once saved, the demo page's widget uses the colour; a hostile question stays text", async () => {
    await withHub("widget-look", async ({ hub, problems, open }) => {
      const HOSTILE = "<img src=x onerror=alert(1)>";
      const before = (await hub.settings()).widget;
      const { page } = await openSignedOut(hub, open);
      await signIn(page, ADMIN);
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Widget" }).click();
      await page.getByRole("heading", { level: 1, name: "Widget" }).waitFor();
      assert.match(page.url(), /#\/widget$/);
      // The real widget (the hub's /widget.js in preview mode) in a frame of the hub's own.
      const iframe = page.locator('iframe[title="Widget preview"]');
      assert.equal(await iframe.getAttribute("src"), "/admin/widget-preview");
      const frame = page.frameLocator('iframe[title="Widget preview"]');
      const header = frame.locator("#pupitre-widget header");
      const background = (locator) => locator.evaluate((el) => getComputedStyle(el).backgroundColor);
      await frame.locator("#pupitre-widget header h2", { hasText: "Maison Lumière" }).waitFor();
      assert.equal(await page.getByLabel("Colour", { exact: true }).inputValue(), before.color);
      await eventually(async () => (await background(header)) === "rgb(180, 83, 42)", "the widget's header in the demo's colour, #b4532a");
      await look(page, "W1-widget", problems);

      // The colour typed: the real widget follows, nothing is stored yet.
      await page.getByLabel("Colour", { exact: true }).fill("#0a7d3b");
      await eventually(async () => (await background(header)) === "rgb(10, 125, 59)", "the widget's header in the new colour");
      await eventually(async () => (await background(frame.locator("#pupitre-widget .me .bubble").first())) === "rgb(10, 125, 59)", "the visitor's bubble in the new colour");
      assert.equal((await hub.settings()).widget.color, before.color, "nothing saved before Save");

      // A hostile question: the widget shows it as text, no element made of it.
      await page.getByRole("button", { name: "Add a question" }).click();
      await page.getByLabel("Question 2 in English").fill(HOSTILE);
      await page.getByLabel("Question 2 in French").fill("Votre ville ?");
      await frame.getByText(HOSTILE, { exact: true }).waitFor({ state: "attached" });
      assert.equal(await frame.locator("img").count(), 0, "no img element from the question");
      assert.equal(await page.locator("main img").count(), 0);
      await frame.getByText(HOSTILE, { exact: true }).scrollIntoViewIfNeeded();
      await look(page, "W2-widget-unsaved", problems);

      // The visitor's language: the widget's own words and the French questions.
      await page.getByRole("complementary", { name: "Preview" }).getByRole("radio", { name: "French" }).check();
      await frame.getByText("Votre ville ?", { exact: true }).waitFor({ state: "attached" });
      await frame.getByText("Votre numéro de commande, si vous en avez un", { exact: true }).waitFor({ state: "attached" });
      await look(page, "W2b-widget-unsaved-fr", problems);

      await page.getByRole("button", { name: "Save", exact: true }).click();
      await toast(page).filter({ hasText: "Widget saved" }).waitFor();
      const after = (await hub.settings()).widget;
      assert.equal(after.color, "#0a7d3b");
      assert.deepEqual(after.questionnaire.at(-1), { en: HOSTILE, fr: "Votre ville ?" });
      assert.deepEqual({ ...after, color: null, questionnaire: null }, { ...before, color: null, questionnaire: null }, "nothing else changed");

      // The real widget on the demo page, in a visitor's own browser.
      const visitor = await open();
      await visitor.page.goto(`${hub.url}/demo`);
      const real = visitor.page.locator("#pupitre-widget .launcher");
      await real.waitFor();
      await eventually(
        async () => (await real.evaluate((el) => getComputedStyle(el).backgroundColor)) === "rgb(10, 125, 59)",
        "the demo page's launcher in the saved colour",
      );
      mkdirSync(SHOTS, { recursive: true });
      await visitor.page.screenshot({ path: join(SHOTS, "W3-demo-widget.png") });
    });
  });

  it("knowledge: the admin adds, searches, filters, edits and removes articles; a hostile title stays text; the audit log names each change; a manager may not write", async () => {
    await withHub("knowledge", async ({ hub, problems, open }) => {
      const HOSTILE = "<img src=x onerror=alert(1)>Returns";
      const base = "/api/admin/projects/DEMO/knowledge";
      const probe = await hub.request(base, { token: await hub.token(ADMIN) });
      assert.equal(probe.status, 200, `the hub has the knowledge API: ${probe.status}`);
      // The demo's own articles (for the desk's knowledge tab and assistant, D16) go first: this
      // story starts from an empty list.
      assert.ok(probe.json.length > 0, "the demo has articles");
      for (const article of probe.json) {
        const gone = await hub.request(`${base}/${article.id}`, { method: "DELETE", token: await hub.token(ADMIN) });
        assert.equal(gone.status, 204, gone.text);
      }
      const { page } = await openSignedOut(hub, open);
      await signIn(page, ADMIN);
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "People and content" }).click();
      await page.getByRole("tab", { name: /^Knowledge/ }).click();
      const panel = page.getByRole("tabpanel", { name: /^Knowledge/ });
      await panel.getByText("No knowledge article yet.").waitFor();

      const add = async (title, body, tags, language) => {
        await panel.getByRole("button", { name: "Add an article" }).click();
        const dialog = page.getByRole("dialog");
        await dialog.getByLabel("Title").fill(title);
        await dialog.getByLabel("Text").fill(body);
        await dialog.getByLabel("Tags").fill(tags);
        await dialog.getByLabel("Language").fill(language);
        await dialog.getByRole("button", { name: "Add", exact: true }).click();
        await dialog.waitFor({ state: "detached" });
      };
      await add(HOSTILE, "Within 30 days.\nUse the prepaid label.", "Returns, Refund", "en");
      await add("Délais de livraison", "2 à 4 jours ouvrés.", "livraison express", "fr");
      const titles = panel.locator("li[data-article] .canned-title");
      await eventually(async () => (await titles.count()) === 2, "two articles listed");
      assert.deepEqual(await titles.allInnerTexts(), ["Délais de livraison", HOSTILE], "newest first");
      assert.equal(await panel.locator("img").count(), 0, "the hostile title is text");
      const stored = (await hub.request(base, { token: await hub.token(ADMIN) })).json;
      assert.deepEqual(stored.find((a) => a.language === "en").tags, ["returns", "refund"], "tags lower-cased");
      await look(page, "K1-knowledge", problems);

      // Searched by the hub (title, text, tags), then filtered by language.
      await panel.getByRole("searchbox", { name: "Search" }).fill("EXPRESS");
      await eventually(async () => (await titles.allInnerTexts()).join("|") === "Délais de livraison", "the search by tag");
      await panel.getByRole("searchbox", { name: "Search" }).fill("");
      await panel.getByLabel("Language", { exact: true }).selectOption("en");
      await eventually(async () => (await titles.allInnerTexts()).join("|") === HOSTILE, "the language filter");
      await panel.getByLabel("Language", { exact: true }).selectOption("");
      await eventually(async () => (await titles.count()) === 2, "both again");

      // A tag the hub would refuse is said at its input; then an edit.
      await panel.getByRole("button", { name: `Edit ${HOSTILE}` }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Tags").fill("returns, bad tag!");
      await dialog.getByRole("button", { name: "Save", exact: true }).click();
      await dialog.getByText("The tag tag! may only have lowercase letters, digits, - and _.").waitFor();
      await look(page, "K2-knowledge-edit-invalid", problems);
      await dialog.getByLabel("Tags").fill("returns");
      await dialog.getByLabel("Language").fill("pt-BR");
      await dialog.getByRole("button", { name: "Save", exact: true }).click();
      await dialog.waitFor({ state: "detached" });
      await eventually(async () => (await titles.allInnerTexts())[0] === HOSTILE, "the edited article first");

      // Removed after a confirmation.
      await panel.getByRole("button", { name: "Remove Délais de livraison" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Remove", exact: true }).click();
      await eventually(async () => (await titles.count()) === 1, "one article left");
      const left = (await hub.request(base, { token: await hub.token(ADMIN) })).json;
      assert.deepEqual(left.map((a) => [a.title, a.language, a.tags]), [[HOSTILE, "pt-BR", ["returns"]]]);

      // A manager reads, may not write (403).
      const manager = await hub.token(MANAGER);
      assert.equal((await hub.request(base, { token: manager })).status, 200);
      const refused = await hub.request(base, { method: "POST", token: manager, body: { title: "x", body: "y", tags: [], language: "en" } });
      assert.equal(refused.status, 403, refused.text);

      // The audit log names the changes.
      await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Audit log" }).click();
      for (const words of ["Knowledge article created", "Knowledge article changed", "Knowledge article removed"]) {
        await page.locator("td .action", { hasText: words }).first().waitFor();
      }
      await look(page, "K3-knowledge-audit", problems);
    });
  });
});
