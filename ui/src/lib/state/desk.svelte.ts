/**
 * The desk's state: a reducer over `DeskEvent`s (the hub's events plus local ones) and the
 * agent's own choices of what is on screen. No backend calls here: `attach` wires a `Backend`.
 *
 * Invariants: `conversations` holds each reference once, in arrival order (the order of the
 * boxes, D7); `panes` holds at most `layout` references, all on the desk; `focused` is one of
 * `panes` or null.
 */
import type {
  AgentProfile,
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

export type Layout = 1 | 2 | 4;

/** D7: red = waiting for the agent's reply, white = waiting for the visitor. */
export type BoxTone = "waiting" | "idle";

export function boxTone(view: ConversationView): BoxTone {
  return view.waiting_since === null ? "idle" : "waiting";
}

/** A message someone wrote (text, file or offer), as opposed to events, notes and sentences:
 * from the visitor it waits for a reply, from the agent it is one. */
export function said(message: Message): boolean {
  const kind = message.body.kind;
  return (kind === "text" || kind === "file" || kind === "offer") && message.author.kind !== "system";
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
  /** Conversations closed since the desk opened (D15: today's figures refresh on each). */
  closedCount = $state(0);
  layout = $state<Layout>(1);
  panes = $state<ConversationRef[]>([]);
  focused = $state<ConversationRef | null>(null);
  /** "Remember me" could not use the keyring (D19): a notice to show once. */
  keyringWarning = $state<string | null>(null);

  /** The rail's badge: conversations waiting for the agent's reply. */
  waitingCount = $derived(this.conversations.filter((c) => c.waiting_since !== null).length);

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
    this.outbox = state.outbox.filter((o) => !this.#inThread(o.conversation, o.local_id));
    this.visitorDrafts = {};
    this.timeoutReminders = {};
    this.panes = this.panes.filter((p) => this.conversation(p) !== undefined);
    if (this.focused !== null && !this.panes.includes(this.focused)) this.focused = null;
    this.#fillPanes();
  }

  apply(event: DeskEvent): void {
    switch (event.kind) {
      case "snapshot":
        this.load(event.state);
        return;
      case "conversation_assigned": {
        const view = { ...event.conversation };
        const at = this.conversations.findIndex((c) => c.reference === view.reference);
        if (at >= 0) this.conversations[at] = view;
        else this.conversations.push(view);
        this.snoozed = this.snoozed.filter((s) => s.reference !== view.reference);
        this.#fillPanes();
        return;
      }
      case "conversation_removed": {
        const ref = event.conversation;
        const view = this.conversation(ref);
        if (event.cause.kind === "snoozed") {
          const item: SnoozedItem = {
            reference: ref,
            visitor_name: view?.visitor.name ?? null,
            until: event.cause.until,
            keep: event.cause.keep,
            last_visitor_text: view ? lastVisitorText(view) : null,
          };
          this.snoozed = [...this.snoozed.filter((s) => s.reference !== ref), item].sort(
            (a, b) => a.until - b.until,
          );
        }
        if (event.cause.kind === "closed" && view) this.closedCount++;
        this.conversations = this.conversations.filter((c) => c.reference !== ref);
        delete this.visitorDrafts[ref];
        delete this.timeoutReminders[ref];
        const pane = this.panes.indexOf(ref);
        if (pane >= 0) {
          this.panes.splice(pane, 1);
          if (this.focused === ref) this.focused = this.panes[Math.min(pane, this.panes.length - 1)] ?? null;
        }
        this.#fillPanes();
        return;
      }
      case "message":
        this.#message(event.message);
        return;
      case "status_changed":
        if (this.profile) this.profile.statuses = event.statuses;
        return;
      case "slot_limit_changed":
        if (this.profile) {
          this.profile.slot_limit = event.limit;
          this.profile.slot_max = event.max;
        }
        return;
      case "timeout_reminder":
        this.timeoutReminders[event.conversation] = event.closes_at;
        return;
      case "visitor_updated": {
        const view = this.conversation(event.conversation);
        if (view) view.visitor = event.visitor;
        return;
      }
      case "connection":
        this.connection = event.connection;
        return;
      case "outbox":
        this.#outbox(event.item);
        return;
      case "visitor_draft":
        if (event.text === "") delete this.visitorDrafts[event.conversation];
        else if (this.conversation(event.conversation)) this.visitorDrafts[event.conversation] = event.text;
        return;
      case "visitor_presence": {
        const view = this.conversation(event.conversation);
        if (view) view.visitor_online = event.online;
        return;
      }
      case "snoozed":
        this.snoozed = [...event.items].sort((a, b) => a.until - b.until);
        return;
      case "notification_opened":
        this.open(event.conversation);
        return;
      case "lagged":
        // `attach` re-reads the snapshot; nothing to change here.
        return;
      default:
        // A kind this UI does not know (a newer hub or desk): ignored.
        return;
    }
  }

  /** The agent typed a message: show it pending until the hub has it. */
  queued(item: OutboxItem): void {
    this.#outbox(item);
  }

  /** Shows a conversation: focuses its pane, or takes an empty one, or replaces the focused one. */
  open(reference: ConversationRef): void {
    if (this.conversation(reference) === undefined) return;
    if (!this.panes.includes(reference)) {
      if (this.panes.length < this.layout) this.panes.push(reference);
      else {
        const at = this.focused === null ? 0 : Math.max(0, this.panes.indexOf(this.focused));
        this.panes[at] = reference;
      }
    }
    this.focused = reference;
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

  #inThread(reference: ConversationRef, clientId: string): boolean {
    return this.conversation(reference)?.messages.some((m) => m.client_id === clientId) ?? false;
  }

  #outbox(item: OutboxItem): void {
    if (this.#inThread(item.conversation, item.local_id)) {
      this.outbox = this.outbox.filter((o) => o.local_id !== item.local_id);
      return;
    }
    const at = this.outbox.findIndex((o) => o.local_id === item.local_id);
    if (at < 0) this.outbox.push(item);
    // Never step back: a late `pending` does not undo `sent`.
    else if (!(item.state === "pending" && this.outbox[at].state === "sent")) this.outbox[at] = item;
  }

  #message(message: Message): void {
    const view = this.conversation(message.conversation);
    if (!view) return;
    if (view.messages.some((m) => m.id === message.id)) return;
    let at = view.messages.length;
    while (at > 0 && view.messages[at - 1].at > message.at) at--;
    view.messages.splice(at, 0, message);
    if (message.client_id !== null) {
      this.outbox = this.outbox.filter((o) => o.local_id !== message.client_id);
    }
    if (!said(message)) return;
    // R10: someone wrote, so the hub's inactivity clock starts again (or stops while the visitor
    // waits for a reply): the reminder no longer holds.
    delete this.timeoutReminders[view.reference];
    if (message.author.kind === "visitor") {
      view.waiting_since ??= message.at;
      delete this.visitorDrafts[view.reference];
    } else if (message.author.kind === "agent") {
      view.waiting_since = null;
      view.last_agent_message_at = Math.max(view.last_agent_message_at ?? 0, message.at);
    }
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
