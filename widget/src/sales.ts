/**
 * D15: `Pupitre.sale({amount: 129.9, currency: "EUR", order: "A-1042"})`, called by the brand's
 * order-confirmation page: the hub attributes the sale to the visitor's latest conversation
 * and its agent (the desk's statistics).
 *
 * - `checkSale`: the amount, in major units (a number, or a string such as "129.90"), turned
 *   into the currency's minor unit from its decimal digits (no float arithmetic: 129.9 EUR is
 *   12990, 1.005 EUR is 101), the currency upper-cased and known to the browser, the order one
 *   line of 1 to 100 characters. What is wrong is named in a `console.warn`; nothing is sent.
 * - A sale must outlive the page (the visitor may leave at once): it is written at once to
 *   `localStorage` (`pupitre:{project}:sales`, shared by the site's tabs; at most 20, each with
 *   its client id, so that a resend is acknowledged, never counted twice: the hub also takes
 *   one sale per order).
 * - `SalesSync` sends the pending sales once welcomed, and only for a visitor who has a
 *   conversation. A sale made by a visitor the hub says has none is dropped (with a note in
 *   the console), never kept for a conversation to come: a later conversation did not make
 *   it, and must not be credited with it. An ack, or a final refusal (`invalid_input`, `invalid_state`, `not_found`),
 *   removes one; `rate_limited` sends it again 2 s later; a lost connection, or any other
 *   refusal, at the next welcome (this page's or a later one's). No connection is opened for a
 *   sale, and the `storage` event is not followed: two tabs may send the same sale, which is
 *   harmless, and never in a loop.
 */
import { NOT_ONE_LINE } from "./fields";
import type { VisitorClientFrame } from "./protocol";
import type { KV } from "./storage";
import { readJson } from "./storage";

export type SaleFrame = Extract<VisitorClientFrame, { type: "sale" }>;
/** A checked sale, as the frame carries it. */
export type Sale = Pick<SaleFrame, "amount_minor" | "currency" | "order">;
/** A sale waiting for the hub's answer: `at` is when the page reported it. */
export type Pending = Sale & { client_id: string; at: number };

/** The hub's limits (`hub::frames::sale`). */
export const MAX_AMOUNT_MINOR = 1e12;
export const MAX_ORDER_CHARS = 100;
/** Pending sales kept, the newest. */
export const MAX_PENDING = 20;
/** A pending sale older than this is dropped. */
export const KEEP_MS = 30 * 86_400_000;
const RATE_RETRY_MS = 2_000;
/** The hub's answers after which a sale is not sent again. */
const FINAL = ["invalid_input", "invalid_state", "not_found"];

function warn(why: string): null {
  console.warn(`Pupitre.sale: ${why}; the sale is not reported`);
  return null;
}

/** The currency's number of decimals (EUR 2, JPY 0, BHD 3); null when it is not a currency
 * (the browser's list, when it has one). */
export function currencyDecimals(code: string): number | null {
  const known = (Intl as { supportedValuesOf?(key: string): string[] }).supportedValuesOf?.("currency");
  if (!/^[A-Z]{3}$/.test(code) || (known && !known.includes(code))) return null;
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return null;
  }
}

/**
 * `amount` (major units: a finite number, or a string of digits with a dot for decimals) in
 * minor units with `decimals`, rounded half up on its written digits; a reason when it is not
 * an amount the hub takes.
 */
export function toMinor(amount: unknown, decimals: number): number | string {
  const text = typeof amount === "number" ? String(amount) : typeof amount === "string" ? amount.trim() : "";
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  let digits = m ? m[2] + (m[3] ?? "") : "";
  if (!m || !digits) return 'amount: a number, or a string of digits with a dot for decimals such as "129.90"';
  if (m[1] && /[1-9]/.test(digits)) return "amount: a sale is not negative";
  // Where the minor units end among the digits, once the leading zeros are gone.
  let point = m[2].length + Number(m[4] ?? 0) + decimals;
  const lead = digits.length - digits.replace(/^0+/, "").length;
  digits = digits.slice(lead);
  point -= lead;
  if (point > 13) return "amount: too large";
  const whole = point > 0 ? digits.slice(0, point).padEnd(point, "0") : "";
  const minor = Number(whole || 0) + (point >= 0 && digits.charAt(point) >= "5" ? 1 : 0);
  return minor > MAX_AMOUNT_MINOR ? "amount: too large" : minor;
}

/** What a page passed to `Pupitre.sale`, checked as the hub checks it; null (with a warning
 * naming the problem) when it cannot be reported. */
export function checkSale(input: unknown): Sale | null {
  if (!input || typeof input !== "object") return warn("it takes {amount, currency, order}");
  const { amount, currency, order } = input as Record<string, unknown>;
  const code = typeof currency === "string" ? currency.trim().toUpperCase() : "";
  const decimals = currencyDecimals(code);
  if (decimals === null) return warn(`currency: an ISO 4217 code such as "EUR"${code ? `, not "${code}"` : ""}`);
  const minor = toMinor(amount, decimals);
  if (typeof minor === "string") return warn(minor);
  const ref = typeof order === "string" ? order.trim() : typeof order === "number" && isFinite(order) ? String(order) : "";
  const why = !ref
    ? "order: the site's order reference"
    : [...ref].length > MAX_ORDER_CHARS
      ? `order: at most ${MAX_ORDER_CHARS} characters`
      : NOT_ONE_LINE.test(ref)
        ? "order: one line of text"
        : "";
  return why ? warn(why) : { amount_minor: minor, currency: code, order: ref };
}

