/**
 * C4: a hostile page recording, rewritten so that its replay can run nothing and fetch nothing
 * (rewrite.ts): the recorded fixture (rrweb 2.2.2 on a hostile page, then armed with real
 * payloads) and hand-made events for each rule, full snapshots and every later change.
 */
import { describe, expect, it } from "vitest";
import fixture from "./fixtures/hostile-page.json";
import { EMPTY_RULE, ReplayRewriter, runsScript, type ReplayEvent } from "./rewrite";
import { PLACEHOLDER_IMAGE } from "./css";

const SITE = ["https://shop.example.com"];
type Node = { type: number; id: number; tagName?: string; attributes?: Record<string, unknown>; childNodes?: Node[]; textContent?: string; isSVG?: boolean; isStyle?: boolean };

let nextId = 1;
const el = (tagName: string, attributes: Record<string, unknown> = {}, childNodes: Node[] = [], extra: Partial<Node> = {}): Node => ({
  type: 2,
  id: nextId++,
  tagName,
  attributes,
  childNodes,
  ...extra,
});
const text = (textContent: string, extra: Partial<Node> = {}): Node => ({ type: 3, id: nextId++, textContent, ...extra });
const meta = (href = "https://shop.example.com/produits/casque-x200") => ({ type: 4, timestamp: 1000, data: { href, width: 1024, height: 640 } });
const full = (body: Node[], head: Node[] = []) => ({
  type: 2,
  timestamp: 1001,
  data: {
    node: { type: 0, id: 1, childNodes: [{ type: 1, id: 2, name: "html", publicId: "", systemId: "" }, el("html", {}, [el("head", {}, head), el("body", {}, body)])] },
    initialOffset: { top: 0, left: 0 },
  },
});
const mutation = (data: Record<string, unknown>, timestamp = 1100) => ({ type: 3, timestamp, data: { source: 0, adds: [], removes: [], texts: [], attributes: [], ...data } });

/** Every element of a rewritten tree (and of mutation adds). */
function elements(events: ReplayEvent[]): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    if (n.type === 2) out.push(n);
    for (const c of n.childNodes ?? []) walk(c);
  };
  for (const e of events) {
    if (e.type === 2) walk(e.data.node as Node);
    if (e.type === 3 && e.data.source === 0) for (const a of e.data.adds as { node: Node }[]) walk(a.node);
  }
  return out;
}

function find(events: ReplayEvent[], id: number): Node | undefined {
  return elements(events).find((n) => n.id === id);
}

