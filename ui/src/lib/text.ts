/**
 * Hostile text, shown safely (DESIGN §8). Visitors (and agents) can type invisible characters
 * that reorder or hide what the agent reads: bidi controls turn `invoice‮gpj.exe` into
 * "invoiceexe.jpg" and spill into the app's own text beside it. Two tools:
 *
 * - in the DOM, text someone typed sits in its own isolating element (`<bdi>`), so it cannot
 *   reorder the app's text around it (message bodies keep their text, isolated);
 * - where it is shown on one line (names, file names, box previews, titles, attributes),
 *   `oneLine` removes the bidi and zero-width controls and folds line breaks.
 */

/**
 * Bidi controls: ALM (U+061C), LRM/RLM (U+200E/F), LRE RLE PDF LRO RLO (U+202A–U+202E),
 * LRI RLI FSI PDI (U+2066–U+2069); zero-width and invisible characters: ZWSP ZWNJ ZWJ
 * (U+200B–U+200D), word joiner and invisible operators (U+2060–U+2064), the deprecated format
 * controls (U+206A–U+206F) and the BOM / zero-width no-break space (U+FEFF).
 */
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/gu;

/** Other controls and separators that would break a line: C0, C1, U+2028, U+2029. */
const BREAKS = /[\p{Cc}\u2028\u2029]/gu;

/** A zero-width joiner inside an emoji sequence (👩‍💻) joins glyphs and reorders nothing. */
function joinsEmoji(text: string, at: number): boolean {
  return (
    /\p{Extended_Pictographic}[\uFE0F\u{1F3FB}-\u{1F3FF}]?$/u.test(text.slice(Math.max(0, at - 4), at)) &&
    /^\p{Extended_Pictographic}/u.test(text.slice(at + 1, at + 3))
  );
}

/** Someone's text for a one-line place: no bidi or zero-width controls, no line breaks, runs
 * of white space folded, trimmed. `""` when nothing visible is left. */
export function oneLine(text: string | null | undefined): string {
  if (!text) return "";
  return text
    .replace(INVISIBLE, (c, at: number, all: string) => (c === "\u200D" && joinsEmoji(all, at) ? c : ""))
    .replace(BREAKS, " ")
    .replace(/\s+/gu, " ")
    .trim();
}

/** A file name for display: `oneLine`, split so that the extension is always shown whole
 * (`{ stem: "invoicegpj", ext: ".exe" }`); a name without one has `ext: ""`. */
export function fileNameParts(name: string | null | undefined): { stem: string; ext: string } {
  const clean = oneLine(name);
  const dot = clean.lastIndexOf(".");
  // ".bashrc" and "archive." have no extension to show apart; nor has "a. long sentence".
  if (dot <= 0 || dot === clean.length - 1 || /\s/u.test(clean.slice(dot))) return { stem: clean, ext: "" };
  return { stem: clean.slice(0, dot), ext: clean.slice(dot) };
}

// Lookaheads only: a lookbehind is a syntax error in older WebKit.
const LOCAL = /^(?!\.)(?!.*\.$)[A-Za-z0-9.!$*+/=^_{|}~-]{1,64}$/;
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const DOMAIN = new RegExp(`^(?:${LABEL}\\.)+${LABEL}$`);

/**
 * An e-mail address, and nothing else: one `@`; before it letters, digits and `.!$*+/=^_{|}~-`
 * (no spaces, no `?`, `&`, `%`, `#`, `<`, `>`, quotes, controls or bidi characters); after it a
 * dotted domain of letters, digits and hyphens. So `a@example.com?bcc=evil%40evil.test` is not
 * one: a `mailto:` made from it would carry headers.
 */
export function isEmail(text: string): boolean {
  if (text.length > 254) return false;
  const at = text.indexOf("@");
  if (at < 0 || at !== text.lastIndexOf("@")) return false;
  return LOCAL.test(text.slice(0, at)) && DOMAIN.test(text.slice(at + 1));
}
