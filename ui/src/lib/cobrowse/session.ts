/**
 * Co-browsing on the desk (D5, C1, C4): the pure parts of the mirroring panel — fitting the
 * visitor's page in the panel, turning a click on it into the page's coordinates (pointing),
 * and which addresses guiding may send the visitor to.
 */
import type { CobrowseEnd } from "../protocol";

export type Size = { width: number; height: number };
export type Point = { x: number; y: number };

/** Where the page is drawn in the panel: its scale and its top-left corner, in panel pixels. */
export type Fit = { scale: number; left: number; top: number; width: number; height: number };

/**
 * The visitor's viewport (`page`, CSS pixels) fitted in the panel (`box`): as large as fits,
 * never enlarged, centred.
 */
export function fitPage(page: Size, box: Size): Fit {
  if (page.width <= 0 || page.height <= 0 || box.width <= 0 || box.height <= 0) return { scale: 1, left: 0, top: 0, width: 0, height: 0 };
  const scale = Math.min(box.width / page.width, box.height / page.height, 1);
  const width = page.width * scale;
  const height = page.height * scale;
  return { scale, left: Math.max(0, (box.width - width) / 2), top: Math.max(0, (box.height - height) / 2), width, height };
}

/**
 * C1, pointing: a click on the drawn page (`at`, panel pixels from the drawn page's top left)
 * in the page's CSS pixels from the top left of the whole page — unscaled, plus how far the
 * visitor has scrolled. Rounded to the pixel, never negative.
 */
export function toPagePoint(at: Point, scale: number, scroll: Point): Point {
  const s = scale > 0 ? scale : 1;
  return {
    x: Math.max(0, Math.round(at.x / s + scroll.x)),
    y: Math.max(0, Math.round(at.y / s + scroll.y)),
  };
}

/** The origin of an http(s) URL, or `null`. */
export function httpOrigin(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** The origins guiding may send the visitor to: the brand's site origins, or when the admin
 * listed none, the origin of the page the visitor is on. */
export function guideOrigins(siteOrigins: readonly string[], page: string | null): string[] {
  const listed = siteOrigins.map((o) => httpOrigin(o)).filter((o): o is string => o !== null);
  if (listed.length > 0) return [...new Set(listed)];
  const own = httpOrigin(page);
  return own ? [own] : [];
}

export type GuideCheck = { ok: true; url: string } | { ok: false; reason: "not_a_url" | "elsewhere"; origins: string[] };

/** C1, "Send to page": the address typed, when guiding may send the visitor there. */
export function checkGuideUrl(raw: string, siteOrigins: readonly string[], page: string | null): GuideCheck {
  const origins = guideOrigins(siteOrigins, page);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: "not_a_url", origins };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: "not_a_url", origins };
  if (url.username !== "" || url.password !== "" || !origins.includes(url.origin)) return { ok: false, reason: "elsewhere", origins };
  return { ok: true, url: url.href };
}

/** What "Send to page" starts from: the visitor's current page's origin (with `/`). */
export function guideDefault(page: string | null, siteOrigins: readonly string[]): string {
  const own = httpOrigin(page);
  if (own) return `${own}/`;
  const first = guideOrigins(siteOrigins, null)[0];
  return first ? `${first}/` : "https://";
}

/** The ends the desk tells the agent about: a refusal, the visitor's Stop, the admin's switch,
 * a page too large. */
export type EndNote = Exclude<CobrowseEnd, "stopped_by_agent" | "conversation_moved">;

/** Why a session ended, when the agent should be told; the agent's own Stop and a conversation
 * that left need no note. */
export function endNote(end: CobrowseEnd | null): EndNote | null {
  return end === null || end === "stopped_by_agent" || end === "conversation_moved" ? null : end;
}
