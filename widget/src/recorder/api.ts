/**
 * What `cobrowse.js` (the recorder, loaded on consent only) offers the widget:
 * `window.__pupitreCobrowse`. Types only: the widget's bundle holds none of the recorder.
 */

/** Why the recorder stopped by itself: the relay said the session ended (`ended`), no longer
 * knows it (`gone`), another page of the session took over (`replaced`: another tab), or the
 * page's full snapshot is larger than a relay frame (`too_large`). */
export type RecorderEnd = "ended" | "gone" | "replaced" | "too_large";

export interface RecorderOptions {
  /** The hub's origin (`https://hub.example`). */
  hub: string;
  /** The session's relay key. */
  relay: string;
  /** The admin's selectors (`WidgetConfig.cobrowse`), checked again here. */
  unmask?: string[];
  mask?: string[];
  /** A selector of the widget's own element, never recorded. */
  host: string;
  onEnd(why: RecorderEnd): void;
}

export interface Recording {
  /** Stops at once: no more events, the socket closes. */
  stop(): void;
  /** The agent points at `x, y` (the page's CSS pixels from the document's top left): a ring
   * there for a few seconds, drawn in `layer` (the widget's shadow root, with its `--c`). */
  point(x: number, y: number, layer: Element): void;
}

export interface RecorderApi {
  version: 1;
  start(options: RecorderOptions): Recording;
}

/** The global the recorder sets. */
export const RECORDER_GLOBAL = "__pupitreCobrowse";