/** Every string in the rewritten events that a browser could read as CSS. */
function cssTexts(events: ReplayEvent[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key = "") => {
    if (typeof v === "string") {
      if (["_cssText", "style", "rule", "replace", "replaceSync", "textContent", "value"].includes(key)) out.push(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(events);
  return out;
}

describe("the recorded hostile page (fixture)", () => {
  const raw = fixture as unknown[];
  const rewritten = new ReplayRewriter(SITE).rewrite(structuredClone(raw));
  const json = JSON.stringify(rewritten);

  it("is really hostile before (scripts, handlers, javascript:, foreign hosts, refresh, frames)", () => {
    const before = JSON.stringify(raw);
    for (const needle of ["__pwned", "onerror", "javascript:", "evil.test", '"http-equiv":"refresh"', '"tagName":"iframe"', '"tagName":"script"', "@import", "formaction", "srcdoc"]) {
      expect(before).toContain(needle);
    }
  });

  it("keeps the page: the meta, the full snapshot, the mouse, the input, the visible changes", () => {
    expect(rewritten[0]).toMatchObject({ type: 4, data: { href: "https://shop.example.com/produits/casque-x200", width: 1024, height: 640 } });
    expect(rewritten.some((e) => e.type === 2)).toBe(true);
    expect(rewritten.some((e) => e.type === 3 && e.data.source === 1)).toBe(true);
    expect(rewritten.some((e) => e.type === 3 && e.data.source === 5)).toBe(true);
    expect(json).toContain("Casque X200");
    expect(json).toContain("129,90 €");
  });

  it("leaves no script, handler, javascript: or refresh in it", () => {
    expect(json).not.toContain("__pwned");
    expect(json).not.toMatch(/javascript:/i);
    expect(json).not.toMatch(/"on[a-z]+":/i);
    expect(json).not.toMatch(/http-equiv/i);
    const tags = new Set(elements(rewritten).map((n) => n.tagName!.toLowerCase()));
    for (const tag of ["script", "noscript", "link", "base", "iframe", "object", "embed", "foreignobject", "set"]) expect(tags).not.toContain(tag);
  });

  it("names no foreign host but as an inert data-href; every image is inline", () => {
    for (const n of elements(rewritten)) {
      for (const [name, value] of Object.entries(n.attributes ?? {})) {
        if (typeof value !== "string") continue;
        if (name === "data-href") continue;
        expect(value, `${n.tagName} ${name}`).not.toContain("evil.test");
        if (/^(src|srcset|href|xlink:href|poster|background|action|formaction|data|ping)$/i.test(name)) expect(value).toMatch(/^(data:image\/|#)/);
      }
    }
    expect(json.replace(/"data-href":"[^"]*"/g, "")).not.toContain("evil.test");
  });

  it("shows its images as the placeholder", () => {
    const images = elements(rewritten).filter((n) => n.tagName === "img");
    expect(images.length).toBeGreaterThanOrEqual(5);
    for (const img of images) expect(img.attributes?.src).toBe(PLACEHOLDER_IMAGE);
  });

  it("leaves no CSS that fetches: no @import, url() only to a fragment or inline data", () => {
    for (const css of cssTexts(rewritten)) {
      expect(css).not.toMatch(/@import/i);
      expect(css).not.toMatch(/image-set\(/i);
      for (const match of css.matchAll(/url\(\s*['"]?([^'")\s]*)/gi)) expect(match[1]).toMatch(/^(#|data:(image|font)\/)/);
    }
  });

  it("drops the events a replay does not need and that carry URLs (custom, plugin, asset, font, canvas, log)", () => {
    expect(rewritten.map((e) => e.type).filter((t) => t !== 2 && t !== 3 && t !== 4)).toEqual([]);
    expect(rewritten.filter((e) => e.type === 3).map((e) => e.data.source)).not.toEqual(expect.arrayContaining([9]));
    for (const e of rewritten) if (e.type === 3) expect([0, 1, 2, 3, 4, 5, 6, 8, 12, 13, 14, 15]).toContain(e.data.source);
  });
});

describe("a full snapshot", () => {
  it("neutralises what loads, runs or navigates, keeping each element's id (later changes may name it)", () => {
    const script = el("script", { src: "https://evil.test/x.js" }, [text("alert(1)")]);
    const refresh = el("meta", { "http-equiv": "Refresh", content: "0;url=https://evil.test/" });
    const charset = el("meta", { charset: "utf-8" });
    const base = el("base", { href: "https://evil.test/" });
    const link = el("link", { rel: "stylesheet", href: "https://evil.test/t.css" });
    const noscript = el("noscript", {}, [el("img", { src: "https://evil.test/n.gif" })]);
    const frame = el("iframe", { src: "https://evil.test/f", width: "300", height: "80", class: "ad" });
    const srcdoc = el("iframe", { srcdoc: "<script>parent.x=1</script>" });
    const object = el("object", { data: "https://evil.test/o.swf" }, [el("param", { name: "movie", value: "https://evil.test/m.swf" })]);
    const embed = el("embed", { src: "https://evil.test/e.swf" });
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([noscript, frame, srcdoc, object, embed], [charset, refresh, base, link, script])]);
    for (const n of [script, refresh, base, link, noscript]) expect(find(out, n.id)).toEqual({ type: 2, id: n.id, tagName: "template", attributes: {}, childNodes: [] });
    expect(find(out, charset.id)?.attributes).toEqual({ charset: "utf-8" });
    expect(find(out, frame.id)).toMatchObject({ tagName: "div", attributes: { "data-pupitre-removed": "iframe", class: "ad" }, childNodes: [] });
    expect(find(out, frame.id)?.attributes?.style).toContain("width:300px;height:80px");
    for (const n of [srcdoc, object, embed]) expect(find(out, n.id)).toMatchObject({ tagName: "div", childNodes: [] });
    expect(JSON.stringify(out)).not.toContain("evil.test");
  });

  it("turns a stylesheet the recorder inlined into a <style>, its CSS cleaned; drops the rest of the link", () => {
    const link = el("link", { rel: "stylesheet", href: "https://evil.test/t.css", _cssText: "@import 'https://evil.test/i.css';body{background:url(https://evil.test/b.png);color:red}", media: "screen" });
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([], [link])]);
    expect(find(out, link.id)).toEqual({ type: 2, id: link.id, tagName: "style", attributes: { _cssText: "body{background:none;color:red}", media: "screen" }, childNodes: [] });
  });

  it("cleans <style> text and a style element's _cssText", () => {
    const style = el("style", { _cssText: ".a{background:url(https://evil.test/a.png)}" }, [text(".b{background:url(https://evil.test/b.png)}", { isStyle: true })]);
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([], [style])]);
    const kept = find(out, style.id)!;
    expect(kept.attributes).toEqual({ _cssText: ".a{background:none}" });
    expect(kept.childNodes![0]).toMatchObject({ type: 3, textContent: ".b{background:none}", isStyle: true });
  });

  it("drops event handlers and URL attributes; keeps a link's http(s) address as an inert data-href", () => {
    const a = el("a", { href: "https://evil.test/phish", ping: "https://evil.test/ping", onclick: "x()", OnMouseOver: "y()", class: "nav" });
    const js = el("a", { href: "java\tscript:alert(1)" });
    const js2 = el("a", { href: " JAVASCRIPT:alert(1)", title: "javascript:alert(2)" });
    const form = el("form", { action: "https://evil.test/steal", method: "post" }, [el("button", { formaction: "javascript:alert(1)" }), el("input", { type: "image", src: "https://evil.test/i.png" })]);
    const body = el("body", { background: "https://evil.test/bg.png", onload: "alert(1)" });
    const video = el("video", { src: "https://evil.test/v.mp4", poster: "https://evil.test/p.jpg", controls: true }, [el("source", { src: "https://evil.test/s.mp4" }), el("track", { src: "https://evil.test/t.vtt" })]);
    const html = el("html", { manifest: "https://evil.test/app.manifest", lang: "fr" });
    const bq = el("blockquote", { cite: "https://evil.test/cite" });
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([a, js, js2, form, body, video, html, bq])]);
    expect(find(out, a.id)?.attributes).toEqual({ "data-href": "https://evil.test/phish", class: "nav" });
    expect(find(out, js.id)?.attributes).toEqual({});
    expect(find(out, js2.id)?.attributes).toEqual({});
    expect(find(out, form.id)?.attributes).toEqual({ method: "post" });
    expect(find(out, form.childNodes![0].id)?.attributes).toEqual({});
    expect(find(out, form.childNodes![1].id)?.attributes).toEqual({ type: "image" });
    expect(find(out, body.id)?.attributes).toEqual({});
    expect(find(out, video.id)?.attributes).toEqual({ controls: true });
    expect(JSON.stringify(out)).not.toMatch(/evil\.test\/(?!phish)/);
    expect(find(out, html.id)?.attributes).toEqual({ lang: "fr" });
    expect(find(out, bq.id)?.attributes).toEqual({});
  });

  it("shows every image as the placeholder, wherever it was (srcset and the like go)", () => {
    const site = el("img", { src: "https://shop.example.com/img/a.jpg", srcset: "https://shop.example.com/img/a2.jpg 2x", alt: "A" });
    const relative = el("img", { src: "/img/b.jpg", alt: "B", loading: "lazy" });
    const foreign = el("img", { src: "https://evil.test/c.jpg", alt: "C", width: "80", attributionsrc: "https://evil.test/a" });
    const js = el("img", { src: "javascript:alert(1)" });
    const none = el("img", { alt: "D" });
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([site, relative, foreign, js, none])]);
    expect(find(out, site.id)?.attributes).toEqual({ src: PLACEHOLDER_IMAGE, alt: "A" });
    expect(find(out, relative.id)?.attributes).toEqual({ src: PLACEHOLDER_IMAGE, alt: "B", loading: "lazy" });
    expect(find(out, foreign.id)?.attributes).toEqual({ src: PLACEHOLDER_IMAGE, alt: "C", width: "80" });
    expect(find(out, js.id)?.attributes).toEqual({ src: PLACEHOLDER_IMAGE });
    expect(find(out, none.id)?.attributes).toEqual({ alt: "D" });
    expect(PLACEHOLDER_IMAGE).toMatch(/^data:image\/svg\+xml,/);
  });

  it("in the app, the site's images and fonts come from the desk's asset address, nobody else's", () => {
    const asset = (url: string) => `pupitre-asset://localhost/${encodeURIComponent(url)}`;
    const a = (url: string) => asset(url);
    const site = el("img", { src: "https://shop.example.com/img/a.jpg", srcset: "https://shop.example.com/img/a2.jpg 2x", alt: "A" });
    const relative = el("img", { src: "/img/b.jpg" });
    const foreign = el("img", { src: "https://evil.test/c.jpg" });
    const userinfo = el("img", { src: "https://me:pw@shop.example.com/d.jpg" });
    const svgImage = el("image", { href: "/img/s.png" }, [], { isSVG: true });
    const svgForeign = el("image", { href: "https://evil.test/s.png" }, [], { isSVG: true });
    const style = el("style", {
      _cssText:
        "@font-face{font-family:B;src:url(/f/b.woff2) format('woff2'),url(https://evil.test/f.woff)}.h{background:url(\"https://shop.example.com/h.jpg\")}" +
        ".e{background:url(pupitre-asset://localhost/https%3A%2F%2Fevil.test%2Fx.png)}.k{content:'\\2014'}",
    });
    const rewriter = new ReplayRewriter(SITE, asset);
    const out = rewriter.rewrite([meta(), full([site, relative, foreign, userinfo, svgImage, svgForeign], [style])]);
    expect(find(out, site.id)?.attributes).toEqual({ src: a("https://shop.example.com/img/a.jpg"), alt: "A" });
    expect(find(out, relative.id)?.attributes).toEqual({ src: a("https://shop.example.com/img/b.jpg") });
    expect(find(out, foreign.id)?.attributes).toEqual({ src: PLACEHOLDER_IMAGE });
    expect(find(out, userinfo.id)?.attributes).toEqual({ src: PLACEHOLDER_IMAGE });
    expect(find(out, svgImage.id)?.attributes).toEqual({ href: a("https://shop.example.com/img/s.png") });
    expect(find(out, svgForeign.id)?.attributes).toEqual({});
    // An asset address the page wrote itself is judged by the URL inside it; a CSS text with
    // escapes is read again and must come out the same.
    expect(find(out, style.id)?.attributes?._cssText).toBe(
      `@font-face{font-family:B;src:url("${a("https://shop.example.com/f/b.woff2")}") format('woff2'),none}.h{background:url("${a("https://shop.example.com/h.jpg")}")}` +
        ".e{background:none}.k{content:'\\2014'}",
    );
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/evil\.test(?!%2Fx)/);
    // A later change to an image's address: through the desk, or the placeholder.
    const [change] = rewriter.rewrite([mutation({ attributes: [{ id: site.id, attributes: { src: "https://evil.test/z.jpg" } }, { id: relative.id, attributes: { src: "/img/c.jpg" } }] })]);
    expect(change.data.attributes).toEqual([
      { id: site.id, attributes: { src: PLACEHOLDER_IMAGE } },
      { id: relative.id, attributes: { src: a("https://shop.example.com/img/c.jpg") } },
    ]);
  });

  it("replays number, date and colour inputs as text, so their mask shows", () => {
    const people = el("input", { type: "number", name: "people", value: "••••••", min: "1" });
    const day = el("input", { type: "Date", value: "••••••" });
    const mail = el("input", { type: "email", value: "••••••" });
    const rewriter = new ReplayRewriter(SITE);
    const out = rewriter.rewrite([meta(), full([people, day, mail])]);
    expect(find(out, people.id)?.attributes).toEqual({ type: "text", name: "people", value: "••••••", min: "1" });
    expect(find(out, day.id)?.attributes?.type).toBe("text");
    expect(find(out, mail.id)?.attributes?.type).toBe("email");
    const [change] = rewriter.rewrite([mutation({ attributes: [{ id: mail.id, attributes: { type: "number" } }] })]);
    expect(change.data.attributes).toEqual([{ id: mail.id, attributes: { type: "text" } }]);
  });

  it("in CSS, the site's images become the placeholder (relative ones against the page), other hosts' go", () => {
    const style = el("style", { _cssText: ".a{background:url(https://shop.example.com/a.jpg)}.b{background:url(/b.jpg)}.c{background:url(https://shop.example.com.evil.test/c.jpg)}" });
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([], [style])]);
    expect(find(out, style.id)?.attributes?._cssText).toBe(`.a{background:url("${PLACEHOLDER_IMAGE}")}.b{background:url("${PLACEHOLDER_IMAGE}")}.c{background:none}`);
    // No site origins: nothing is the site's.
    const bare = new ReplayRewriter([]).rewrite([meta(), full([], [el("style", { _cssText: ".a{background:url(https://shop.example.com/a.jpg)}" }, [], { id: 5000 })])]);
    expect(find(bare, 5000)?.attributes?._cssText).toBe(".a{background:none}");
  });

  it("keeps the recorder's harmless rr_ attributes only", () => {
    const canvas = el("canvas", { rr_dataURL: "data:image/png;base64,iVBORw0KGgo=" });
    const bad = el("img", { rr_dataURL: "https://evil.test/x.png" });
    const svgData = el("img", { rr_dataURL: "data:image/svg+xml,<svg onload=alert(1)>" });
    const block = el("div", { class: "rr-block", rr_width: "200px", rr_height: "url(x)", rr_scrollTop: 40, rr_src: "https://evil.test/f", rr_mediaState: "played" });
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([canvas, bad, svgData, block])]);
    expect(find(out, canvas.id)?.attributes).toEqual({ rr_dataURL: "data:image/png;base64,iVBORw0KGgo=" });
    expect(find(out, bad.id)?.attributes).toEqual({});
    expect(find(out, svgData.id)?.attributes).toEqual({});
    expect(find(out, block.id)?.attributes).toEqual({ class: "rr-block", rr_width: "200px", rr_scrollTop: 40 });
  });

  it("cleans style attributes and CSS-valued attributes (SVG paint, filters), keeping local references", () => {
    const div = el("div", { style: "color:red;background:url('https://evil.test/s.png')" });
    const escaped = el("div", { style: "background:u\\72l(https://evil.test/e.png)" });
    const svg = el(
      "svg",
      { width: "24" },
      [
        el("circle", { fill: "url(#g)", filter: "url(https://evil.test/f.svg#x)" }, [], { isSVG: true }),
        el("use", { href: "#icon", "xlink:href": "https://evil.test/sprite.svg#i" }, [], { isSVG: true }),
        el("image", { href: "https://evil.test/i.png", "xlink:href": "#local" }, [], { isSVG: true }),
        el("script", { href: "https://evil.test/s.js" }, [text("alert(1)")], { isSVG: true }),
        el("foreignObject", {}, [el("iframe", { src: "https://evil.test/fo" })], { isSVG: true }),
        el("set", { attributeName: "href", to: "https://evil.test/set.png" }, [], { isSVG: true }),
        el("a", { href: "https://evil.test/svg-link" }, [], { isSVG: true }),
      ],
      { isSVG: true },
    );
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([div, escaped, svg])]);
    expect(find(out, div.id)?.attributes).toEqual({ style: "color:red;background:none" });
    expect(find(out, escaped.id)?.attributes).toEqual({});
    const [circle, use, image, script, fo, set, link] = svg.childNodes!.map((c) => find(out, c.id)!);
    expect(circle.attributes).toEqual({ fill: "url(#g)", filter: "none" });
    expect(use.attributes).toEqual({ href: "#icon" });
    expect(image.attributes).toEqual({ "xlink:href": "#local" });
    for (const n of [script, fo, set]) expect(n).toMatchObject({ tagName: "g", attributes: {}, childNodes: [], isSVG: true });
    expect(link.attributes).toEqual({});
    expect(JSON.stringify(out)).not.toContain("evil.test");
  });

  it("neutralises an element whose tag a browser would refuse (and that would break the rebuild)", () => {
    const weird = el('img src=x onerror="alert(1)"', {});
    const out = new ReplayRewriter(SITE).rewrite([meta(), full([weird])]);
    expect(find(out, weird.id)).toMatchObject({ tagName: "template", attributes: {} });
  });
});

