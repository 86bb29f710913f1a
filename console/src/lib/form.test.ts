import { describe, expect, it } from "vitest";
import { DESK_OPTIONS, capacityPage, deskOptionsPage, miscPage, timeoutsPage, type DurationSpec } from "./fields";
import { SettingsForm, fromInput, toInput } from "./form.svelte";
import { setLang, t } from "./i18n/i18n";
import { getPath, withPath, type ProjectSettings } from "./settings";
import { DEMO_SETTINGS, fakeHub } from "./test-hub";
import { problemText } from "./errors";

const T = "routing.timeouts";

describe("the pages' fields", () => {
  it("capacity edits the default slot maximum and the queue places per agent", () => {
    expect(capacityPage().fields.map((f) => f.path)).toEqual(["default_slot_max", "routing.queue_per_agent"]);
  });

  it("timeouts list every R10 timeout of the settings, in the seed's units, with the notify switch", () => {
    const page = timeoutsPage(DEMO_SETTINGS);
    const numbers = Object.entries(DEMO_SETTINGS.routing.timeouts).filter(([, v]) => typeof v === "number");
    expect(page.fields.filter((f) => f.kind === "duration")).toHaveLength(numbers.length);
    expect(page.fields.map((f) => [f.path.replace(`${T}.`, ""), f.kind === "duration" ? f.shown : f.kind])).toEqual([
      ["visitor_inactivity_min", "min"],
      ["reminder_before_timeout_s", "s"],
      ["relaunch_after_min", "min"],
      ["reengage_after_min", "min"],
      ["auto_transfer_s", "s"],
      ["auto_transfer_notify_visitor", "switch"],
      ["agent_disconnected_notice_s", "s"],
      ["disconnected_transfer_s", "s"],
      ["waiting_questionnaire_min", "min"],
      ["queue_close_before_end_min", "min"],
    ]);
  });

  it("desk options are the seed's ten switches, in its order, then co-browsing, each with a hint", () => {
    const page = deskOptionsPage(DEMO_SETTINGS);
    expect(page.fields.map((f) => [f.path, f.kind])).toEqual([
      ["desk.print", "switch"],
      ["desk.email_to_self", "switch"],
      ["desk.mark_important", "switch"],
      ["desk.ask_manager", "switch"],
      ["desk.online_agents", "switch"],
      ["desk.knowledge_search", "switch"],
      ["desk.canned_responses", "switch"],
      ["desk.request_file", "switch"],
      ["desk.send_file", "switch"],
      ["desk.assistant", "switch"],
      ["desk.cobrowse", "switch"],
    ]);
    expect(page.rules).toBeUndefined();
    for (const spec of page.fields) expect(spec.hint.key).toBe(`${spec.path}_hint`);
    // The seed's French words, as admins know them.
    setLang("fr");
    expect(page.fields.map((f) => ("key" in f.label ? t(f.label.key) : f.label.raw))).toEqual([
      "Imprimer la conversation",
      "S'envoyer la conversation par mail",
      "Noter la conversation comme «\u00a0importante\u00a0»",
      "Solliciter l'aide du manager",
      "Afficher la liste des opérateurs en ligne",
      "Afficher l'onglet «\u00a0Rechercher une connaissance\u00a0»",
      "Publier les réponses prédéfinies avec leurs thèmes",
      "Demander un fichier au visiteur",
      "Envoyer un fichier",
      "La chatbox assistant (opérateur livechat augmenté)",
      "Co-navigation : les conseillers peuvent demander à voir la page du visiteur",
    ]);
    setLang("en");
  });

  it("a desk option the console does not know yet still gets a switch; one the hub lacks gets none", () => {
    const settings = withPath(withPath(DEMO_SETTINGS, "desk.live_translation", false), "desk.assistant", undefined);
    const paths = deskOptionsPage(settings).fields.map((f) => f.path);
    expect(paths).not.toContain("desk.assistant");
    expect(paths.at(-1)).toBe("desk.live_translation");
    expect(deskOptionsPage(settings).fields.at(-1)).toMatchObject({
      kind: "switch",
      label: { raw: "live_translation" },
      hint: { key: "desk.other_hint", params: { field: "live_translation" } },
    });
    const { desk: _, ...withoutDesk } = DEMO_SETTINGS;
    expect(deskOptionsPage(withoutDesk as ProjectSettings).fields).toEqual([]);
    expect(DESK_OPTIONS).toHaveLength(11);
  });

  it("miscellaneous: two switches, the disconnected transfer (the same input as on the Timeouts page), the sales window", () => {
    const page = miscPage(DEMO_SETTINGS);
    expect(page.fields.map((f) => [f.path, f.kind])).toEqual([
      ["misc.knowledge_answers_as_agent", "switch"],
      ["routing.reopen_to_previous_agent", "switch"],
      [`${T}.disconnected_transfer_s`, "duration"],
      ["sales.attribution_days", "count"],
    ]);
    const here = page.fields[2] as DurationSpec;
    const there = timeoutsPage(DEMO_SETTINGS).fields.find((f) => f.path === here.path) as DurationSpec;
    // Same unit, same limit: a value one page accepts, the other does too.
    expect({ shown: here.shown, stored: here.stored, max: here.max }).toEqual({ shown: there.shown, stored: there.stored, max: there.max });
    expect(here).toMatchObject({ shown: "s", stored: "s", max: 86_400, label: { key: "misc.disconnected_transfer" } });
    expect(t(here.hint.key)).toMatch(/Timeouts page/);
    const { misc: _, sales: __, ...withoutMisc } = DEMO_SETTINGS;
    expect(miscPage(withoutMisc as ProjectSettings).fields.map((f) => f.path)).toEqual(["routing.reopen_to_previous_agent", `${T}.disconnected_transfer_s`]);
  });

  it("the sales attribution window (D15): a whole number of days from 1 to 90, labelled in both languages", () => {
    const spec = miscPage(DEMO_SETTINGS).fields.find((f) => f.path === "sales.attribution_days")!;
    expect(spec).toMatchObject({ kind: "count", min: 1, max: 90, label: { key: "misc.sales_attribution" } });
    expect(toInput(spec, DEMO_SETTINGS)).toBe("7");
    expect(t("misc.sales_attribution")).toBe("Sales attribution window (days)");
    expect(t(spec.hint.key)).toBe("A sale the site reports counts for the visitor's latest conversation if it is at most this many days old.");
    setLang("fr");
    expect(t("misc.sales_attribution")).toBe("Fenêtre d'attribution des ventes (jours)");
    expect(t(spec.hint.key)).toMatch(/^Une vente signalée par le site compte pour la dernière conversation du visiteur/);
    setLang("en");

    const form = new SettingsForm(miscPage(DEMO_SETTINGS), DEMO_SETTINGS);
    const cases: [string, string, Record<string, number>?][] = [
      ["0", "field.range", { min: 1, max: 90 }],
      ["91", "field.range", { min: 1, max: 90 }],
      ["-3", "field.range", { min: 1, max: 90 }],
      ["2.5", "field.whole"],
      ["sept", "field.whole"],
      ["", "field.required"],
    ];
    for (const [text, key, params] of cases) {
      form.values["sales.attribution_days"] = text;
      expect(form.validate(), text).toBeNull();
      expect(form.problems["sales.attribution_days"], text).toMatchObject({ key, ...(params ? { params } : {}) });
    }
    form.values["sales.attribution_days"] = "91";
    form.validate();
    expect(problemText(form.problems["sales.attribution_days"])).toBe("Enter a number from 1 to 90.");
    setLang("fr");
    expect(problemText(form.problems["sales.attribution_days"])).toBe("Saisissez un nombre de 1 à 90.");
    setLang("en");
    for (const [text, value] of [["1", 1], ["90", 90], [" 30 ", 30]] as const) {
      form.values["sales.attribution_days"] = text;
      expect(form.validate(), text).toMatchObject({ "sales.attribution_days": value });
    }
  });

  it("the sales window round-trips through the fake hub, which refuses 0 and 91 at the field as the hub does", async () => {
    const hub = fakeHub({ signedIn: true });
    const form = new SettingsForm(miscPage(DEMO_SETTINGS), DEMO_SETTINGS);
    form.values["sales.attribution_days"] = "30";
    const saved = await form.save(hub.api, "DEMO");
    expect(getPath(saved, "sales.attribution_days")).toBe(30);
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.sales).toEqual({ attribution_days: 30 });
    expect({ ...sent, sales: DEMO_SETTINGS.sales }).toEqual(DEMO_SETTINGS);
    expect((await hub.api.settings("DEMO")).sales.attribution_days).toBe(30);
    expect(form.values["sales.attribution_days"]).toBe("30");
    expect(form.dirty).toBe(false);

    for (const days of [0, 91]) {
      const refused = await hub.api.saveSettings("DEMO", withPath(DEMO_SETTINGS, "sales.attribution_days", days)).catch((e) => e);
      expect(refused, String(days)).toMatchObject({
        code: "invalid_input",
        status: 400,
        message: "1 value(s) refused; first, sales.attribution_days: from 1 to 90 days",
        fields: { "sales.attribution_days": "from 1 to 90 days" },
      });
    }
    expect(hub.state.settings.sales.attribution_days).toBe(30);
    // A document without `sales` (an older console) gets the hub's default, 7 days.
    const { sales: _, ...withoutSales } = DEMO_SETTINGS;
    await expect(hub.api.saveSettings("DEMO", withoutSales as ProjectSettings)).resolves.toBeTruthy();

    // A value the hub refuses lands on the field, as the hub's words.
    const stale = withPath(DEMO_SETTINGS, "sales.attribution_days", 120);
    const other = new SettingsForm(miscPage(stale), stale);
    other.values["misc.knowledge_answers_as_agent"] = true;
    hub.state.settings = stale;
    expect(await other.save(hub.api, "DEMO")).toBeNull();
    expect(other.problems["sales.attribution_days"]).toEqual({ key: "field.hub", detail: "from 1 to 90 days" });
    expect(other.elsewhere).toEqual([]);
  });

  it("miscellaneous checks the transfer like the Timeouts page, and saves only its own changes", async () => {
    const form = new SettingsForm(miscPage(DEMO_SETTINGS), DEMO_SETTINGS);
    form.values[`${T}.disconnected_transfer_s`] = "86401";
    expect(form.validate()).toBeNull();
    expect(form.problems[`${T}.disconnected_transfer_s`]).toMatchObject({ key: "field.duration_max", params: { max: 86_400 } });
    form.values[`${T}.disconnected_transfer_s`] = "1.5";
    expect(form.validate()).toBeNull();
    form.values[`${T}.disconnected_transfer_s`] = "300";
    form.values["misc.knowledge_answers_as_agent"] = true;

    const hub = fakeHub({ signedIn: true });
    // Meanwhile, the Timeouts page (another tab) saved another timeout.
    hub.state.settings = withPath(hub.state.settings, `${T}.auto_transfer_s`, 60);
    await form.save(hub.api, "DEMO");
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.misc).toEqual({ knowledge_answers_as_agent: true });
    expect(sent.routing.reopen_to_previous_agent).toBe(false);
    expect(sent.routing.timeouts).toEqual({ ...DEMO_SETTINGS.routing.timeouts, auto_transfer_s: 60, disconnected_transfer_s: 300 });
    expect(sent.desk).toEqual(DEMO_SETTINGS.desk);
  });

  it("a timeout the console does not know yet still gets an input, in its own unit", () => {
    const settings = withPath(DEMO_SETTINGS, `${T}.typing_grace_ms`, 2500);
    const extra = timeoutsPage(settings).fields.at(-1) as DurationSpec;
    expect(extra).toMatchObject({ path: `${T}.typing_grace_ms`, label: { raw: "typing_grace_ms" }, shown: "ms", stored: "ms" });
  });

  it("round-trips every timeout between the JSON and its input, and through a changed unit", () => {
    setLang("fr");
    for (const value of [0, 1, 45, 90, 600, 1440]) {
      let settings = DEMO_SETTINGS;
      for (const [field, v] of Object.entries(settings.routing.timeouts)) {
        if (typeof v === "number") settings = withPath(settings, `${T}.${field}`, value);
      }
      for (const spec of timeoutsPage(settings).fields) {
        if (spec.kind === "switch") continue;
        const shown = toInput(spec, settings);
        expect(fromInput(spec, shown)).toEqual({ value });
      }
    }
    // Were the hub to store milliseconds, the seed's seconds would still be shown and sent back exact.
    const ms: DurationSpec = { kind: "duration", path: "x_ms", label: { raw: "x" }, hint: { key: "field.off" }, shown: "s", stored: "ms", max: 86_400 };
    expect(toInput(ms, { x_ms: 90_500 } as unknown as ProjectSettings)).toBe("90,5");
    expect(fromInput(ms, "90,5")).toEqual({ value: 90_500 });
    expect(fromInput(ms, "12.0004")).toMatchObject({ problem: { key: "field.precision" } });
    setLang("en");
    expect(toInput(ms, { x_ms: 90_500 } as unknown as ProjectSettings)).toBe("90.5");
  });

  it("checks the hub's limits and the reminder-before-timeout rule before sending", () => {
    const form = new SettingsForm(timeoutsPage(DEMO_SETTINGS), DEMO_SETTINGS);
    form.values[`${T}.visitor_inactivity_min`] = "2";
    form.values[`${T}.reminder_before_timeout_s`] = "120";
    form.values[`${T}.relaunch_after_min`] = "10081";
    expect(form.validate()).toBeNull();
    expect(form.problems[`${T}.relaunch_after_min`]).toMatchObject({ key: "field.duration_max", params: { max: 10080 } });
    form.values[`${T}.relaunch_after_min`] = "5";
    expect(form.validate()).toBeNull();
    expect(form.problems[`${T}.reminder_before_timeout_s`]).toMatchObject({ key: "field.reminder_order", params: { max: 120 } });
    form.values[`${T}.reminder_before_timeout_s`] = "119";
    expect(form.validate()).toMatchObject({ [`${T}.reminder_before_timeout_s`]: 119, [`${T}.visitor_inactivity_min`]: 2 });

    const capacity = new SettingsForm(capacityPage(), DEMO_SETTINGS);
    for (const [text, key] of [["0", "field.range"], ["51", "field.range"], ["2.5", "field.whole"], ["", "field.required"], ["trois", "field.whole"]]) {
      capacity.values.default_slot_max = text;
      capacity.validate();
      expect(capacity.problems.default_slot_max?.key, text).toBe(key);
    }
  });

  it("saves only the changed fields on top of the settings as they are now", async () => {
    const hub = fakeHub({ signedIn: true });
    const form = new SettingsForm(capacityPage(), DEMO_SETTINGS);
    form.values.default_slot_max = "5";
    // Meanwhile, someone else changed the queue and a status on the hub.
    hub.state.settings = withPath(withPath(hub.state.settings, "routing.queue_per_agent", 7), "optional_statuses", ["Lunch"]);

    const saved = await form.save(hub.api, "DEMO");
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.default_slot_max).toBe(5);
    expect(sent.routing.queue_per_agent).toBe(7);
    expect(sent.optional_statuses).toEqual(["Lunch"]);
    expect(sent.widget).toEqual(DEMO_SETTINGS.widget);
    expect(getPath(saved, "default_slot_max")).toBe(5);
    expect(form.dirty).toBe(false);
    expect(form.values["routing.queue_per_agent"]).toBe("7");
  });
});
