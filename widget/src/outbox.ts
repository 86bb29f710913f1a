/**
 * The outbox (R12): every frame that changes something carries a client id and stays here,
 * persisted in localStorage, until the hub acknowledges it. After a reconnect everything not
 * acknowledged is sent again with the same id; the hub applies it once. A refused frame stays
 * (marked failed, with the hub's message) so that what the visitor wrote is never lost.
 *
 * Several tabs of the same site share the stored outbox. Every write is a read-modify-write
 * keyed by client id: a tab adds or updates its own entries and removes only the ids it
 * settled (acknowledged, or taken back to edit), leaving a short-lived mark (`done`) so that a
 * tab holding an older copy does not put them back. The `storage` event calls `sync()`: the
 * other tabs' entries show here too (pending), and go on this tab's connection if their own
 * tab has not settled them after a short grace (it may have been closed). Sending one twice is
 * harmless (the hub applies a client id once); losing one is not.
 */
import type { VisitorClientFrame } from "./protocol";
import type { KV } from "./storage";
import { readJson } from "./storage";

export type ChangeFrame = Extract<VisitorClientFrame, { client_id: string }>;

export type EntryState =
  /** Waiting to be written on a connection (offline, or not yet welcomed). */
  | "queued"
  /** Written on the current connection; no answer yet. */
  | "sent"
  /** Acknowledged: durable on the hub; kept in memory until its echo arrives. */
  | "acked"
  /** Refused by the hub (not retried by itself). */
  | "failed";

export interface Entry {
  frame: ChangeFrame;
  state: EntryState;
  /** When the visitor made it (ms). */
  at: number;
  error?: { code: string; message: string };
  /** In memory only: when this tab took it from another tab's write (it waits a little). */
  adopted?: number;
}

/** What localStorage holds (an older widget kept a bare array of entries). */
interface Stored {
  entries: Entry[];
  /** Ids settled by some tab, with when: [client id, ms]. */
  done: [string, number][];
}

/** Another tab's entry goes on this tab's connection only after this long. */
export const ADOPT_GRACE_MS = 4_000;
/** How long a settled id is remembered (a tab's stale copy cannot bring it back). */
const DONE_TTL_MS = 10 * 60_000;
const DONE_MAX = 200;

const valid = (e: Entry | null | undefined): e is Entry =>
  !!e && !!e.frame && typeof e.frame.client_id === "string" && typeof e.frame.type === "string";

const byTime = (a: Entry, b: Entry) =>
  a.at - b.at || (a.frame.client_id < b.frame.client_id ? -1 : a.frame.client_id > b.frame.client_id ? 1 : 0);

export class Outbox {
  entries: Entry[] = [];
  /** Ids this tab settled, with when (written to storage with every write). */
  private done = new Map<string, number>();

  constructor(
    private kv: KV,
    private key: string,
    private now: () => number = Date.now,
  ) {
    // Whatever an earlier page left (on the wire when it went away, or never sent) goes again.
    this.entries = this.read().entries.map((e) => ({ ...e, state: e.state === "failed" ? "failed" : "queued" }));
  }

  get(clientId: string): Entry | undefined {
    return this.entries.find((e) => e.frame.client_id === clientId);
  }

  add(frame: ChangeFrame, now: number): Entry {
    const entry: Entry = { frame, state: "queued", at: now };
    this.entries.push(entry);
    this.write([entry]);
    return entry;
  }

  /** Frames to write on the connection, in the order they were made. Another tab's entries
   * wait `ADOPT_GRACE_MS` (their own tab is probably sending them). */
  toSend(now = this.now()): Entry[] {
    return this.entries.filter((e) => e.state === "queued" && !(e.adopted && now - e.adopted < ADOPT_GRACE_MS));
  }

  markSent(entry: Entry): void {
    entry.state = "sent";
  }

  /** The connection dropped: what had no answer goes again. */
  disconnected(): void {
    for (const e of this.entries) if (e.state === "sent") e.state = "queued";
  }

  /** Returns the entry acknowledged, if it was ours. */
  ack(clientId: string): Entry | undefined {
    const e = this.get(clientId);
    if (!e) return undefined;
    if (e.frame.type === "send_message") {
      e.state = "acked";
      delete e.error;
      this.write([], [clientId]);
    } else {
      this.drop(clientId);
    }
    return e;
  }