describe("later changes (mutations)", () => {
  function setup() {
    const style = el("style", {}, [text(".a{color:red}")]);
    const script = el("script", {}, [text("x")]);
    const img = el("img", { src: "https://shop.example.com/img/a.jpg" });
    const p = el("p", {}, [text("Bonjour")]);
    const meta2 = el("meta", { name: "viewport", content: "width=device-width" });
    const rewriter = new ReplayRewriter(SITE);
    rewriter.rewrite([meta(), full([img, p], [style, script, meta2])]);
    return { rewriter, style, script, img, p, meta2 };
  }
  const one = (rewriter: ReplayRewriter, data: Record<string, unknown>) => rewriter.rewrite([mutation(data)])[0];

  it("adds: the same rules as the snapshot, and nothing under a neutralised element", () => {
    const { rewriter, script, p } = setup();
    const out = one(rewriter, {
      adds: [
        { parentId: p.id, nextId: null, node: { type: 2, id: 900, tagName: "img", attributes: { src: "https://evil.test/late.png", onerror: "alert(1)" }, childNodes: [] } },
        { parentId: p.id, nextId: null, node: { type: 2, id: 901, tagName: "script", attributes: {}, childNodes: [] } },
        { parentId: 901, nextId: null, node: { type: 3, id: 902, textContent: "alert(1)" } },
        { parentId: script.id, nextId: null, node: { type: 3, id: 903, textContent: "alert(2)" } },
        { parentId: p.id, nextId: null, node: { type: 2, id: 904, tagName: "link", attributes: { rel: "stylesheet", href: "https://evil.test/l.css" }, childNodes: [] } },
        { parentId: p.id, nextId: null, node: { type: 2, id: 905, tagName: "meta", attributes: { "http-equiv": "refresh", content: "0;url=https://evil.test/" }, childNodes: [] } },
      ],
    });
    const adds = out.data.adds as { parentId: number; node: Node }[];
    expect(adds.map((a) => a.node.id)).toEqual([900, 901, 904, 905]);
    expect(adds[0].node.attributes).toEqual({ src: PLACEHOLDER_IMAGE });
    expect(adds.slice(1).map((a) => a.node.tagName)).toEqual(["template", "template", "template"]);
    // Later changes to the neutralised ones and what is under them: dropped.
    expect(one(rewriter, { texts: [{ id: 902, value: "alert(3)" }], attributes: [{ id: 901, attributes: { src: "https://evil.test/s.js" } }] })).toBeUndefined();
  });

  it("text: CSS when inside a <style> (snapshot or added), plain text otherwise", () => {
    const { rewriter, style, p } = setup();
    const styleText = style.childNodes![0].id;
    const pText = p.childNodes![0].id;
    const out = one(rewriter, {
      texts: [
        { id: styleText, value: ".a{background:url(https://evil.test/t.png)}" },
        { id: pText, value: "Voir url(https://example.org) — du texte" },
      ],
      adds: [{ parentId: style.id, nextId: null, node: { type: 3, id: 910, textContent: "@import 'https://evil.test/i.css';.b{}" } }],
    });
    expect(out.data.texts).toEqual([
      { id: styleText, value: ".a{background:none}" },
      { id: pText, value: "Voir url(https://example.org) — du texte" },
    ]);
    expect((out.data.adds as { node: Node }[])[0].node.textContent).toBe(".b{}");
    expect(one(rewriter, { texts: [{ id: 910, value: ".c{background:url(https://evil.test/c.png)}" }] }).data.texts).toEqual([{ id: 910, value: ".c{background:none}" }]);
  });

  it("attributes: handlers, URLs, http-equiv dropped; an image's new src is the placeholder; style objects cleaned", () => {
    const { rewriter, img, p, meta2 } = setup();
    const out = one(rewriter, {
      attributes: [
        { id: img.id, attributes: { src: "https://evil.test/swap.jpg", onerror: "alert(1)", alt: "Photo" } },
        { id: p.id, attributes: { style: { "background-image": "url(https://evil.test/s.png)", "--x": "url(https://evil.test/v.png)", color: ["red", "important"], margin: false }, class: "lead", onclick: null } },
        { id: meta2.id, attributes: { "http-equiv": "refresh", content: "0;url=https://evil.test/" } },
      ],
    });
    expect(out.data.attributes).toEqual([
      { id: img.id, attributes: { src: PLACEHOLDER_IMAGE, alt: "Photo" } },
      { id: p.id, attributes: { style: { color: ["red", "important"], margin: false }, class: "lead" } },
      { id: meta2.id, attributes: { "http-equiv": null, content: "0;url=https://evil.test/" } },
    ]);
    // A link's new address: inert; a video's new source: gone (and the old one with it).
    const { rewriter: r2, p: p2 } = setup();
    expect(one(r2, { attributes: [{ id: p2.id, attributes: { src: "https://evil.test/v.mp4", href: "https://evil.test/" } }] }).data.attributes).toEqual([
      { id: p2.id, attributes: { src: null, href: null } },
    ]);
    // A style attribute written as a string: cleaned.
    expect(one(rewriter, { attributes: [{ id: p.id, attributes: { style: "color:red;background:url(//evil.test/x)" } }] }).data.attributes).toEqual([
      { id: p.id, attributes: { style: "color:red;background:none" } },
    ]);
  });

  it("drops an attached iframe document and removals under neutralised elements", () => {
    const { rewriter, script, p } = setup();
    expect(one(rewriter, { isAttachIframe: true, adds: [{ parentId: p.id, nextId: null, node: { type: 0, id: 950, childNodes: [] } }] })).toBeUndefined();
    expect(one(rewriter, { removes: [{ parentId: script.id, id: script.childNodes![0].id }] })).toBeUndefined();
    expect(one(rewriter, { removes: [{ parentId: p.id, id: p.childNodes![0].id }] }).data.removes).toEqual([{ parentId: p.id, id: p.childNodes![0].id }]);
  });

  it("input into a neutralised element is dropped; into a field, kept", () => {
    const { rewriter, script, p } = setup();
    expect(rewriter.rewrite([{ type: 3, timestamp: 1, data: { source: 5, id: script.id, text: "x", isChecked: false } }])).toEqual([]);
    expect(rewriter.rewrite([{ type: 3, timestamp: 1, data: { source: 5, id: p.id, text: "••••", isChecked: false, extra: "https://evil.test" } }])[0].data).toEqual({
      source: 5,
      id: p.id,
      text: "••••",
      isChecked: false,
    });
  });

  it("a new full snapshot starts afresh", () => {
    const { rewriter, script } = setup();
    const again = el("p", {}, [], { id: script.id });
    rewriter.rewrite([meta(), full([again])]);
    expect(one(rewriter, { attributes: [{ id: script.id, attributes: { class: "x" } }] }).data.attributes).toEqual([{ id: script.id, attributes: { class: "x" } }]);
  });
});

