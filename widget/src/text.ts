/**
 * Text someone typed, shown safely (DESIGN §8): an agent's name, a file name. Bidi controls
 * (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) and zero-width characters (U+200B–U+200D,
 * U+2060–U+2064, U+206A–U+206F, U+FEFF) could reorder or hide what the visitor reads, so
 * one-line places drop them (`oneLine`), and the DOM isolates such text in a `<bdi>` (dom.ts).
 */

const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

/** On one line: no bidi or zero-width controls, no line breaks or other controls, white space
 * folded, trimmed. A ZWJ inside an emoji sequence (👩‍💻) stays: it reorders nothing. */
export function oneLine(text: unknown): string {
  if (typeof text !== "string") return "";
  return text
    .replace(INVISIBLE, (c, at: number, all: string) =>
      c === "\u200D" &&
      /\p{Extended_Pictographic}[\uFE0F\u{1F3FB}-\u{1F3FF}]?$/u.test(all.slice(Math.max(0, at - 4), at)) &&
      /^\p{Extended_Pictographic}/u.test(all.slice(at + 1, at + 3))
        ? c
        : "",
    )
    .replace(/[\p{Cc}\u2028\u2029\s]+/gu, " ")
    .trim();
}

/**
 * One e-mail address and nothing else: one `@`; before it letters, digits and `.!$*+/=^_{|}~-`
 * (no spaces, `?`, `&`, `%`, `#`, `<`, `>`, quotes, controls or bidi characters); after it a
 * dotted domain of letters, digits and hyphens. `a@b.example?bcc=…` is not one.
 */
export function isEmail(text: string): boolean {
  const at = text.indexOf("@");
  return (
    text.length <= 254 &&
    at > 0 &&
    at === text.lastIndexOf("@") &&
    /^(?!\.)(?!.*\.$)[A-Za-z0-9.!$*+/=^_{|}~-]{1,64}$/.test(text.slice(0, at)) &&
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(text.slice(at + 1))
  );
}
