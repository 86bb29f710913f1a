/**
 * C4: CSS from a visitor's page, made unable to fetch anything (DESIGN §8, §13).
 *
 * A replay's CSS would load whatever its `url()`s, `@import`s and `image-set()`s name, from the
 * agent's machine. `cleanCss` keeps the CSS and takes those out:
 * - `@import` rules are removed;
 * - `url(…)` keeps only a fragment (`url(#gradient)`, SVG paint servers) or an inline image or
 *   font (`data:image/…`, `data:font/…`); an image or font of the brand's site becomes what
 *   `site` says (the desk's own asset address, fetched by its Rust side, or the neutral
 *   placeholder); anything else becomes `none`;
 * - `image-set()`, `-webkit-image-set()`, `src()`, `element()`, `expression()` become `none`.
 *
 * Strings and comments are read as CSS reads them (a `url(` inside a string is left alone, a
 * string inside `url()` does not end it). CSS escapes can spell a function's name (`u\72l(`):
 * when the text, escapes decoded, would still need a change, the whole text is refused (`""`),
 * so nothing written in escapes gets through.
 */

/** A neutral grey box, for the images the desk does not fetch (another host's, or the site's
 * outside the app). */
export const PLACEHOLDER_IMAGE =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='4' height='3' viewBox='0 0 4 3' preserveAspectRatio='none'%3E%3Crect width='4' height='3' fill='%23dfe3ea'/%3E%3C/svg%3E";

/** What a URL of the page becomes when it names the brand's site: the address the replay may
 * load it from (the desk's asset address, or the placeholder); `null` when it is not the site's. */
export type SiteAsset = (url: string) => string | null;

const NONE: SiteAsset = () => null;

/** What may sit between `url("` and `")` as is. */
const QUOTABLE = /^[^"\\\n\r\f]*$/;

/** Inline images and fonts: they never leave the machine. */
const INLINE = /^data:(?:image\/(?:png|gif|jpeg|jpg|webp|avif|bmp|svg\+xml)|font\/[a-z0-9.+-]+|application\/(?:x-)?font-[a-z0-9.+-]+)[;,]/i;

/** The functions that name a resource. `url` is judged by its argument; the others go. */
const FUNCTION = /^(-webkit-image-set|image-set|-moz-element|element|expression|url|src)\(/i;

const IDENT_CHAR = /[a-zA-Z0-9_\-\\\u0080-\uffff]/;

/** The CSS, unable to fetch (see the module's doc); `""` when it cannot be made so. */
export function cleanCss(css: string, site: SiteAsset = NONE): string {
  if (typeof css !== "string") return "";
  const cleaned = scan(css, site);
  // What escapes spell must be clean already: the decoded text must need no change.
  if (cleaned.includes("\\")) {
    const decoded = decodeEscapes(cleaned);
    if (scan(decoded, site) !== decoded) return "";
  }
  return cleaned;
}

/** True when the text names nothing to fetch (cleaning it changes nothing). */
export function isCleanCss(css: string, site: SiteAsset = NONE): boolean {
  return cleanCss(css, site) === css;
}

function scan(css: string, site: SiteAsset): string {
  let out = "";
  let i = 0;
  const n = css.length;
  while (i < n) {
    const c = css[i];
    if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out += css.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      const stop = endOfString(css, i);
      out += css.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === "\\") {
      out += css.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "@" && /^@import\b/i.test(css.slice(i, i + 8))) {
      i = endOfStatement(css, i);
      continue;
    }
    if (!IDENT_CHAR.test(css[i - 1] ?? " ")) {
      const match = FUNCTION.exec(css.slice(i, i + 20));
      if (match) {
        const open = i + match[0].length;
        const close = endOfFunction(css, open);
        const name = match[1].toLowerCase();
        out += name === "url" ? url(css.slice(i, close), css.slice(open, close - 1), site) : "none";
        i = close;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** What `url(…)` becomes: itself when local or inline, the placeholder for the site, or `none`. */
function url(whole: string, inner: string, site: SiteAsset): string {
  const target = unquote(inner.trim());
  if (target.startsWith("#") && !/[()\\]/.test(target)) return whole;
  if (INLINE.test(target) && !/[)\\'"]/.test(target)) return whole;
  const asset = site(target);
  return asset !== null && QUOTABLE.test(asset) ? `url("${asset}")` : "none";
}

function unquote(text: string): string {
  const q = text[0];
  if ((q === '"' || q === "'") && text.endsWith(q) && text.length >= 2) return text.slice(1, -1);
  return text;
}

/** The index after the string that starts at `start` (its quote), escapes skipped. */
function endOfString(css: string, start: number): number {
  const quote = css[start];
  let i = start + 1;
  while (i < css.length) {
    const c = css[i];
    if (c === "\\") i += 2;
    else if (c === quote || c === "\n") return i + 1;
    else i++;
  }
  return css.length;
}

/** The index after the `)` that closes a function opened just before `start`. */
function endOfFunction(css: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < css.length) {
    const c = css[i];
    if (c === "\\") i += 2;
    else if (c === '"' || c === "'") i = endOfString(css, i);
    else if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      i = end < 0 ? css.length : end + 2;
    } else {
      if (c === "(") depth++;
      else if (c === ")" && --depth === 0) return i + 1;
      i++;
    }
  }
  return css.length;
}

/** The index after an at-rule statement (`@import …;`), strings and blocks skipped. */
function endOfStatement(css: string, start: number): number {
  let i = start;
  while (i < css.length) {
    const c = css[i];
    if (c === "\\") i += 2;
    else if (c === '"' || c === "'") i = endOfString(css, i);
    else if (c === "(") i = endOfFunction(css, i + 1);
    else if (c === ";") return i + 1;
    else if (c === "{" || c === "}") return i;
    else i++;
  }
  return css.length;
}

/** CSS escapes decoded (`\75 rl` → `url`, `\(` → `(`), line continuations dropped. */
export function decodeEscapes(css: string): string {
  return css.replace(/\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(\r\n|[\n\r\f])|([\s\S]))/g, (_m, hex: string, _nl: string, ch: string) => {
    if (hex) {
      const code = parseInt(hex, 16);
      return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? "\ufffd" : String.fromCodePoint(code);
    }
    return ch ?? "";
  });
}
