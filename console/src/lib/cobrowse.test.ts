import { describe, expect, it } from "vitest";
import {
  MOST_ORIGINS,
  MOST_SELECTORS,
  browserSelectorCheck,
  cobrowseListProblems,
  hubTarget,
  listsOf,
  originOf,
  originOffer,
  originProblem,
  selectorProblem,
} from "./cobrowse";
import { CobrowseForm } from "./cobrowse-form.svelte";
import { withPath, type ProjectSettings } from "./settings";
import { DEMO_SETTINGS, fakeHub, json } from "./test-hub";

const keys = (list: "site_origins" | "mask" | "unmask", items: string[]) => cobrowseListProblems(list, items).items.map((p) => p?.key ?? null);

describe("origins, as the hub's origin_of writes them (cobrowse_settings.rs)", () => {
  it("keeps scheme and host, lowercased; refuses every other scheme, a user, an empty host", () => {
    // The hub's own test cases.
    expect(originOf("https://Shop.example:8443/a?b#c")).toBe("https://shop.example:8443");
    for (const bad of ["javascript:alert(1)", "ftp://x.example", "https://", "https://user@evil.example", "data:text/html,x"]) {
      expect(originOf(bad), bad).toBeNull();
    }
    expect(originOf("HTTP://SHOP.EXAMPLE")).toBe("http://shop.example");
    expect(originOf("https://shop.example?x")).toBe("https://shop.example");
    expect(originOf("https://shop example")).toBeNull();
    expect(originOf("https://shop\\example")).toBeNull();
    expect(originOf("https://shop.example\u0000")).toBeNull();
    // ASCII lowercasing only, as Rust's to_ascii_lowercase.
    expect(originOf("https://ÉCOLE.example")).toBe("https://École.example");
  });

  it("accepts exactly an origin; says why anything else is not one", () => {
    expect(originProblem("https://shop.example")).toBeNull();
    expect(originProblem("http://127.0.0.1:8080")).toBeNull();
    expect(originProblem("  https://shop.example  ")).toBeNull();
    expect(originProblem("")).toEqual({ key: "cobrowse.required_origin" });
    expect(originProblem("https://shop.example/")).toEqual({ key: "cobrowse.origin_page" });
    expect(originProblem("https://shop.example/lamps?colour=brass")).toEqual({ key: "cobrowse.origin_page" });
    expect(originProblem("https://Shop.example")).toEqual({ key: "cobrowse.origin_case" });
    expect(originProblem("shop.example")).toEqual({ key: "cobrowse.origin_invalid" });
    expect(originProblem("ftp://shop.example")).toEqual({ key: "cobrowse.origin_invalid" });
    expect(originProblem("https://user@shop.example")).toEqual({ key: "cobrowse.origin_invalid" });
  });

  it("offers the origin of a page's address, of capitals, without a default port, with https:// added", () => {
    expect(originOffer("https://shop.example/lamps/brass?colour=gold#reviews")).toEqual({ origin: "https://shop.example", reason: "page" });
    expect(originOffer("https://shop.example/")).toEqual({ origin: "https://shop.example", reason: "page" });
    expect(originOffer("HTTPS://Shop.Example")).toEqual({ origin: "https://shop.example", reason: "case" });
    expect(originOffer("https://shop.example:443")).toEqual({ origin: "https://shop.example", reason: "port" });
    expect(originOffer("http://shop.example:80")).toEqual({ origin: "http://shop.example", reason: "port" });
    expect(originOffer("shop.example/lamps")).toEqual({ origin: "https://shop.example", reason: "scheme" });
    expect(originOffer("www.shop.example:8443")).toEqual({ origin: "https://www.shop.example:8443", reason: "scheme" });
    // Nothing to offer: an origin already, or nothing like an address.
    for (const none of ["", "https://shop.example", "http://localhost:8080", "https://shop.example:8443", "#quantity", "localhost", "javascript:alert(1)", "not a site"]) {
      expect(originOffer(none), none).toBeNull();
    }
  });
});

