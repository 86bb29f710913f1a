/**
 * An in-memory `Backend`: the web twin of the Rust side, for tests and the browser demo.
 *
 * Like the Rust side (crates/desk/src/model.rs), it applies what happens to its own data and
 * sends the resulting changes: a message brings `message_added`, then `conversation_updated`
 * when it moved the wait (D7), `waiting` when the count moved, `outbox_removed` for its outbox
 * item, and the end of a timeout reminder or a visitor draft when someone wrote.
 *
 * Scriptable: `emit` pushes any `DeskEvent`, `failNext` makes the next call of a command
 * reject with a `DeskError`, `setConnection` goes offline/online (the outbox then waits and
 * flushes once), `setOptions` switches the admin's desk options (A3) as the hub pushes them
 * (`profile_changed`), and `calls` records every call with its arguments.
 *
 * Like the hub, it refuses what an option switched off with `forbidden`: the canned responses'
 * list, asking for a file, sending a file, sending the survey when the profile may not,
 * co-browsing, and marking a conversation important (D16: otherwise its view's `important`
 * changes, with `conversation_updated`, and the thread gets the `marked_important` event).
 *
 * The closing questionnaire (A5, R9): `answerQuestionnaire` checks the answers against the
 * profile's `agent_questionnaire` as the hub does (`invalid_state` without one, `invalid_input`
 * naming the question) and adds the `agent_answered` event; `close` is refused with
 * `invalid_state` while the conversation has no answers when the questionnaire is not
 * `closable_without_answer`, and with `invalid_input` for a type not in the profile's list.
 *
 * Co-browsing (D5, C1): `ask` makes the session `asked`, and a moment later the visitor answers
 * (`FakeOptions.cobrowse`: accept, the default, with a relay; decline; or never); `ask_guide` the
 * same for guiding; `navigate` and `point` are kept in `guides` once guiding is allowed; `stop`
 * ends it. A view plays the recording `FakeOptions.cobrowsePage` gives (the demo's: a hostile
 * shop page recorded with rrweb, src/lib/cobrowse/fixtures): its first batch with the full
 * snapshot at once, the rest at their recorded pace (all at once when `latency` is 0), retimed
 * to now; `cobrowseCheckout` plays it again from its full snapshot. `startCobrowse`,
 * `visitorStopsCobrowse` and `cobrowseView` script the rest.
 *
 * The desk's other tools (D16), each refused with `forbidden` when its option is off:
 * `teamOnline` answers `data.team` (the agent's own line made from the profile: statuses,
 * conversations on the desk, slot limit; `offline` while the hub is out of reach);
 * `knowledgeSearch` searches `data.knowledge` (offline: the same articles, as the desk's cache,
 * with `offline: true`); `assistantAsk` ranks the articles, the canned responses and the agent's
 * own answers in the closed threads of `data.threads` with BM25 (fake-knowledge.ts);
 * `emailConversation` keeps the reference in `emailed`; `printConversation` keeps the text of
 * the page's printable layout (`.print-sheet`) in `printed`, then runs `FakeOptions.print` (the
 * demo: `window.print()`).
 *
 * Starting at login (issue 13): `autostart` answers `startsAtLogin` (`FakeOptions.autostart`, by
 * default off) and `setAutostart` changes it, online or not (it is the computer's setting).
 *
 * Statistics (D15): `statsRange` answers the days of `data.stats` (the agent's, or a group's for
 * a manager's own groups and any group for an admin; `forbidden` otherwise), every day of the
 * query there, empty when the pool has none. Offline, it answers the copy kept from the last
 * answer to the same query (`offline: true`), or rejects `offline`. `closedConversations` filters
 * and pages `data.closed` as the hub does (fake-stats.ts), and rejects `offline`; their threads
 * are in the cache (`thread`), made up from each one's first words and survey.
 *
 * Supervision (M1–M3), from `data.supervision` (the queues of the groups, the conversations on
 * the other agents' desks, the open help requests): `askHelp` asks the first manager of the
 * conversation's group online (`unavailable` when there is none, `invalid_state` when one is
 * open already) and a moment later that manager answers (`FakeOptions.help`: accept, the
 * default, then an optional whisper to the agent; decline, then unanswered; or never);
 * `answerHelp` accepts (then watches the conversation) or declines (the request goes to the next
 * manager, or is unanswered); `board` answers the manager's groups (an admin's: all; `forbidden`
 * for an agent); `watch` sends the conversation's view (`watching`), `whisper` adds a `whisper`
 * message to it (`watched`), `takeOver` moves it onto the manager's desk (`conversation_added`,
 * then `watch_ended`; `agent_unavailable` unless available with a free slot). `join` joins the
 * watched conversation's agent (the same slot rule; the view's `joined`, the thread's
 * `manager_joined` event, then a fresh `watching`) or leaves; joined, `sendMessage` to it goes
 * through the outbox into the watched thread (`outbox_removed`, then `watched`). Like the hub,
 * `watching` carries the whole thread, and the desk's cache (`thread`) holds no watched
 * conversation; a watch that starts while the conversation's co-browsing session runs sends its
 * `cobrowse` state too. `requestHelp`
 * scripts a request asked of this manager, `endWatch` a watched conversation leaving its desk.
 */
import type {
  AgentCobrowse,
  AgentProfile,
  AnswerValue,
  Author,
  Board,
  BoardConversation,
  BoardGroup,
  Body,
  Channel,
  ChosenStatus,
  CobrowseEnd,
  CobrowseState,
  ClosedConversation,
  ConversationRef,
  ConversationView,
  StatsScope,
  DeskOptions,
  FileInfo,
  GroupInfo,
  HelpRequest,
  Message,
  Offer,
  TeamMember,
  TransferTarget,
} from "./protocol";
import {
  externalUrl,
  webUrl,
  HELP_NOTE_MAX,
  MAX_FILE_BYTES,
  WHISPER_MAX,
  type AgentInfo,
  type AssistantReply,
  type Backend,
  type CannedResponse,
  type CannedResponseDraft,
  type ClosedQuery,
  type Connection,
  type DeskError,
  type DeskEvent,
  type DeskState,
  type HistoryHit,
  type HistoryQuery,
  type KnowledgeArticle,
  type KnowledgeQuery,
  type KnowledgeResult,
  type LoginRequest,
  type LoginResult,
  type OutboxItem,
  type SnoozedItem,
  type StatsQuery,
  type StatsResult,
  type TodayStats,
  type Unsubscribe,
  type ViewMessage,
} from "./backend";
import { lastVisitorText } from "./state/desk.svelte";
import { deskOptions } from "./options";
import { download } from "./files";
import { closedPage, closedThread, rangeOf, type StatsData } from "./fake-stats";
import { agentQuestionnaire, questionnaireAnswered, readAnswers } from "./questions";
import { assistantDocuments, pastAnswers, rank, searchArticles } from "./fake-knowledge";

export type FakeData = {
  profile: AgentProfile;
  conversations: ConversationView[];
  snoozed: SnoozedItem[];
  agents: AgentInfo[];
  groups: GroupInfo[];
  canned: CannedResponse[];
  /** Closed conversations, with the visitor id they belong to. */
  history: (HistoryHit & { visitor: string })[];
  /** Whole threads of conversations not on the desk (the closed ones of `history`), for `thread`. */
  threads?: Record<ConversationRef, Message[]>;
  /** D15: what `todayStats` answers (a close adds one to `closed`). */
  today?: TodayStats;
  /** Files of the threads, by `FileInfo.id`. */
  files?: Record<string, { info: FileInfo; bytes: Uint8Array }>;
  /** D15: the figures day by day, the agent's and each group's (none: every day empty). */
  stats?: StatsData;
  /** D15: the agent's closed conversations, to list and re-read. */
  closed?: ClosedConversation[];
  /** D16: the project's other connected agents (the agent's own line is made from the profile). */
  team?: TeamMember[];
  /** D16, A8: the knowledge articles. */
  knowledge?: KnowledgeArticle[];
  /** M1–M3: what a manager's board shows besides the agent's own desk. */
  supervision?: FakeSupervision;
};

