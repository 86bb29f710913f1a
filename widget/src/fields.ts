/**
 * A7: custom fields the brand's site passes for the agent's visitor card,
 * `Pupitre.set({cart: "129,90 €"})`. The admin chooses which keys agents see; the widget only
 * carries them (it never shows them).
 *
 * The card is state, not a stream of changes, so this is not the outbox: the widget keeps, in
 * localStorage (`pupitre:{project}:fields`, shared by the site's tabs), what the site wants
 * on the card (`want`) and what the hub acknowledged for which visitor (`hub`, `token`). Once
 * welcomed, it sends the difference in one `set_fields` frame (an empty value removes a key),
 * and waits for its ack before sending the next one: calls in a row go together. A new visitor
 * (another token) gets the whole set again; a page that sets what the hub already has sends
 * nothing; a connection lost before the ack sends the difference again (the hub applies a
 * field's value, so twice is harmless).
 */
import type { VisitorClientFrame } from "./protocol";
import type { KV } from "./storage";
import { readJson } from "./storage";

export type Fields = Record<string, string>;
type SetFields = Extract<VisitorClientFrame, { type: "set_fields" }>;

/** The hub's limits (MAX_CARD_FIELDS, MAX_CARD_VALUE_CHARS, visitor_card::is_custom_key). */
export const MAX_FIELDS = 30;
export const MAX_VALUE_CHARS = 500;
const KEY = /^[a-z][a-z0-9_]{0,39}$/;
/** Not one line of text: C0/C1 controls, bidi and zero-width controls (the hub refuses them),
 * line and paragraph separators, lone surrogates. */
export const NOT_ONE_LINE = /[\0-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]|\p{Cs}/u;
/** Calls within this go in one frame. */
export const COALESCE_MS = 100;
const RATE_RETRY_MS = 2_000;

export function warn(key: string, why: string): void {
  console.warn(`Pupitre.set: "${key}" left out: ${why}`);
}

/**
 * What a page passed, as the hub takes it: strings trimmed (then checked), numbers and
 * booleans as text, `null` / `undefined` / blank as "" (remove the key). A bad key or value is
 * left out with a warning naming it; the good ones go on.
 */
export function checkFields(input: unknown): Fields {
  const good: Fields = {};
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    warn(String(input), "Pupitre.set takes an object of fields");
    return good;
  }
  for (const [key, raw] of Object.entries(input)) {
    const value =
      raw == null
        ? ""
        : typeof raw === "string" || typeof raw === "boolean" || (typeof raw === "number" && isFinite(raw))
          ? String(raw).trim()
          : null;
    const why = !KEY.test(key)
      ? "a name is 1 to 40 lowercase letters, digits or _, starting with a letter"
      : value === null
        ? "a value is a string, a number or a boolean (null removes the field)"
        : [...value].length > MAX_VALUE_CHARS
          ? `a value has at most ${MAX_VALUE_CHARS} characters`
          : NOT_ONE_LINE.test(value)
            ? "a value is one line of text"
            : "";
    if (why) warn(key, why);
    else good[key] = value!;
  }
  return good;
}

/** `base` with `changes` applied ("" removes). */
export function apply(base: Map<string, string>, changes: Fields): Map<string, string> {
  for (const [k, v] of Object.entries(changes)) {
    if (v) base.set(k, v);
    else base.delete(k);
  }
  return base;
}

/** What to send for the hub to hold `want`: changed or new values, and "" for keys to drop.
 * A value the hub refused (`refused`) is not sent again until it changes. */
export function diff(want: Map<string, string>, hub: Map<string, string>, refused = new Map<string, string>()): Fields {
  const out: Fields = {};
  for (const [k, v] of want) if (hub.get(k) !== v && refused.get(k) !== v) out[k] = v;
  for (const k of hub.keys()) if (!want.has(k) && refused.get(k) !== "") out[k] = "";
  return out;
}

