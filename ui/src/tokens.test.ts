/**
 * The colour tokens of app.css against WCAG 2.2 AA (1.4.3: 4.5:1 for text), in both themes:
 * each text token on every surface it is drawn on. `npm run axe` checks the rendered desk; this
 * checks the pairs in no time, hover fills and states the demo does not show included.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// Read from disk: vitest does not process CSS, so a `?raw` import of it is empty.
const css = readFileSync(join(__dirname, "app.css"), "utf8");

/** WCAG 2.x relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function tokens(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\b/g)].map((m) => [m[1], m[2].toLowerCase()]));
}

const dark = /@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css)![1];
const light = tokens(/:root\s*\{([^}]*)\}/.exec(css)![1]);
const themes = { light, dark: { ...light, ...tokens(dark) } };

/** Surfaces text sits on: the page, panels, boxes, bubbles, banners and notes. */
const SURFACES = ["panel", "bg", "boxes", "bubble-visitor", "bubble-agent", "accent-soft", "waiting", "warn", "note", "active", "whisper"];

/** Text colour → the surfaces it is drawn on (a literal `#fff` for white text on a fill). */
const PAIRS: [string, string[]][] = [
  ["ink", SURFACES],
  ["muted", SURFACES],
  ["faint", SURFACES],
  ["accent", SURFACES],
  ["red-ink", ["panel", "bg", "boxes", "waiting", "bubble-visitor", "bubble-agent"]],
  ["warn-ink", ["panel", "bg", "warn"]],
  ["green-ink", ["panel", "bg", "active"]],
  ["note-ink", ["note"]],
  ["whisper-ink", ["whisper", "panel"]],
  ["rail-ink", ["rail", "rail-on"]],
  ["#ffffff", ["accent-fill", "accent-fill-hover", "danger", "rail-on"]],
];

describe("colour tokens (WCAG 2.2 AA, 4.5:1 for text)", () => {
  for (const [theme, t] of Object.entries(themes)) {
    it(`every text colour on every surface it is drawn on: ${theme}`, () => {
      const failing: string[] = [];
      for (const [text, surfaces] of PAIRS) {
        const fg = text.startsWith("#") ? text : t[text];
        expect(fg, `--${text}`).toBeDefined();
        for (const surface of surfaces) {
          expect(t[surface], `--${surface}`).toBeDefined();
          const ratio = contrast(fg, t[surface]);
          if (ratio < 4.5) failing.push(`${text} on --${surface}: ${ratio.toFixed(2)}:1`);
        }
      }
      expect(failing).toEqual([]);
    });
  }

  it("measures as WCAG does (black on white is 21:1; the old muted grey was 3.09:1)", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#8a93a3", "#ffffff")).toBeCloseTo(3.1, 1);
  });
});