describe("selectors: the hub's rules, then the browser's", () => {
  it("refuses blank, too long, control characters and { } ; in the hub's order", () => {
    expect(selectorProblem("#quantity")).toBeNull();
    expect(selectorProblem("  [name=size]  ")).toBeNull();
    expect(selectorProblem(" ")).toEqual({ key: "cobrowse.required_selector" });
    expect(selectorProblem("a".repeat(200))).toBeNull();
    expect(selectorProblem("a".repeat(201))).toEqual({ key: "cobrowse.selector_too_long", params: { max: 200, count: 201 } });
    // Characters, not UTF-16 units, as Rust's chars().count().
    expect(selectorProblem(`.${"é".repeat(199)}`)).toBeNull();
    expect(selectorProblem("#a\tb")).toEqual({ key: "list.control", params: { code: "U+0009" } });
    expect(selectorProblem("#a\u0085")).toEqual({ key: "list.control", params: { code: "U+0085" } });
    for (const [bad, sign] of [["a{}", "{"], ["a}", "}"], ["a;b", ";"], ["a { color: red }", "{"]]) {
      expect(selectorProblem(bad), bad).toEqual({ key: "cobrowse.selector_brace", params: { sign } });
    }
  });

  it("asks the browser whether it parses the selector (querySelector on a fragment)", () => {
    expect(browserSelectorCheck("#account-summary, .promo-code")).toBe(true);
    expect(browserSelectorCheck("form [name=size] > input:not([type=hidden])")).toBe(true);
    for (const bad of ["div >", "##x", "a[", ":::x", "", "[name=]"]) expect(browserSelectorCheck(bad), bad).toBe(false);
    expect(selectorProblem("div >")).toEqual({ key: "cobrowse.selector_invalid" });
    // The check is given: the hub's rules come first.
    expect(selectorProblem("a{}", () => false)?.key).toBe("cobrowse.selector_brace");
    expect(selectorProblem(".ok", () => false)?.key).toBe("cobrowse.selector_invalid");
  });

  it("names every later repeat, and too many entries on the list itself", () => {
    expect(keys("mask", ["#a", " #a ", ".b", "a{}"])).toEqual([null, "list.add_duplicate", null, "cobrowse.selector_brace"]);
    expect(cobrowseListProblems("mask", ["#a", "#a"]).items[1]).toEqual({ key: "list.add_duplicate", params: { row: 1 } });
    const selectors = Array.from({ length: MOST_SELECTORS + 2 }, (_, i) => `#s${i}`);
    expect(cobrowseListProblems("unmask", selectors).list).toEqual({ key: "list.too_many", params: { max: 50, extra: 2 } });
    expect(cobrowseListProblems("unmask", selectors.slice(0, MOST_SELECTORS)).list).toBeNull();
    const origins = Array.from({ length: MOST_ORIGINS + 1 }, (_, i) => `https://s${i}.example`);
    expect(cobrowseListProblems("site_origins", origins).list).toEqual({ key: "list.too_many", params: { max: 20, extra: 1 } });
    expect(keys("site_origins", ["https://shop.example", "https://shop.example/x"])).toEqual([null, "cobrowse.origin_page"]);
  });
});

describe("the hub's paths", () => {
  it("maps an entry, a whole list, and leaves the rest to other pages", () => {
    expect(hubTarget("cobrowse.unmask.3")).toEqual({ list: "unmask", index: 3 });
    expect(hubTarget("cobrowse.site_origins.0")).toEqual({ list: "site_origins", index: 0 });
    expect(hubTarget("cobrowse.mask")).toEqual({ list: "mask", index: null });
    expect(hubTarget("desk.cobrowse")).toBeNull();
    expect(hubTarget("cobrowse.other.1")).toBeNull();
    expect(hubTarget("routing.timezone")).toBeNull();
  });

  it("reads missing or odd lists as empty", () => {
    expect(listsOf(undefined)).toEqual({ site_origins: [], mask: [], unmask: [] });
    expect(listsOf({ mask: ["#a"], unmask: "x" })).toEqual({ site_origins: [], mask: ["#a"], unmask: [] });
  });
});

const withCobrowse = (cobrowse: object, desk = true): ProjectSettings =>
  withPath(withPath(DEMO_SETTINGS, "cobrowse", { unmask: [], mask: [], site_origins: [], ...cobrowse }), "desk.cobrowse", desk);