/** M1–M3: the project as the hub sees it for supervision. */
export type FakeSupervision = {
  /** Every group's queue (`live` is counted from the conversations on desks). */
  groups: BoardGroup[];
  /** The conversations on the other agents' desks, whole (`assigned_agent` set). */
  live: ConversationView[];
  /** Help requests, open or not (the board and the desk show the open ones). */
  help: HelpRequest[];
};

/** M2: how long a manager has to answer (the hub's `HELP_ANSWER_SECONDS`). */
export const HELP_ANSWER_MS = 60_000;

const openHelp = (h: HelpRequest) => h.state.kind === "asking" || h.state.kind === "accepted";

/**
 * How many of a conversation's latest messages `snapshot` carries, as the Rust side does (the
 * rest is paged from the cache with `thread`, P5).
 */
export const SNAPSHOT_TAIL = 50;

export type FakeOptions = {
  /** Delay of every answer, in ms (0 in tests). */
  latency?: number;
  /** Start logged in (the demo) or not (login tests). */
  loggedIn?: boolean;
  /** `remember` asked at login: answer with this notice instead (e.g. keyring_unavailable). */
  rememberNotice?: DeskError | null;
  now?: () => number;
  /** The demo opens links in a new browser tab; tests only record them in `opened`. */
  openInBrowser?: boolean;
  /** D5, C1: what the visitor answers when asked to share their page and to be guided
   * (`wait`: never), and after how long (ms; by default 1.5 s with latency, at once without). */
  cobrowse?: { answer?: "accept" | "decline" | "wait"; guide?: "accept" | "decline" | "wait"; after?: number };
  /** D5: the page a co-browsing view shows: rrweb events, the first batch from a full snapshot. */
  cobrowsePage?: () => Promise<unknown[]>;
  /** D16: what the system's print dialog does once the printable layout is in the page (the
   * demo: `window.print()`); resolves when it is done with. None: nothing. */
  print?: () => void | Promise<void>;
  /** M2: what the manager asked for help answers (`wait`: never; by default they accept), after
   * how long (ms; by default 4 s with latency, at once without), and, once accepted, what they
   * whisper to the agent (none by default). */
  help?: { answer?: "accept" | "decline" | "wait"; after?: number; whisper?: string };
  /** Issue 13: whether the desk starts at login to begin with (by default not). */
  autostart?: boolean;
};

/** An open co-browsing view: where its messages go, until closed. */
type FakeView = { relay: string; send: (message: ViewMessage) => void; timers: ReturnType<typeof setTimeout>[]; closed: boolean };

export type Call = { name: keyof Backend; args: unknown[] };

export class FakeBackend implements Backend {
  readonly calls: Call[] = [];
  data: FakeData;
  connection: Connection = { state: "online" };
  outbox: OutboxItem[] = [];
  opened: string[] = [];
  /** D5, C1: what the agent sent the visitor's page (navigate, point), in order. */
  guides: { conversation: ConversationRef; action: AgentCobrowse }[] = [];
  /** D16: the conversations e-mailed to the agent, in order. */
  emailed: ConversationRef[] = [];
  /** D16: the text of the printable layout the page held at each print. */
  printed: string[] = [];
  /** Issue 13: whether the desk starts when the agent logs in (`autostart`, `setAutostart`). */
  startsAtLogin: boolean;
  #listeners = new Set<(event: DeskEvent) => void>();
  #failures = new Map<keyof Backend, DeskError[]>();
  #loggedIn: boolean;
  #nextMessageId = 100_000;
  #options: FakeOptions;
  #cobrowse: Record<ConversationRef, CobrowseState> = {};
  #views = new Map<ConversationRef, FakeView>();
  #relays = 0;
  /** D15: the last answer to each statistics query, read again offline. */
  #statsKept = new Map<string, StatsResult["range"]>();
  /** M3: the conversations this manager watches. */
  #watching = new Set<ConversationRef>();
  #nextHelpId = 1;

