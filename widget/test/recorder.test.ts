/**
 * The co-browsing recorder's masking (SPEC C2): the fixed-length mask, the kinds never shown,
 * the admin's selectors checked, and the scrubber of what rrweb 2.2.2 leaks, on events made by
 * rrweb itself recording a page full of canaries (jsdom), and on hand-made mutation events of
 * the shapes rrweb emits.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { record } from "rrweb";
import { MASK, blockSelector, maskInput, neverUnmasked, unmasked, usableSelectors } from "../src/recorder/mask";
import { recordOptions } from "../src/recorder/options";
import { Scrubber } from "../src/recorder/scrub";

function el(html: string): Element {
  const box = document.createElement("div");
  box.innerHTML = html; // test fixture only
  return box.firstElementChild!;
}

describe("the fixed-length mask and the kinds never shown (C2)", () => {
  it("masks any value with the same 8 bullets, and an empty one with nothing", () => {
    const fn = maskInput([]);
    const input = el(`<input type="text">`) as HTMLElement;
    expect(MASK).toBe("••••••••");
    expect(fn("a", input)).toBe(MASK);
    expect(fn("a much longer secret than eight characters", input)).toBe(MASK);
    expect(fn("", input)).toBe("");
  });

  it("shows a field the admin unmasks, as typed", () => {
    const fn = maskInput(["#promo", ".open-field"]);
    expect(fn("SUMMER24", el(`<input id="promo">`) as HTMLElement)).toBe("SUMMER24");
    expect(fn("Lyon", el(`<input class="open-field" name="city">`) as HTMLElement)).toBe("Lyon");
    expect(fn("Lyon", el(`<input name="city">`) as HTMLElement)).toBe(MASK);
  });

  it.each([
    [`<input type="password" class="open">`, "password"],
    [`<input type="hidden" class="open">`, "hidden"],
    [`<input type="email" class="open">`, "e-mail"],
    [`<input type="tel" class="open">`, "tel"],
    [`<input type="PASSWORD" class="open">`, "password in capitals"],
    [`<input class="open" autocomplete="cc-number">`, "card number"],
    [`<input class="open" autocomplete="section-pay billing cc-csc">`, "card code among other tokens"],
    [`<input class="open" autocomplete="one-time-code">`, "one-time code"],
    [`<input class="open" autocomplete="current-password">`, "current password"],
    [`<input class="open" autocomplete="new-password">`, "new password"],
    [`<input class="open" name="cardNumber">`, "named card"],
    [`<input class="open" id="CVV">`, "id cvv"],
    [`<input class="open" name="cvc2">`, "named cvc"],
    [`<input class="open" name="iban">`, "named iban"],
    [`<input class="open" id="user-ssn">`, "id ssn"],
    [`<input class="open" name="user_password_confirm">`, "named password"],
    [`<input class="open" data-rr-is-password="true">`, "a password shown as text"],
  ])("never unmasks %s (%s), whatever the admin says", (html) => {
    const field = el(html) as HTMLElement;
    expect(neverUnmasked(field)).toBe(true);
    expect(unmasked(field, [".open"])).toBe(false);
    expect(maskInput([".open", "input", "*"])("4111 1111 1111 1111", field)).toBe(MASK);
  });

  it("keeps the admin's good selectors, as the browser writes them, and leaves a bad one out with a warning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const kept = usableSelectors(["#ok", "  .promo  ", "a[", "", 42, "div >", "form .a, .b"], document, "mask");
    expect(kept).toEqual(["#ok", ".promo", "form .a, .b"]);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0][0])).toContain('"a["');
    expect(usableSelectors(undefined, document, "mask")).toEqual([]);
    warn.mockRestore();
  });

  it("leaves out a selector that is valid alone but would swallow the ones after it in a list", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // The parser closes `[` and strings at the end: alone they parse, joined they eat the rest.
    expect(() => document.querySelector("a[href")).not.toThrow();
    expect(usableSelectors(["a[href", '[title="x', "b /* note", ".ok"], document, "mask")).toEqual([".ok"]);
    expect(warn).toHaveBeenCalledTimes(3);
    warn.mockRestore();
  });

  it("blocks the widget whatever the admin's list: one that does not work with the others is left out", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    document.body.innerHTML = '<div id="pupitre-widget"></div>'; // fixture
    expect(blockSelector(['[title="x'], "#pupitre-widget")).toBe("canvas, video, audio, iframe, object, embed, [data-pupitre-block], #pupitre-widget");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(blockSelector([".ads"], "#pupitre-widget")).toContain(".ads");
    document.body.replaceChildren();
    warn.mockRestore();
  });

  it("leaves out media, frames, plugins, marked elements, the admin's and the widget itself", () => {
    const sel = blockSelector([".ads", "#newsletter"], "#pupitre-widget");
    expect(sel).toBe("canvas, video, audio, iframe, object, embed, [data-pupitre-block], .ads, #newsletter, #pupitre-widget");
    expect(() => document.querySelector(sel)).not.toThrow();
  });
});

/** A brand page full of canaries, as the e2e test has it. */
const PAGE = `
  <h1>Welcome to the shop</h1>
  <form>
    <input type="password" id="pw" value="CANARY-PW-ATTR" placeholder="CANARY-PLACEHOLDER-PW">
    <input type="hidden" name="csrf" value="CANARY-HIDDEN">
    <input type="email" id="mail" title="CANARY-TITLE" aria-label="CANARY-ARIA" data-user="CANARY-DATA">
    <input type="tel" id="tel">
    <input id="card" autocomplete="cc-number" class="open">
    <input id="masked-by-admin" class="open">
    <input id="plain" placeholder="CANARY-PLACEHOLDER">
    <input id="promo" class="open" value="">
    <input type="checkbox" id="agree" value="CANARY-BOX" checked>
    <input type="radio" name="pay" value="CANARY-RADIO-A">
    <input type="radio" name="pay" value="CANARY-RADIO-B" checked>
    <input type="submit" value="Order now">
    <select id="country"><option value="CANARY-OPT-VALUE">CANARY-OPT-TEXT</option><option selected>CANARY-OPT-TWO</option></select>
    <textarea id="notes">CANARY-TEXTAREA-DEFAULT</textarea>
    <div contenteditable="true" id="editor">CANARY-EDITABLE <b>CANARY-EDITABLE-BOLD</b></div>
  </form>
  <div id="ads"><p>CANARY-ADMIN-MASKED-BLOCK</p></div>
  <canvas id="c">CANARY-CANVAS</canvas>
  <iframe srcdoc="<p>CANARY-IFRAME</p>"></iframe>
  <div id="pupitre-widget">CANARY-WIDGET</div>
`;