describe("the Co-browsing form", () => {
  it("adds, trims, refuses repeats and full lists, and sends only the cobrowse lists on the settings as they are now", async () => {
    const form = new CobrowseForm(withCobrowse({ mask: ["#account-summary"] }));
    expect(form.dirty).toBe(false);
    expect(form.offered).toBe(true);
    form.drafts.site_origins = "  https://shop.example ";
    expect(form.addDraft("site_origins")).toBe(0);
    expect(form.rows.site_origins[0].text).toBe("https://shop.example");
    form.drafts.mask = "#account-summary";
    expect(form.addDraft("mask")).toBeNull();
    expect(form.draftProblems.mask).toEqual({ key: "list.add_duplicate", params: { row: 1 } });
    form.drafts.mask = "";
    expect(form.addDraft("mask")).toBeNull();
    expect(form.draftProblems.mask).toEqual({ key: "cobrowse.add_required_selector" });
    form.drafts.mask = "";
    form.drafts.unmask = "#quantity";
    form.addDraft("unmask");
    form.rows.mask[0].text = " .promo-code ";
    expect(form.dirty).toBe(true);

    // Meanwhile someone else changed the capacity: kept.
    const hub = fakeHub({ signedIn: true, settings: withCobrowse({ mask: ["#account-summary"] }) });
    hub.state.settings.default_slot_max = 7;
    const saved = await form.save(hub.api, "DEMO");
    expect(saved).not.toBeNull();
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.cobrowse).toEqual({ site_origins: ["https://shop.example"], mask: [".promo-code"], unmask: ["#quantity"] });
    expect(sent.default_slot_max).toBe(7);
    expect(form.dirty).toBe(false);

    const full = new CobrowseForm(withCobrowse({ site_origins: Array.from({ length: MOST_ORIGINS }, (_, i) => `https://s${i}.example`) }));
    full.drafts.site_origins = "https://one-more.example";
    expect(full.addDraft("site_origins")).toBeNull();
    expect(full.draftProblems.site_origins).toEqual({ key: "list.full", params: { max: 20 } });
  });

  it("refuses a bad selector on its row, and text left in a new box, without asking the hub", async () => {
    const hub = fakeHub({ signedIn: true, settings: withCobrowse({}) });
    const form = new CobrowseForm(withCobrowse({ unmask: ["#quantity", "[name=size]"] }));
    form.rows.unmask[1].text = "a{}";
    form.drafts.site_origins = "https://shop.example";
    expect(await form.save(hub.api, "DEMO")).toBeNull();
    expect(hub.puts()).toHaveLength(0);
    expect(form.problems[form.rows.unmask[1].id]).toEqual({ key: "cobrowse.selector_brace", params: { sign: "{" } });
    expect(form.draftProblems.site_origins).toEqual({ key: "list.draft_pending" });
    expect(form.problemList().map((p) => [p.list, p.index, p.problem.key])).toEqual([
      ["site_origins", null, "list.draft_pending"],
      ["unmask", 1, "cobrowse.selector_brace"],
    ]);
    expect(form.refusals).toBe(1);
  });

  it("puts the hub's problems on the rows sent there, a list's on the list, the rest elsewhere", async () => {
    const hub = fakeHub({ signedIn: true, settings: withCobrowse({}) });
    hub.on("PUT", hub.settingsPath, () =>
      json(400, {
        code: "invalid_input",
        message: "3 value(s) refused",
        fields: {
          "cobrowse.unmask.1": "a CSS selector of 1 to 200 characters (such as #newsletter or .promo-code)",
          "cobrowse.site_origins.0": "an origin such as https://shop.example (scheme and host, lowercase, no path)",
          "cobrowse.mask": "at most 50 selectors",
          "desk.cobrowse": "not a switch",
        },
      }),
    );
    const form = new CobrowseForm(withCobrowse({ site_origins: ["https://shop.example"], unmask: ["#quantity", "[name=size]"] }));
    expect(await form.save(hub.api, "DEMO")).toBeNull();
    const [first, second] = form.rows.unmask;
    expect(form.problems[first.id]).toBeUndefined();
    expect(form.problems[second.id]).toEqual({ key: "field.hub", detail: "a CSS selector of 1 to 200 characters (such as #newsletter or .promo-code)" });
    expect(form.problems[form.rows.site_origins[0].id]?.detail).toMatch(/^an origin such as/);
    expect(form.listProblems.mask).toEqual({ key: "field.hub", detail: "at most 50 selectors" });
    expect(form.elsewhere).toEqual([{ path: "desk.cobrowse", message: "not a switch" }]);
    expect(form.failure?.code).toBe("invalid_input");
  });

  it("reads whether the desk option offers co-browsing, and discards back to what was loaded", () => {
    const form = new CobrowseForm(withCobrowse({ mask: ["#a"] }, false));
    expect(form.offered).toBe(false);
    form.rows.mask[0].text = "#b";
    form.drafts.unmask = "#c";
    form.remove("mask", 0);
    expect(form.dirty).toBe(true);
    form.discard();
    expect(form.dirty).toBe(false);
    expect(form.outgoingAll()).toEqual({ site_origins: [], mask: ["#a"], unmask: [] });
  });
});