  constructor(data: FakeData, options: FakeOptions = {}) {
    this.data = structuredClone(data);
    this.#options = options;
    // Like the hub's, new message ids come after every id already there (the long demo's too).
    for (const thread of [...this.data.conversations.map((c) => c.messages), ...Object.values(this.data.threads ?? {})])
      for (const m of thread) if (m.id >= this.#nextMessageId) this.#nextMessageId = m.id + 1;
    for (const view of this.data.supervision?.live ?? [])
      for (const m of view.messages) if (m.id >= this.#nextMessageId) this.#nextMessageId = m.id + 1;
    for (const h of this.data.supervision?.help ?? []) {
      if (h.id >= this.#nextHelpId) this.#nextHelpId = h.id + 1;
      this.#expire(h);
    }
    this.#loggedIn = options.loggedIn ?? true;
    this.startsAtLogin = options.autostart ?? false;
  }

  get now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  // ---- scripting -------------------------------------------------------------------------

  emit(event: DeskEvent): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  failNext(name: keyof Backend, error: DeskError): void {
    const queue = this.#failures.get(name) ?? [];
    queue.push(error);
    this.#failures.set(name, queue);
  }

  /** A message from the visitor, as the hub would relay it. */
  visitorWrites(conversation: ConversationRef, text: string): void {
    this.#deliver(conversation, { kind: "visitor" }, { kind: "text", text }, null);
  }

  /** The admin changed the desk options (A3, A10): applied to the profile and pushed live. */
  setOptions(patch: Partial<DeskOptions>): void {
    this.data.profile.options = { ...deskOptions(this.data.profile), ...patch };
    this.emit({ kind: "profile_changed", profile: structuredClone(this.data.profile) });
  }

  /** D5: a session that runs already (the demo's `?cobrowse=1`), guiding as given; on a
   * colleague's conversation (M3), theirs: a manager watching it is told. */
  startCobrowse(conversation: ConversationRef, guiding: CobrowseState["guiding"] = "no"): void {
    const live = this.#live(conversation);
    const agent = live ? this.#agentName(live.assigned_agent) : this.data.profile.name;
    this.#setCobrowse({ conversation, phase: "running", guiding, agent, relay: `fake-relay-${++this.#relays}`, end: null });
  }

  /** D5, C1: the visitor pressed Stop on their page's banner. */
  visitorStopsCobrowse(conversation: ConversationRef): void {
    this.#endCobrowse(conversation, "stopped_by_visitor");
  }

  /** D5: a message to the conversation's open view, as the relay would send it. */
  cobrowseView(conversation: ConversationRef, message: ViewMessage): void {
    const view = this.#views.get(conversation);
    if (view && !view.closed) view.send(message);
  }

  /** Whether a view of the conversation is open (tests). */
  cobrowseViewOpen(conversation: ConversationRef): boolean {
    return this.#views.has(conversation);
  }

  setConnection(connection: Connection): void {
    this.connection = connection;
    this.emit({ kind: "connection", connection });
    if (connection.state === "online") this.#flush();
  }

  /** M2: an agent of the manager's groups asks this manager for help (or any change of a
   * request), as the hub would send it. */
  requestHelp(request: HelpRequest): void {
    const help = this.#supervision().help;
    const at = help.findIndex((h) => h.id === request.id);
    if (at >= 0) help[at] = structuredClone(request);
    else help.push(structuredClone(request));
    if (request.id >= this.#nextHelpId) this.#nextHelpId = request.id + 1;
    this.#emitHelp(request);
    this.#expire(request);
  }

  /** M3: a watched conversation left every desk (closed, say): the watch ends. */
  endWatch(conversation: ConversationRef): void {
    const sup = this.#supervision();
    sup.live = sup.live.filter((c) => c.reference !== conversation);
    if (this.#watching.delete(conversation)) this.emit({ kind: "watch_ended", conversation });
  }

  // ---- Backend ---------------------------------------------------------------------------

  async login(request: LoginRequest): Promise<LoginResult> {
    await this.#enter("login", [{ ...request, password: "•" }]);
    if (!/^https?:\/\//.test(request.hub)) throw { code: "hub_unreachable", message: "bad hub URL" };
    if (request.password === "") throw { code: "unauthorized", message: "empty password" };
    this.#loggedIn = true;
    const notice = request.remember ? (this.#options.rememberNotice ?? null) : null;
    return { profile: structuredClone(this.data.profile), notice };
  }

  async restoreSession(): Promise<AgentProfile | null> {
    await this.#enter("restoreSession", []);
    return this.#loggedIn ? structuredClone(this.data.profile) : null;
  }

  async logout(): Promise<void> {
    await this.#enter("logout", []);
    this.#loggedIn = false;
  }

  async snapshot(): Promise<DeskState> {
    await this.#enter("snapshot", []);
    return structuredClone({
      profile: this.data.profile,
      connection: this.connection,
      conversations: this.data.conversations.map((c) => ({ ...c, messages: c.messages.slice(-SNAPSHOT_TAIL) })),
      snoozed: this.#snoozedList(),
      outbox: this.outbox,
      waiting: this.#waiting(),
      visitor_drafts: {},
      timeout_reminders: {},
      cobrowse: this.#cobrowse,
      keyring_warning: null,
      help: this.#helpOfMine(),
      // The hub's watched views carry their whole thread (M3).
      watching: [...this.#watching].flatMap((ref) => {
        const view = this.#live(ref);
        return view ? [view] : [];
      }),
    });
  }

  async subscribe(onEvent: (event: DeskEvent) => void): Promise<Unsubscribe> {
    await this.#enter("subscribe", []);
    this.#listeners.add(onEvent);
    return () => this.#listeners.delete(onEvent);
  }

  async sendMessage(conversation: ConversationRef, text: string): Promise<string> {
    await this.#enter("sendMessage", [conversation, text]);
    if (text.trim() === "") throw { code: "invalid_input", message: "empty message" };
    const item: OutboxItem = {
      local_id: crypto.randomUUID(),
      conversation,
      text,
      queued_at: this.now,
      state: "pending",
      error: null,
    };
    this.outbox.push(item);
    this.emit({ kind: "outbox", item: { ...item } });
    if (this.connection.state === "online") this.#later(() => this.#flush());
    return item.local_id;
  }

  async setStatus(channel: Channel, status: ChosenStatus): Promise<void> {
    await this.#enter("setStatus", [channel, status]);
    this.#online();
    const statuses = this.data.profile.statuses.map((s) =>
      s.channel === channel
        ? {
            ...s,
            chosen: status,
            availability:
              status.kind === "available" ? (this.#slotsFull() ? "busy" : "available") : "unavailable",
          }
        : s,
    ) as AgentProfile["statuses"];
    this.data.profile.statuses = statuses;
    this.#later(() => this.emit({ kind: "profile_changed", profile: structuredClone(this.data.profile) }));
  }

  async setSlotLimit(limit: number): Promise<void> {
    await this.#enter("setSlotLimit", [limit]);
    this.#online();
    if (limit > this.data.profile.slot_max)
      throw { code: "slot_limit_above_max", message: `max ${this.data.profile.slot_max}` };
    if (limit < 0) throw { code: "invalid_input", message: "negative" };
    this.data.profile.slot_limit = limit;
    this.#later(() => this.emit({ kind: "profile_changed", profile: structuredClone(this.data.profile) }));
  }

  async snooze(conversation: ConversationRef, until: number, keep: boolean): Promise<void> {
    await this.#enter("snooze", [conversation, until, keep]);
    this.#online();
    const view = this.#view(conversation);
    const me = this.data.profile.name;
    this.#deliver(conversation, { kind: "system" }, { kind: "event", event: { kind: "snoozed", agent: me, until, keep } }, null);
    this.#remove(conversation, { kind: "snoozed", until, keep });
    this.data.snoozed = this.data.snoozed.filter((s) => s.reference !== conversation);
    this.data.snoozed.push({
      reference: conversation,
      visitor_name: view.visitor.name,
      until,
      keep,
      last_visitor_text: lastVisitorText(view),
    });
    this.emit({ kind: "snoozed", items: structuredClone(this.#snoozedList()) });
  }

  async transfer(
    conversation: ConversationRef,
    to: TransferTarget,
    comment: string | null,
    anyway: boolean,
  ): Promise<void> {
    await this.#enter("transfer", [conversation, to, comment, anyway]);
    this.#online();
    this.#view(conversation);
    let name: string;
    if (to.kind === "agent") {
      const agent = this.data.agents.find((a) => a.id === to.id);
      if (!agent) throw { code: "not_found", message: "no such agent" };
      if (agent.availability !== "available" && !anyway)
        throw { code: "agent_unavailable", message: `${agent.name} is ${agent.availability}` };
      name = agent.name;
    } else {
      const group = this.data.groups.find((g) => g.id === to.id);
      if (!group) throw { code: "not_found", message: "no such group" };
      name = group.name;
    }
    this.#deliver(
      conversation,
      { kind: "system" },
      { kind: "event", event: { kind: "transferred", from: this.data.profile.name, to: name } },
      null,
    );
    this.#remove(conversation, { kind: "transferred" });
  }

  async close(conversation: ConversationRef, conversationType: string | null): Promise<void> {
    await this.#enter("close", [conversation, conversationType]);
    this.#online();
    const view = this.#view(conversation);
    if (conversationType !== null && !this.data.profile.conversation_types.includes(conversationType))
      throw { code: "invalid_input", message: `no conversation type named ${JSON.stringify(conversationType)}` };
    // A5, R9: a questionnaire the admin does not let agents skip is answered first.
    const questionnaire = agentQuestionnaire(this.data.profile);
    if (questionnaire && !questionnaire.closable_without_answer && !questionnaireAnswered(view.messages))
      throw { code: "invalid_state", message: "answer the closing questionnaire before closing" };
    this.#deliver(
      conversation,
      { kind: "system" },
      { kind: "event", event: { kind: "closed", by: this.data.profile.name, conversation_type: conversationType } },
      null,
    );
    if (this.data.today) this.data.today.closed += 1;
    this.#remove(conversation, { kind: "closed" });
  }

  async agents(): Promise<AgentInfo[]> {
    await this.#enter("agents", []);
    return structuredClone(this.data.agents);
  }

  async groups(): Promise<GroupInfo[]> {
    await this.#enter("groups", []);
    return structuredClone(this.data.groups);
  }

  async cannedResponses(): Promise<CannedResponse[]> {
    await this.#enter("cannedResponses", []);
    this.#allowed("canned_responses");
    return structuredClone(this.data.canned);
  }

  async createCannedResponse(draft: CannedResponseDraft): Promise<CannedResponse> {
    await this.#enter("createCannedResponse", [draft]);
    if (draft.shortcut.trim() === "" || draft.text.trim() === "")
      throw { code: "invalid_input", message: "shortcut and text are required" };
    if (this.data.canned.some((c) => c.shortcut === draft.shortcut))
      throw { code: "conflict", message: "shortcut taken" };
    const created: CannedResponse = { ...draft, id: `p${this.data.canned.length + 1}`, theme: null, personal: true };
    this.data.canned.push(created);
    return structuredClone(created);
  }

  async searchHistory(query: HistoryQuery): Promise<HistoryHit[]> {
    await this.#enter("searchHistory", [query]);
    const text = query.text?.trim().toLowerCase() ?? "";
    const hits = this.data.history.filter(
      (h) =>
        (query.visitor === undefined || h.visitor === query.visitor) &&
        (text === "" ||
          [h.reference, h.visitor_name ?? "", h.excerpt, h.conversation_type ?? ""].some((s) =>
            s.toLowerCase().includes(text),
          )),
    );
    return hits.map(({ visitor: _visitor, ...hit }) => structuredClone(hit));
  }

  async openConsole(): Promise<void> {
    await this.#enter("openConsole", []);
    if (this.data.profile.role === "agent") throw { code: "forbidden", message: "the console is for admins and managers" };
    this.opened.push("hub:/admin/");
  }

  async autostart(): Promise<boolean> {
    await this.#enter("autostart", []);
    return this.startsAtLogin;
  }

  async setAutostart(on: boolean): Promise<void> {
    await this.#enter("setAutostart", [on]);
    this.startsAtLogin = on;
  }

  async openExternal(url: string): Promise<void> {
    await this.#enter("openExternal", [url]);
    const safe = externalUrl(url);
    // A mailto opens as its bare address (headers dropped); one that is not an address does not.
    if (safe === null) throw { code: "invalid_input", message: "only http, https and mailto (one address) links open" };
    this.opened.push(safe);
    if (this.#options.openInBrowser) window.open(safe, "_blank", "noopener");
  }

  async setFocusedConversation(conversation: ConversationRef | null): Promise<void> {
    await this.#enter("setFocusedConversation", [conversation]);
  }

  /** Mirrors `Cache::thread`: the `limit` newest messages with an id below `before`, oldest first. */
  async thread(conversation: ConversationRef, before: number | null, limit: number): Promise<Message[]> {
    await this.#enter("thread", [conversation, before, limit]);
    const all = this.#cached(conversation);
    const end = before === null ? all.length : firstAtLeast(all, before);
    return structuredClone(all.slice(Math.max(0, end - limit), end));
  }

  /** Mirrors `Cache::thread_after`: the `limit` oldest messages with an id above `after`, oldest first. */
  async threadAfter(conversation: ConversationRef, after: number, limit: number): Promise<Message[]> {
    await this.#enter("threadAfter", [conversation, after, limit]);
    const all = this.#cached(conversation);
    const start = firstAtLeast(all, after + 1);
    return structuredClone(all.slice(start, start + limit));
  }

  /** A conversation's whole thread, as the desk's cache holds it: by id, like its index (the
   * demo's 10,000 messages are read a page at a time without copying them all). */
  #cached(conversation: ConversationRef): readonly Message[] {
    // Like the Rust cache: no watched conversation (M3; the hub's view carries its thread).
    const all =
      this.data.conversations.find((c) => c.reference === conversation)?.messages ??
      this.data.threads?.[conversation] ??
      this.#closedThread(conversation);
    for (let i = 1; i < all.length; i++) if (all[i].id < all[i - 1].id) return [...all].sort((a, b) => a.id - b.id);
    return all;
  }

  async sendOffer(conversation: ConversationRef, offer: Offer): Promise<void> {
    await this.#enter("sendOffer", [conversation, offer]);
    this.#online();
    this.#view(conversation);
    const link = webUrl(offer.link);
    const image = offer.image === null ? null : webUrl(offer.image);
    if (offer.title.trim() === "" || link === null || (offer.image !== null && image === null))
      throw { code: "invalid_input", message: "an offer needs a title and an http(s) link" };
    this.#deliver(conversation, this.#me(), { kind: "offer", offer: { ...offer, link, image } }, crypto.randomUUID());
  }

  async requestFile(conversation: ConversationRef): Promise<void> {
    await this.#enter("requestFile", [conversation]);
    this.#online();
    this.#allowed("request_file");
    this.#view(conversation);
    this.#deliver(conversation, { kind: "system" }, { kind: "event", event: { kind: "file_requested", agent: this.data.profile.name } }, null);
  }

  /** Like the hub: refused when the admin does not let agents send it, and once per conversation. */
  async sendSurvey(conversation: ConversationRef): Promise<void> {
    await this.#enter("sendSurvey", [conversation]);
    this.#online();
    if (!this.data.profile.may_send_survey) throw { code: "forbidden", message: "this project's admin does not let agents send the survey" };
    const view = this.#view(conversation);
    const done = view.messages.some((m) => m.body.kind === "event" && (m.body.event.kind === "survey_sent" || m.body.event.kind === "survey_answered"));
    if (done) throw { code: "conflict", message: "the survey was already sent in this conversation" };
    this.#deliver(conversation, { kind: "system" }, { kind: "event", event: { kind: "survey_sent", agent: this.data.profile.name } }, null);
  }

  /** A5, R9: checked as the hub checks them (`readAnswers`: known questions, kinds, ranges,
   * choice indexes, the required ones), then the thread gets the agents-only `agent_answered`
   * event with the answers as lines (in English, as the hub writes them for an agent). Answering
   * again replaces the earlier answers (a new event). */
  async answerQuestionnaire(conversation: ConversationRef, answers: Record<string, AnswerValue>): Promise<void> {
    await this.#enter("answerQuestionnaire", [conversation, structuredClone(answers)]);
    this.#online();
    this.#view(conversation);
    const questionnaire = agentQuestionnaire(this.data.profile);
    if (!questionnaire) throw { code: "invalid_state", message: "this project has no closing questionnaire" };
    const read = readAnswers(questionnaire.questionnaire, answers);
    if ("error" in read) throw { code: "invalid_input", message: read.error };
    this.#deliver(conversation, { kind: "system" }, { kind: "event", event: { kind: "agent_answered", agent: this.data.profile.name, answers: read.lines } }, null);
  }

  /** Like the hub: refused when the admin switched it off; marking again what is already so
   * changes nothing (no event). */
  async markImportant(conversation: ConversationRef, important: boolean): Promise<void> {
    await this.#enter("markImportant", [conversation, important]);
    this.#online();
    this.#allowed("mark_important");
    const view = this.#view(conversation);
    if (view.important === important) return;
    view.important = important;
    this.#deliver(conversation, { kind: "system" }, { kind: "event", event: { kind: "marked_important", agent: this.data.profile.name, important } }, null);
    this.#updated(view);
  }

  async sendFile(conversation: ConversationRef, name: string, mime: string, data: Uint8Array): Promise<Message | null> {
    await this.#enter("sendFile", [conversation, name, mime, data]);
    this.#online();
    this.#allowed("send_file");
    this.#view(conversation);
    if (name.trim() === "" || data.length === 0 || data.length > MAX_FILE_BYTES)
      throw { code: "invalid_input", message: `a file of 1 byte to ${MAX_FILE_BYTES} bytes, with a name` };
    const info: FileInfo = { id: crypto.randomUUID(), name, size: data.length, mime: mime || "application/octet-stream" };
    this.data.files ??= {};
    this.data.files[info.id] = { info, bytes: data.slice() };
    return structuredClone(this.#deliver(conversation, this.#me(), { kind: "file", file: info }, crypto.randomUUID()));
  }

  async saveFile(file: FileInfo): Promise<string | null> {
    await this.#enter("saveFile", [file.id]);
    if (typeof document !== "undefined" && typeof URL.createObjectURL === "function") {
      await download(this, file);
    }
    return null;
  }

  async fileBytes(id: string): Promise<ArrayBuffer> {
    await this.#enter("fileBytes", [id]);
    const file = this.data.files?.[id];
    if (!file) throw { code: "not_found", message: "no such file" };
    return file.bytes.slice().buffer;
  }

  async todayStats(): Promise<TodayStats> {
    await this.#enter("todayStats", []);
    return structuredClone(
      this.data.today ?? {
        conversations: 0,
        closed: 0,
        first_response_avg_ms: null,
        response_avg_ms: null,
        satisfaction_avg: null,
        satisfaction_count: 0,
        sales: [],
      },
    );
  }

  async cobrowse(conversation: ConversationRef, action: AgentCobrowse): Promise<void> {
    await this.#enter("cobrowse", [conversation, action]);
    this.#online();
    this.#allowed("cobrowse");
    this.#view(conversation);
    const current = this.#cobrowse[conversation];
    const answers = this.#options.cobrowse ?? {};
    switch (action.kind) {
      case "ask": {
        if (current) throw { code: "invalid_state", message: "a session is already asked or running" };
        this.#setCobrowse({ conversation, phase: "asked", guiding: "no", agent: this.data.profile.name, relay: null, end: null });
        this.#visitorAnswers(answers.answer ?? "accept", (yes) => {
          const now = this.#cobrowse[conversation];
          if (now?.phase !== "asked") return;
          if (yes) this.#setCobrowse({ ...now, phase: "running", relay: `fake-relay-${++this.#relays}` });
          else this.#endCobrowse(conversation, "declined");
        });
        return;
      }
      case "ask_guide": {
        if (current?.phase !== "running") throw { code: "invalid_state", message: "no session runs" };
        if (current.guiding !== "no") return;
        this.#setCobrowse({ ...current, guiding: "asked" });
        this.#visitorAnswers(answers.guide ?? "accept", (yes) => {
          const now = this.#cobrowse[conversation];
          if (now?.phase === "running" && now.guiding === "asked") this.#setCobrowse({ ...now, guiding: yes ? "allowed" : "no" });
        });
        return;
      }
      case "navigate":
      case "point": {
        // As the hub: guiding not allowed (yet) is a state error.
        if (current?.phase !== "running" || current.guiding !== "allowed") throw { code: "invalid_state", message: "the visitor has not allowed guiding" };
        if (action.kind === "navigate" && webUrl(action.url) === null) throw { code: "invalid_input", message: "an http(s) address" };
        this.guides.push({ conversation, action: structuredClone(action) });
        return;
      }
      case "stop":
        this.#endCobrowse(conversation, "stopped_by_agent");
        return;
    }
  }

  async openCobrowseView(conversation: ConversationRef, relay: string, onMessage: (message: ViewMessage) => void): Promise<Unsubscribe> {
    await this.#enter("openCobrowseView", [conversation, relay]);
    const session = this.#cobrowse[conversation];
    if (session?.phase !== "running" || session.relay !== relay) throw { code: "not_found", message: "no such session" };
    this.#closeView(conversation);
    const view: FakeView = { relay, send: (m) => !view.closed && onMessage(structuredClone(m)), timers: [], closed: false };
    this.#views.set(conversation, view);
    void this.#playPage(view);
    return () => {
      if (this.#views.get(conversation) === view) this.#closeView(conversation);
    };
  }

  /** Outside the app, the site's images show as placeholders. */
  cobrowseAsset(): string | null {
    return null;
  }
  async cobrowseCheckout(conversation: ConversationRef): Promise<void> {
    await this.#enter("cobrowseCheckout", [conversation]);
    const view = this.#views.get(conversation);
    if (!view) return;
    for (const timer of view.timers) clearTimeout(timer);
    view.timers = [];
    void this.#playPage(view);
  }

  async statsRange(query: StatsQuery): Promise<StatsResult> {
    await this.#enter("statsRange", [query]);
    const key = JSON.stringify([query.from, query.days, query.group]);
    if (this.connection.state !== "online") {
      const kept = this.#statsKept.get(key);
      if (!kept) throw { code: "offline", message: "the hub is not reachable and these figures were never read" };
      return { range: structuredClone(kept), offline: true };
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(query.from) || !Number.isInteger(query.days) || query.days < 1 || query.days > 31)
      throw { code: "invalid_input", message: "from is YYYY-MM-DD, days 1 to 31" };
    const profile = this.data.profile;
    const stats = this.data.stats ?? { time_zone: "Europe/Paris", agent: [], groups: {} };
    let scope: StatsScope = { kind: "agent", id: profile.id, name: profile.name };
    if (query.group !== null) {
      const visible = profile.role === "admin" ? this.data.groups : profile.role === "manager" ? profile.groups : [];
      const group = visible.find((g) => g.id === query.group);
      if (!group) throw { code: "forbidden", message: "not one of your groups" };
      scope = { kind: "group", id: group.id, name: group.name };
    }
    const pool = query.group === null ? stats.agent : (stats.groups[query.group] ?? []);
    const range = rangeOf(pool, query, scope, stats.time_zone, this.now);
    this.#statsKept.set(key, range);
    return { range: structuredClone(range), offline: false };
  }

  async closedConversations(query: ClosedQuery): Promise<ClosedConversation[]> {
    await this.#enter("closedConversations", [query]);
    this.#online();
    return closedPage(this.data.closed ?? [], query);
  }

  async teamOnline(): Promise<TeamMember[]> {
    await this.#enter("teamOnline", []);
    this.#allowed("online_agents");
    this.#online();
    return this.#team();
  }

  /** The connected agents: this one's line made from the profile, then the others. */
  #team(): TeamMember[] {
    const me = this.data.profile;
    const mine: TeamMember = {
      id: me.id,
      name: me.name,
      role: me.role,
      groups: me.groups.map((g) => g.id),
      statuses: structuredClone(me.statuses),
      load: this.data.conversations.length,
      slot_limit: me.slot_limit,
    };
    return [mine, ...structuredClone(this.data.team ?? []).filter((m) => m.id !== me.id)];
  }

  async knowledgeSearch(query: KnowledgeQuery): Promise<KnowledgeResult> {
    await this.#enter("knowledgeSearch", [query]);
    this.#allowed("knowledge_search");
    // Offline, the desk's cache answers (D18): the articles it kept, said so.
    return { articles: searchArticles(this.data.knowledge ?? [], query), offline: this.connection.state !== "online" };
  }

  async assistantAsk(question: string): Promise<AssistantReply> {
    await this.#enter("assistantAsk", [question]);
    this.#allowed("assistant");
    const past = pastAnswers(this.data.threads ?? {}, this.data.profile.id);
    const canned = deskOptions(this.data.profile).canned_responses ? this.data.canned : [];
    return { question, answers: rank(question, assistantDocuments(this.data.knowledge ?? [], canned, past)) };
  }

  async emailConversation(conversation: ConversationRef): Promise<void> {
    await this.#enter("emailConversation", [conversation]);
    this.#allowed("email_to_self");
    this.#online();
    this.#view(conversation);
    this.emailed.push(conversation);
  }

  async printConversation(): Promise<void> {
    await this.#enter("printConversation", []);
    this.#allowed("print");
    if (typeof document !== "undefined") this.printed.push(document.querySelector(".print-sheet")?.textContent ?? "");
    await this.#options.print?.();
  }

  // ---- supervision (M1–M3) ---------------------------------------------------------------

  async askHelp(conversation: ConversationRef, note: string | null): Promise<void> {
    await this.#enter("askHelp", [conversation, note]);
    this.#online();
    this.#allowed("ask_manager");
    const view = this.#view(conversation);
    const text = note?.trim() ?? "";
    if ([...text].length > HELP_NOTE_MAX) throw { code: "invalid_input", message: `a note of at most ${HELP_NOTE_MAX} characters` };
    const sup = this.#supervision();
    if (sup.help.some((h) => h.conversation === conversation && openHelp(h))) throw { code: "invalid_state", message: "a manager is already asked about this conversation" };
    const [manager] = this.#managersOf(view.group, []);
    if (!manager) throw { code: "unavailable", message: "no manager of this group is online" };
    const me = this.data.profile;
    const request: HelpRequest = {
      id: this.#nextHelpId++,
      conversation,
      group: view.group,
      agent: me.id,
      agent_name: me.name,
      note: text === "" ? null : text,
      visitor_name: view.visitor.name,
      at: this.now,
      state: { kind: "asking", manager: manager.id, manager_name: manager.name, until: this.now + HELP_ANSWER_MS },
    };
    sup.help.push(request);
    this.#later(() => this.#emitHelp(request));
    this.#managerAnswers(request.id);
    this.#expire(request);
  }

  async answerHelp(request: number, accept: boolean): Promise<void> {
    await this.#enter("answerHelp", [request, accept]);
    this.#online();
    this.#manager();
    const me = this.data.profile;
    const found = this.#supervision().help.find((h) => h.id === request);
    if (!found || found.state.kind !== "asking" || found.state.manager !== me.id) throw { code: "invalid_state", message: "this request is not asked of you any more" };
    if (accept) {
      found.state = { kind: "accepted", manager: me.id, manager_name: me.name };
      this.#emitHelp(found);
      this.#startWatching(found.conversation);
      return;
    }
    // Declined: the next manager of the group online, else nobody answered.
    const [next] = this.#managersOf(found.group, [me.id, found.agent]);
    found.state = next ? { kind: "asking", manager: next.id, manager_name: next.name, until: this.now + HELP_ANSWER_MS } : { kind: "unanswered" };
    this.#emitHelp(found);
    this.#expire(found);
  }

  async board(): Promise<Board> {
    await this.#enter("board", []);
    this.#online();
    this.#manager();
    const me = this.data.profile;
    const sup = this.#supervision();
    const mine = new Set(me.role === "admin" ? sup.groups.map((g) => g.id) : me.groups.map((g) => g.id));
    const onDesks: BoardConversation[] = [
      ...this.data.conversations.map((c) => this.#boardConversation(c, me.id, me.name)),
      ...sup.live.map((c) => this.#boardConversation(c, c.assigned_agent ?? 0, this.#agentName(c.assigned_agent))),
    ].filter((c) => mine.has(c.group));
    const agents = this.#team().filter((a) => a.groups.some((g) => mine.has(g)));
    return structuredClone({
      groups: sup.groups.filter((g) => mine.has(g.id)).map((g) => ({ ...g, live: onDesks.filter((c) => c.group === g.id).length })),
      agents,
      conversations: onDesks,
      help: sup.help.filter((h) => openHelp(h) && mine.has(h.group)),
      at: this.now,
    });
  }

  async watch(conversation: ConversationRef, watch: boolean): Promise<void> {
    await this.#enter("watch", [conversation, watch]);
    this.#online();
    this.#manager();
    if (!watch) {
      if (this.#watching.delete(conversation)) this.#later(() => this.emit({ kind: "watch_ended", conversation }));
      return;
    }
    if (!this.#live(conversation)) throw { code: "not_found", message: `${conversation} is on no other desk` };
    this.#startWatching(conversation);
  }

  async whisper(conversation: ConversationRef, text: string): Promise<void> {
    await this.#enter("whisper", [conversation, text]);
    this.#online();
    this.#manager();
    const view = this.#live(conversation);
    if (!view || !this.#watching.has(conversation)) throw { code: "invalid_state", message: `you do not watch ${conversation}` };
    if (text.trim() === "" || [...text].length > WHISPER_MAX) throw { code: "invalid_input", message: `a whisper of 1 to ${WHISPER_MAX} characters` };
    const message: Message = { id: this.#nextMessageId++, conversation, client_id: crypto.randomUUID(), author: this.#me(), body: { kind: "whisper", text }, at: this.now };
    view.messages.push(message);
    this.#later(() => this.#watched(message));
  }

  async join(conversation: ConversationRef, join: boolean): Promise<void> {
    await this.#enter("join", [conversation, join]);
    this.#online();
    this.#manager();
    const view = this.#live(conversation);
    if (!view) throw { code: "not_found", message: `${conversation} is on no other desk` };
    const me = this.data.profile;
    if (view.joined.includes(me.id) === join) return;
    // R4: the join holds one of the manager's slots: available, with a free slot.
    const status = me.statuses.find((s) => s.channel === view.channel);
    if (join && (status?.chosen.kind !== "available" || this.#slotsFull()))
      throw { code: "agent_unavailable", message: "be available with a free slot to join" };
    view.joined = join ? [...view.joined, me.id] : view.joined.filter((id) => id !== me.id);
    view.messages.push({
      id: this.#nextMessageId++,
      conversation,
      client_id: null,
      author: { kind: "system" },
      body: { kind: "event", event: { kind: "manager_joined", agent: me.name, joined: join } },
      at: this.now,
    });
    // The hub has the manager watch it, with the view that shows the join.
    this.#watching.add(conversation);
    this.#later(() => {
      const now = this.#live(conversation);
      if (now && this.#watching.has(conversation)) this.emit({ kind: "watching", conversation: structuredClone(now) });
    });
  }

  async takeOver(conversation: ConversationRef): Promise<void> {
    await this.#enter("takeOver", [conversation]);
    this.#online();
    this.#manager();
    const sup = this.#supervision();
    const view = this.#live(conversation);
    if (!view) throw { code: "not_found", message: `${conversation} is on no other desk` };
    // R4: the manager takes it as any agent would: available, with a free slot.
    const status = this.data.profile.statuses.find((s) => s.channel === view.channel);
    // A join's slot is reused (M3).
    const joined = view.joined.includes(this.data.profile.id);
    if (status?.chosen.kind !== "available" || (!joined && this.#slotsFull()))
      throw { code: "agent_unavailable", message: "be available with a free slot to take it over" };
    const me = this.data.profile;
    const from = view.assigned_agent;
    view.joined = view.joined.filter((id) => id !== me.id);
    sup.live = sup.live.filter((c) => c.reference !== conversation);
    view.messages.push({
      id: this.#nextMessageId++,
      conversation,
      client_id: null,
      author: { kind: "system" },
      body: { kind: "event", event: { kind: "transferred", from: this.#agentName(from), to: me.name } },
      at: this.now,
    });
    view.assigned_agent = me.id;
    const waiting = this.#waiting();
    this.data.conversations.push(view);
    this.emit({ kind: "conversation_added", conversation: structuredClone({ ...view, messages: view.messages.slice(-SNAPSHOT_TAIL) }), cause: { kind: "transfer", from, comment: null } });
    if (this.#waiting() !== waiting) this.emit({ kind: "waiting", count: this.#waiting() });
    if (this.#watching.delete(conversation)) this.emit({ kind: "watch_ended", conversation });
    for (const h of sup.help.filter((h) => h.conversation === conversation && openHelp(h))) {
      h.state = { kind: "withdrawn" };
      this.#emitHelp(h);
    }
  }

  // ---- internals -------------------------------------------------------------------------

  #supervision(): FakeSupervision {
    this.data.supervision ??= { groups: [], live: [], help: [] };
    return this.data.supervision;
  }

  /** The hub refuses the board and its actions to an agent. */
  #manager(): void {
    if (this.data.profile.role === "agent") throw { code: "forbidden", message: "for managers and admins" };
  }

  #live(reference: ConversationRef): ConversationView | undefined {
    return this.data.supervision?.live.find((c) => c.reference === reference);
  }

  /** The open requests that concern this desk: made by this agent, or asked of them now. */
  #helpOfMine(): HelpRequest[] {
    const me = this.data.profile.id;
    return (this.data.supervision?.help ?? []).filter(
      (h) => openHelp(h) && (h.agent === me || ((h.state.kind === "asking" || h.state.kind === "accepted") && h.state.manager === me)),
    );
  }

  /** As the Rust side sends it: whether it is asked of (or accepted by) this manager now. */
  #emitHelp(request: HelpRequest): void {
    const me = this.data.profile.id;
    const asked = (request.state.kind === "asking" || request.state.kind === "accepted") && request.state.manager === me;
    this.emit({ kind: "help", request: structuredClone(request), asked_of_me: asked });
  }

  /** The managers (and admins) of a group online, but those left out. */
  #managersOf(group: number, except: number[]): TeamMember[] {
    const me = this.data.profile.id;
    return (this.data.team ?? []).filter(
      (m) => m.role !== "agent" && m.id !== me && !except.includes(m.id) && m.groups.includes(group) && m.statuses.some((s) => s.availability !== "offline"),
    );
  }

  /** The manager asked answers, a moment later (`FakeOptions.help`). */
  #managerAnswers(id: number): void {
    const options = this.#options.help ?? {};
    const answer = options.answer ?? "accept";
    if (answer === "wait") return;
    const answered = () => {
      const request = this.data.supervision?.help.find((h) => h.id === id);
      if (request?.state.kind !== "asking") return;
      if (answer === "decline") {
        request.state = { kind: "unanswered" };
        this.#emitHelp(request);
        return;
      }
      const { manager, manager_name } = request.state;
      request.state = { kind: "accepted", manager, manager_name };
      this.#emitHelp(request);
      const whisper = options.whisper;
      if (whisper)
        this.#afterAnswer(() => {
          const first = manager_name.split(" ")[0];
          if (this.data.conversations.some((c) => c.reference === request.conversation))
            this.#deliver(request.conversation, { kind: "agent", id: manager, name: first }, { kind: "whisper", text: whisper }, crypto.randomUUID());
        });
    };
    this.#afterAnswer(answered);
  }

  /** The demo (with latency): a request nobody answers in time goes to the next manager of
   * the group online, or is unanswered, as the hub does. */
  #expire(request: HelpRequest): void {
    if ((this.#options.latency ?? 0) <= 0 || request.state.kind !== "asking") return;
    const { manager, until } = request.state;
    setTimeout(() => {
      const now = this.data.supervision?.help.find((h) => h.id === request.id);
      if (now?.state.kind !== "asking" || now.state.manager !== manager) return;
      const [next] = this.#managersOf(now.group, [manager, now.agent]);
      now.state = next ? { kind: "asking", manager: next.id, manager_name: next.name, until: this.now + HELP_ANSWER_MS } : { kind: "unanswered" };
      this.#emitHelp(now);
      this.#expire(now);
    }, Math.max(0, until - this.now));
  }

  #afterAnswer(fn: () => void): void {
    const after = this.#options.help?.after ?? ((this.#options.latency ?? 0) > 0 ? 4000 : 0);
    if (after > 0) setTimeout(fn, after);
    else queueMicrotask(fn);
  }

  #startWatching(conversation: ConversationRef): void {
    this.#watching.add(conversation);
    this.#later(() => {
      const view = this.#live(conversation);
      if (!view || !this.#watching.has(conversation)) return;
      // The whole thread, as the hub sends it; then the session that runs, if any (D5).
      this.emit({ kind: "watching", conversation: structuredClone(view) });
      const session = this.#cobrowse[conversation];
      if (session) this.emit({ kind: "cobrowse", state: structuredClone(session) });
    });
  }

  #watched(message: Message): void {
    if (this.#watching.has(message.conversation)) this.emit({ kind: "watched", message: structuredClone(message) });
  }

  #agentName(id: number | null): string {
    if (id === this.data.profile.id) return this.data.profile.name;
    return this.data.team?.find((m) => m.id === id)?.name ?? this.data.agents.find((a) => a.id === id)?.name ?? "";
  }

  #boardConversation(c: ConversationView, agent: number, agentName: string): BoardConversation {
    return { reference: c.reference, group: c.group, agent, agent_name: agentName, visitor_name: c.visitor.name, waiting_since: c.waiting_since, created_at: c.created_at };
  }

  #setCobrowse(state: CobrowseState): void {
    this.#cobrowse[state.conversation] = state;
    this.emit({ kind: "cobrowse", state: structuredClone(state) });
  }

  #endCobrowse(conversation: ConversationRef, end: CobrowseEnd): void {
    const session = this.#cobrowse[conversation];
    if (!session) return;
    delete this.#cobrowse[conversation];
    this.cobrowseView(conversation, { kind: "ended", reason: end });
    this.#closeView(conversation);
    this.emit({ kind: "cobrowse", state: { ...structuredClone(session), phase: "ended", relay: null, end } });
  }

  #closeView(conversation: ConversationRef): void {
    const view = this.#views.get(conversation);
    if (!view) return;
    view.closed = true;
    for (const timer of view.timers) clearTimeout(timer);
    this.#views.delete(conversation);
  }

  /** The visitor's answer to a prompt, a moment later (never for `wait`). */
  #visitorAnswers(answer: "accept" | "decline" | "wait", then: (yes: boolean) => void): void {
    if (answer === "wait") return;
    const after = this.#options.cobrowse?.after ?? ((this.#options.latency ?? 0) > 0 ? 1500 : 0);
    if (after > 0) setTimeout(() => then(answer === "accept"), after);
    else queueMicrotask(() => then(answer === "accept"));
  }

  /** Plays the page's recording to a view: the batch with the full snapshot now, the rest at
   * their recorded pace, every time moved to now (the visitor's page is live). */
  async #playPage(view: FakeView): Promise<void> {
    let events: { timestamp: number; type: number }[];
    try {
      events = ((await this.#options.cobrowsePage?.()) ?? []) as { timestamp: number; type: number }[];
    } catch {
      events = [];
    }
    if (view.closed || events.length === 0) return;
    const full = events.findIndex((e) => e.type === 2);
    if (full < 0) return;
    const start = events[0].timestamp;
    const shift = Date.now() - start;
    const retimed = events.map((e) => ({ ...e, timestamp: e.timestamp + shift }));
    let first = full + 1;
    while (first < retimed.length && retimed[first].timestamp - retimed[full].timestamp < 20) first++;
    view.send({ kind: "events", full: true, events: JSON.stringify(retimed.slice(0, first)) });
    // The rest in batches of 100 ms, as the recorder sends them.
    const timed = (this.#options.latency ?? 0) > 0;
    let at = first;
    while (at < retimed.length) {
      const from = at;
      const until = retimed[from].timestamp + 100;
      while (at < retimed.length && retimed[at].timestamp < until) at++;
      const batch = JSON.stringify(retimed.slice(from, at));
      const send = () => view.send({ kind: "events", full: false, events: batch });
      if (timed) view.timers.push(setTimeout(send, retimed[from].timestamp - retimed[0].timestamp));
      else send();
    }
  }

  async #enter(name: keyof Backend, args: unknown[]): Promise<void> {
    this.calls.push({ name, args });
    const latency = this.#options.latency ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    else await Promise.resolve();
    const failure = this.#failures.get(name)?.shift();
    if (failure) throw failure;
  }

  #later(fn: () => void): void {
    const latency = this.#options.latency ?? 0;
    if (latency > 0) setTimeout(fn, latency);
    else queueMicrotask(fn);
  }

  #online(): void {
    if (this.connection.state !== "online") throw { code: "offline", message: "the hub is not reachable" };
  }