describe("style-sheet events", () => {
  const rewriter = new ReplayRewriter(SITE);
  const head = el("style", {}, []);
  rewriter.rewrite([meta(), full([], [head])]);
  const inc = (data: Record<string, unknown>) => rewriter.rewrite([{ type: 3, timestamp: 1, data }])[0];

  it("inserted rules are cleaned; one that must go becomes an empty rule (later indexes stay right)", () => {
    const out = inc({ source: 8, id: head.id, adds: [{ rule: '@import url("https://evil.test/i.css");', index: 0 }, { rule: ".x{background:url(https://evil.test/x.png)}", index: 1 }, { rule: ".y{color:red}", index: [2, 0] }], removes: [{ index: 3 }] });
    expect(out.data).toEqual({ source: 8, id: head.id, adds: [{ rule: EMPTY_RULE, index: 0 }, { rule: ".x{background:none}", index: 1 }, { rule: ".y{color:red}", index: [2, 0] }], removes: [{ index: 3 }] });
    expect(inc({ source: 8, styleId: 3, replace: "@import 'x.css'; .a{background:url(//evil.test/a)}", replaceSync: ".b{}" }).data).toEqual({ source: 8, styleId: 3, replace: " .a{background:none}", replaceSync: ".b{}" });
  });

  it("a declaration that names a URL (custom properties too) is dropped; others pass", () => {
    expect(inc({ source: 13, id: head.id, index: [0], set: { property: "background-image", value: "url(https://evil.test/d.png)" } })).toBeUndefined();
    expect(inc({ source: 13, id: head.id, index: [0], set: { property: "--bg", value: "url(https://evil.test/d.png)" } })).toBeUndefined();
    expect(inc({ source: 13, id: head.id, index: [0], set: { property: "color", value: "u\\72l(x)" } })).toBeUndefined();
    expect(inc({ source: 13, id: head.id, index: [0], set: { property: "color", value: "red", priority: "important" } }).data).toEqual({
      source: 13,
      id: head.id,
      index: [0],
      set: { property: "color", value: "red", priority: "important" },
    });
    expect(inc({ source: 13, id: head.id, index: [0], remove: { property: "color" } }).data.remove).toEqual({ property: "color" });
  });

  it("adopted style sheets are cleaned", () => {
    const out = inc({ source: 15, id: 1, styleIds: [7], styles: [{ styleId: 7, rules: [{ rule: ".a{background:url(https://evil.test/a.png)}", index: 0 }, { rule: "@import 'https://evil.test/b.css';" }] }] });
    expect(out.data).toEqual({ source: 15, id: 1, styleIds: [7], styles: [{ styleId: 7, rules: [{ rule: ".a{background:none}", index: 0 }, { rule: EMPTY_RULE }] }] });
  });
});