interface State {
  token: string | null;
  want: Map<string, string>;
  hub: Map<string, string>;
}

export interface FieldDeps {
  kv: KV;
  key: string;
  /** Writes a frame on a welcomed connection; false when it could not. */
  send(frame: SetFields): boolean;
  id(): string;
  setTimeout(f: () => void, ms: number): unknown;
}

export class FieldSync {
  private ready = false;
  /** The visitor this tab is welcomed as. */
  private token: string | null = null;
  private inflight: SetFields | null = null;
  private timer: unknown = null;
  private refused = new Map<string, string>();

  constructor(private deps: FieldDeps) {}

  /** Checked changes from the page: kept, and sent soon. A new key beyond the card's
   * `MAX_FIELDS` is left out (with a warning). */
  set(changes: Fields): void {
    if (!Object.keys(changes).length) return;
    const s = this.read();
    for (const [k, v] of Object.entries(changes)) {
      if (!v) s.want.delete(k);
      else if (s.want.has(k) || s.want.size < MAX_FIELDS) s.want.set(k, v);
      else warn(k, `a visitor card holds at most ${MAX_FIELDS} fields`);
    }
    this.write(s);
    if (this.timer === null) {
      this.timer = this.deps.setTimeout(() => {
        this.timer = null;
        this.flush();
      }, COALESCE_MS);
    }
  }

  /** Welcomed as `token`: for another visitor than the stored one, the hub holds nothing
   * yet (`read`), so the whole set goes. */
  welcome(token: string): void {
    this.token = token;
    this.ready = true;
    this.inflight = null;
    this.flush();
  }

  /** The connection is gone: what had no answer goes again once welcomed. */
  down(): void {
    this.ready = false;
    this.inflight = null;
  }

  flush(): void {
    if (!this.ready || this.inflight) return;
    const s = this.read();
    const fields = diff(s.want, s.hub, this.refused);
    if (!Object.keys(fields).length) return;
    const frame: SetFields = { type: "set_fields", client_id: this.deps.id(), fields };
    if (this.deps.send(frame)) this.inflight = frame;
  }

  /** The hub's answer to a frame (`error` absent: ack). False when the frame was not ours. */
  answer(clientId: string, error?: { code: string; message: string }): boolean {
    const f = this.inflight;
    if (!f || f.client_id !== clientId) return false;
    this.inflight = null;
    if (!error) {
      const s = this.read();
      apply(s.hub, f.fields);
      this.write(s);
    } else if (error.code === "rate_limited") {
      this.deps.setTimeout(() => this.flush(), RATE_RETRY_MS);
      return true;
    } else {
      // Checked here as the hub checks, so this is rare: say so, and do not loop on it.
      console.warn(`Pupitre.set: the hub refused ${Object.keys(f.fields).join(", ")}: ${error.message}`);
      for (const [k, v] of Object.entries(f.fields)) this.refused.set(k, v);
    }
    this.flush();
    return true;
  }

  /** The stored state; what the hub holds is for the visitor this tab is welcomed as (for
   * another one, the hub holds nothing yet). */
  private read(): State {
    const raw = readJson<{ token?: unknown; want?: unknown; hub?: unknown }>(this.deps.kv, this.deps.key);
    const map = (o: unknown) =>
      new Map(
        o && typeof o === "object"
          ? Object.entries(o).filter((e): e is [string, string] => typeof e[1] === "string" && KEY.test(e[0]))
          : [],
      );
    const token = typeof raw?.token === "string" ? raw.token : null;
    const mine = !this.token || token === this.token;
    return { token: this.token ?? token, want: map(raw?.want), hub: map(mine ? raw?.hub : null) };
  }

  private write(s: State): void {
    this.deps.kv.set(
      this.deps.key,
      JSON.stringify({ token: s.token, want: Object.fromEntries(s.want), hub: Object.fromEntries(s.hub) }),
    );
  }
}
