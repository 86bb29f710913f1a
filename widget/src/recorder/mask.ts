/**
 * What the co-browsing recorder masks (SPEC C2), decided in the visitor's browser before
 * anything leaves the page. Pure but for the elements it is handed.
 *
 * - Every kind of field is masked (`MASK_INPUTS`, handed to rrweb as `maskInputOptions`; never
 *   `maskAllInputs`, whose list has no `hidden` and which ignores `maskInputOptions`).
 * - A masked value is always `MASK`, whatever its length: the length of what the visitor typed
 *   is not sent either (rrweb's own mask, `*` per character, would tell it).
 * - The admin's `unmask` selectors show chosen fields as typed, except the kinds that are never
 *   shown (`neverUnmasked`): password, hidden, e-mail, tel, payment and one-time codes, and
 *   anything named like a card, a CVC, an IBAN, a social security number or a password.
 * - Whole elements are left out (`blockSelector`): canvases, media, frames, plugins, anything
 *   marked `data-pupitre-block`, the admin's `mask` selectors, and the chat widget itself.
 */

/** What a masked value becomes (8 bullets, whatever was typed). */
export const MASK = "\u2022".repeat(8);

/** rrweb's `maskInputOptions`: every kind true (looked up by tag name or by `type`). */
export const MASK_INPUTS = {
  color: true,
  date: true,
  "datetime-local": true,
  email: true,
  month: true,
  number: true,
  range: true,
  search: true,
  tel: true,
  text: true,
  time: true,
  url: true,
  week: true,
  textarea: true,
  select: true,
  password: true,
  hidden: true,
  // Not in rrweb's list either: a chosen file's value is its name (`C:\fakepath\…`).
  file: true,
} as const;

/** Text nodes masked wherever they are (rrweb's `maskTextSelector`; it checks ancestors). */
export const MASK_TEXT_SELECTOR = "option, textarea, [contenteditable], [contenteditable] *";

/** Elements always left out, whatever the admin says. */
export const BLOCK_ALWAYS = "canvas, video, audio, iframe, object, embed, [data-pupitre-block]";

/** Input types whose value is never shown. */
const NEVER_TYPES = new Set(["password", "hidden", "email", "tel"]);
/** `autocomplete` tokens of secrets (besides every `cc-…` payment token). */
const NEVER_AUTOCOMPLETE = new Set(["one-time-code", "current-password", "new-password"]);
/** Names and ids of secrets. */
const NEVER_NAMES = /card|cvc|cvv|iban|ssn|password/i;

/** Whether this field is one of the kinds never shown, whatever the admin's `unmask` says. */
export function neverUnmasked(el: Element): boolean {
  const type = (el.getAttribute("type") ?? "").trim().toLowerCase();
  const live = "type" in el && typeof (el as HTMLInputElement).type === "string" ? (el as HTMLInputElement).type.toLowerCase() : "";
  if (NEVER_TYPES.has(type) || NEVER_TYPES.has(live)) return true;
  // rrweb's mark of a password field switched to text ("show password").
  if (el.hasAttribute("data-rr-is-password")) return true;
  const tokens = (el.getAttribute("autocomplete") ?? "").toLowerCase().split(/\s+/);
  if (tokens.some((t) => t.startsWith("cc-") || NEVER_AUTOCOMPLETE.has(t))) return true;
  return NEVER_NAMES.test(el.getAttribute("name") ?? "") || NEVER_NAMES.test(el.id ?? "");
}

/**
 * The selectors this page can use, each one as the browser itself writes it back: a bad one is
 * left out with a warning. A selector is read as a style rule's and its `selectorText` kept, so
 * that it stands alone once joined with others: `a[href` or `[title="x` are valid by themselves
 * (the parser closes them at the end), but in a list they would swallow what follows (the
 * widget's own block, for one), and one selector rrweb cannot parse makes it block nothing.
 */
export function usableSelectors(list: unknown, doc: Document, what: string): string[] {
  if (!Array.isArray(list)) return [];
  const good: string[] = [];
  for (const raw of list) {
    const sel = typeof raw === "string" ? raw.trim() : "";
    if (!sel) continue;
    const text = normalSelector(sel, doc);
    if (text) good.push(text);
    else console.warn(`Pupitre co-browsing: the ${what} selector ${JSON.stringify(sel)} is not valid CSS here; left out`);
  }
  return good;
}

/** The selector as the browser serializes it, or null when it is not one selector list. */
function normalSelector(sel: string, doc: Document): string | null {
  try {
    const Sheet = doc.defaultView?.CSSStyleSheet;
    if (!Sheet || /[{};]/.test(sel)) return null;
    const sheet = new Sheet();
    sheet.insertRule(`${sel}{}`);
    const rule = sheet.cssRules[0] as CSSStyleRule | undefined;
    const text = sheet.cssRules.length === 1 ? rule?.selectorText : "";
    if (!text) return null;
    doc.querySelector(text); // and one that querySelector and matches() take
    return text;
  } catch {
    return null;
  }
}

/** Whether the admin shows this field as typed (and it may be). */
export function unmasked(el: Element | null | undefined, unmask: readonly string[]): boolean {
  if (!el || !unmask.length || neverUnmasked(el)) return false;
  return unmask.some((sel) => {
    try {
      return el.matches(sel);
    } catch {
      return false;
    }
  });
}

/** rrweb's `maskInputFn`: the value as typed in an unmasked field, else `MASK` (or nothing for
 * an empty field). */
export function maskInput(unmask: readonly string[]): (text: string, el: HTMLElement) => string {
  return (text, el) => (unmasked(el, unmask) ? text : text ? MASK : "");
}

/** rrweb's `maskTextFn`: a text node of a field (an option, a textarea, a contenteditable). */
export function maskText(text: string): string {
  return text.trim() ? MASK : text;
}

/** rrweb's `blockSelector`: the elements always left out, the admin's, and the widget's host.
 * Checked once joined (rrweb's own checks swallow a throw, and then block nothing): when the
 * list does not parse or does not match the widget, the admin's part is left out. */
export function blockSelector(mask: readonly string[], host: string, doc: Document = document): string {
  const base = `${BLOCK_ALWAYS}, ${host}`;
  if (!mask.length) return base;
  const joined = [BLOCK_ALWAYS, ...mask, host].join(", ");
  try {
    const widget = doc.querySelector(host);
    doc.querySelector(joined);
    if (!widget || widget.matches(joined)) return joined;
  } catch {
    /* below */
  }
  console.warn("Pupitre co-browsing: the mask selectors do not work together here; left out");
  return base;
}
