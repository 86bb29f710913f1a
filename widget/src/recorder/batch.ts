/**
 * The recording as relay frames (`crates/protocol/src/cobrowse.rs`): `[flags][payload]`, the
 * payload a JSON array of rrweb events, gzip-compressed when the browser can (`FLAG_GZIP`);
 * `FLAG_FULL` when the frame begins with a full snapshot (the relay keeps what follows it for
 * a view that joins late). Pure: timers, the compressor and the socket are handed in.
 *
 * - Events go together for `BATCH_MS`; a new batch begins at each Meta and full snapshot
 *   (rrweb emits a Meta, then the FullSnapshot, at the start and at each checkout).
 * - A frame is at most `MAX_FRAME_BYTES`: a batch that does not fit is cut in halves, as often
 *   as needed. A full snapshot that does not fit alone cannot be shared (`tooLarge`); a single
 *   other event that does not fit is dropped, and a new full snapshot asked (`resync`), since
 *   what follows it would not apply.
 * - Until a full snapshot has gone (at the start, after a reconnection, after a frame the
 *   socket could not take), other frames are worthless to the view and are not sent.
 * - Frames go in order: each batch is encoded after the one before (compression is async).
 */

export const FLAG_FULL = 1;
export const FLAG_GZIP = 2;
/** The relay's largest frame, flag byte included (`MAX_RELAY_FRAME_BYTES`). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** How long events wait for others to go in the same frame. */
export const BATCH_MS = 80;

const META = 4;
const FULL_SNAPSHOT = 2;

export type Compress = (bytes: Uint8Array) => Promise<Uint8Array>;

export interface BatchDeps {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
  /** gzip, when the browser has it; null: frames go uncompressed. */
  compress: Compress | null;
  /** Writes a frame; false when the socket cannot take it now. */
  send(frame: Uint8Array): boolean;
  /** Whether the socket is up and not behind (a full snapshot would go now). */
  ready(): boolean;
  /** A full snapshot larger than a frame: this page cannot be shared. */
  tooLarge(): void;
  /** Events were lost: a new full snapshot is needed. */
  resync(): void;
}

interface Event {
  type: number;
}

interface Batch {
  events: Event[];
  full: boolean;
}

/** gzip through the browser's `CompressionStream`, where there is one. */
export function gzipper(): Compress | null {
  if (typeof CompressionStream !== "function") return null;
  return async (bytes) => {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  };
}

export class Batcher {
  private events: Event[] = [];
  private full = false;
  private timer: unknown = null;
  private chain: Promise<void> = Promise.resolve();
  /** Bumped by `reset`: frames of an earlier socket are not sent on the next one. */
  private generation = 0;
  private needFull = true;
  private resyncAsked = false;
  private over = false;
  private encoder = new TextEncoder();

  constructor(private deps: BatchDeps) {}

  /** rrweb's `emit`. */
  add(event: Event): void {
    if (this.over || !event || typeof event !== "object") return;
    const afterMeta = this.full && this.events.length === 1 && this.events[0].type === META;
    if (event.type === META || (event.type === FULL_SNAPSHOT && !afterMeta)) {
      this.flush();
      this.full = true;
    }
    this.events.push(event);
    if (this.timer === null) {
      this.timer = this.deps.setTimeout(() => {
        this.timer = null;
        this.flush();
      }, BATCH_MS);
    }
  }

  /** Closes the batch under way and queues its frames. */
  flush(): void {
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    if (!this.events.length) return;
    const batch: Batch = { events: this.events, full: this.full };
    this.events = [];
    this.full = false;
    if (!batch.full && this.needFull) {
      this.lost();
      return;
    }
    if (batch.full) {
      this.needFull = false;
      this.resyncAsked = false;
    }
    const generation = this.generation;
    this.chain = this.chain
      .then(() => this.encode(batch))
      .then((frames) => {
        if (generation !== this.generation || this.over) return;
        if (frames === "too large") {
          this.over = true;
          this.deps.tooLarge();
          return;
        }
        if (frames === null) return this.lost();
        for (const frame of frames) {
          if (!this.deps.send(frame)) return this.lost();
        }
      })
      .catch((e) => {
        console.warn("Pupitre co-browsing: a frame was not sent", e);
        this.lost();
      });
  }

  /** The socket went (or came back): nothing queued goes; the next frame must be a full one. */
  reset(): void {
    this.generation++;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    this.events = [];
    this.full = false;
    this.needFull = true;
    this.resyncAsked = false;
  }

  stop(): void {
    this.reset();
    this.over = true;
  }

  /** Resolves once what is queued now has been sent (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Frames were lost: a full snapshot is needed, asked once, when it could go. */
  private lost(): void {
    this.needFull = true;
    if (!this.resyncAsked && this.deps.ready()) {
      this.resyncAsked = true;
      this.deps.resync();
    }
  }

  /** The batch's frames; null when one event alone does not fit; "too large" for a full
   * snapshot that does not fit. */
  private async encode(batch: Batch): Promise<Uint8Array[] | null | "too large"> {
    const events = batch.events;
    if (!batch.full) return this.pieces(events);
    const whole = await this.frame(events, FLAG_FULL);
    if (whole) return [whole];
    // The full snapshot goes whole, with the Meta before it; what follows may be cut.
    const at = events.findIndex((e) => e.type === FULL_SNAPSHOT);
    const head = at < 0 ? events.length : at + 1;
    const first = await this.frame(events.slice(0, head), FLAG_FULL);
    if (!first) return "too large";
    const rest = await this.pieces(events.slice(head));
    return rest ? [first, ...rest] : null;
  }

  private async pieces(events: Event[]): Promise<Uint8Array[] | null> {
    if (!events.length) return [];
    const whole = await this.frame(events, 0);
    if (whole) return [whole];
    if (events.length === 1) return null;
    const mid = events.length >> 1;
    const a = await this.pieces(events.slice(0, mid));
    const b = a && (await this.pieces(events.slice(mid)));
    return a && b ? [...a, ...b] : null;
  }

  /** One frame, or null when it would be larger than a relay frame. */
  private async frame(events: Event[], flags: number): Promise<Uint8Array | null> {
    let payload: Uint8Array = this.encoder.encode(JSON.stringify(events));
    if (this.deps.compress) {
      payload = await this.deps.compress(payload);
      flags |= FLAG_GZIP;
    }
    if (payload.length + 1 > MAX_FRAME_BYTES) return null;
    const frame = new Uint8Array(payload.length + 1);
    frame[0] = flags;
    frame.set(payload, 1);
    return frame;
  }
}
