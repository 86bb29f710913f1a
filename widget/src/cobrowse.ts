/**
 * Co-browsing consent in the visitor's tab (SPEC C1, W3): what the hub's `cobrowse` frames
 * mean here, what to ask, and when this tab records. No DOM: the widget draws `prompt()`,
 * the banner while `recording`, and the notes; the recorder itself (`cobrowse.js`) is loaded
 * only through `Effects.record`.
 *
 * - `asked`: the visitor is asked to share (every tab of the visitor shows it).
 * - `running` with a relay: the tab that accepted records, and keeps the relay's key in its
 *   `sessionStorage` (`SessionStore`; `?conversation` between the Yes and the relay), so that
 *   its next pages (the hub tells them the session runs after their welcome) resume at once
 *   without asking again. Other tabs never record.
 *   Guiding `asked`: the recording tab asks for the second consent.
 * - `ended`: recording stops, the key goes; the recording tab says so ("Sharing stopped"),
 *   except after a refusal.
 * - The visitor's Stop (or a page too large to share) stops recording at once, before the hub
 *   answers; a Stop the hub did not get goes again when the hub says the session still runs.
 */
import type { CobrowseState, VisitorCobrowse } from "./protocol";
import type { RecorderEnd } from "./recorder/api";

/** This tab's memory of the relay it records (sessionStorage, per project). */
export interface SessionStore {
  get(): string | null;
  set(relay: string): void;
  remove(): void;
}

export interface Effects {
  /** Load the recorder and record to this relay. */
  record(relay: string): void;
  /** Stop recording now. */
  stop(): void;
  /** Sends the visitor's answer; false when the hub cannot be reached now. */
  send(conversation: string, action: VisitorCobrowse): boolean;
}

export type Prompt = "share" | "guide";
export type Note = "stopped" | "tooLarge";

export class Consent {
  /** The session of the visitor's conversation, while it is asked or runs. */
  state: CobrowseState | null = null;
  /** The relay this tab records to. */
  recording: string | null = null;
  /** Set when sharing stopped in this tab; the widget shows it once and clears it. */
  note: { kind: Note; conversation: string } | null = null;
  /** The conversation of the latest session. */
  private conversation = "";
  /** The conversation this tab said yes for, until its relay comes. */
  private accepted: string | null = null;
  /** The relay the visitor stopped, until the hub says it ended. */
  private stopped: string | null = null;

  constructor(
    private store: SessionStore,
    private fx: Effects,
  ) {}

  /** A `cobrowse` frame from the hub. */
  update(s: CobrowseState): void {
    if (!s || typeof s.conversation !== "string") return;
    this.conversation = s.conversation;
    if (s.phase === "ended") {
      const mine = this.recording !== null || this.accepted === s.conversation;
      this.halt();
      this.state = null;
      this.stopped = null;
      if (mine && s.end !== "declined") this.noted(s.end === "too_large" ? "tooLarge" : "stopped");
      return;
    }
    this.state = s;
    if (s.phase !== "running" || !s.relay) return;
    if (s.relay === this.stopped) {
      this.fx.send(s.conversation, "stop");
    } else if (this.accepted === s.conversation || [s.relay, `?${s.conversation}`].includes(this.recording ?? this.store.get() ?? "")) {
      this.accepted = null;
      this.store.set(s.relay);
      if (this.recording !== s.relay) {
        this.recording = s.relay;
        this.fx.record(s.relay);
      }
    } else if (this.recording) {
      this.halt(); // another session, recorded by another tab
    }
  }

  /** What to ask the visitor now. */
  prompt(): Prompt | null {
    const s = this.state;
    if (s?.phase === "asked" && this.accepted !== s.conversation) return "share";
    if (s?.phase === "running" && s.guiding === "asked" && this.recording === s.relay) return "guide";
    return null;
  }

  /** The agent's name, for the prompts and the banner. */
  agent(): string {
    return this.state?.agent ?? "";
  }

  /** The visitor's answer to the prompt shown. */
  answer(yes: boolean): void {
    const s = this.state;
    const p = this.prompt();
    if (!s || !p) return;
    const action: VisitorCobrowse = p === "share" ? (yes ? "accept" : "decline") : yes ? "accept_guide" : "decline_guide";
    if (!this.fx.send(s.conversation, action)) return; // the prompt stays: try again
    if (p === "guide") this.state = { ...s, guiding: yes ? "allowed" : "no" };
    else if (yes) {
      this.accepted = s.conversation;
      // Until the relay comes, in case this tab moves to another page meanwhile.
      this.store.set(`?${s.conversation}`);
    } else this.state = null;
  }

  /** The visitor's Stop (the banner), or the page too large to share: recording stops now. */
  stop(note: Note = "stopped"): void {
    const s = this.state;
    if (this.recording && s) {
      this.stopped = this.recording;
      this.fx.send(s.conversation, note === "tooLarge" ? "too_large" : "stop");
    }
    const was = this.recording !== null;
    this.halt();
    this.state = null;
    if (was) this.noted(note);
  }

  /** The recorder stopped by itself. */
  recorderEnded(why: RecorderEnd): void {
    if (!this.recording) return;
    if (why === "too_large") return this.stop("tooLarge");
    this.halt();
    // Another tab of this session records now: this one just stops. Otherwise the session is
    // over (the hub's `ended` follows, or was missed while this page was away).
    if (why !== "replaced") {
      this.state = null;
      this.noted("stopped");
    }
  }

  private noted(kind: Note): void {
    this.note = { kind, conversation: this.conversation };
  }

  private halt(): void {
    if (this.recording !== null) this.fx.stop();
    this.recording = null;
    this.accepted = null;
    this.store.remove();
  }
}
