/**
 * The only way the widget makes DOM: elements by name, attributes by `setAttribute`, text by
 * text nodes. Nothing is ever parsed as HTML (DESIGN §8: what the hub relays and what the
 * visitor typed is hostile), and no `on*` attribute can be set from here.
 */

import type { Key, T } from "./i18n";
import { oneLine } from "./text";

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function setAttrs(el: Element, attrs?: Attrs | null): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (/^on/i.test(name)) throw new Error(`event attribute ${name} refused`);
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

const SVG = "http://www.w3.org/2000/svg";

/** Our own icons (static paths written here, 24×24 viewBox, stroked). */
const ICONS = {
  chat: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z",
  close: "M6 6l12 12M18 6L6 18",
  down: "M6 9l6 6 6-6",
  send: "M4 12l16-8-6 16-2.5-6.5z M11.5 13.5L20 4",
  file: "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z M14 3v5h5",
  clip: "M20 11.5l-8.3 8.3a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8",
  clock: "M12 7v5l3 2 M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
  alert: "M12 8v5 M12 16.5v.5 M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
};

export type IconName = keyof typeof ICONS;

export function icon(name: IconName, size = 20): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  for (const [k, v] of Object.entries({
    viewBox: "0 0 24 24",
    width: size,
    height: size,
    fill: "none",
    stroke: "currentColor",
    "stroke-width": 2,
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
  })) {
    svg.setAttribute(k, String(v));
  }
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
  svg.appendChild(path);
  return svg;
}

/** Someone's text on one line (`oneLine`), isolated from the widget's own words around it. */
export function bdi(text: unknown): HTMLElement {
  return h("bdi", null, oneLine(text));
}

/** `t(key, vars)` as nodes, each var (someone's text: a name, a file name) in a `bdi`. */
export function phrase(t: T, key: Key, vars: Record<string, unknown>): Node[] {
  const names = Object.keys(vars);
  // NUL never occurs in a translation: it marks where each var goes.
  const marked = t(key, Object.fromEntries(names.map((n, i) => [n, `\0${i}\0`])));
  return marked.split("\0").map((s, i) => (i % 2 ? bdi(vars[names[+s]]) : document.createTextNode(s)));
}

/** `"Alice Martin"` → `"AM"`; never empty. */
export function initials(name: string): string {
  const words = oneLine(name).split(" ").filter(Boolean);
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0] ?? "");
  return letters.join("").toUpperCase() || "?";
}
