/**
 * C4: the visitor's page recording, rewritten so that its replay on the desk can neither run
 * anything nor request anything (DESIGN §8, §13).
 *
 * The recording comes from a stranger's browser: every event is hostile until rewritten. The
 * replay runs in rrweb's sandboxed iframe (`allow-same-origin`, scripts off), which stops
 * scripts; but the desk's CSP lets the app load `https:` images, and the iframe inherits it, so
 * anything in the page that names a URL would be fetched from the agent's machine (and tell a
 * stranger the agent's address, or that the page was watched). The replay must request nothing
 * itself: every event goes through `ReplayRewriter` before the Replayer sees it.
 *
 * What it does, for the full snapshot's tree and for every later change (mutation adds, attribute
 * and text changes), style-sheet rule events (insert, replace, declarations, adopted sheets):
 * - Only the events a replay needs pass: Meta, the full snapshot, and the incremental sources
 *   mutation, mouse move, mouse interaction, scroll, viewport resize, input, touch move, drag,
 *   selection and the three style-sheet ones, rebuilt field by field. Custom, plugin, asset and
 *   annotation events, fonts (they carry a URL to load), canvas mutations, logs, media and
 *   custom-element events are dropped.
 * - Elements that load, run or navigate are neutralised: `<script>`, `<noscript>`, `<link>`
 *   (one the recorder inlined becomes a `<style>` with its CSS cleaned; stylesheets not inlined
 *   are left out), `<base>`, `<meta http-equiv>` (refresh), `<iframe>`, `<frame>`, `<frameset>`,
 *   `<object>`, `<embed>`, `<applet>`, `<param>`, `<portal>`, `<fencedframe>`, and in SVG
 *   `<script>`, `<foreignObject>`, `<set>` and `<animate>`. A neutralised element keeps its id
 *   (later changes may name it as a neighbour) but loses its attributes and children: an empty
 *   hidden `<template>` (SVG: an empty `<g>`), or for frames and objects an empty grey box of
 *   their size. Changes under it are dropped.
 * - Attributes: event handlers (`on…`) go; so does every attribute that names a URL (`src`,
 *   `srcset`, `href`, `xlink:href`, `poster`, `background`, `action`, `formaction`, `data`,
 *   `ping`, `manifest`, `srcdoc`…): a link's `http(s)` address is kept as `data-href`, inert; an
 *   SVG reference inside the page (`href="#icon"`) stays. `style` and any value with `url(`
 *   are cleaned as CSS (`css.ts`), anything with `javascript:` (or `vbscript:`, `data:text/html`)
 *   goes. The recorder's own `rr_*` attributes pass only in their harmless forms (an inline
 *   raster `rr_dataURL`, sizes in px, scroll offsets).
 * - Inputs whose type cannot show a mask (number, date, colour…) are replayed as text inputs.
 * - CSS everywhere (`<style>` text, `_cssText`, inserted rules, declarations): `cleanCss`.
 *
 * Images and fonts: those of the brand's site (`site_origins`, an `<img>`'s `src`, an SVG
 * `<image>`, a CSS `url()`, relative ones against the page) are loaded from the desk's own
 * asset address (`asset`: `pupitre-asset://localhost/<URL>`), which its Rust side answers by
 * fetching them from the site and nowhere else (`crates/desk/src/assets.rs`); without one (the
 * UI outside the app) they show a neutral grey placeholder (an inline `data:` image: no
 * request). Another host's `<img>` shows the placeholder; its CSS images and fonts go.
 *
 * The rewriter keeps what it learned of the page (each element's tag, which nodes are `<style>`
 * text, which are neutralised) to judge later changes; a full snapshot starts it afresh.
 */
import { cleanCss, PLACEHOLDER_IMAGE, type SiteAsset } from "./css";

/** rrweb's event shape (`eventWithTime`), as far as the desk reads it. */
export type ReplayEvent = { type: number; data: Record<string, unknown>; timestamp: number };