  /** The hub refuses a tool the admin switched off (A3). */
  #allowed(option: keyof DeskOptions): void {
    if (!deskOptions(this.data.profile)[option]) throw { code: "forbidden", message: `${option} is switched off in this project's desk options` };
  }

  /** D15: a closed conversation of the list, as the cache holds it (made once, then kept). */
  #closedThread(conversation: ConversationRef): Message[] {
    const closed = this.data.closed?.find((c) => c.reference === conversation);
    if (!closed) return [];
    const thread = closedThread(closed, this.#nextMessageId, this.data.profile.id);
    this.#nextMessageId += thread.length;
    this.data.threads = { ...this.data.threads, [conversation]: thread };
    return thread;
  }

  #me(): Author {
    return { kind: "agent", id: this.data.profile.id, name: this.data.profile.name };
  }

  /** R4: the conversations on the desk and the joins (M3) fill the manager's slots. */
  #slotsFull(): boolean {
    const me = this.data.profile.id;
    const joins = (this.data.supervision?.live ?? []).filter((c) => c.joined.includes(me)).length;
    return this.data.conversations.length + joins >= this.data.profile.slot_limit;
  }

  #view(reference: ConversationRef): ConversationView {
    const view = this.data.conversations.find((c) => c.reference === reference);
    if (!view) throw { code: "not_found", message: `${reference} is not on the desk` };
    return view;
  }

  #waiting(): number {
    return this.data.conversations.filter((c) => c.waiting_since !== null).length;
  }

  #snoozedList(): SnoozedItem[] {
    return [...this.data.snoozed].sort((a, b) => a.until - b.until);
  }

  /** A new message, applied and announced as the Rust side does (crates/desk/src/model.rs). */
  #deliver(conversation: ConversationRef, author: Author, body: Body, clientId: string | null): Message {
    const message: Message = {
      id: this.#nextMessageId++,
      conversation,
      client_id: clientId,
      author,
      body,
      at: this.now,
    };
    const view = this.data.conversations.find((c) => c.reference === conversation);
    if (!view) return message;
    const waiting = this.#waiting();
    view.messages.push(message);
    this.emit({ kind: "message_added", message: structuredClone(message) });
    // D7: someone wrote (text, file or offer; not the hub's sentences and events).
    const wrote = (body.kind === "text" || body.kind === "file" || body.kind === "offer") && author.kind !== "system";
    if (wrote && author.kind === "visitor") view.waiting_since ??= message.at;
    if (wrote && author.kind === "agent") {
      view.waiting_since = null;
      view.last_agent_message_at = message.at;
    }
    if (wrote) this.#updated(view);
    if (clientId !== null && this.outbox.some((o) => o.local_id === clientId)) {
      this.outbox = this.outbox.filter((o) => o.local_id !== clientId);
      this.emit({ kind: "outbox_removed", conversation, local_id: clientId });
    }
    if (wrote) this.emit({ kind: "timeout_reminder", conversation, closes_at: null });
    if (wrote && author.kind === "visitor") this.emit({ kind: "visitor_draft", conversation, text: "" });
    if (this.#waiting() !== waiting) this.emit({ kind: "waiting", count: this.#waiting() });
    return message;
  }

  /** The view's fields that change while it is on the desk, as the Rust side's
   * `conversation_updated` carries them (`ConversationUpdate`, D16's `important` too). */
  #updated(view: ConversationView): void {
    const { reference, visitor, visitor_online, waiting_since, last_agent_message_at, important } = view;
    const update = { reference, visitor, visitor_online, waiting_since, last_agent_message_at, important };
    this.emit({ kind: "conversation_updated", conversation: structuredClone(update) });
  }

  #remove(conversation: ConversationRef, cause: Extract<DeskEvent, { kind: "conversation_removed" }>["cause"]): void {
    const waiting = this.#waiting();
    this.data.conversations = this.data.conversations.filter((c) => c.reference !== conversation);
    // The desk forgets the conversation's session with it; its view hears the end from the relay.
    if (this.#cobrowse[conversation]) {
      delete this.#cobrowse[conversation];
      this.cobrowseView(conversation, { kind: "ended", reason: "conversation_moved" });
      this.#closeView(conversation);
    }
    this.emit({ kind: "conversation_removed", conversation, cause });
    if (this.#waiting() !== waiting) this.emit({ kind: "waiting", count: this.#waiting() });
  }

  #flush(): void {
    for (const item of this.outbox.filter((o) => o.state === "pending")) {
      if (this.connection.state !== "online") return;
      const me = this.data.profile;
      const live = this.#live(item.conversation);
      if (live && !this.data.conversations.some((c) => c.reference === item.conversation) && !live.joined.includes(me.id)) {
        // M3: a colleague's conversation this manager has not joined: the hub refuses.
        item.state = "failed";
        item.error = { code: "invalid_state", message: "join the agent to write to the visitor" };
        this.emit({ kind: "outbox", item: { ...item } });
        continue;
      }
      item.state = "sent";
      this.emit({ kind: "outbox", item: { ...item } });
      this.#later(() =>
        live && !this.data.conversations.some((c) => c.reference === item.conversation)
          ? this.#deliverWatched(live, { kind: "agent", id: me.id, name: me.name }, { kind: "text", text: item.text }, item.local_id)
          : this.#deliver(item.conversation, { kind: "agent", id: me.id, name: me.name }, { kind: "text", text: item.text }, item.local_id),
      );
    }
  }

  /** M3: a joined manager's message in a colleague's conversation: into its thread; the outbox
   * item leaves once it is there (`outbox_removed`, then `watched`, as the Rust side does). */
  #deliverWatched(view: ConversationView, author: Author, body: Body, clientId: string): void {
    const message: Message = { id: this.#nextMessageId++, conversation: view.reference, client_id: clientId, author, body, at: this.now };
    view.messages.push(message);
    view.waiting_since = null;
    if (this.outbox.some((o) => o.local_id === clientId)) {
      this.outbox = this.outbox.filter((o) => o.local_id !== clientId);
      this.emit({ kind: "outbox_removed", conversation: view.reference, local_id: clientId });
    }
    this.#watched(message);
  }
}

/** The index of the first message with an id at least `id` in messages sorted by id. */
function firstAtLeast(messages: readonly Message[], id: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (messages[mid].id < id) low = mid + 1;
    else high = mid;
  }
  return low;
}
