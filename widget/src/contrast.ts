/**
 * Readable colours from any brand colour (WCAG 2.2 AA, 1.4.3: text at least 4.5:1 on what it
 * sits on). The project picks one colour; the widget derives the rest:
 * - `on`: text on the brand colour (header, launcher, the visitor's bubbles, buttons): white or
 *   the widget's near-black, whichever reads better, and pure black for the mid-tones where
 *   neither reaches 4.5:1 (one of white and black always does);
 * - `onSoft`: the header's second line, `on` leaning toward the brand as far as AA allows;
 * - `avatar`: the agent's initials circle in the header, the brand moved away from `on` (darker
 *   under white text, lighter under dark text), so its initials read at least as well (for a
 *   black or white brand, toward `on` as far as AA allows, to still show);
 * - `ink`: the brand colour as text on the widget's white and grey (links), darkened as little
 *   as needed.
 * Pure: no DOM. Colours are `[r, g, b]`, 0–255.
 */
export type Rgb = readonly [number, number, number];

/** WCAG AA for normal text. */
export const AA = 4.5;
const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
/** The widget's own ink (styles.ts `--ink` is close to it). */
const NEAR_BLACK: Rgb = [0x16, 0x17, 0x1a];
/** The surfaces brand-coloured text sits on: the panel and the thread (styles.ts `--soft`). */
const LIGHT_SURFACES: Rgb[] = [WHITE, [0xf4, 0xf5, 0xf7]];

/**
 * A colour as the browser computes it (`rgb(…)`, `rgba(…)`, `color(srgb …)`) or written as
 * `#rgb`/`#rrggbb`; a translucent one is taken over white (the panel). Null when unknown.
 */
export function parseColor(value: string): Rgb | null {
  const v = value.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(v);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join("") : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb;
  }
  const n = "([\\d.]+%?)";
  const rgb = new RegExp(`^rgba?\\(\\s*${n}[\\s,]+${n}[\\s,]+${n}(?:[\\s,/]+${n})?\\s*\\)$`).exec(v);
  const srgb = new RegExp(`^color\\(srgb\\s+${n}\\s+${n}\\s+${n}(?:\\s*/\\s*${n})?\\s*\\)$`).exec(v);
  const m = rgb ?? srgb;
  if (!m) return null;
  const scale = rgb ? 255 : 1;
  const channel = (s: string) => (s.endsWith("%") ? (parseFloat(s) / 100) * 255 : (parseFloat(s) * 255) / scale);
  const alpha = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
  const c = [m[1], m[2], m[3]].map(channel);
  if (c.some((x) => !Number.isFinite(x)) || !Number.isFinite(alpha)) return null;
  return c.map((x) => Math.min(255, Math.max(0, x * alpha + 255 * (1 - alpha)))) as unknown as Rgb;
}

/** WCAG 2.x relative luminance. */
export function luminance(c: Rgb): number {
  const [r, g, b] = c.map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1 to 21. */
export function contrast(a: Rgb, b: Rgb): number {
  const x = luminance(a);
  const y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** `a` moved toward `b` by `t` (0 = a, 1 = b). */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t)) as unknown as Rgb;
}

export function toHex(c: Rgb): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;
}

export type BrandColors = { on: string; onSoft: string; avatar: string; ink: string };

/** What the widget draws with a brand colour: see the top of this file. */
export function brandColors(brand: Rgb): BrandColors {
  const better = contrast(WHITE, brand) >= contrast(NEAR_BLACK, brand) ? WHITE : NEAR_BLACK;
  const on = contrast(better, brand) >= AA ? better : contrast(WHITE, brand) >= AA ? WHITE : BLACK;
  let onSoft = on;
  for (let t = 0.3; t > 0; t -= 0.05) {
    const c = mix(on, brand, t);
    if (contrast(c, brand) >= AA) {
      onSoft = c;
      break;
    }
  }
  let avatar = luminance(on) > luminance(brand) ? mix(brand, BLACK, 0.22) : mix(brand, WHITE, 0.3);
  // Black or white brands have no further to go: the circle then leans toward `on` instead, as
  // far as its initials keep AA, so it still shows on the header.
  for (let t = 0.22; contrast(avatar, brand) < 1.15 && t > 0; t -= 0.02) avatar = mix(brand, on, t);
  if (contrast(on, avatar) < AA) avatar = brand;
  let ink = brand;
  // Darker in 5 % steps until it reads on both light surfaces (black always does).
  for (let t = 0.05; LIGHT_SURFACES.some((s) => contrast(ink, s) < AA); t += 0.05) ink = mix(brand, BLACK, Math.min(1, t));
  return { on: toHex(on), onSoft: toHex(onSoft), avatar: toHex(avatar), ink: toHex(ink) };
}
