/**
 * Visitor content is hostile (DESIGN §8): messages are rendered as text, and only links with
 * an http, https or mailto scheme become anchors, whose click goes to `Backend.openExternal`.
 * A mailto link's href is its bare address (`externalUrl`): the headers someone appended
 * (`?cc=…&bcc=…&body=…`) stay in the visible text but not in the link; a mailto that is not
 * one valid address is not a link.
 */
import { externalUrl } from "./backend";

export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

// Candidates only; `externalUrl` decides. Trailing punctuation is left out of the link.
const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"']+|\bwww\.[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}»…]+$/;

export function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    let raw = match[0];
    const trail = raw.match(TRAILING)?.[0] ?? "";
    if (trail) raw = raw.slice(0, raw.length - trail.length);
    const href = externalUrl(raw.toLowerCase().startsWith("www.") ? `https://${raw}` : raw);
    if (href === null) continue;
    const start = match.index ?? 0;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push({ kind: "link", text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}