function canaries(text: string): string[] {
  return text.match(/CANARY-[A-Z0-9-]+/g) ?? [];
}

describe("the recorder on a page of canaries (rrweb 2.2.2 in jsdom)", () => {
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    stop = undefined;
    document.body.replaceChildren();
  });

  function recordPage(unmask = [".open"], mask = ["#ads"]) {
    document.body.innerHTML = PAGE; // test fixture only
    const pw = document.getElementById("pw") as HTMLInputElement;
    pw.value = ""; // the DOM value cleared: rrweb then records the attribute as written
    const events: { type: number; data: Record<string, unknown> }[] = [];
    const scrubber = new Scrubber((id) => {
      const node = record.mirror.getNode(id);
      return !!node && node.nodeType === 1 && unmasked(node as Element, unmask);
    });
    stop = record(recordOptions({ unmask, mask, host: "#pupitre-widget", scrubber, emit: (e) => events.push(e as never) })) ?? undefined;
    return events;
  }

  it("sends no canary in the full snapshot, but the page's own text", () => {
    const events = recordPage();
    const text = JSON.stringify(events);
    expect(events.some((e) => e.type === 2)).toBe(true);
    expect(text).toContain("Welcome to the shop");
    expect(text).toContain("Order now"); // a button's label is the site's own text
    expect(canaries(text)).toEqual([]);
  });

  it("without the scrubber, rrweb alone leaks (the reason for it)", () => {
    document.body.innerHTML = PAGE; // test fixture only
    (document.getElementById("pw") as HTMLInputElement).value = "";
    const events: unknown[] = [];
    const bare = new Scrubber(() => false);
    const options = recordOptions({ unmask: [], mask: ["#ads"], host: "#pupitre-widget", scrubber: bare, emit: (e) => events.push(e) });
    stop = record({ ...options, plugins: [] }) ?? undefined;
    const leaked = canaries(JSON.stringify(events));
    for (const c of ["CANARY-PW-ATTR", "CANARY-PLACEHOLDER", "CANARY-TITLE", "CANARY-ARIA", "CANARY-DATA", "CANARY-OPT-VALUE", "CANARY-BOX"]) {
      expect(leaked).toContain(c);
    }
  });

  it("masks what the visitor types, checks and chooses, except an unmasked field, shown as typed", async () => {
    const events = recordPage();
    const type = (id: string, value: string) => {
      const f = document.getElementById(id) as HTMLInputElement;
      f.value = value;
      f.dispatchEvent(new Event("change", { bubbles: true }));
    };
    type("pw", "CANARY-TYPED-PW");
    type("mail", "CANARY-TYPED-MAIL");
    type("tel", "CANARY-TYPED-TEL");
    type("card", "CANARY-TYPED-CARD");
    type("plain", "CANARY-TYPED-PLAIN");
    type("notes", "CANARY-TYPED-NOTES");
    type("promo", "SUMMER24");
    (document.getElementById("agree") as HTMLInputElement).click();
    (document.querySelector("input[value=CANARY-RADIO-A]") as HTMLInputElement).click();
    (document.getElementById("country") as HTMLSelectElement).selectedIndex = 0;
    // The page itself writes what the visitor chose into attributes, and adds fields.
    document.getElementById("plain")!.setAttribute("value", "CANARY-ATTR-MUTATION");
    document.getElementById("plain")!.setAttribute("data-last", "CANARY-DATA-MUTATION");
    document.getElementById("plain")!.setAttribute("placeholder", "CANARY-PLACEHOLDER-MUTATION");
    document.querySelector("option")!.setAttribute("selected", "");
    const added = document.createElement("div");
    added.innerHTML = `<input value="CANARY-ADDED" title="CANARY-ADDED-TITLE"><select><option>CANARY-ADDED-OPTION</option></select><p contenteditable>CANARY-ADDED-EDITABLE</p>`; // fixture
    document.querySelector("form")!.appendChild(added);
    document.getElementById("editor")!.firstChild!.textContent = "CANARY-EDITED-TEXT";
    await new Promise((r) => setTimeout(r, 50)); // mutations are observed asynchronously
    const text = JSON.stringify(events);
    expect(events.some((e) => e.type === 3 && e.data.source === 0)).toBe(true);
    expect(events.some((e) => e.type === 3 && e.data.source === 5)).toBe(true);
    expect(canaries(text)).toEqual([]);
    expect(text).toContain('"text":"SUMMER24"');
    expect(text).toContain(MASK);
    // The mask never tells the length.
    const inputs = events.filter((e) => e.type === 3 && e.data.source === 5).map((e) => e.data.text);
    expect(new Set(inputs.filter((t) => t !== "SUMMER24"))).toEqual(new Set([MASK]));
  });

  it("leaves the admin's masked elements, canvases, frames and the widget out, with their size kept", () => {
    const events = recordPage();
    const full = JSON.stringify(events.find((e) => e.type === 2));
    expect(full).not.toContain("CANARY-ADMIN-MASKED-BLOCK");
    // A blocked element keeps its tag and its size, nothing else (not even its id).
    const blocked = [...full.matchAll(/"tagName":"(\w+)","attributes":\{"rr_width"/g)].map((m) => m[1]);
    expect(blocked).toEqual(["div", "canvas", "iframe", "div"]);
    expect(full).not.toContain("CANARY-WIDGET");
  });
});