/** rrweb 2.2.2's numbers (`EventType`, `IncrementalSource`, `NodeType`). */
export const EVENT = { FullSnapshot: 2, IncrementalSnapshot: 3, Meta: 4 } as const;
export const SOURCE = {
  Mutation: 0,
  MouseMove: 1,
  MouseInteraction: 2,
  Scroll: 3,
  ViewportResize: 4,
  Input: 5,
  TouchMove: 6,
  StyleSheetRule: 8,
  Drag: 12,
  StyleDeclaration: 13,
  Selection: 14,
  AdoptedStyleSheet: 15,
} as const;
const NODE = { Document: 0, DocumentType: 1, Element: 2, Text: 3, CDATA: 4, Comment: 5 } as const;

/** Elements that load, run or navigate: neutralised (HTML, by lower-case tag). */
const NEUTRAL_HTML = new Set([
  "script",
  "noscript",
  "link",
  "base",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "applet",
  "param",
  "portal",
  "fencedframe",
]);
/** …and in SVG (lower-case). `set` and `animate` can write any attribute (an `href`). */
const NEUTRAL_SVG = new Set(["script", "foreignobject", "set", "animate", "iframe", "handler", "listener"]);
/** Neutralised as an empty box of the same size (they take room in the page). */
const BOXED = new Set(["iframe", "frame", "object", "embed", "applet", "portal", "fencedframe"]);

/** Input types that cannot show a mask (`•••` is not a number, a date or a colour): replayed as
 * text, so the agent sees that something was typed, masked, not an empty field. */
const MASKLESS_TYPES = new Set(["number", "date", "time", "datetime-local", "month", "week", "color", "range"]);

/** Attributes whose value is a URL the browser would load or go to (lower-case). */
const URL_ATTRS = new Set([
  "src",
  "srcset",
  "imagesrcset",
  "href",
  "poster",
  "background",
  "action",
  "formaction",
  "data",
  "codebase",
  "classid",
  "archive",
  "code",
  "longdesc",
  "lowsrc",
  "dynsrc",
  "manifest",
  "ping",
  "cite",
  "icon",
  "profile",
  "attributionsrc",
  "srcdoc",
  "xml:base",
  "http-equiv",
]);

/** The text of a URL as a browser reads it: controls and spaces dropped, lower case. */
function squeezed(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\ufeff]/g, "").toLowerCase();
}

/** A value that would run something if used as a URL anywhere. */
export function runsScript(value: string): boolean {
  const s = squeezed(value);
  return s.includes("javascript:") || s.includes("vbscript:") || s.includes("livescript:") || s.includes("data:text/html");
}

