import { describe, expect, it } from "vitest";
import { capacityPage, timeoutsPage, type DurationSpec } from "./fields";
import { SettingsForm, fromInput, toInput } from "./form.svelte";
import { setLang } from "./i18n/i18n";
import { getPath, withPath, type ProjectSettings } from "./settings";
import { DEMO_SETTINGS, fakeHub } from "./test-hub";

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
