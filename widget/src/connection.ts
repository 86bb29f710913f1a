/**
 * The socket to the hub, kept open: capped, jittered backoff between attempts, a ping when the
 * line is quiet to find dead connections (phones, NATs), and an immediate retry when the
 * browser says it is back online. It knows nothing of the protocol beyond "say hello first".
 */
import type { VisitorClientFrame, VisitorServerFrame } from "./protocol";

/** First wait after a failure; doubles up to `MAX_BACKOFF_MS`, each wait jittered to 50–100 %. */
export const BASE_BACKOFF_MS = 500;
/** Longest wait between two attempts: a visitor coming back finds the chat quickly. */
export const MAX_BACKOFF_MS = 15_000;
/** A ping after this much silence… */
export const PING_AFTER_MS = 25_000;
/** …and the connection is given up when nothing answers within this. */
export const PONG_WITHIN_MS = 10_000;

export type ConnState = "connecting" | "open" | "waiting" | "offline";

export interface ConnectionDeps {
  WebSocket: typeof WebSocket;
  random: () => number;
  setTimeout: (f: () => void, ms: number) => unknown;
  clearTimeout: (t: unknown) => void;
  online: () => boolean;
}

export function backoff(attempt: number, random: () => number): number {
  const base = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.5 + random() / 2));
}

export class Connection {
  state: ConnState = "connecting";
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private stopped = false;

  constructor(
    private url: string,
    private hello: () => VisitorClientFrame,
    private onFrame: (f: VisitorServerFrame) => void,
    private onState: (s: ConnState) => void,
    private deps: ConnectionDeps,
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.drop();
  }

  /** Writes a frame once welcomed; false otherwise (the caller keeps it for later). */
  send(frame: VisitorClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== 1 || this.state !== "open") return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** The welcome arrived: the next failure starts the backoff from the beginning. */
  welcomed(): void {
    this.attempt = 0;
  }

  /** The browser went offline: the socket may look alive but nothing gets through. */
  wentOffline(): void {
    if (this.stopped) return;
    this.drop();
    this.setState("offline");
    this.clearTimers();
  }

  /** Back online (or the tab woke up): try now instead of waiting out the backoff. */
  wakeUp(): void {
    if (this.stopped || this.state === "open" || this.state === "connecting") return;
    this.clearTimers();
    this.attempt = 0;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    if (!this.deps.online()) {
      this.setState("offline");
      return;
    }
    this.setState("connecting");
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
      try {
        ws.send(JSON.stringify(this.hello()));
      } catch {
        this.retry();
        return;
      }
      this.armPing();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return;
      this.armPing();
      let frame: VisitorServerFrame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (frame && typeof frame === "object") {
        if (frame.type === "welcome") this.setState("open", true);
        try {
          this.onFrame(frame);
        } catch (e) {
          // A frame this version cannot handle must not stop the ones after it.
          console.error("Pupitre: frame not handled", e);
        }
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.retry();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private retry(): void {
    this.drop();
    if (this.stopped) return;
    this.clearTimers();
    if (!this.deps.online()) {
      this.setState("offline");
      return;
    }
    this.setState("waiting");
    const wait = backoff(this.attempt++, this.deps.random);
    this.retryTimer = this.deps.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, wait);
  }

  private armPing(): void {
    if (this.pingTimer !== null) this.deps.clearTimeout(this.pingTimer);
    this.pingTimer = this.deps.setTimeout(() => {
      this.send({ type: "ping" });
      this.pingTimer = this.deps.setTimeout(() => {
        this.pingTimer = null;
        this.retry(); // nothing came back: this socket is dead
      }, PONG_WITHIN_MS);
    }, PING_AFTER_MS);
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

  private clearTimers(): void {
    if (this.retryTimer !== null) this.deps.clearTimeout(this.retryTimer);
    if (this.pingTimer !== null) this.deps.clearTimeout(this.pingTimer);
    this.retryTimer = this.pingTimer = null;
  }

  private setState(s: ConnState, force = false): void {
    if (this.state === s && !force) return;
    this.state = s;
    this.onState(s);
  }
}
