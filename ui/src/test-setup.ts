import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/svelte";
import { afterEach } from "vitest";

afterEach(() => cleanup());
// The CI machine has 2 cores and may be building meanwhile: give async UI checks room.
configure({ asyncUtilTimeout: 10_000 });

/**
 * jsdom has no layout. The virtualized thread (virtua) needs a ResizeObserver and element
 * scrolling; these stand-ins give every observed scroll viewport a fixed size, so VList renders
 * the rows that would fit (each row keeps virtua's 40 px estimate: jsdom measures nothing), and
 * make `scrollTo`/`scrollBy` move `scrollTop` and fire `scroll` as a browser would.
 */
export const TEST_VIEWPORT = { width: 600, height: 600 };

class TestResizeObserver {
  #callback: ResizeObserverCallback;
  constructor(callback: ResizeObserverCallback) {
    this.#callback = callback;
  }
  observe(target: Element) {
    // Only scroll viewports get a size: rows are never "laid out" (offsetParent is null).
    queueMicrotask(() =>
      this.#callback(
        [{ target, contentRect: { ...TEST_VIEWPORT, top: 0, left: 0, x: 0, y: 0, bottom: TEST_VIEWPORT.height, right: TEST_VIEWPORT.width } } as unknown as ResizeObserverEntry],
        this as unknown as ResizeObserver,
      ),
    );
  }
  unobserve() {}
  disconnect() {}
}

if (typeof window !== "undefined") {
  window.ResizeObserver ??= TestResizeObserver as unknown as typeof ResizeObserver;
  const scroll = function (this: Element, top: number) {
    this.scrollTop = Math.max(0, top);
    this.dispatchEvent(new Event("scroll"));
  };
  Element.prototype.scrollTo ??= function (this: Element, options?: ScrollToOptions | number, y?: number) {
    scroll.call(this, typeof options === "number" ? (y ?? 0) : (options?.top ?? this.scrollTop));
  } as Element["scrollTo"];
  Element.prototype.scrollBy ??= function (this: Element, options?: ScrollToOptions | number, y?: number) {
    scroll.call(this, this.scrollTop + (typeof options === "number" ? (y ?? 0) : (options?.top ?? 0)));
  } as Element["scrollBy"];
}
