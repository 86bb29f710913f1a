/**
 * The desk's state: the Rust side's `DeskState`, kept in step by copying its `DeskEvent`s
 * (changes it already applied: the hub's events are reduced there, in one place), plus the
 * agent's own choices of what is on screen. No backend calls here: `attach` wires a `Backend`.
 *
 * Invariants: `conversations` holds each reference once, in arrival order (the order of the
 * boxes, D7); `panes` holds at most `layout` references, all on the desk; `focused` is one of
 * `panes` or null.
 */
import type {
  AgentProfile,
  CobrowseState,
  ConversationRef,
  ConversationView,
  Message,
} from "../protocol";
import type {
  Backend,
  Connection,
  DeskEvent,
  DeskState,
  OutboxItem,
  SnoozedItem,
  Unsubscribe,
} from "../backend";
import { deskOptions } from "../options";
import { endNote, type EndNote } from "../cobrowse/session";

export type Layout = 1 | 2 | 4;

/** D7: red = waiting for the agent's reply, white = waiting for the visitor. */
export type BoxTone = "waiting" | "idle";

export function boxTone(view: ConversationView): BoxTone {
  return view.waiting_since === null ? "idle" : "waiting";
}

/** The text of the visitor's last message, for the box and the snoozed list. */
export function lastVisitorText(view: ConversationView): string | null {
  for (let i = view.messages.length - 1; i >= 0; i--) {
    const m = view.messages[i];
    if (m.author.kind === "visitor" && m.body.kind === "text") return m.body.text;
  }
  return null;
}

export class Desk {
  profile = $state<AgentProfile | null>(null);
  connection = $state<Connection>({ state: "connecting" });
  conversations = $state<ConversationView[]>([]);
  snoozed = $state<SnoozedItem[]>([]);
  outbox = $state<OutboxItem[]>([]);
  /** D11: the visitor's live draft per conversation. */
  visitorDrafts = $state<Record<ConversationRef, string>>({});
  /** R10: when the visitor-inactivity timeout will close a conversation; until the agent or
   * the visitor writes again (either restarts the hub's clock), or it leaves the desk. */
  timeoutReminders = $state<Record<ConversationRef, number>>({});
  /** D5: co-browsing sessions asked or running, per conversation (ended ones leave). */
  cobrowse = $state<Record<ConversationRef, CobrowseState>>({});
  /** D5: why the latest session ended, when the agent should be told (declined, the
   * visitor's Stop…); until dismissed, asked again, or the conversation leaves. */
  cobrowseEnded = $state<Record<ConversationRef, EndNote>>({});
  /** D2, D5: the mirroring panels the agent hid (their sessions go on). The agent's choice,
   * like the panes. */
  mirrorHidden = $state<Record<ConversationRef, true>>({});
  /** Conversations closed since the desk opened (D15: today's figures refresh on each). */
  closedCount = $state(0);
  /** How many times a conversation was asked for on screen (a box, Ctrl+n, Alt+↑/↓, a
   * notification): a page shown in place of the panes (D15) gives way to it. */
  shownCount = $state(0);
  layout = $state<Layout>(1);
  panes = $state<ConversationRef[]>([]);
  focused = $state<ConversationRef | null>(null);
  /** "Remember me" could not use the keyring (D19): a notice to show once. */
  keyringWarning = $state<string | null>(null);

  /** The rail's badge: conversations waiting for the agent's reply. Their `waiting_since` is
   * the Rust side's, so this is the tray's count too. */
  waitingCount = $derived(this.conversations.filter((c) => c.waiting_since !== null).length);

  /** A3 / D16: the tools the admin leaves on (all before the profile is known). The hub pushes
   * a changed profile live (`profile_changed`): what reads these follows at once. */
  options = $derived(deskOptions(this.profile));

  get online(): boolean {
    return this.connection.state === "online";
  }

  conversation(reference: ConversationRef): ConversationView | undefined {
    return this.conversations.find((c) => c.reference === reference);
  }

  /** Outbox items to show at the end of a thread: not yet in it as hub messages. */
  outboxFor(reference: ConversationRef): OutboxItem[] {
    return this.outbox.filter((o) => o.conversation === reference);
  }

  isOnScreen(reference: ConversationRef): boolean {
    return this.panes.includes(reference);
  }

  load(state: DeskState): void {
    if (state.profile !== null) this.profile = state.profile;
    this.keyringWarning = state.keyring_warning ?? null;
    this.connection = state.connection;
    this.conversations = state.conversations.map((c) => ({ ...c }));
    this.snoozed = [...state.snoozed];
    this.outbox = [...state.outbox];
    this.visitorDrafts = { ...state.visitor_drafts };
    this.timeoutReminders = { ...state.timeout_reminders };
    // A desk cache written before co-browsing existed has none.
    this.cobrowse = { ...(state.cobrowse ?? {}) };
    this.cobrowseEnded = this.#onDesk(this.cobrowseEnded);
    this.mirrorHidden = this.#onDesk(this.mirrorHidden);
    this.panes = this.panes.filter((p) => this.conversation(p) !== undefined);
    if (this.focused !== null && !this.panes.includes(this.focused)) this.focused = null;
    this.#fillPanes();
  }

