/**
 * The agent's pointer (guiding, after the visitor's second consent): a ring at a point of the
 * page for `POINT_MS`, with a wave around it, scrolled into view when it is outside the
 * viewport. It is drawn in the widget's shadow root (which is never recorded), follows the
 * page's scroll, and never takes a click (`pointer-events: none`). In the recorder's script,
 * not the widget's: it is only needed while the page is shared.
 */

export const POINT_MS = 4_000;
const SIZE = 52;

let current: (() => void) | null = null;

export function point(x: number, y: number, layer: Element, win: Window = window): void {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return;
  current?.();
  const doc = layer.ownerDocument;
  const color = "var(--c, #4f46e5)";
  const circle = (size: number, css: Partial<CSSStyleDeclaration>) => {
    const el = doc.createElement("div");
    Object.assign(el.style, {
      position: "absolute",
      left: "50%",
      top: "50%",
      width: `${size}px`,
      height: `${size}px`,
      margin: `${-size / 2}px 0 0 ${-size / 2}px`,
      borderRadius: "50%",
      boxSizing: "border-box",
      pointerEvents: "none",
      ...css,
    });
    return el;
  };
  // A solid ring with a white halo (it shows on any page), a dot at the point, a wave around.
  const ring = circle(SIZE, {
    position: "fixed",
    border: `4px solid ${color}`,
    boxShadow: "0 0 0 3px #fff, inset 0 0 0 2px #fff, 0 2px 14px rgba(0,0,0,.35)",
    zIndex: "2",
  });
  ring.className = "ring";
  ring.setAttribute("aria-hidden", "true");
  const wave = circle(SIZE, { border: `3px solid ${color}` });
  ring.append(wave, circle(12, { background: color, border: "2px solid #fff" }));
  const place = () => {
    ring.style.left = `${x - win.scrollX}px`;
    ring.style.top = `${y - win.scrollY}px`;
  };
  const still = !!win.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
  if (x < win.scrollX || x > win.scrollX + win.innerWidth || y < win.scrollY || y > win.scrollY + win.innerHeight) {
    win.scrollTo({
      left: Math.max(0, x - win.innerWidth / 2),
      top: Math.max(0, y - win.innerHeight / 2),
      behavior: still ? "auto" : "smooth",
    });
  }
  place();
  win.addEventListener("scroll", place, { passive: true });
  layer.appendChild(ring);
  if (!still && typeof wave.animate === "function") {
    wave.animate(
      [
        { transform: "scale(1)", opacity: 0.9 },
        { transform: "scale(2.2)", opacity: 0 },
      ],
      { duration: 1200, iterations: Infinity, easing: "ease-out" },
    );
  }
  const off = () => {
    win.removeEventListener("scroll", place);
    win.clearTimeout(timer);
    ring.remove();
    if (current === off) current = null;
  };
  const timer = win.setTimeout(off, POINT_MS);
  current = off;
}
