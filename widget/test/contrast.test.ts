/** Readable colours from any brand colour (WCAG 2.2 AA: text at least 4.5:1). */
import { describe, expect, it } from "vitest";
import { AA, brandColors, contrast, luminance, mix, parseColor, toHex } from "../src/contrast";
import type { Rgb } from "../src/contrast";
import { CSS } from "../src/styles";

const rgb = (hex: string) => parseColor(hex)!;
const WHITE = rgb("#ffffff");
const SOFT = rgb("#f4f5f7");

/** Every pair the widget draws with a brand colour, and its ratio. */
function pairs(brand: Rgb): [string, number][] {
  const c = brandColors(brand);
  return [
    ["on / brand (header, launcher, bubbles, buttons)", contrast(rgb(c.on), brand)],
    ["on-soft / brand (header's second line)", contrast(rgb(c.onSoft), brand)],
    ["on / avatar (agent's initials)", contrast(rgb(c.on), rgb(c.avatar))],
    ["ink / white (links on the panel)", contrast(rgb(c.ink), WHITE)],
    ["ink / soft (links in the thread)", contrast(rgb(c.ink), SOFT)],
  ];
}

describe("colour maths", () => {
  it("reads the colours browsers compute, and hex", () => {
    expect(parseColor("#b4532a")).toEqual([180, 83, 42]);
    expect(parseColor("#FFF")).toEqual([255, 255, 255]);
    expect(parseColor("rgb(180, 83, 42)")).toEqual([180, 83, 42]);
    expect(parseColor("rgb(180 83 42)")).toEqual([180, 83, 42]);
    expect(parseColor("color(srgb 1 0 0.5)")).toEqual([255, 0, 127.5]);
    // Translucent: as painted over the white panel.
    expect(parseColor("rgba(0, 0, 0, 0.5)")).toEqual([127.5, 127.5, 127.5]);
    expect(parseColor("rgb(0 0 0 / 50%)")).toEqual([127.5, 127.5, 127.5]);
    expect(parseColor("rgba(0, 0, 0, 0)")).toEqual([255, 255, 255]);
    for (const junk of ["", "red", "oklch(0.5 0.1 30)", "#12345", "rgb(a, b, c)", "url(x)"]) expect(parseColor(junk)).toBeNull();
  });

  it("measures as WCAG does", () => {
    expect(contrast(rgb("#000"), WHITE)).toBeCloseTo(21, 6);
    expect(contrast(WHITE, WHITE)).toBe(1);
    expect(luminance(rgb("#808080"))).toBeCloseTo(0.2158, 3);
    expect(contrast(rgb("#b4532a"), WHITE)).toBeCloseTo(4.99, 2);
    expect(toHex(mix(rgb("#000000"), WHITE, 0.5))).toBe("#808080");
  });
});

describe("brand colours", () => {
  it("the demo's brand: the header's second line and the avatar now pass (they were 4.23 and 3.35)", () => {
    const brand = rgb("#b4532a");
    // Before: white at 88 % opacity, and white initials on white at 22 % over the brand.
    expect(contrast(mix(brand, WHITE, 0.88), brand)).toBeCloseTo(4.23, 1);
    expect(contrast(WHITE, mix(brand, WHITE, 0.22))).toBeCloseTo(3.35, 1);
    const c = brandColors(brand);
    expect(c).toEqual({ on: "#ffffff", onSoft: "#fbf6f4", avatar: "#8c4121", ink: "#b4532a" });
    for (const [what, ratio] of pairs(brand)) expect(ratio, what).toBeGreaterThanOrEqual(AA);
  });

  it("light brands get dark text and darker links; dark brands white text", () => {
    expect(brandColors(rgb("#ffd600"))).toMatchObject({ on: "#16171a", ink: "#806b00" });
    expect(brandColors(rgb("#1f9d55")).on).toBe("#16171a"); // white would be 3.49:1
    expect(brandColors(rgb("#4f46e5")).on).toBe("#ffffff");
    expect(brandColors(rgb("#000000"))).toMatchObject({ on: "#ffffff", ink: "#000000" });
  });

  it("mid-tones, where white falls short and the near-black barely reaches, still get AA text", () => {
    // Around luminance 0.18 neither white nor #16171a has much to spare (black is the fallback).
    for (const hex of ["#808080", "#7a7a7a", "#e8890c", "#3d8fd1"]) {
      for (const [what, ratio] of pairs(rgb(hex))) expect(ratio, `${hex} ${what}`).toBeGreaterThanOrEqual(AA);
    }
  });

  it("black and white brands still show the avatar on the header", () => {
    for (const hex of ["#000000", "#ffffff", "#0b0b0b"]) {
      const brand = rgb(hex);
      expect(contrast(rgb(brandColors(brand).avatar), brand), hex).toBeGreaterThanOrEqual(1.15);
    }
  });

  it("every brand colour (a 5,832-colour grid of sRGB) gets AA for all it draws", () => {
    const steps = Array.from({ length: 18 }, (_, i) => i * 15);
    let worst = Infinity;
    for (const r of steps)
      for (const g of steps)
        for (const b of steps)
          for (const [what, ratio] of pairs([r, g, b])) {
            if (ratio < AA) throw new Error(`rgb(${r}, ${g}, ${b}): ${what} is ${ratio.toFixed(2)}:1`);
            worst = Math.min(worst, ratio);
          }
    expect(worst).toBeGreaterThanOrEqual(AA);
  });

  it("the stylesheet's defaults are the default brand's derived colours", () => {
    const defaults = Object.fromEntries([...CSS.matchAll(/--(c|on|on-soft|avatar|c-ink):(#[0-9a-f]+)/g)].map((m) => [m[1], m[2]]));
    const c = brandColors(rgb(defaults.c));
    expect({ on: rgb(defaults.on), onSoft: defaults["on-soft"], avatar: defaults.avatar, ink: defaults["c-ink"] }).toEqual({
      on: rgb(c.on),
      onSoft: c.onSoft,
      avatar: c.avatar,
      ink: c.ink,
    });
  });
});
