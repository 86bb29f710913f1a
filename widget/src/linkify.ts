/**
 * Links in message text (W1): only http, https and mailto become links, opened in a new tab
 * with `rel="noopener noreferrer"`; everything else stays text. Returns DOM nodes made with
 * text nodes and `<a>` elements whose `href` is a parsed, re-serialized URL. A mailto link's
 * href is the bare address (`mailto:a@b.example`): headers written after it (`?cc=…&bcc=…&body=…`)
 * stay in the text, not in the link; a mailto that is not one valid address is no link.
 */
import { isEmail } from "./text";

const CANDIDATE =
  /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"'`]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/gi;

export type Part = { text: string; href?: string };

/** The safe href for what looks like a link, or null. */
export function safeHref(raw: string): string | null {
  let candidate = raw;
  if (/^www\./i.test(candidate)) candidate = `https://${candidate}`;
  else if (!/^(https?:|mailto:)/i.test(candidate) && /^[^\s@:/]+@[^\s@]+$/.test(candidate)) {
    candidate = `mailto:${candidate}`;
  }
  try {
    const url = new URL(candidate);
    if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "mailto:") {
      return null;
    }
    if (url.protocol === "mailto:") {
      const address = decodeURIComponent(url.pathname);
      return isEmail(address) ? `mailto:${address}` : null;
    }
    if (!url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

/** Trailing punctuation belongs to the sentence, not the link (an unbalanced `)` too). */
function trimTrailing(s: string): string {
  for (;;) {
    const last = s.slice(-1);
    if (/[.,;:!?'"*_]/.test(last)) s = s.slice(0, -1);
    else if (last === ")" && (s.match(/\(/g) ?? []).length < (s.match(/\)/g) ?? []).length) {
      s = s.slice(0, -1);
    } else if (last === "]" && !s.includes("[")) s = s.slice(0, -1);
    else return s;
  }
}

export function splitLinks(text: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index ?? 0;
    const raw = trimTrailing(m[0]);
    const href = safeHref(raw);
    if (!href) continue;
    if (start > at) parts.push({ text: text.slice(at, start) });
    parts.push({ text: raw, href });
    at = start + raw.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

export function linkify(text: string): Node[] {
  return splitLinks(text).map((p) => {
    if (!p.href) return document.createTextNode(p.text);
    const a = document.createElement("a");
    a.href = p.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = p.text;
    return a;
  });
}
