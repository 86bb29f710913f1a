/**
 * The live replay of a visitor's page (D5, C4), loaded on demand (`import("./replay")`): rrweb's
 * Replayer and its stylesheet are a chunk of their own, fetched the first time a page is shown,
 * so the desk starts as fast without them.
 *
 * `LiveReplay` takes the view's batches of recorder events (`ViewMessage.events`):
 * - every event goes through the `ReplayRewriter` first (C4: nothing in the replay may run or
 *   fetch anything);
 * - a batch that begins with a full snapshot (`full`) starts a fresh Replayer (rrweb's live mode
 *   never lets go of the events it played: a new one at each full snapshot bounds the memory),
 *   started with `startLive` at the first event's time minus a small buffer (the visitor's clock
 *   is not the agent's), its later batches retimed by the `Pacer`;
 * - a batch that is not full while there is no replay (the view joined mid-page, or the replay
 *   failed) is dropped and reported (`need_full`): the panel asks the page for a fresh snapshot.
 *
 * The Replayer's iframe is its own sandbox (exactly `allow-same-origin`: no scripts, no forms, no
 * navigation); `UNSAFE_replayCanvas` is never set (it would let scripts run, same-origin with the
 * desk). The agent cannot interact with the replay (`disableInteract`), focus is never moved into
 * it (`triggerFocus: false`), and the visitor's mouse leaves a short trail.
 */
import { Replayer } from "rrweb";
import "rrweb/dist/style.css";
import { ReplayRewriter, EVENT, type ReplayEvent } from "./rewrite";
import { Pacer } from "./pacer";
import type { Point, Size } from "./session";

/** How far behind the visitor the replay plays, ms (smooths the batches' arrival). */
export const BUFFER_MS = 300;

export type ReplayHooks = {
  /** The visitor's viewport size changed (Meta, resize). */
  onSize(size: Size): void;
  /** The page's address (Meta), `http(s)` only. */
  onPage(href: string | null): void;
};

export type PushResult = "ok" | "need_full";

export class LiveReplay {
  #root: HTMLElement;
  #origins: readonly string[];
  #asset: ((url: string) => string) | null;
  #hooks: ReplayHooks;
  #title: string;
  #replayer: Replayer | null = null;
  #rewriter: ReplayRewriter | null = null;
  #pacer: Pacer | null = null;

  /** `root`: where the replay is drawn; `frameTitle`: the iframe's accessible title. */
  /** `root`'s replay loads the site's images and fonts from `asset`'s addresses (C4). */
  constructor(
    root: HTMLElement,
    siteOrigins: readonly string[],
    hooks: ReplayHooks,
    frameTitle: string,
    asset: ((url: string) => string) | null = null,
  ) {
    this.#root = root;
    this.#origins = siteOrigins;
    this.#asset = asset;
    this.#hooks = hooks;
    this.#title = frameTitle;
  }

  /** rrweb's wrapper element (what is scaled to fit), once a replay runs. */
  get wrapper(): HTMLElement | null {
    return this.#replayer?.wrapper ?? null;
  }

  /** How far the visitor has scrolled their page, CSS pixels. */
  get scroll(): Point {
    const win = this.#replayer?.iframe.contentWindow;
    return { x: win?.scrollX ?? 0, y: win?.scrollY ?? 0 };
  }

  /** A batch of events from the view (the JSON array, parsed). Throws when the replay fails. */
  push(full: boolean, raw: readonly unknown[]): PushResult {
    if (full) return this.#start(raw);
    if (!this.#replayer || !this.#rewriter || !this.#pacer) return "need_full";
    const events = this.#pacer.pace(this.#rewriter.rewrite(raw));
    this.#watch(events);
    for (const event of events) this.#replayer.addEvent(event as never);
    return "ok";
  }

  destroy(): void {
    const replayer = this.#replayer;
    this.#replayer = null;
    this.#rewriter = null;
    this.#pacer = null;
    if (!replayer) return;
    try {
      replayer.destroy();
    } catch {
      // Already gone with its root.
    }
  }

  #start(raw: readonly unknown[]): PushResult {
    this.destroy();
    const rewriter = new ReplayRewriter(this.#origins, this.#asset);
    const events = rewriter.rewrite(raw);
    if (!events.some((e) => e.type === EVENT.FullSnapshot)) return "need_full";
    const pacer = new Pacer(BUFFER_MS);
    const baseline = pacer.begin(events);
    pacer.pace(events);
    const replayer = new Replayer([], {
      root: this.#root,
      liveMode: true,
      triggerFocus: false,
      mouseTail: { duration: 700, lineCap: "round", lineWidth: 3, strokeStyle: "rgba(59, 91, 219, 0.6)" },
      UNSAFE_replayCanvas: false,
      showWarning: false,
      showDebug: false,
      pauseAnimation: true,
    });
    this.#replayer = replayer;
    this.#rewriter = rewriter;
    this.#pacer = pacer;
    replayer.iframe.title = this.#title;
    replayer.iframe.tabIndex = -1;
    replayer.disableInteract();
    replayer.on("resize", (size) => {
      const { width, height } = size as Size;
      if (width > 0 && height > 0) this.#hooks.onSize({ width, height });
    });
    replayer.startLive(baseline);
    this.#watch(events);
    for (const event of events) replayer.addEvent(event as never);
    return "ok";
  }

  /** What the panel shows of the events: the page's address. */
  #watch(events: readonly ReplayEvent[]): void {
    for (const event of events) {
      if (event.type === EVENT.Meta) {
        const href = event.data.href;
        this.#hooks.onPage(typeof href === "string" && href !== "" ? href : null);
      }
    }
  }
}
