/**
 * The desk's state: the Rust side's `DeskState`, kept in step by copying its `DeskEvent`s
 * (changes it already applied: the hub's events are reduced there, in one place), plus the
 * agent's own choices of what is on screen. No backend calls here: `attach` wires a `Backend`.
 *
 * Invariants: `conversations` holds each reference once, in arrival order (the order of the
 * boxes, D7); `panes` holds at most `layout` references, all on the desk; `focused` is one of
 * `panes` or null. `watching` (M3) holds each reference once: conversations on other desks,
 * never in `panes` (they show in watch panes beside them).
 */
import type {
  AgentProfile,
  CobrowseState,
  ConversationRef,
  ConversationView,
  HelpRequest,
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

/** M2: whether a help request is open (asking a manager, or accepted). */
export function helpOpen(request: HelpRequest): boolean {
  return request.state.kind === "asking" || request.state.kind === "accepted";
}

/** M2: the manager a request is with now (asked or accepted), if any. */
export function helpManager(request: HelpRequest): number | null {
  return request.state.kind === "asking" || request.state.kind === "accepted" ? request.state.manager : null;
}

/** M2, M3: what happened that the agent is told in passing (a toast), the latest; `seq` tells
 * two alike apart. */
export type DeskNews =
  | { seq: number; kind: "help_accepted"; reference: ConversationRef; manager: string }
  | { seq: number; kind: "help_unanswered"; reference: ConversationRef }
  | { seq: number; kind: "watch_ended"; reference: ConversationRef; agent: string | null };

/** Only the kinds and their fields: `seq` is the desk's. */
type News = DeskNews extends infer N ? (N extends DeskNews ? Omit<N, "seq"> : never) : never;

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
  /** D5: co-browsing sessions asked or running, per conversation (ended ones leave): on the
   * desk, or watched by this manager (M3: view only). */
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
  /** M2: the open help requests that concern this desk: the agent's own, and those asked of
   * this manager now (the Rust side keeps only those). */
  help = $state<HelpRequest[]>([]);
  /** M2: the agent's own request ended unanswered, per conversation: said in its pane until
   * dismissed, asked again, or the conversation leaves. */
  helpEnded = $state<Record<ConversationRef, "unanswered">>({});
  /** M1: how many help changes came (the board reads itself again at each). */
  helpChanges = $state(0);
  /** M3: the conversations this manager watches, with their messages. */
  watching = $state<ConversationView[]>([]);
  /** M1, M3: colleagues' names by id, learnt from the board and the help requests (a watched
   * conversation's header names its agent). */
  agentNames = $state<Record<number, string>>({});
  /** M2, M3: the latest thing to say in passing. */
  news = $state<DeskNews | null>(null);
  /** D17, M2: a notification about a conversation not on the desk was clicked (a help request
   * asked of this manager): the board is asked for. Counts. */
  boardAsked = $state(0);
  #newsSeq = 0;
  /** M3: watches this desk ended itself (stop, take over): their end is not news. */
  #quietEnds = new Set<ConversationRef>();

  /** The rail's badge: conversations waiting for the agent's reply. Their `waiting_since` is
   * the Rust side's, so this is the tray's count too. */
  waitingCount = $derived(this.conversations.filter((c) => c.waiting_since !== null).length);

  /** A3 / D16: the tools the admin leaves on (all before the profile is known). The hub pushes
   * a changed profile live (`profile_changed`): what reads these follows at once. */
  options = $derived(deskOptions(this.profile));

  /** M2: help requests asked of this manager and waiting for their answer (the rail's badge). */
  helpAskedOfMe = $derived(
    this.help.filter((h) => h.state.kind === "asking" && this.profile !== null && h.state.manager === this.profile.id),
  );

  get online(): boolean {
    return this.connection.state === "online";
  }

  /** M2: the agent's own open request about a conversation, if any. */
  helpFor(reference: ConversationRef): HelpRequest | undefined {
    const me = this.profile?.id;
    return this.help.find((h) => h.conversation === reference && h.agent === me);
  }

  /** M3: a watched conversation. */
  watched(reference: ConversationRef): ConversationView | undefined {
    return this.watching.find((c) => c.reference === reference);
  }

  /** M3: whether this manager joined a watched conversation's agent (writes to the visitor too). */
  joined(reference: ConversationRef): boolean {
    const me = this.profile?.id;
    return me !== undefined && (this.watched(reference)?.joined ?? []).includes(me);
  }

  /** M3: the name of a watched conversation's agent, when the desk knows it (the board, a help
   * request, or one of their messages). */
  agentName(view: ConversationView): string | null {
    const id = view.assigned_agent;
    if (id === null) return null;
    const known = this.agentNames[id] ?? this.help.find((h) => h.conversation === view.reference && h.agent === id)?.agent_name;
    if (known) return known;
    for (let i = view.messages.length - 1; i >= 0; i--) {
      const author = view.messages[i].author;
      if (author.kind === "agent" && author.id === id) return author.name;
    }
    return null;
  }

  /** M1: names read on the board. */
  learnAgents(agents: readonly { id: number; name: string }[]): void {
    for (const a of agents) if (this.agentNames[a.id] !== a.name) this.agentNames[a.id] = a.name;
  }

  /** M3: this desk is ending the watch itself (stop watching, take over): its end is not
   * news. `false`: it did not (refused). */
  endingWatch(reference: ConversationRef, ending = true): void {
    if (ending) this.#quietEnds.add(reference);
    else this.#quietEnds.delete(reference);
  }

  /** M2: forgets that nobody answered, once the agent read it. */
  dismissHelpEnd(reference: ConversationRef): void {
    delete this.helpEnded[reference];
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
    // A desk cache written before co-browsing existed has none. Watched conversations' sessions
    // (M3) are in it too.
    this.cobrowse = { ...(state.cobrowse ?? {}) };
    this.cobrowseEnded = this.#onDesk(this.cobrowseEnded);
    this.mirrorHidden = this.#onDesk(this.mirrorHidden);
    // A desk cache written before supervision existed has neither.
    this.help = [...(state.help ?? [])];
    this.helpEnded = this.#onDesk(this.helpEnded);
    this.watching = (state.watching ?? []).map((c) => ({ ...c }));
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
        delete this.helpEnded[ref];
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
        if (this.conversation(ref) === undefined) {
          // M3, D5: a watched conversation's session, seen by this manager (view only). Its end
          // is the agent's to be told of, not the watcher's.
          if (this.watched(ref) === undefined) return;
          if (session.phase === "ended") delete this.cobrowse[ref];
          else this.cobrowse[ref] = session;
          return;
        }
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
      case "help":
        this.#help(event.request);
        return;
      case "watching": {
        const view = { ...event.conversation };
        const at = this.watching.findIndex((c) => c.reference === view.reference);
        if (at >= 0) this.watching[at] = view;
        else this.watching.push(view);
        return;
      }
      case "watched": {
        const view = this.watched(event.message.conversation);
        if (view) insertMessage(view.messages, event.message);
        return;
      }
      case "watch_ended": {
        const ref = event.conversation;
        const view = this.watched(ref);
        const quiet = this.#quietEnds.delete(ref);
        if (!view) return;
        this.watching = this.watching.filter((c) => c.reference !== ref);
        // A page it showed (D5) goes with it, unless the conversation is on this desk now.
        if (this.conversation(ref) === undefined) delete this.cobrowse[ref];
        // Stopped here, or taken over (it is on this desk now): nothing to say.
        if (!quiet && this.conversation(ref) === undefined) this.#say({ kind: "watch_ended", reference: ref, agent: this.agentName(view) });
        return;
      }
      case "notification_opened":
        // A conversation not on the desk: a help request asked of this manager (the board).
        if (this.conversation(event.conversation) !== undefined) this.open(event.conversation);
        else if (this.watched(event.conversation) === undefined) this.boardAsked++;
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
    // M3: a joined manager's message to the visitor goes into the watched thread.
    const view = this.conversation(reference) ?? this.watched(reference);
    return view?.messages.some((m) => m.client_id === clientId) ?? false;
  }

  /** A message the Rust side added to a conversation: into the thread in time order, once
   * (what it changed in the conversation comes as `conversation_updated`). */
  #message(message: Message): void {
    const view = this.conversation(message.conversation);
    if (view) insertMessage(view.messages, message);
  }

  /** M2: a help request changed. Kept while open and it concerns this desk (the agent's own,
   * or asked of this manager now); otherwise dropped. The agent's own is told: accepted (a
   * toast) and unanswered (a toast, and a note in its pane); withdrawn goes quietly. */
  #help(request: HelpRequest): void {
    const me = this.profile?.id;
    const keep = helpOpen(request) && (request.agent === me || helpManager(request) === me);
    const at = this.help.findIndex((h) => h.id === request.id);
    const before = at >= 0 ? this.help[at] : undefined;
    if (keep && at >= 0) this.help[at] = request;
    else if (keep) this.help.push(request);
    else if (at >= 0) this.help.splice(at, 1);
    if (request.agent_name && this.agentNames[request.agent] !== request.agent_name) this.agentNames[request.agent] = request.agent_name;
    if (request.agent === me) {
      const ref = request.conversation;
      if (request.state.kind === "unanswered") {
        this.helpEnded[ref] = "unanswered";
        this.#say({ kind: "help_unanswered", reference: ref });
      } else if (request.state.kind === "accepted") {
        delete this.helpEnded[ref];
        if (before?.state.kind !== "accepted") this.#say({ kind: "help_accepted", reference: ref, manager: request.state.manager_name });
      } else if (request.state.kind === "asking") delete this.helpEnded[ref];
    }
    this.helpChanges++;
  }

  #say(news: News): void {
    this.news = { ...news, seq: ++this.#newsSeq } as DeskNews;
  }
}

/** Into a thread in time order, once (by id). */
function insertMessage(messages: Message[], message: Message): void {
  if (messages.some((m) => m.id === message.id)) return;
  let at = messages.length;
  while (at > 0 && messages[at - 1].at > message.at) at--;
  messages.splice(at, 0, message);
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
