/**
 * Co-browsing's settings (SPEC A3, C1, C2, C4): the brand's site origins, the elements always
 * left out of the recording, and the fields shown as typed. The hub's rules
 * (crates/server/src/cobrowse_settings.rs), mirrored so most mistakes are caught before the
 * round trip, and the browser's own judgement of a selector. Pure but for `browserSelectorCheck`,
 * which asks the page's DOM.
 *
 * - A selector, once trimmed: 1 to 200 characters (code points, as Rust counts `chars()`), no
 *   control character (Rust's `char::is_control`: Cc), none of `{ } ;`, and one the browser
 *   parses (`querySelector` throws on the others). At most 50 in each list.
 * - An origin: exactly `scheme://host[:port]` as the hub's `origin_of` writes it (http or https,
 *   lowercase, no user, no path, query or fragment). At most 20.
 *
 * The hub names each refused entry by list and index (`cobrowse.unmask.3`), mapped back to the
 * row sent there by `hubTarget`.
 */
import type { Problem } from "./fields";
import { codePoint } from "./lists";

export const MOST_SELECTORS = 50;
export const MOST_SELECTOR_CHARS = 200;
export const MOST_ORIGINS = 20;

/** The three lists, in the page's order; each a key of the settings' `cobrowse` object. */
export const COBROWSE_LISTS = ["site_origins", "mask", "unmask"] as const;
export type CobrowseList = (typeof COBROWSE_LISTS)[number];

export const mostOf = (list: CobrowseList): number => (list === "site_origins" ? MOST_ORIGINS : MOST_SELECTORS);

/** Rust's `char::is_control`: the Cc characters. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/u;
/** Rust's `char::is_whitespace` (White_Space), as far as an address can hold it. */
const WHITESPACE = /[\s\u0085]/u;

/**
 * `scheme://host[:port]` of an http(s) URL, lowercased; `null` for anything else (the hub's
 * `origin_of`, to the letter: the host is not judged further).
 */
