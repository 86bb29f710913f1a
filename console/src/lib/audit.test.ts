import { describe, expect, it } from "vitest";
import { actionKey, compactJson, dayRange, parseActor, pathKey, shorten, whenText } from "./audit";
import { changesNothing, checkConfiguration, downloadName } from "./config-file";
import { en } from "./i18n/en";

describe("the audit log's words", () => {
  it("names every action the hub writes, in both languages; an unknown one is left as its code", () => {
    for (const action of [
      "settings.update",
      "group.create",
      "group.hours",
      "group.rename",
      "agent.create",
      "agent.update",
      "agent.password",
      "canned.create",
      "canned.update",
      "canned.delete",
      "config.import",
    ]) {
      const key = actionKey(action);
      expect(key, action).not.toBeNull();
      expect(en[key!], action).toBeTruthy();
    }
    expect(actionKey("group")).toBeNull();
    expect(actionKey("__proto__")).toBeNull();
  });

  it("labels a setting's path as its page does", () => {
    expect(pathKey("routing.queue_per_agent")).toBe("capacity.queue");
    expect(pathKey("settings.routing.queue_per_agent")).toBe("capacity.queue");
    expect(pathKey("routing.timeouts.auto_transfer_s")).toBe("timeouts.auto_transfer");
    expect(pathKey("desk.send_file")).toBe("desk.send_file");
    expect(pathKey("desk.cobrowse")).toBe("desk.cobrowse");
    expect(pathKey("sales.attribution_days")).toBe("misc.sales_attribution");
    expect(pathKey("settings.sales.attribution_days")).toBe("misc.sales_attribution");
    expect(pathKey("cobrowse.site_origins")).toBe("cobrowse.site_origins_title");
    expect(pathKey("settings.cobrowse.unmask")).toBe("cobrowse.unmask_title");
    expect(pathKey("sentences.out_of_hours.fr")).toBe("hours.sentence_out_of_hours");
    expect(pathKey("hours")).toBe("section.hours");
    expect(pathKey("desk.constructor")).toBeNull();
    expect(pathKey("constructor")).toBeNull();
    expect(pathKey("routing.timeouts.toString")).toBeNull();
    expect(pathKey("widget.color")).toBeNull();
  });

  it("values are compact JSON text; long ones are cut by characters", () => {
    expect(compactJson(5)).toBe("5");
    expect(compactJson("<b>x</b>")).toBe('"<b>x</b>"');
    expect(compactJson({ start: 540, end: 720 })).toBe('{"start":540,"end":720}');
    expect(shorten("ab", 5)).toEqual({ text: "ab", cut: false });
    expect(shorten("👋👋👋", 2)).toEqual({ text: "👋👋", cut: true });
  });

  it("reads who made a change", () => {
    expect(parseActor("Admin Pupitre <admin@demo.pupitre.test>")).toEqual({ name: "Admin Pupitre", email: "admin@demo.pupitre.test" });
    expect(parseActor("operator (pupitre admin)")).toEqual({ name: "operator (pupitre admin)", email: null });
    expect(parseActor("<x@y>")).toEqual({ name: "<x@y>", email: null });
  });

  it("a range of days is from the first local midnight to the one after the last day", () => {
    expect(dayRange("", "")).toEqual({});
    expect(dayRange("2026-12-01", "2026-12-07")).toEqual({ since: new Date(2026, 11, 1).getTime(), until: new Date(2026, 11, 8).getTime() });
    expect(dayRange("2026-12-08", "2026-12-07")).toEqual({ problem: "range_order" });
  });

  it("when: just now, minutes and hours ago today, yesterday, then a date", () => {
    const now = new Date(2026, 11, 7, 15, 0).getTime();
    expect(whenText(now - 20_000, now, "en-GB").kind).toBe("just_now");
    expect(whenText(now - 3 * 60_000, now, "en-GB").text).toBe("3 minutes ago");
    expect(whenText(now - 3 * 3_600_000, now, "fr-FR").text).toBe("il y a 3 heures");
    expect(whenText(new Date(2026, 11, 6, 23, 59).getTime(), now, "en-GB")).toMatchObject({ kind: "yesterday", time: "23:59" });
    expect(whenText(new Date(2026, 0, 2, 8, 5).getTime(), now, "en-GB").text).toBe("2 Jan, 08:05");
  });
});

describe("configuration files", () => {
  it("is JSON, of the format and version this hub reads, not larger than the hub takes", () => {
    const good = JSON.stringify({ format: "pupitre-configuration", version: 1, project: "DEMO", settings: {} });
    expect(checkConfiguration(good, good.length)).toMatchObject({ project: "DEMO" });
    expect(checkConfiguration("", 0)).toEqual({ problem: { key: "export.empty_file" } });
    expect(checkConfiguration("{", 1)).toEqual({ problem: { key: "export.not_json" } });
    expect(checkConfiguration("[]", 2)).toEqual({ problem: { key: "export.wrong_format" } });
    expect(checkConfiguration('{"format":"pupitre-configuration","version":"1"}', 10)).toEqual({ problem: { key: "export.wrong_version", params: { version: "1" } } });
    expect(checkConfiguration(good, 9 * 1024 * 1024)).toEqual({ problem: { key: "export.too_large", params: { max: 8192 } } });
    const report = { settings: [], groups_created: [], groups_with_new_hours: [], canned_added: [], canned_kept: ["A / B"], articles_added: [], articles_kept: [] };
    expect(changesNothing(report)).toBe(true);
    expect(changesNothing({ ...report, groups_created: ["Night"] })).toBe(false);
    expect(downloadName(null, "DE MO")).toBe("pupitre-DE_MO-configuration.json");
  });
});
