/**
 * rrweb's `record` options for co-browsing (SPEC C2), in one place for the recorder and its
 * tests: what is masked or left out (`mask.ts`), what rrweb still leaks taken out (`scrub.ts`),
 * and no canvas, inlined image, font, or cross-origin frame. Sampling keeps a live cursor
 * (mouse moves every 50 ms, sent every 100 ms), scrolls every 100 ms, and a field's value once
 * it changed (`input: "last"`); a new full snapshot every minute.
 */
import type { record } from "rrweb";
import { MASK_INPUTS, MASK_TEXT_SELECTOR, blockSelector, maskInput, maskText } from "./mask";
import type { Scrubber } from "./scrub";

export type RecordOptions = NonNullable<Parameters<typeof record>[0]>;

export function recordOptions(o: {
  /** The admin's selectors, already checked (`usableSelectors`). */
  unmask: string[];
  mask: string[];
  /** The widget's own element. */
  host: string;
  scrubber: Scrubber;
  emit: (event: { type: number }) => void;
}): RecordOptions {
  return {
    emit: (event) => o.emit(event as { type: number }),
    // Every kind masked, by name; never `maskAllInputs` (no `hidden`, and it overrides this).
    maskInputOptions: MASK_INPUTS,
    maskInputFn: maskInput(o.unmask),
    maskTextSelector: MASK_TEXT_SELECTOR,
    maskTextFn: maskText,
    blockSelector: blockSelector(o.mask, o.host),
    recordCanvas: false,
    inlineImages: false,
    collectFonts: false,
    recordCrossOriginIframes: false,
    inlineStylesheet: true,
    slimDOMOptions: "all",
    sampling: { mousemove: 50, mousemoveCallback: 100, scroll: 100, input: "last" },
    checkoutEveryNms: 60_000,
    // The widget starts after the DOM is ready: no need to wait for every image.
    recordAfter: "DOMContentLoaded",
    plugins: [{ name: "pupitre/scrub", eventProcessor: o.scrubber.process, options: {} }],
  };
}
