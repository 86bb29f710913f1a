/**
 * The outbox (R12): every frame that changes something carries a client id and stays here,
 * persisted in localStorage, until the hub acknowledges it. After a reconnect everything not
 * acknowledged is sent again with the same id; the hub applies it once. A refused frame stays
 * (marked failed, with the hub's message) so that what the visitor wrote is never lost.
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
}

export class Outbox {
  entries: Entry[] = [];

  constructor(
    private kv: KV,
    private key: string,
  ) {
    const saved = readJson<Entry[]>(kv, key);
    if (Array.isArray(saved)) {
      for (const e of saved) {
        if (e && e.frame && typeof e.frame.client_id === "string") {
          // Whatever was on the wire when the page went away is sent again.
          this.entries.push({ ...e, state: e.state === "failed" ? "failed" : "queued" });
        }
      }
    }
  }

  get(clientId: string): Entry | undefined {
    return this.entries.find((e) => e.frame.client_id === clientId);
  }

  add(frame: ChangeFrame, now: number): Entry {
    const entry: Entry = { frame, state: "queued", at: now };
    this.entries.push(entry);
    this.save();
    return entry;
  }

  /** Frames to write on a fresh connection, in the order they were made. */
  toSend(): Entry[] {
    return this.entries.filter((e) => e.state === "queued");
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
    } else {
      this.drop(clientId);
    }
    this.save();
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
    this.save();
    return e;
  }

  retry(clientId: string): void {
    const e = this.get(clientId);
    if (e && e.state === "failed") {
      e.state = "queued";
      delete e.error;
      this.save();
    }
  }

  /** The echo of our message arrived (or the visitor took the text back): forget it. */
  drop(clientId: string): Entry | undefined {
    const i = this.entries.findIndex((e) => e.frame.client_id === clientId);
    if (i < 0) return undefined;
    const [e] = this.entries.splice(i, 1);
    this.save();
    return e;
  }

  /** Messages still shown in the thread as pending or failed. */
  messages(): Entry[] {
    return this.entries.filter((e) => e.frame.type === "send_message");
  }

  /** Only what is not yet acknowledged needs to survive the page. */
  save(): void {
    const keep = this.entries.filter((e) => e.state !== "acked");
    if (keep.length) this.kv.set(this.key, JSON.stringify(keep));
    else this.kv.remove(this.key);
  }
}