describe("events and fields", () => {
  it("only the events a replay needs pass, rebuilt field by field", () => {
    const r = new ReplayRewriter(SITE);
    const out = r.rewrite([
      { type: 0, timestamp: 1, data: {} },
      { type: 1, timestamp: 1, data: {} },
      { type: 4, timestamp: 1, data: { href: "javascript:alert(1)", width: 800, height: "600" } },
      { type: 5, timestamp: 1, data: { tag: "x", payload: {} } },
      { type: 6, timestamp: 1, data: { plugin: "x", payload: {} } },
      { type: 7, timestamp: 1, data: { url: "https://evil.test/" } },
      { type: 8, timestamp: 1, data: {} },
      { type: 3, timestamp: 1, data: { source: 7, id: 1, type: 0 } },
      { type: 3, timestamp: 1, data: { source: 9, id: 1, commands: [] } },
      { type: 3, timestamp: 1, data: { source: 10, family: "E", fontSource: "url(https://evil.test/f)" } },
      { type: 3, timestamp: 1, data: { source: 11, level: "log", payload: [] } },
      { type: 3, timestamp: 1, data: { source: 16, define: { name: "x-evil" } } },
      { type: 3, timestamp: 2, data: { source: 1, positions: [{ x: 10, y: "20", id: 3, timeOffset: -50, evil: "https://evil.test" }] } },
      { type: 3, timestamp: 3, data: { source: 3, id: 1, x: 0, y: 120 } },
      { type: 3, timestamp: 4, data: { source: 4, width: 1280, height: 720 } },
      { type: 3, timestamp: 5, data: { source: 2, type: 2, id: 4, x: 1, y: 2 } },
      { timestamp: 6, data: { source: 1 } },
      { type: 3, timestamp: Number.NaN, data: { source: 4, width: 1, height: 1 } },
      "not an event",
      null,
    ]);
    expect(out).toEqual([
      { type: 4, timestamp: 1, data: { href: "", width: 800, height: 0 } },
      { type: 3, timestamp: 2, data: { source: 1, positions: [{ x: 10, y: 0, id: 3, timeOffset: -50 }] } },
      { type: 3, timestamp: 3, data: { source: 3, id: 1, x: 0, y: 120 } },
      { type: 3, timestamp: 4, data: { source: 4, width: 1280, height: 720 } },
      { type: 3, timestamp: 5, data: { source: 2, type: 2, id: 4, x: 1, y: 2 } },
    ]);
    expect(r.page).toBeNull();
  });

  it("runsScript sees javascript: however it is hidden", () => {
    for (const v of ["javascript:a()", " JaVaScRiPt:a()", "java\nscript:a()", "java\u0000script:a()", "jav\u00adascript:a()", "vbscript:x", "data:text/html,<script>"]) expect(runsScript(v), v).toBe(true);
    expect(runsScript("https://shop.example.com/?q=javascript")).toBe(false);
  });
});
