/**
 * The page's socket to the hub's relay, `/ws/cobrowse` (`crates/server/src/relay.rs`): a text
 * hello `{relay, side: "visitor"}`, then binary frames (`batch.ts`); the relay answers with
 * text notices (`checkout`: send a full snapshot now; `ended`: the session is over and the
 * socket closes). A socket that closes otherwise comes back after 1 s, 2 s, 4 s… at most 15 s,
 * and starts again with a full snapshot. Pure: the WebSocket class and the timers are handed in.
 */
import type { RelayHello, RelayNotice } from "../protocol";

export const RELAY_BACKOFF_MS = 1_000;
export const RELAY_MAX_BACKOFF_MS = 15_000;
/** A socket open this long before it closed starts the backoff again from 1 s. */
export const STABLE_MS = 10_000;
/** More than this waiting in the socket: frames are dropped (a full snapshot follows). */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** The relay's close code for a key it does not know: the session is over. */
export const NO_SUCH_RELAY = 4404;
/** The relay's reason when another page of the same session took over. */
const REPLACED = "replaced by another page";

/** Why the link stopped for good: the session ended, the relay no longer knows it, or another
 * page (another tab) records it now. */
export type LinkEnd = "ended" | "gone" | "replaced";

export interface LinkDeps {
  WebSocket: typeof WebSocket;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
  now(): number;
}

export interface LinkHooks {
  /** The socket is open and said hello: a full snapshot now. */
  open(): void;
  /** The socket went; it comes back by itself. */
  down(): void;
  /** The relay asks for a full snapshot. */
  checkout(): void;
  ended(why: LinkEnd): void;
}

/** `ws(s)://HUB/ws/cobrowse` from the hub's `http(s)://` origin. */
export function relayUrl(hub: string): string {
  return `${hub.replace(/^http/i, "ws").replace(/\/+$/, "")}/ws/cobrowse`;
}

export function relayBackoff(attempt: number): number {
  return Math.min(RELAY_MAX_BACKOFF_MS, RELAY_BACKOFF_MS * 2 ** Math.min(attempt, 10));
}

export class RelayLink {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private openedAt: number | null = null;
  private stopped = false;

  constructor(
    private url: string,
    private relay: string,
    private deps: LinkDeps,
    private hooks: LinkHooks,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** No more frames, no reconnection. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    this.openedAt = null;
    this.drop();
  }

  /** Open, hello said, and not too far behind. */
  ready(): boolean {
    const ws = this.ws;
    return !!ws && this.openedAt !== null && ws.readyState === 1 && ws.bufferedAmount < MAX_BUFFERED_BYTES;
  }

  send(frame: Uint8Array): boolean {
    if (!this.ready()) return false;
    try {
      this.ws!.send(frame as Uint8Array<ArrayBuffer>);
      return true;
    } catch {
      return false;
    }
  }

  private connect(): void {
    if (this.stopped) return;
    let ws: WebSocket;
    try {
      ws = new this.deps.WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      const hello: RelayHello = { relay: this.relay, side: "visitor" };
      try {
        ws.send(JSON.stringify(hello));
      } catch {
        return; // onclose follows
      }
      this.openedAt = this.deps.now();
      this.hooks.open();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws || typeof ev.data !== "string") return;
      let notice: RelayNotice;
      try {
        notice = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (notice?.type === "checkout") this.hooks.checkout();
      else if (notice?.type === "ended") this.finish(notice.reason === REPLACED ? "replaced" : "ended");
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev?.code === NO_SUCH_RELAY) return this.finish("gone");
      this.hooks.down();
      this.retry();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private finish(why: LinkEnd): void {
    if (this.stopped) return;
    this.stop();
    this.hooks.ended(why);
  }

  private retry(): void {
    this.drop();
    if (this.stopped) return;
    if (this.openedAt !== null && this.deps.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
    this.openedAt = null;
    const wait = relayBackoff(this.attempt++);
    this.timer = this.deps.setTimeout(() => {
      this.timer = null;
      this.connect();
    }, wait);
  }

  private drop(): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        /* already closed */
      }
    }
  }
}