  /** Copies one change of the Rust side. */
  apply(event: DeskEvent): void {
    switch (event.kind) {
      case "snapshot":
        this.load(event.state);
        return;
      case "conversation_added": {
        const view = { ...event.conversation };
        const at = this.conversations.findIndex((c) => c.reference === view.reference);
        if (at >= 0) this.conversations[at] = view;
        else this.conversations.push(view);
        this.#fillPanes();
        return;
      }
      case "conversation_removed": {
        const ref = event.conversation;
        if (event.cause.kind === "closed" && this.conversation(ref)) this.closedCount++;
        this.conversations = this.conversations.filter((c) => c.reference !== ref);
        delete this.visitorDrafts[ref];
        delete this.timeoutReminders[ref];
        delete this.cobrowse[ref];
        delete this.cobrowseEnded[ref];
        delete this.mirrorHidden[ref];
        const pane = this.panes.indexOf(ref);
        if (pane >= 0) {
          this.panes.splice(pane, 1);
          if (this.focused === ref) this.focused = this.panes[Math.min(pane, this.panes.length - 1)] ?? null;
        }
        this.#fillPanes();
        return;
      }
      case "message_added":
        this.#message(event.message);
        return;
      case "conversation_updated": {
        const view = this.conversation(event.conversation.reference);
        if (view) Object.assign(view, event.conversation);
        return;
      }
      case "profile_changed":
        this.profile = event.profile;
        return;
      case "waiting":
        // The rail counts the boxes' `waiting_since`, which the Rust side set: the same count.
        return;
      case "timeout_reminder":
        if (event.closes_at === null) delete this.timeoutReminders[event.conversation];
        else this.timeoutReminders[event.conversation] = event.closes_at;
        return;
      case "cobrowse": {
        const session = event.state;
        const ref = session.conversation;
        if (this.conversation(ref) === undefined) return;
        if (session.phase === "ended") {
          delete this.cobrowse[ref];
          delete this.mirrorHidden[ref];
          const note = endNote(session.end);
          if (note === null) delete this.cobrowseEnded[ref];
          else this.cobrowseEnded[ref] = note;
        } else {
          // A new session shows its page (the panel) until the agent hides it.
          if (this.cobrowse[ref]?.relay !== session.relay) delete this.mirrorHidden[ref];
          this.cobrowse[ref] = session;
          delete this.cobrowseEnded[ref];
        }
        return;
      }
      case "visitor_draft":
        if (event.text === "") delete this.visitorDrafts[event.conversation];
        else this.visitorDrafts[event.conversation] = event.text;
        return;
      case "connection":
        this.connection = event.connection;
        return;
      case "outbox": {
        const at = this.outbox.findIndex((o) => o.local_id === event.item.local_id);
        if (at < 0) this.outbox.push(event.item);
        else this.outbox[at] = event.item;
        return;
      }
      case "outbox_removed":
        this.outbox = this.outbox.filter((o) => o.local_id !== event.local_id);
        return;
      case "snoozed":
        this.snoozed = [...event.items];
        return;
      case "notification_opened":
        this.open(event.conversation);
        return;
      case "lagged":
        // `attach` re-reads the snapshot; nothing to change here.
        return;
      default:
        // A kind this UI does not know (a newer desk): ignored.
        return;
    }
  }