export function originOf(url: string): string | null {
  const at = url.indexOf("://");
  if (at < 0) return null;
  const scheme = url.slice(0, at).toLowerCase();
  if (scheme !== "http" && scheme !== "https") return null;
  const authority = url.slice(at + 3).split(/[/?#]/)[0];
  if (authority === "" || authority.includes("@") || authority.includes("\\") || WHITESPACE.test(authority) || CONTROL.test(authority)) {
    return null;
  }
  return `${scheme}://${asciiLower(authority)}`;
}

/** Rust's `to_ascii_lowercase`: A–Z only. */
const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Why a text is offered another origin: a page's address, capitals, a default port, no scheme. */
export type OfferReason = "page" | "case" | "port" | "scheme";

/**
 * The origin to offer for what was typed or pasted (a page's whole address, `Shop.example`'s
 * capitals, `:443`, a bare `shop.example`), with why; `null` when the text is an origin as
 * pages report theirs, or nothing like one. An offer, not a rule: the hub accepts `:443`, but a
 * page's address never carries its default port, so such an origin would never match.
 */
export function originOffer(text: string): { origin: string; reason: OfferReason } | null {
  const typed = text.trim();
  if (typed === "") return null;
  const origin = originOf(typed);
  if (origin !== null) {
    if (typed.toLowerCase() !== origin) return { origin, reason: "page" };
    if (typed !== origin) return { origin, reason: "case" };
    const bare = withoutDefaultPort(origin);
    return bare === origin ? null : { origin: bare, reason: "port" };
  }
  // `shop.example` or `shop.example/lamps`: a host with a dot, no scheme at all.
  if (!typed.includes("://") && /^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+(:\d{1,5})?([/?#].*)?$/u.test(typed)) {
    const guessed = originOf(`https://${typed}`);
    if (guessed !== null) return { origin: withoutDefaultPort(guessed), reason: "scheme" };
  }
  return null;
}

function withoutDefaultPort(origin: string): string {
  if (origin.startsWith("https://") && origin.endsWith(":443")) return origin.slice(0, -4);
  if (origin.startsWith("http://") && origin.endsWith(":80")) return origin.slice(0, -3);
  return origin;
}

/** The problem with one origin as it would be sent (trimmed), in the hub's terms. */
export function originProblem(text: string): Problem | null {
  const typed = text.trim();
  if (typed === "") return { key: "cobrowse.required_origin" };
  if (originOf(typed) === typed) return null;
  const offer = originOffer(typed);
  if (offer?.reason === "page") return { key: "cobrowse.origin_page" };
  if (offer?.reason === "case") return { key: "cobrowse.origin_case" };
  return { key: "cobrowse.origin_invalid" };
}

/** Whether the browser parses `selector` (`querySelector` throws a SyntaxError on the others). */
export function browserSelectorCheck(selector: string): boolean {
  try {
    document.createDocumentFragment().querySelector(selector);
    return true;
  } catch {
    return false;
  }
}

/** The problem with one selector as it would be sent (trimmed): the hub's rules, then the browser's. */
export function selectorProblem(text: string, parses: (selector: string) => boolean = browserSelectorCheck): Problem | null {
  const selector = text.trim();
  if (selector === "") return { key: "cobrowse.required_selector" };
  const count = [...selector].length;
  if (count > MOST_SELECTOR_CHARS) return { key: "cobrowse.selector_too_long", params: { max: MOST_SELECTOR_CHARS, count } };
  const control = CONTROL.exec(selector)?.[0];
  if (control !== undefined) return { key: "list.control", params: { code: codePoint(control) } };
  const brace = /[{};]/.exec(selector)?.[0];
  if (brace !== undefined) return { key: "cobrowse.selector_brace", params: { sign: brace } };
  if (!parses(selector)) return { key: "cobrowse.selector_invalid" };
  return null;
}

/** One entry's own problem in `list`. */
export function entryProblem(list: CobrowseList, text: string, parses?: (selector: string) => boolean): Problem | null {
  return list === "site_origins" ? originProblem(text) : selectorProblem(text, parses);
}

/**
 * Every problem of a list as it would be sent: by index (an entry's own problem, else "already
 * in row N" for a later repeat: harmless to the hub, surely a slip here), and the list's (too
 * many entries).
 */
export function cobrowseListProblems(
  list: CobrowseList,
  items: readonly string[],
  parses?: (selector: string) => boolean,
): { items: (Problem | null)[]; list: Problem | null } {
  const first = new Map<string, number>();
  const problems = items.map((text, i): Problem | null => {
    const own = entryProblem(list, text, parses);
    const key = text.trim();
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    if (own) return own;
    return earlier === undefined ? null : { key: "list.add_duplicate", params: { row: earlier + 1 } };
  });
  const most = mostOf(list);
  const tooMany: Problem | null = items.length > most ? { key: "list.too_many", params: { max: most, extra: items.length - most } } : null;
  return { items: problems, list: tooMany };
}

/**
 * Where a hub path lands: an entry of a list (by index as sent), a whole list, or `null` for a
 * path of another page (`desk.cobrowse`, `routing.…`).
 */
export function hubTarget(path: string): { list: CobrowseList; index: number | null } | null {
  const m = /^cobrowse\.(site_origins|mask|unmask)(?:\.(\d+))?$/.exec(path);
  if (!m) return null;
  return { list: m[1] as CobrowseList, index: m[2] === undefined ? null : Number(m[2]) };
}

/** The lists as the settings hold them; missing or odd values read as empty lists. */
export function listsOf(cobrowse: unknown): Record<CobrowseList, string[]> {
  const source = cobrowse !== null && typeof cobrowse === "object" ? (cobrowse as Record<string, unknown>) : {};
  const read = (value: unknown) => (Array.isArray(value) ? value.map((v) => (typeof v === "string" ? v : String(v))) : []);
  return { site_origins: read(source.site_origins), mask: read(source.mask), unmask: read(source.unmask) };
}