function isHttp(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

const TAG = /^[a-zA-Z][a-zA-Z0-9._:-]*$/;
const ATTR = /^[^\s"'<>/=\u0000-\u001f\u007f-\u009f]+$/;
const PX = /^-?\d+(?:\.\d+)?px$/;
const CSS_PROPERTY = /^-{0,2}[a-zA-Z][a-zA-Z0-9-]*$/;
/** What a style-sheet rule that had to go becomes: keeps later rules' indexes right. */
export const EMPTY_RULE = "@media not all {}";

type Json = Record<string, unknown>;
type SerializedNode = Json & { type: number; id: number };

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const isId = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export class ReplayRewriter {
  #origins: Set<string>;
  /** The page's address (Meta), for images written relative to it. */
  #page: string | null = null;
  /** Element ids → lower-case tag, of the elements kept. */
  #tags = new Map<number, string>();
  /** SVG elements (their `href="#…"` may stay). */
  #svg = new Set<number>();
  /** Text nodes inside a `<style>`: their text is CSS. */
  #styleText = new Set<number>();
  /** Neutralised elements and what was under them: changes to them are dropped. */
  #dead = new Set<number>();
  #asset: ((url: string) => string) | null;
  /** What a URL of the page that names the site becomes (see the module's doc). */
  readonly site: SiteAsset;

  /** `siteOrigins`: the brand's site origins (the profile's `site_origins`); `asset`: the
   * desk's address for one of their images or fonts (an absolute URL), `null` outside the app. */
  constructor(siteOrigins: readonly string[] = [], asset: ((url: string) => string) | null = null) {
    this.#asset = asset;
    this.#origins = new Set(
      siteOrigins.flatMap((o) => {
        try {
          return [new URL(o).origin];
        } catch {
          return [];
        }
      }),
    );
    this.site = (value: string) => this.#siteAsset(value);
  }

  /** The page's address, once a Meta event said it (an `http(s)` URL or `null`). */
  get page(): string | null {
    return this.#page;
  }

  /** Rewrites a batch; what must not reach the replay is left out. */
  rewrite(events: readonly unknown[]): ReplayEvent[] {
    const out: ReplayEvent[] = [];
    for (const event of events) {
      const clean = this.event(event);
      if (clean) out.push(clean);
    }
    return out;
  }

  /** One event, rewritten, or `null` when it is left out. */
  event(raw: unknown): ReplayEvent | null {
    if (!isObject(raw) || !isObject(raw.data) || typeof raw.timestamp !== "number" || !Number.isFinite(raw.timestamp)) return null;
    const { type, data, timestamp } = raw;
    switch (type) {
      case EVENT.Meta: {
        const href = typeof data.href === "string" && isHttp(data.href) ? data.href : "";
        this.#page = href || null;
        return { type, timestamp, data: { href, width: num(data.width), height: num(data.height) } };
      }
      case EVENT.FullSnapshot: {
        this.#tags.clear();
        this.#svg.clear();
        this.#styleText.clear();
        this.#dead.clear();
        if (!isObject(data.node)) return null;
        const node = this.#node(data.node, null);
        if (!node) return null;
        const offset = isObject(data.initialOffset) ? data.initialOffset : {};
        return { type, timestamp, data: { node, initialOffset: { top: num(offset.top), left: num(offset.left) } } };
      }
      case EVENT.IncrementalSnapshot: {
        const clean = this.#incremental(data);
        return clean ? { type, timestamp, data: clean } : null;
      }
      default:
        return null;
    }
  }

  #incremental(d: Json): Json | null {
    switch (d.source) {
      case SOURCE.Mutation:
        return this.#mutation(d);
      case SOURCE.MouseMove:
      case SOURCE.TouchMove:
      case SOURCE.Drag: {
        const positions = list(d.positions)
          .filter(isObject)
          .map((p) => ({ x: num(p.x), y: num(p.y), id: num(p.id), timeOffset: num(p.timeOffset) }));
        return positions.length > 0 ? { source: d.source, positions } : null;
      }
      case SOURCE.MouseInteraction: {
        const out: Json = { source: d.source, type: num(d.type), id: num(d.id) };
        if (typeof d.x === "number") out.x = num(d.x);
        if (typeof d.y === "number") out.y = num(d.y);
        if (typeof d.pointerType === "number") out.pointerType = d.pointerType;
        return out;
      }
      case SOURCE.Scroll:
        return { source: d.source, id: num(d.id), x: num(d.x), y: num(d.y) };
      case SOURCE.ViewportResize:
        return { source: d.source, width: num(d.width), height: num(d.height) };
      case SOURCE.Input: {
        if (this.#dead.has(num(d.id))) return null;
        const out: Json = { source: d.source, id: num(d.id), text: typeof d.text === "string" ? d.text : "", isChecked: d.isChecked === true };
        if (typeof d.userTriggered === "boolean") out.userTriggered = d.userTriggered;
        return out;
      }
      case SOURCE.Selection: {
        const ranges = list(d.ranges)
          .filter(isObject)
          .map((r) => ({ start: num(r.start), startOffset: num(r.startOffset), end: num(r.end), endOffset: num(r.endOffset) }));
        return { source: d.source, ranges };
      }
      case SOURCE.StyleSheetRule:
        return this.#sheetRule(d);
      case SOURCE.StyleDeclaration:
        return this.#declaration(d);
      case SOURCE.AdoptedStyleSheet:
        return this.#adopted(d);
      default:
        return null;
    }
  }

  #mutation(d: Json): Json | null {
    // A same-origin iframe's document attached: frames are neutralised, so is this.
    if (d.isAttachIframe) return null;
    const removes = list(d.removes)
      .filter(isObject)
      .filter((r) => isId(r.id) && isId(r.parentId) && !this.#dead.has(r.parentId))
      .map((r) => {
        const out: Json = { parentId: r.parentId, id: r.id };
        if (r.isShadow === true) out.isShadow = true;
        return out;
      });
    const adds: Json[] = [];
    for (const add of list(d.adds)) {
      if (!isObject(add) || !isId(add.parentId) || !isObject(add.node)) continue;
      if (this.#dead.has(add.parentId)) {
        this.#bury(add.node);
        continue;
      }
      const node = this.#node(add.node, this.#tags.get(add.parentId) ?? null);
      if (!node) continue;
      const out: Json = { parentId: add.parentId, nextId: isId(add.nextId) ? add.nextId : null, node };
      if (isId(add.previousId)) out.previousId = add.previousId;
      adds.push(out);
    }
    const texts: Json[] = [];
    for (const text of list(d.texts)) {
      if (!isObject(text) || !isId(text.id) || this.#dead.has(text.id)) continue;
      const value = typeof text.value === "string" ? text.value : null;
      texts.push({ id: text.id, value: value !== null && this.#styleText.has(text.id) ? cleanCss(value, this.site) : value });
    }
    const attributes: Json[] = [];
    for (const change of list(d.attributes)) {
      if (!isObject(change) || !isId(change.id) || this.#dead.has(change.id) || !isObject(change.attributes)) continue;
      const tag = this.#tags.get(change.id) ?? "";
      const clean = this.#changedAttributes(tag, this.#svg.has(change.id), change.attributes);
      if (Object.keys(clean).length > 0) attributes.push({ id: change.id, attributes: clean });
    }
    if (adds.length + removes.length + texts.length + attributes.length === 0) return null;
    return { source: d.source, adds, removes, texts, attributes };
  }

  /** The attributes an attribute change may set: as on a new element, plus removals (`null`). */
  #changedAttributes(tag: string, svg: boolean, raw: Json): Json {
    const out: Json = {};
    const set: Json = {};
    for (const [name, value] of Object.entries(raw)) {
      if (!ATTR.test(name)) continue;
      const key = name.toLowerCase();
      if (value === null) {
        // Removing is always harmless, but for names the element never had here.
        if (!key.startsWith("on") && !key.startsWith("rr_")) out[name] = null;
        continue;
      }
      if (key === "style" && isObject(value)) {
        const style = this.#styleObject(value);
        if (Object.keys(style).length > 0) out.style = style;
        continue;
      }
      set[name] = value;
    }
    const attrs = this.#attributes(tag, set, svg);
    // A URL the change wrote and that may not stay: the one shown before goes too (a
    // placeholder for an image that became another's).
    for (const name of Object.keys(set)) {
      const key = name.toLowerCase();
      if ((URL_ATTRS.has(key) || key.endsWith(":href")) && !(name in attrs) && !key.startsWith("on")) out[name] = null;
    }
    return { ...out, ...attrs };
  }

  /** An attribute change's `style` object: `{prop: value | [value, priority] | false}`. */
  #styleObject(style: Json): Json {
    const out: Json = {};
    for (const [prop, value] of Object.entries(style)) {
      if (!CSS_PROPERTY.test(prop)) continue;
      if (value === false) out[prop] = false;
      else if (typeof value === "string") {
        if (this.#cleanValue(prop, value)) out[prop] = value;
      } else if (Array.isArray(value) && typeof value[0] === "string") {
        const priority = value[1] === "important" ? "important" : "";
        if (this.#cleanValue(prop, value[0])) out[prop] = [value[0], priority];
      }
    }
    return out;
  }

  /** True when a declaration's value names nothing to fetch. */
  #cleanValue(prop: string, value: string): boolean {
    const decl = `${prop}:${value}`;
    return !runsScript(value) && cleanCss(decl) === decl;
  }

  /** A serialized node, rewritten (null: left out). `parentTag`: where it goes, lower case. */
  #node(raw: Json, parentTag: string | null): SerializedNode | null {
    if (!isId(raw.id)) return null;
    const id = raw.id;
    switch (raw.type) {
      case NODE.Document: {
        const out: SerializedNode = { type: NODE.Document, id, childNodes: this.#children(raw, null) };
        if (typeof raw.compatMode === "string") out.compatMode = raw.compatMode;
        return out;
      }
      case NODE.DocumentType:
        return {
          type: NODE.DocumentType,
          id,
          name: typeof raw.name === "string" ? raw.name : "html",
          publicId: typeof raw.publicId === "string" ? raw.publicId : "",
          systemId: typeof raw.systemId === "string" ? raw.systemId : "",
        };
      case NODE.Element:
        return this.#element(raw, id);
      case NODE.Text: {
        const text = typeof raw.textContent === "string" ? raw.textContent : "";
        const style = parentTag === "style" || raw.isStyle === true;
        if (style) this.#styleText.add(id);
        const out: SerializedNode = { type: NODE.Text, id, textContent: style ? cleanCss(text, this.site) : text };
        if (raw.isStyle === true) out.isStyle = true;
        return out;
      }
      case NODE.CDATA:
        return { type: NODE.CDATA, id, textContent: "" };
      case NODE.Comment:
        return { type: NODE.Comment, id, textContent: typeof raw.textContent === "string" ? raw.textContent : "" };
      default:
        return null;
    }
  }

  #children(raw: Json, tag: string | null): SerializedNode[] {
    const out: SerializedNode[] = [];
    for (const child of list(raw.childNodes)) {
      if (!isObject(child)) continue;
      const clean = this.#node(child, tag);
      if (clean) out.push(clean);
    }
    return out;
  }

  #element(raw: Json, id: number): SerializedNode {
    const svg = raw.isSVG === true;
    const name = typeof raw.tagName === "string" ? raw.tagName : "";
    const tag = name.toLowerCase();
    const attributes = isObject(raw.attributes) ? raw.attributes : {};
    const httpEquiv = Object.keys(attributes).some((k) => k.toLowerCase() === "http-equiv");
    const inlinedSheet = tag === "link" && !svg && typeof attributes._cssText === "string";

    if (inlinedSheet) {
      // The recorder read the stylesheet: its CSS, cleaned, as a `<style>`.
      this.#tags.set(id, "style");
      const out: Json = { _cssText: cleanCss(attributes._cssText as string, this.site) };
      if (typeof attributes.media === "string" && this.#cleanValue("x", attributes.media)) out.media = attributes.media;
      return { type: NODE.Element, id, tagName: "style", attributes: out, childNodes: [] };
    }
    if (!TAG.test(name) || (svg ? NEUTRAL_SVG.has(tag) : NEUTRAL_HTML.has(tag) || (tag === "meta" && httpEquiv))) {
      return this.#neutral(raw, id, svg, tag);
    }

    this.#tags.set(id, tag);
    if (svg) this.#svg.add(id);
    const out: SerializedNode = {
      type: NODE.Element,
      id,
      tagName: name,
      attributes: this.#attributes(tag, attributes, svg),
      childNodes: this.#children(raw, tag),
    };
    if (svg) out.isSVG = true;
    if (raw.isShadowHost === true) out.isShadowHost = true;
    if (raw.isShadow === true) out.isShadow = true;
    if (raw.needBlock === true) out.needBlock = true;
    if (isId(raw.rootId)) out.rootId = raw.rootId;
    return out;
  }

  /** An element that may not be: same id, no attributes, no children (a box for frames). */
  #neutral(raw: Json, id: number, svg: boolean, tag: string): SerializedNode {
    this.#dead.add(id);
    for (const child of list(raw.childNodes)) if (isObject(child)) this.#bury(child);
    const attributes = isObject(raw.attributes) ? raw.attributes : {};
    if (!svg && BOXED.has(tag)) {
      const size = (v: unknown) => {
        const n = typeof v === "string" ? Number.parseFloat(v) : typeof v === "number" ? v : NaN;
        return Number.isFinite(n) && n >= 0 && n < 100_000 ? `${n}px` : null;
      };
      const width = size(attributes.width) ?? "300px";
      const height = size(attributes.height) ?? "150px";
      // The page's own CSS still decides whether it shows (`display`).
      const out: Json = { "data-pupitre-removed": tag, style: `width:${width};height:${height};background:#eef0f4` };
      if (typeof attributes.class === "string") out.class = attributes.class;
      return { type: NODE.Element, id, tagName: "div", attributes: out, childNodes: [] };
    }
    const out: SerializedNode = { type: NODE.Element, id, tagName: svg ? "g" : "template", attributes: {}, childNodes: [] };
    if (svg) out.isSVG = true;
    return out;
  }

  /** Marks a node and everything under it as left out. */
  #bury(node: Json): void {
    if (isId(node.id)) this.#dead.add(node.id);
    for (const child of list(node.childNodes)) if (isObject(child)) this.#bury(child);
  }

  /** An element's attributes, rewritten (see the module's doc). */
  #attributes(tag: string, raw: Json, svg: boolean): Json {
    const out: Json = {};
    for (const [name, value] of Object.entries(raw)) {
      if (!ATTR.test(name)) continue;
      const key = name.toLowerCase();
      if (key.startsWith("on")) continue;
      if (key.startsWith("rr_")) {
        const special = this.#special(tag, key, value);
        if (special !== undefined) out[name] = special;
        continue;
      }
      if (key === "_csstext") {
        if (tag === "style" && typeof value === "string") out._cssText = cleanCss(value, this.site);
        continue;
      }
      if (typeof value === "boolean" || typeof value === "number") {
        if (!URL_ATTRS.has(key) && !key.endsWith(":href")) out[name] = value;
        continue;
      }
      if (typeof value !== "string") continue;
      if (key === "style") {
        const css = cleanCss(value, this.site);
        if (css !== "" && !runsScript(css)) out[name] = css;
        continue;
      }
      if (URL_ATTRS.has(key) || key.endsWith(":href")) {
        this.#url(tag, key, value, svg, out, name);
        continue;
      }
      if (runsScript(value)) continue;
      if (tag === "input" && key === "type" && MASKLESS_TYPES.has(value.trim().toLowerCase())) {
        out[name] = "text";
        continue;
      }
      if (/url\s*\(|image-set|@import|\\/i.test(value)) {
        // An SVG paint (`fill="url(#g)"`), a `cursor`, a `filter`…: a CSS value.
        const css = cleanCss(value, this.site);
        if (css !== "") out[name] = css;
        continue;
      }
      out[name] = value;
    }
    return out;
  }

  /** A URL attribute: what of it may stay (see the module's doc). */
  #url(tag: string, key: string, value: string, svg: boolean, out: Json, name: string): void {
    const local = value.trim();
    if (svg && (key === "href" || key === "xlink:href") && /^#[^\s()\\'"]*$/.test(local)) {
      out[name] = local;
      return;
    }
    if (!svg && key === "href" && tag === "a" && isHttp(local) && !runsScript(local)) {
      out["data-href"] = local;
      return;
    }
    // An image's place, kept: the site's through the desk, any other's as the placeholder.
    if (!svg && key === "src" && tag === "img" && local !== "") out.src = this.#siteAsset(local) ?? PLACEHOLDER_IMAGE;
    if (svg && (key === "href" || key === "xlink:href") && tag === "image") {
      const asset = this.#siteAsset(local);
      if (asset !== null) out[name] = asset;
    }
  }

  /** The recorder's own attributes: only their harmless forms. */
  #special(tag: string, key: string, value: unknown): unknown {
    switch (key) {
      case "rr_dataurl":
        // An inline picture of an image or a canvas, taken by the recorder: raster only.
        return (tag === "img" || tag === "canvas") && typeof value === "string" && /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$/i.test(value)
          ? value
          : undefined;
      case "rr_width":
      case "rr_height":
        return typeof value === "string" && PX.test(value) ? value : undefined;
      case "rr_scrollleft":
      case "rr_scrolltop":
        return typeof value === "number" && Number.isFinite(value) ? value : undefined;
      case "rr_open_mode":
        return value === "modal" || value === "non-modal" ? value : undefined;
      default:
        return undefined;
    }
  }

  /** The replay's address for a URL of the brand's site (resolved against the page when
   * relative), or `null` when it is not the site's. An address this rewriter wrote (CSS is
   * read again when it holds escapes) stays itself. */
  #siteAsset(value: string): string | null {
    const url = this.#siteUrl(this.#written(value) ?? value);
    if (url === null) return null;
    return this.#asset ? this.#asset(url) : PLACEHOLDER_IMAGE;
  }

  /** The absolute `http(s)` URL on the site that `value` names, or `null`. */
  #siteUrl(value: string): string | null {
    if (this.#origins.size === 0 || runsScript(value)) return null;
    try {
      const url = new URL(value, this.#page ?? undefined);
      const ok = (url.protocol === "https:" || url.protocol === "http:") && this.#origins.has(url.origin) && url.username === "" && url.password === "";
      return ok ? url.href : null;
    } catch {
      return null;
    }
  }

  /** The site URL inside a desk asset address, when `value` is one. */
  #written(value: string): string | null {
    if (!this.#asset) return null;
    const prefix = this.#asset("");
    if (!value.startsWith(prefix)) return null;
    try {
      return decodeURIComponent(value.slice(prefix.length));
    } catch {
      return null;
    }
  }

  #sheetRule(d: Json): Json | null {
    const out: Json = { source: d.source };
    if (isId(d.id)) {
      if (this.#dead.has(d.id)) return null;
      out.id = d.id;
    }
    if (isId(d.styleId)) out.styleId = d.styleId;
    if (out.id === undefined && out.styleId === undefined) return null;
    if (Array.isArray(d.adds)) {
      out.adds = d.adds.filter(isObject).map((add) => {
        const rule = typeof add.rule === "string" ? cleanCss(add.rule, this.site) : "";
        const clean: Json = { rule: rule.trim() === "" ? EMPTY_RULE : rule };
        if (typeof add.index === "number" || (Array.isArray(add.index) && add.index.every((i) => typeof i === "number"))) clean.index = add.index;
        return clean;
      });
    }
    if (Array.isArray(d.removes)) {
      out.removes = d.removes
        .filter(isObject)
        .filter((r) => typeof r.index === "number" || (Array.isArray(r.index) && r.index.every((i) => typeof i === "number")))
        .map((r) => ({ index: r.index }));
    }
    if (typeof d.replace === "string") out.replace = cleanCss(d.replace, this.site);
    if (typeof d.replaceSync === "string") out.replaceSync = cleanCss(d.replaceSync, this.site);
    return out;
  }

  #declaration(d: Json): Json | null {
    const out: Json = { source: d.source, index: list(d.index).filter((i) => typeof i === "number") };
    if (isId(d.id)) {
      if (this.#dead.has(d.id)) return null;
      out.id = d.id;
    }
    if (isId(d.styleId)) out.styleId = d.styleId;
    if (out.id === undefined && out.styleId === undefined) return null;
    if (isObject(d.set)) {
      const { property, value, priority } = d.set;
      if (typeof property !== "string" || !CSS_PROPERTY.test(property)) return null;
      if (value !== null && (typeof value !== "string" || !this.#cleanValue(property, value))) return null;
      out.set = { property, value, priority: priority === "important" ? "important" : undefined };
    } else if (isObject(d.remove)) {
      if (typeof d.remove.property !== "string" || !CSS_PROPERTY.test(d.remove.property)) return null;
      out.remove = { property: d.remove.property };
    } else return null;
    return out;
  }

  #adopted(d: Json): Json | null {
    if (!isId(d.id) || this.#dead.has(d.id)) return null;
    const out: Json = { source: d.source, id: d.id, styleIds: list(d.styleIds).filter(isId) };
    if (Array.isArray(d.styles)) {
      out.styles = d.styles.filter(isObject).filter((s) => isId(s.styleId)).map((s) => ({
        styleId: s.styleId,
        rules: list(s.rules)
          .filter(isObject)
          .map((r) => {
            const rule = typeof r.rule === "string" ? cleanCss(r.rule, this.site) : "";
            const clean: Json = { rule: rule.trim() === "" ? EMPTY_RULE : rule };
            if (typeof r.index === "number" || Array.isArray(r.index)) clean.index = r.index;
            return clean;
          }),
      }));
    }
    return out;
  }
}