const isPending = (p: Pending): boolean =>
  !!p &&
  typeof p.client_id === "string" &&
  Number.isInteger(p.amount_minor) &&
  p.amount_minor >= 0 &&
  p.amount_minor <= MAX_AMOUNT_MINOR &&
  /^[A-Z]{3}$/.test(p.currency) &&
  typeof p.order === "string" &&
  !!p.order &&
  typeof p.at === "number";

/** The stored pending sales, oldest first, without those older than `KEEP_MS`. */
export function readPending(kv: KV, key: string, now: number): Pending[] {
  const list = readJson<Pending[]>(kv, key);
  return Array.isArray(list) ? list.filter((p) => isPending(p) && p.at > now - KEEP_MS).slice(-MAX_PENDING) : [];
}

function writePending(kv: KV, key: string, list: Pending[]): void {
  if (list.length) kv.set(key, JSON.stringify(list));
  else kv.remove(key);
}

/** Keeps a sale until the hub answers; an order already waiting is not added again (the hub
 * takes one sale per order). Beyond `MAX_PENDING`, the oldest goes. */
export function addPending(kv: KV, key: string, sale: Sale, clientId: string, now: number): void {
  const list = readPending(kv, key, now);
  if (list.some((p) => p.order === sale.order)) return;
  list.push({ client_id: clientId, ...sale, at: now });
  writePending(kv, key, list.slice(-MAX_PENDING));
}

/** Removes one sale (read-modify-write: what other tabs added stays). */
export function removePending(kv: KV, key: string, clientId: string, now: number): void {
  const list = readPending(kv, key, now);
  const left = list.filter((p) => p.client_id !== clientId);
  if (left.length !== list.length) writePending(kv, key, left);
}

export interface SaleDeps {
  kv: KV;
  key: string;
  /** Welcomed, and the visitor has a conversation to attribute a sale to. */
  ready(): boolean;
  /** Welcomed, and the visitor has no conversation: a sale has nothing to go to. */
  none(): boolean;
  /** Writes a frame on a welcomed connection; false when it could not. */
  send(frame: SaleFrame): boolean;
  id(): string;
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
}

export class SalesSync {
  /** Sent on this connection (awaiting the answer), or refused for now: not sent again before
   * the next welcome. */
  private sent = new Set<string>();
  private timer: unknown = null;

  constructor(private deps: SaleDeps) {}

  /** A checked sale from the page: kept, and sent now if it can be. */
  add(sale: Sale): void {
    if (this.deps.none()) {
      console.info("Pupitre.sale: this visitor has not talked with the brand; the sale is not attributed");
      return;
    }
    addPending(this.deps.kv, this.deps.key, sale, this.deps.id(), this.deps.now());
    this.flush();
  }

  /** Welcomed without a conversation: the sales made before (on earlier pages, before the
   * welcome) have nothing to go to, now or later. */
  dropUnattributable(): void {
    if (!this.deps.none()) return;
    const list = readPending(this.deps.kv, this.deps.key, this.deps.now());
    if (list.length === 0) return;
    console.info(`Pupitre.sale: this visitor has not talked with the brand; ${list.length} sale(s) not attributed`);
    writePending(this.deps.kv, this.deps.key, []);
  }

  /** Sends what waits and was not sent on this connection yet. */
  flush(): void {
    if (!this.deps.ready()) return;
    for (const p of readPending(this.deps.kv, this.deps.key, this.deps.now())) {
      if (this.sent.has(p.client_id)) continue;
      const { client_id, amount_minor, currency, order } = p;
      if (!this.deps.send({ type: "sale", client_id, amount_minor, currency, order })) break;
      this.sent.add(p.client_id);
    }
  }

  /** The connection is gone: what had no answer goes again at the next welcome. */
  down(): void {
    this.sent.clear();
  }

  /** The hub's answer to a frame (`error` absent: ack). False when it was not a sale of ours. */
  answer(clientId: string, error?: { code: string; message: string }): boolean {
    if (!this.sent.has(clientId)) return false;
    if (error?.code === "rate_limited") {
      this.sent.delete(clientId);
      if (this.timer === null) {
        this.timer = this.deps.setTimeout(() => {
          this.timer = null;
          this.flush();
        }, RATE_RETRY_MS);
      }
    } else if (!error || FINAL.includes(error.code)) {
      if (error) console.warn(`Pupitre.sale: the hub did not take the sale: ${error.message}`);
      this.sent.delete(clientId);
      removePending(this.deps.kv, this.deps.key, clientId, this.deps.now());
    }
    return true;
  }
}