describe("the scrubber on rrweb's event shapes", () => {
  const full = (node: object) => ({ type: 2, data: { node, initialOffset: { left: 0, top: 0 } }, timestamp: 1 });
  const input = (id: number, attributes: Record<string, unknown>, childNodes: object[] = []) => ({ type: 2, id, tagName: "input", attributes, childNodes });
  const doc = (...children: object[]) => ({
    type: 0,
    id: 1,
    childNodes: [{ type: 2, id: 2, tagName: "html", attributes: {}, childNodes: [{ type: 2, id: 3, tagName: "body", attributes: {}, childNodes: children }] }],
  });

  it("drops a field's placeholder, title, aria labels and data attributes; masks its value; keeps a button's", () => {
    const s = new Scrubber(() => false);
    const e = full(
      doc(
        input(10, { type: "text", value: "secret", placeholder: "p", title: "t", "aria-label": "a", "aria-valuetext": "v", "data-x": "d", name: "city", class: "f" }),
        input(11, { type: "submit", value: "Buy" }),
        input(12, { type: "checkbox", value: "yes", checked: true }),
        { type: 2, id: 13, tagName: "option", attributes: { value: "FR", selected: true, "data-code": "x" }, childNodes: [{ type: 3, id: 14, textContent: "France" }] },
        { type: 2, id: 15, tagName: "a", attributes: { title: "Help", href: "/help" }, childNodes: [] },
      ),
    );
    s.process(e);
    const body = (e.data.node as { childNodes: { childNodes: { childNodes: { attributes: object; childNodes: object[] }[] }[] }[] }).childNodes[0].childNodes[0].childNodes;
    expect(body[0].attributes).toEqual({ type: "text", value: MASK, name: "city", class: "f" });
    expect(body[1].attributes).toEqual({ type: "submit", value: "Buy" });
    expect(body[2].attributes).toEqual({ type: "checkbox", value: MASK });
    expect(body[3].attributes).toEqual({});
    expect(body[3].childNodes).toEqual([{ type: 3, id: 14, textContent: MASK }]);
    expect(body[4].attributes).toEqual({ title: "Help", href: "/help" }); // not a field: the page's own
  });

  it("keeps an unmasked field's value and state", () => {
    const s = new Scrubber((id) => id === 10);
    const e = full(doc(input(10, { type: "checkbox", value: "newsletter", checked: true, placeholder: "x" })));
    s.process(e);
    expect(JSON.stringify(e)).toContain('"attributes":{"type":"checkbox","value":"newsletter","checked":true}');
  });

  it("scrubs mutations: attribute changes of known fields, added fields and text in masked elements", () => {
    const s = new Scrubber(() => false);
    s.process(full(doc(input(10, { type: "text" }), { type: 2, id: 20, tagName: "div", attributes: { contenteditable: "true" }, childNodes: [{ type: 3, id: 21, textContent: "draft" }] }, { type: 2, id: 30, tagName: "p", attributes: {}, childNodes: [{ type: 3, id: 31, textContent: "Hello" }] })));
    const m = {
      type: 3,
      timestamp: 2,
      data: {
        source: 0,
        texts: [
          { id: 21, value: "CANARY" },
          { id: 31, value: "New headline" },
        ],
        attributes: [
          { id: 10, attributes: { value: "CANARY", "data-v": "CANARY", style: { color: "red" } } },
          { id: 30, attributes: { title: "Page title stays" } },
        ],
        removes: [],
        adds: [
          // A child listed before its parent, as rrweb may.
          { parentId: 41, nextId: null, node: { type: 3, id: 42, textContent: "CANARY" } },
          { parentId: 40, nextId: null, node: { type: 2, id: 41, tagName: "option", attributes: { value: "CANARY" }, childNodes: [] } },
          { parentId: 3, nextId: null, node: { type: 2, id: 40, tagName: "select", attributes: {}, childNodes: [] } },
          { parentId: 20, nextId: null, node: { type: 3, id: 43, textContent: "CANARY" } },
          { parentId: 30, nextId: null, node: { type: 3, id: 44, textContent: "page text" } },
        ],
      },
    };
    s.process(m);
    expect(JSON.stringify(m)).not.toContain("CANARY");
    expect(m.data.texts[1].value).toBe("New headline");
    expect(m.data.attributes[0].attributes).toEqual({ value: MASK, "data-v": null, style: { color: "red" } });
    expect(m.data.attributes[1].attributes).toEqual({ title: "Page title stays" });
    expect((m.data.adds[4].node as { textContent: string }).textContent).toBe("page text");
    // Then a change of the added option's selection.
    const sel = { type: 3, timestamp: 3, data: { source: 0, texts: [], removes: [], adds: [], attributes: [{ id: 41, attributes: { selected: "" } }] } };
    s.process(sel);
    expect(sel.data.attributes[0].attributes).toEqual({ selected: null });
  });

  it("scrubs input events: a box's state and value, a field's text, not an unmasked one", () => {
    const s = new Scrubber((id) => id === 7);
    const box = { type: 3, data: { source: 5, id: 5, text: "on", isChecked: true } };
    const text = { type: 3, data: { source: 5, id: 6, text: "abc", isChecked: false } };
    const open = { type: 3, data: { source: 5, id: 7, text: "SUMMER24", isChecked: false } };
    for (const e of [box, text, open]) s.process(e);
    expect(box.data).toEqual({ source: 5, id: 5, text: MASK, isChecked: false });
    expect(text.data.text).toBe(MASK);
    expect(open.data.text).toBe("SUMMER24");
  });

  it("lets other events through untouched", () => {
    const s = new Scrubber(() => false);
    const move = { type: 3, data: { source: 1, positions: [{ x: 1, y: 2, id: 3, timeOffset: 0 }] } };
    const meta = { type: 4, data: { href: "https://shop.example/", width: 1, height: 2 } };
    expect(s.process(structuredClone(move))).toEqual(move);
    expect(s.process(structuredClone(meta))).toEqual(meta);
  });
});