  /** The agent typed a message: show it pending at once (the stream's `outbox` change may come
   * before or after this; whichever comes second changes nothing). */
  queued(item: OutboxItem): void {
    if (this.#inThread(item.conversation, item.local_id)) return;
    if (!this.outbox.some((o) => o.local_id === item.local_id)) this.outbox.push(item);
  }

  /** Shows a conversation: focuses its pane, or takes an empty one, or replaces the focused one. */
  open(reference: ConversationRef): void {
    if (this.conversation(reference) === undefined) return;
    this.shownCount++;
    if (!this.panes.includes(reference)) {
      if (this.panes.length < this.layout) this.panes.push(reference);
      else {
        const at = this.focused === null ? 0 : Math.max(0, this.panes.indexOf(this.focused));
        this.panes[at] = reference;
      }
    }
    this.focused = reference;
  }

  /** D2: shows or hides a running session's page (the session goes on either way). */
  toggleMirror(reference: ConversationRef): void {
    if (this.mirrorHidden[reference]) delete this.mirrorHidden[reference];
    else if (this.cobrowse[reference]?.phase === "running") this.mirrorHidden[reference] = true;
  }

  /** Whether a conversation's page is on screen: its session runs and the agent did not hide it. */
  mirrorShown(reference: ConversationRef): boolean {
    return this.options.cobrowse && this.cobrowse[reference]?.phase === "running" && !this.mirrorHidden[reference];
  }

  /** Forgets a session's end once the agent read it. */
  dismissCobrowseEnd(reference: ConversationRef): void {
    delete this.cobrowseEnded[reference];
  }

  /** Ctrl+1…9: the n-th box (1-based). */
  openBox(n: number): void {
    const view = this.conversations[n - 1];
    if (view) this.open(view.reference);
  }

  /** Alt+↑/↓: the previous/next conversation waiting for a reply, in box order, wrapping. */
  openWaiting(step: 1 | -1): void {
    const all = this.conversations;
    if (all.length === 0) return;
    const from = this.focused === null ? (step === 1 ? -1 : all.length) : all.findIndex((c) => c.reference === this.focused);
    for (let i = 1; i <= all.length; i++) {
      const view = all[(((from + step * i) % all.length) + all.length) % all.length];
      if (view.waiting_since !== null) {
        this.open(view.reference);
        return;
      }
    }
  }

  setLayout(layout: Layout): void {
    this.layout = layout;
    if (this.panes.length > layout) {
      const keep = this.panes.slice(0, layout);
      if (this.focused !== null && !keep.includes(this.focused)) keep[0] = this.focused;
      this.panes = keep;
    }
    this.#fillPanes();
  }

  #fillPanes(): void {
    for (const view of this.conversations) {
      if (this.panes.length >= this.layout) break;
      if (!this.panes.includes(view.reference)) this.panes.push(view.reference);
    }
    if (this.focused === null && this.panes.length > 0) this.focused = this.panes[0];
  }

  /** The entries of a per-conversation record whose conversation is on the desk. */
  #onDesk<T>(record: Record<ConversationRef, T>): Record<ConversationRef, T> {
    return Object.fromEntries(Object.entries(record).filter(([ref]) => this.conversation(ref) !== undefined));
  }

  #inThread(reference: ConversationRef, clientId: string): boolean {
    return this.conversation(reference)?.messages.some((m) => m.client_id === clientId) ?? false;
  }

  /** A message the Rust side added to a conversation: into the thread in time order, once
   * (what it changed in the conversation comes as `conversation_updated`). */
  #message(message: Message): void {
    const view = this.conversation(message.conversation);
    if (!view) return;
    if (view.messages.some((m) => m.id === message.id)) return;
    let at = view.messages.length;
    while (at > 0 && view.messages[at - 1].at > message.at) at--;
    view.messages.splice(at, 0, message);
  }
}

/**
 * Connects a desk to a backend: subscribes first, then loads the snapshot, then applies the
 * events that arrived in between (they are idempotent), then the live ones. On `lagged` (the
 * page fell behind and events were dropped) it does the same again: buffers, re-reads the
 * snapshot, replays the buffer. An event that makes the reducer throw is dropped (and logged)
 * rather than breaking the stream.
 */
export async function attach(desk: Desk, backend: Backend): Promise<Unsubscribe> {
  let buffer: DeskEvent[] | null = [];
  let stopped = false;
  let resyncing = false;
  let again = false;
  let loading = true;
  let laggedWhileLoading = false;

  const apply = (event: DeskEvent) => {
    try {
      desk.apply(event);
    } catch (error) {
      console.error("pupitre: event not applied", event, error);
    }
  };

  const resync = async () => {
    if (resyncing) {
      again = true;
      return;
    }
    resyncing = true;
    try {
      do {
        again = false;
        buffer = [];
        try {
          const state = await backend.snapshot();
          if (!stopped) desk.load(state);
        } catch (error) {
          console.error("pupitre: snapshot after lagged failed", error);
        }
        const pending: DeskEvent[] = buffer ?? [];
        buffer = null;
        if (!stopped) for (const event of pending) apply(event);
      } while (again && !stopped);
    } finally {
      resyncing = false;
    }
  };

  const unsubscribe = await backend.subscribe((event) => {
    if (stopped || typeof event !== "object" || event === null) return;
    if (event.kind === "lagged") {
      // During the first load, re-read once it is done (that snapshot may predate the loss).
      if (loading) laggedWhileLoading = true;
      else void resync();
      return;
    }
    if (buffer) buffer.push(event);
    else apply(event);
  });
  try {
    desk.load(await backend.snapshot());
  } catch (error) {
    stopped = true;
    unsubscribe();
    throw error;
  }
  const pending = buffer;
  buffer = null;
  loading = false;
  for (const event of pending) apply(event);
  if (laggedWhileLoading) void resync();
  return () => {
    stopped = true;
    unsubscribe();
  };
}