  fail(clientId: string, code: string, message: string): Entry | undefined {
    const e = this.get(clientId);
    if (!e) return undefined;
    if (code === "rate_limited") {
      e.state = "queued"; // sent again after a pause
    } else {
      e.state = "failed";
      e.error = { code, message };
    }
    this.write([e]);
    return e;
  }

  retry(clientId: string): void {
    const e = this.get(clientId);
    if (e && e.state === "failed") {
      e.state = "queued";
      delete e.error;
      this.write([e]);
    }
  }

  /** The echo of our message arrived (or the visitor took the text back): forget it. */
  drop(clientId: string): Entry | undefined {
    const i = this.entries.findIndex((e) => e.frame.client_id === clientId);
    if (i < 0) return undefined;
    const [e] = this.entries.splice(i, 1);
    this.write([], [clientId]);
    return e;
  }

  /** Messages still shown in the thread as pending or failed. */
  messages(): Entry[] {
    return this.entries.filter((e) => e.frame.type === "send_message");
  }

  /**
   * Another tab wrote the outbox (the `storage` event). Takes its entries (pending here too),
   * follows its retries and refusals, forgets messages it settled, and writes back any of ours
   * that its write missed. Returns whether anything here changed.
   */
  sync(): boolean {
    const now = this.now();
    const stored = this.read();
    const settled = new Set(stored.done.map(([id]) => id));
    // Remembered here too: a stale write from a third tab cannot bring them back.
    for (const [id, at] of stored.done) if (!this.done.has(id)) this.done.set(id, at);
    const there = new Map(stored.entries.map((e) => [e.frame.client_id, e]));
    let changed = false;
    const missing: Entry[] = [];
    this.entries = this.entries.filter((e) => {
      const id = e.frame.client_id;
      const s = there.get(id);
      if (s) {
        // A retry or a refusal in the other tab.
        if (s.state === "failed" && e.state !== "failed" && e.state !== "acked") {
          e.state = "failed";
          e.error = s.error;
          changed = true;
        } else if (s.state !== "failed" && e.state === "failed") {
          e.state = "queued";
          delete e.error;
          changed = true;
        }
      } else if (e.state !== "acked") {
        // Settled over there: a message's echo shows it (or it was taken back to be edited).
        // Another kind of frame stays: this tab gets its own answer for it.
        if (settled.has(id) && e.frame.type === "send_message") {
          changed = true;
          return false;
        }
        if (!settled.has(id)) missing.push(e);
      }
      return true;
    });
    for (const s of stored.entries) {
      const id = s.frame.client_id;
      if (this.get(id) || this.done.has(id)) continue;
      this.entries.push({ ...s, state: s.state === "failed" ? "failed" : "queued", adopted: now });
      changed = true;
    }
    if (changed) this.entries.sort(byTime);
    if (missing.length) this.write(missing);
    return changed;
  }

  private read(): Stored {
    const raw = readJson<Stored | Entry[]>(this.kv, this.key);
    const s = Array.isArray(raw) ? { entries: raw, done: [] } : raw;
    const entries = Array.isArray(s?.entries) ? s.entries.filter(valid) : [];
    const done = Array.isArray(s?.done) ? s.done.filter((d) => Array.isArray(d) && typeof d[0] === "string") : [];
    return { entries, done };
  }

  /**
   * Read-modify-write by client id: `put` are added or updated, `settled` removed (and marked
   * done); other tabs' entries stay as they are. Only what is not yet acknowledged is kept.
   */
  private write(put: Entry[], settled: string[] = []): void {
    const now = this.now();
    for (const id of settled) this.done.set(id, now);
    const stored = this.read();
    const done = new Map<string, number>();
    for (const [id, at] of [...stored.done, ...this.done]) {
      if (now - at < DONE_TTL_MS) done.set(id, Math.max(at, done.get(id) ?? 0));
    }
    for (const [id, at] of this.done) if (now - at >= DONE_TTL_MS) this.done.delete(id);
    const out = new Map<string, Entry>();
    for (const e of stored.entries) out.set(e.frame.client_id, e);
    for (const e of put) {
      if (e.state === "acked") continue;
      const { adopted: _, ...keep } = e;
      out.set(e.frame.client_id, { ...keep, state: e.state === "failed" ? "failed" : "queued" });
    }
    for (const id of done.keys()) out.delete(id);
    const entries = [...out.values()].sort(byTime);
    const marks = [...done].sort((a, b) => b[1] - a[1]).slice(0, DONE_MAX);
    if (entries.length || marks.length) this.kv.set(this.key, JSON.stringify({ entries, done: marks }));
    else this.kv.remove(this.key);
  }
}
