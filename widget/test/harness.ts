/** A widget in jsdom with a scripted hub: a fake WebSocket, a fake fetch, manual timers. */
import type { VisitorClientFrame, VisitorServerFrame, WidgetConfig, Message } from "../src/protocol";
import type { Entry } from "../src/outbox";
import type { KV } from "../src/storage";
import { Widget } from "../src/widget";
import type { Env } from "../src/widget";

export class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: VisitorClientFrame[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = 3;
  }
  // hub side
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  push(frame: VisitorServerFrame | Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
  of<K extends VisitorClientFrame["type"]>(type: K): Extract<VisitorClientFrame, { type: K }>[] {
    return this.sent.filter((f) => f.type === type) as Extract<VisitorClientFrame, { type: K }>[];
  }
}

export class Clock {
  t = 1_700_000_000_000;
  timers: { at: number; f: () => void; id: number }[] = [];
  private id = 0;
  now = () => this.t;
  setTimeout = (f: () => void, ms: number) => {
    const id = ++this.id;
    this.timers.push({ at: this.t + ms, f, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.f();
    }
    this.t = end;
  }
}

export function memoryKV(init?: Map<string, string>): KV & { data: Map<string, string> } {
  const data = init ?? new Map<string, string>();
  return {
    data,
    get: (k) => data.get(k) ?? null,
    set: (k, v) => (data.set(k, v), true),
    remove: (k) => void data.delete(k),
  };
}

export const CONFIG: WidgetConfig = {
  project: "DEMO",
  name: "Maison Lumière",
  color: "#b4532a",
  font: "Georgia, serif",
  email_capture: true,
  max_file_bytes: 1024 * 1024,
  file_types: ["image/png", "application/pdf"],
};

export interface Setup {
  widget: Widget;
  clock: Clock;
  kv: ReturnType<typeof memoryKV>;
  fetches: { url: string; init?: RequestInit }[];
  socket(): FakeSocket;
  shadow: ShadowRoot;
  connect(welcome?: Partial<Extract<VisitorServerFrame, { type: "welcome" }>>): FakeSocket;
}

/** `tab`: another widget in the same window (a second tab sharing the storage); the first
 * one's page and sockets stay. */
/** `win`: the window the widget sees (a stand-in for jsdom's, whose `location` cannot be
 * watched). */
export function setup(opts: { kv?: ReturnType<typeof memoryKV>; language?: string; config?: Partial<WidgetConfig>; fetch?: typeof fetch; tab?: boolean; win?: Window } = {}): Setup {
  if (!opts.tab) {
    document.body.replaceChildren();
    FakeSocket.all = [];
  }
  const sockets: FakeSocket[] = [];
  class TabSocket extends FakeSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  const clock = new Clock();
  const kv = opts.kv ?? memoryKV();
  const fetches: { url: string; init?: RequestInit }[] = [];
  const fakeFetch =
    opts.fetch ??
    ((async (url: string, init?: RequestInit) => {
      fetches.push({ url, init });
      return new Response(JSON.stringify({ code: "not_found", message: "no" }), { status: 404 });
    }) as unknown as typeof fetch);
  const env: Env = {
    window: opts.win ?? window,
    document,
    fetch: ((url: string, init?: RequestInit) => {
      fetches.push({ url, init });
      return fakeFetch(url, init);
    }) as unknown as typeof fetch,
    WebSocket: TabSocket as unknown as typeof WebSocket,
    storage: kv,
    now: clock.now,
    random: () => 0.5,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
  };
  const widget = new Widget({
    hub: "http://hub.test",
    project: "DEMO",
    config: { ...CONFIG, ...opts.config },
    env,
    language: opts.language ?? "en-GB",
  });
  widget.mount();
  widget.start();
  const socket = () => sockets[sockets.length - 1];
  return {
    widget,
    clock,
    kv,
    fetches,
    socket,
    shadow: widget.root,
    connect(welcome = {}) {
      const s = socket();
      s.open();
      s.push({ type: "welcome", version: 1, token: "tok-1", visitor_id: "v1", seq: 10, history: [], seen: 0, ...welcome });
      return s;
    },
  };
}

let nextId = 100;
export function message(partial: Partial<Message> & { text?: string }): Message {
  const { text, ...rest } = partial;
  return {
    id: ++nextId,
    conversation: "DEMO-1",
    client_id: null,
    author: { kind: "agent", id: 1, name: "Alice Martin" },
    body: { kind: "text", text: text ?? "hello" },
    at: 1_700_000_000_000,
    ...rest,
  };
}

/** The entries waiting in a stored outbox (R12); [] when there is none. */
export function storedOutbox(kv: KV, key = "pupitre:DEMO:outbox"): Entry[] {
  const text = kv.get(key);
  return text ? (JSON.parse(text) as { entries: Entry[] }).entries : [];
}

/** Lets queued microtasks (renders) run. */
export const tick = () => new Promise((r) => setTimeout(r, 0));

export function $(root: ParentNode, sel: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(sel);
  if (!el) throw new Error(`no ${sel}`);
  return el;
}
