import { describe, expect, it } from "vitest";
import { ListForm, listAt } from "./list-form.svelte";
import { CONVERSATION_TYPES, MOST_LIST_ITEMS, STATUSES, codePoint, forbiddenCharacter, listProblems, nameProblem } from "./lists";
import { withPath, type ProjectSettings } from "./settings";
import { DEMO_SETTINGS, fakeHub, json } from "./test-hub";

const keys = (items: string[]) => listProblems(items).items.map((p) => p?.key ?? null);

describe("the hub's rules for a list of names (settings_rules.rs)", () => {
  it("refuses blank, too long, control and invisible characters, in the hub's order", () => {
    expect(nameProblem("")).toEqual({ key: "list.required" });
    expect(nameProblem(" \t ")).toEqual({ key: "list.required" });
    expect(nameProblem("x".repeat(60))).toBeNull();
    expect(nameProblem("x".repeat(61))).toEqual({ key: "list.too_long", params: { max: 60, count: 61 } });
    // Characters, not UTF-16 units: 60 emoji are 60 characters, as Rust's chars().count().
    expect(nameProblem("😀".repeat(60))).toBeNull();
    expect(nameProblem("😀".repeat(61))).toMatchObject({ key: "list.too_long", params: { count: 61 } });
    // Too long wins over a control character, as in the hub.
    expect(nameProblem(`${"x".repeat(61)}\u202E`)?.key).toBe("list.too_long");

    for (const bad of ["\t", "\n", "\u0000", "\u007F", "\u0085", "\u009F", "\u061C", "\u200B", "\u200D", "\u200E", "\u202A", "\u202E", "\u2060", "\u2066", "\u2069", "\u206F", "\uFEFF"]) {
      expect(nameProblem(`Lunch${bad}break`), codePoint(bad)).toEqual({ key: "list.control", params: { code: codePoint(bad) } });
    }
    for (const fine of ["Pause déjeuner", "Pause\u00A0déjeuner", "En réunion — équipe", "电话", "مكالمة", "☕ Coffee", "O'Brien & Co <b>"]) {
      expect(nameProblem(fine), fine).toBeNull();
    }
    expect(forbiddenCharacter("ab\u202Ecd")).toBe("\u202E");
    expect(codePoint("\u202E")).toBe("U+202E");
    expect(codePoint("\t")).toBe("U+0009");
  });

  it("names every later repeat, trimmed and case-insensitive, after the row's own problem", () => {
    expect(keys(["Lunch", " lunch ", "LUNCH", "Phone"])).toEqual([null, "list.duplicate", "list.duplicate", null]);
    expect(listProblems(["Lunch", "Phone", "lunch"]).items[2]).toEqual({ key: "list.duplicate", params: { row: 1 } });
    expect(keys(["", " "])).toEqual(["list.required", "list.required"]);
    expect(keys(["A\u202E", "a\u202E"])).toEqual(["list.control", "list.control"]);
  });

  it("refuses more than 50 entries on the list itself", () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `Status ${i + 1}`);
    expect(listProblems(fifty).list).toBeNull();
    expect(listProblems([...fifty, "One more"]).list).toEqual({ key: "list.too_many", params: { max: 50, extra: 1 } });
  });
});

describe("a list page's form", () => {
  it("edits a copy of the list: add, rename, move, remove, undo; dirty until it is the same again", () => {
    const form = new ListForm(STATUSES, DEMO_SETTINGS);
    expect(form.rows.map((r) => r.text)).toEqual(DEMO_SETTINGS.optional_statuses);
    expect(form.dirty).toBe(false);

    form.draft = "  Lunch  ";
    expect(form.dirty).toBe(true);
    expect(form.addDraft()).toBe(5);
    expect(form.draft).toBe("");
    expect(form.rows[5]).toMatchObject({ text: "Lunch", original: null });

    expect(form.move(5, -1)).toBe(4);
    expect(form.move(0, -1)).toBeNull();
    expect(form.move(5, 1)).toBeNull();
    const removed = form.remove(1)!;
    expect(removed.text).toBe("On the phone");
    expect(form.rows.map((r) => r.text)).toEqual(["In training", "With supervisor", "No new conversation", "Lunch", "Looking up information"]);
    expect(form.undo()).toBe(1);
    expect(form.rows[1].id).toBe(removed.id);
    expect(form.undo()).toBeNull();

    // Back to the loaded list: clean again.
    form.remove(4);
    form.move(4, 1);
    expect(form.rows.map((r) => r.text)).toEqual(DEMO_SETTINGS.optional_statuses);
    expect(form.dirty).toBe(false);
  });

  it("trims what was typed, sends untouched names as they were, refuses an unadded draft", () => {
    const settings = withPath(DEMO_SETTINGS, "optional_statuses", [" Kept as stored ", "Phone"]);
    const form = new ListForm(STATUSES, settings);
    form.rows[1].text = "  On a call ";
    expect(form.outgoing()).toEqual([" Kept as stored ", "On a call"]);
    expect(form.validate()).toEqual([" Kept as stored ", "On a call"]);

    form.draft = "Lunch";
    expect(form.validate()).toBeNull();
    expect(form.draftProblem).toEqual({ key: "list.draft_pending" });
  });

  it("checks a new name before adding it: blank, repeated, invalid, or a full list", () => {
    const form = new ListForm(STATUSES, DEMO_SETTINGS);
    for (const [draft, problem] of [
      ["   ", { key: "list.add_required" }],
      [" on THE phone", { key: "list.add_duplicate", params: { row: 2 } }],
      ["x\u202Ey", { key: "list.control", params: { code: "U+202E" } }],
      ["y".repeat(61), { key: "list.too_long", params: { max: 60, count: 61 } }],
    ] as const) {
      form.draft = draft;
      expect(form.addDraft(), draft).toBeNull();
      expect(form.draftProblem).toEqual(problem);
    }
    expect(form.rows).toHaveLength(5);

    const full = new ListForm(STATUSES, withPath(DEMO_SETTINGS, "optional_statuses", Array.from({ length: MOST_LIST_ITEMS }, (_, i) => `S${i}`)));
    full.draft = "One more";
    expect(full.addDraft()).toBeNull();
    expect(full.draftProblem).toEqual({ key: "list.full", params: { max: 50 } });
  });

  it("keeps problems on their rows when rows move", () => {
    const form = new ListForm(STATUSES, DEMO_SETTINGS);
    form.rows[3].text = "in training";
    expect(form.validate()).toBeNull();
    const id = form.rows[3].id;
    expect(form.problems[id]).toEqual({ key: "list.duplicate", params: { row: 1 } });
    form.move(3, -1);
    expect(form.problemList()).toEqual([{ index: 2, row: form.rows[2], problem: { key: "list.duplicate", params: { row: 1 } } }]);
  });

  it("saves only its list on the settings as they are now, and maps the hub's fields to rows", async () => {
    const hub = fakeHub({ signedIn: true });
    const form = new ListForm(CONVERSATION_TYPES, DEMO_SETTINGS);
    form.rows[0].text = "Sales";
    // Meanwhile, someone else changed the capacity and the statuses.
    hub.state.settings = withPath(withPath(hub.state.settings, "default_slot_max", 7), "optional_statuses", ["Lunch"]);
    const saved = await form.save(hub.api, "DEMO");
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.conversation_types).toEqual(["Sales", "Information", "After-sales", "Complaint", "Other"]);
    expect(sent.default_slot_max).toBe(7);
    expect(sent.optional_statuses).toEqual(["Lunch"]);
    expect(listAt(saved!, "conversation_types")[0]).toBe("Sales");
    expect(form.dirty).toBe(false);

    hub.on("PUT", hub.settingsPath, () =>
      json(400, {
        code: "invalid_input",
        message: "3 setting(s) refused",
        fields: { "conversation_types.2": "appears twice", conversation_types: "at most 50 entries", "widget.color": "a colour such as #1f6feb" },
      }),
    );
    form.rows[2].text = "sales";
    expect(await form.save(hub.api, "DEMO")).toBeNull();
    // The client's own rule caught it first: nothing sent.
    expect(hub.puts()).toHaveLength(1);
    form.rows[2].text = "Sales team";
    expect(await form.save(hub.api, "DEMO")).toBeNull();
    expect(form.problems[form.rows[2].id]).toEqual({ key: "field.hub", detail: "appears twice" });
    expect(form.listProblem).toEqual({ key: "field.hub", detail: "at most 50 entries" });
    expect(form.elsewhere).toEqual([{ path: "widget.color", message: "a colour such as #1f6feb" }]);
    expect(form.failure?.code).toBe("invalid_input");
    expect(form.dirty).toBe(true);
  });

  it("reads a missing list as empty", () => {
    const { conversation_types: _, ...rest } = DEMO_SETTINGS;
    expect(new ListForm(CONVERSATION_TYPES, rest as ProjectSettings).rows).toEqual([]);
  });
});
