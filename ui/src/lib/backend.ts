/**
 * The one door between the desk's UI and Rust (DESIGN §7).
 *
 * Every component reaches the hub, the keyring, the SQLite cache and the OS through a
 * `Backend`; nothing else in `src/` may import `@tauri-apps/*` (a test checks it). Two
 * implementations: `TauriBackend` (tauri-backend.ts, the app) and `FakeBackend`
 * (fake-backend.ts, tests and the browser demo).
 *
 * Errors are always `DeskError` objects `{code, message}`; the UI matches on `code` only.
 */
import type {
  AssistantReply,
  CannedResponse,
  CannedResponseDraft,
  DeskError,
  DeskEvent,
  DeskState,
  HistoryHit,
  HistoryQuery,
  KnowledgeQuery,
  KnowledgeResult,
  LoginRequest,
  LoginResult,
  ClosedQuery,
  StatsQuery,
  StatsResult,
  ViewMessage,
} from "./desk";
import type {
  AgentCobrowse,
  AgentProfile,
  AnswerValue,
  Availability,
  Board,
  Channel,
  ChosenStatus,
  ConversationRef,
  FileInfo,
  GroupInfo,
  Message,
  Offer,
  SalesFigure,
  TeamMember,
  TransferTarget,
  ClosedConversation,
} from "./protocol";
import { isEmail } from "./text";

/** What crosses the desk's door is generated from crates/desk (DESIGN §11): the error codes
 * (the hub's `ErrorCode` plus the desk's own: `hub_unreachable`, `keyring_unavailable`,
 * `offline`, `logged_out`, `cache`), every backend call's rejection `{code, message}`… */
export type { DeskError, DeskErrorCode } from "./desk";

export function isDeskError(value: unknown): value is DeskError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as DeskError).code === "string" &&
    typeof (value as DeskError).message === "string"
  );
}

/** Turns anything a promise rejected with into a `DeskError`. */
export function toDeskError(value: unknown): DeskError {
  if (isDeskError(value)) return { code: value.code, message: value.message };
  if (typeof value === "string") return { code: "internal", message: value };
  if (value instanceof Error) return { code: "internal", message: value.message };
  return { code: "internal", message: String(value) };
}

/**
 * …the shapes of the login, canned-response and history commands, and the desk's state and the
 * live stream: `snapshot()` answers a `DeskState`; `subscribe`
 * delivers `DeskEvent`s, changes the Rust side already applied to that state (it reduces the
 * hub's events in one place, crates/desk/src/model.rs, so the tray, the notifications and the
 * UI agree). The UI copies them; it never reduces events again. A `kind` the UI does not know
 * (a newer desk) is ignored. `lagged`: the page fell behind; re-read `snapshot()`.
 */
export type {
  CannedResponse,
  CannedResponseDraft,
  ConnectionState as Connection,
  ConversationUpdate,
  HistoryHit,
  HistoryQuery,
  LoginRequest,
  LoginResult,
  DeskEvent,
  DeskState,
  OutboxItem,
  OutboxState,
  SnoozedItem,
  ViewMessage,
  ClosedQuery,
  StatsQuery,
  StatsResult,
  KnowledgeArticle,
  KnowledgeQuery,
  KnowledgeResult,
  AssistantAnswer,
  AssistantReply,
  AssistantSource,
} from "./desk";

export type Unsubscribe = () => void;

/** An agent of the project, for the transfer dialog (R7, D9). */
export type AgentInfo = {
  id: number;
  name: string;
  availability: Availability;
  groups: number[];
};

/** D15: the agent's figures for today (since local midnight), live. */
export type TodayStats = {
  /** Conversations the agent handled today (taken, whatever their state now). */
  conversations: number;
  /** Of those, closed today. */
  closed: number;
  /** Average time from assignment to the agent's first reply, ms; `null` when none yet. */
  first_response_avg_ms: number | null;
  /** Average time the visitor waited for each of the agent's replies, ms; `null` when none. */
  response_avg_ms: number | null;
  /** Average satisfaction score (1–5) of the surveys answered today; `null` when none. */
  satisfaction_avg: number | null;
  satisfaction_count: number;
  /** Sales attributed to the agent today, one per currency (amounts in minor units). A hub older
   * than the sales figure leaves it out: read it as `[]` (`TodayFigures` does). */
  sales: SalesFigure[];
};

/** D15: at most this many closed conversations per page. */
export const CLOSED_PAGE = 50;

/** The largest file the desk sends (D12); the Rust side and the hub refuse larger ones too. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface Backend {
  /** Logs in against `hub` (a URL). Rejects with `unauthorized` or `hub_unreachable`. */
  login(request: LoginRequest): Promise<LoginResult>;
  /** Logs in again with the credentials kept in the keyring; `null` when none (or refused). */
  restoreSession(): Promise<AgentProfile | null>;
  /** Logs out: disconnects and forgets the keyring entry. */
  logout(): Promise<void>;
  /** The desk as the Rust side knows it now (cached when offline). */
  snapshot(): Promise<DeskState>;
  /** Starts the live stream; the returned function stops it. */
  subscribe(onEvent: (event: DeskEvent) => void): Promise<Unsubscribe>;
  /** Queues a message in the outbox; resolves with its local id (the client id), at once. */
  sendMessage(conversation: ConversationRef, text: string): Promise<string>;
  setStatus(channel: Channel, status: ChosenStatus): Promise<void>;
  /** R4: rejects with `slot_limit_above_max` past the admin maximum. */
  setSlotLimit(limit: number): Promise<void>;
  /** R5: `until` in epoch ms; `keep` brings it back to this agent. */
  snooze(conversation: ConversationRef, until: number, keep: boolean): Promise<void>;
  /** R7: rejects with `agent_unavailable` unless `anyway`. */
  transfer(
    conversation: ConversationRef,
    to: TransferTarget,
    comment: string | null,
    anyway: boolean,
  ): Promise<void>;
  /** R9: `conversationType` from `profile.conversation_types`. */
  close(conversation: ConversationRef, conversationType: string | null): Promise<void>;
  agents(): Promise<AgentInfo[]>;
  groups(): Promise<GroupInfo[]>;
  cannedResponses(): Promise<CannedResponse[]>;
  createCannedResponse(draft: CannedResponseDraft): Promise<CannedResponse>;
  searchHistory(query: HistoryQuery): Promise<HistoryHit[]>;
  /** Opens an http, https or mailto URL in the OS (a mailto as its bare address, see
   * `externalUrl`); anything else rejects with `invalid_input`. */
  openExternal(url: string): Promise<void>;
  /** Issue 10: the hub's administration console in the system browser (admins and managers;
   * an agent gets `forbidden`). */
  openConsole(): Promise<void>;
  /** Issue 13: whether the desk starts when the agent logs in to their computer (the XDG
   * autostart entry `~/.config/autostart/pupitre-desk.desktop` exists and is enabled). */
  autostart(): Promise<boolean>;
  /** Issue 13: starts the desk when the agent logs in (`on: true`, writes the autostart entry)
   * or no longer (`false`). Works offline: it is this computer's setting, not the hub's. */
  setAutostart(on: boolean): Promise<void>;
  /** What is on screen, so notifications skip it (D17). */
  setFocusedConversation(conversation: ConversationRef | null): Promise<void>;
  /**
   * A page of a conversation's thread from the local cache (P5, D14, D18): the `limit` newest
   * messages whose id is below `before` (all of them when `null`), returned oldest first
   * (mirrors `Cache::thread`). Fewer than `limit` means the start of the conversation.
   */
  thread(conversation: ConversationRef, before: number | null, limit: number): Promise<Message[]>;
  /**
   * The page after message `after` from the local cache (P5): the `limit` oldest messages whose
   * id is above `after`, oldest first (mirrors `Cache::thread_after`). Fewer than `limit` means
   * the newest cached message is reached. The thread pages forward with it after letting go of
   * what it scrolled past.
   */
  threadAfter(conversation: ConversationRef, after: number, limit: number): Promise<Message[]>;
  /** D12: shares an offer card with the visitor (`link` and `image` http or https). */
  sendOffer(conversation: ConversationRef, offer: Offer): Promise<void>;
  /** D16: asks the visitor for a file (the widget shows an upload button). */
  requestFile(conversation: ConversationRef): Promise<void>;
  /** A5: sends the visitor the satisfaction survey now (the widget shows it); once per
   * conversation. Rejects with `forbidden` when the admin does not let agents send it
   * (`AgentProfile.may_send_survey`), `conflict` when it was already sent or answered. */
  sendSurvey(conversation: ConversationRef): Promise<void>;
  /** A5, R9: the agent's answers to the closing questionnaire (`AgentProfile.agent_questionnaire`),
   * by question id: a boolean for yes/no, a number from 1 to the max for a rating, text, the
   * chosen choices' indexes; blank optional questions left out. Resolves once the hub
   * acknowledged (the thread then gets the agents-only `agent_answered` event); answering again
   * replaces the earlier answers. Rejects with `invalid_input` (a required question left out or a
   * wrong value: the message names the question), `invalid_state` (the project has no
   * questionnaire), `offline`, `forbidden`, `not_found`. Until the conversation has answers, the
   * hub refuses to `close` it with `invalid_state` when the admin does not let agents close
   * without answering (`closable_without_answer`). */
  answerQuestionnaire(conversation: ConversationRef, answers: Record<string, AnswerValue>): Promise<void>;
  /** D16: marks the conversation important (`important: true`) or removes the mark; resolves
   * once the hub acknowledged. The view's `important` then changes on the stream
   * (`conversation_updated`), and the thread gets the `marked_important` event. Rejects with
   * `forbidden` (the admin switched the option off, A3, or the conversation is not the agent's
   * any more), `offline`, `invalid_state` (closed meanwhile), `not_found`. */
  markImportant(conversation: ConversationRef, important: boolean): Promise<void>;
  /** D12, D16: sends a file (at most `MAX_FILE_BYTES`) to the visitor; resolves with its
   * message once the hub has it (the same message also comes on the stream). */
  sendFile(conversation: ConversationRef, name: string, mime: string, data: Uint8Array): Promise<Message | null>;
  /** The bytes of a file of a thread (`FileInfo.id`), for a preview or a download. */
  fileBytes(id: string): Promise<ArrayBuffer>;
  /** Saves a file of a thread on this computer. The desk writes it in the Downloads folder and
   * resolves with its path; a browser downloads it and resolves with `null`. */
  saveFile(file: FileInfo): Promise<string | null>;
  /** D15: today's figures. */
  todayStats(): Promise<TodayStats>;
  /**
   * D5, C1: co-browsing in a conversation: ask to see the visitor's page (`ask`), ask to guide
   * (`ask_guide`), then guide (`navigate` to a page of the brand's site, `point` at a spot in
   * the page's CSS pixels), or `stop`. The session's state comes back on the stream as
   * `cobrowse` changes (asked, running with its relay, ended with why). Rejects with `offline`,
   * `forbidden` (co-browsing is off, A3), `invalid_state` (a session already asked, none running,
   * guiding not allowed), `invalid_input` (an address not on the brand's site), `not_found`.
   */
  cobrowse(conversation: ConversationRef, action: AgentCobrowse): Promise<void>;
  /**
   * D5: opens the view of a running session (`relay`, from its state): `onMessage` gets batches
   * of the page's recorder events (`events`, a JSON array; `full` when it begins with a full
   * snapshot), `visitor_away`, `reconnecting`, and `ended`. Resolves with the function that
   * closes it (the panel was hidden or the session ended). One view per conversation: opening
   * another replaces it.
   */
  openCobrowseView(conversation: ConversationRef, relay: string, onMessage: (message: ViewMessage) => void): Promise<Unsubscribe>;
  /** D5: the replay lost track: asks the visitor's page for a fresh full snapshot. */
  cobrowseCheckout(conversation: ConversationRef): Promise<void>;
  /**
   * D5, C4: the address the replay loads an image or font of the brand's site from (`url`, an
   * absolute `http(s)` URL on the profile's `site_origins`); the Rust side fetches it from the
   * site and nowhere else. `null` when the desk cannot (outside the app): a placeholder shows.
   */
  cobrowseAsset(url: string): string | null;
  /**
   * D15: an agent's (or a group's) figures day by day. Offline, the copy kept from the last
   * answer to the same query (`offline: true`); rejects `offline` when there is none, and
   * `forbidden` for a group the agent may not see.
   */
  statsRange(query: StatsQuery): Promise<StatsResult>;
  /** D15: closed conversations to re-read, newest first, `CLOSED_PAGE` at most. Rejects `offline`. */
  closedConversations(query: ClosedQuery): Promise<ClosedConversation[]>;
  /**
   * D16: the project's connected agents, with their status on each channel (what they chose and
   * what others see), their load and slot limit, role and groups. Rejects with `forbidden` (the
   * admin switched `online_agents` off, A3), `offline` or `hub_unreachable` (the hub is out of
   * reach: the list is live, never cached).
   */
  teamOnline(): Promise<TeamMember[]>;
  /**
   * D16, A8: knowledge articles matching `query.text` (empty: the newest ones), in
   * `query.language` or any. `offline: true` when the hub was out of reach and they come from
   * the desk's cache (D18). Rejects with `forbidden` when `knowledge_search` is off.
   */
  knowledgeSearch(query: KnowledgeQuery): Promise<KnowledgeResult>;
  /**
   * D16: the assistant ("opérateur livechat augmenté"): answers to a question in plain words,
   * ranked (BM25, computed on this computer) from the knowledge articles, the canned responses
   * and the agent's own past conversations, best first, each with its source. No answer found:
   * `answers` is empty. Rejects with `forbidden` when `assistant` is off.
   */
  assistantAsk(question: string): Promise<AssistantReply>;
  /**
   * D16: the hub e-mails the whole conversation to the agent's own address (`profile.email`);
   * resolves once it is queued. Rejects with `forbidden` (`email_to_self` off), `offline`,
   * `not_found`.
   */
  emailConversation(conversation: ConversationRef): Promise<void>;
  /**
   * D16: prints the window through the system's print dialog (the agent may choose "Print to
   * file" for a PDF); resolves once the dialog is done with. The UI puts the conversation's
   * printable layout in the page first (shown only for print, `print.ts`) and removes it after.
   * Rejects with `forbidden` when `print` is off.
   */
  printConversation(): Promise<void>;

  // ---- Supervision (M1–M3) --------------------------------------------------------------

  /**
   * M2: asks a manager of the conversation's group for help, with an optional note (at most
   * `HELP_NOTE_MAX` characters, shown as text). Resolves once the hub took it; where it stands
   * then comes on the stream (`help`: asking a manager until a time, accepted, unanswered).
   * Rejects with `unavailable` (no manager of this group is online), `forbidden` (the admin
   * switched `ask_manager` off, A3), `invalid_state` (already asked about this conversation),
   * `offline`, `not_found`.
   */
  askHelp(conversation: ConversationRef, note: string | null): Promise<void>;
  /**
   * M2: a manager answers a help request asked of them (`HelpRequest.id`): accepted, they watch
   * the conversation at once (the stream's `watching`); declined, it goes to the next manager.
   * Rejects with `invalid_state` (not asked of them any more), `forbidden`, `offline`.
   */
  answerHelp(request: number, accept: boolean): Promise<void>;
  /** M1: the manager's board (their groups; an admin's: all), live, never cached. Rejects with
   * `forbidden` for an agent, `offline`, `hub_unreachable`. */
  board(): Promise<Board>;
  /**
   * M3: starts (`watch: true`) or stops watching a conversation on a desk of the manager's
   * groups: read only, nobody is told, nothing is marked read. The view comes on the stream
   * (`watching`, then `watched` messages, `watch_ended`). Rejects with `forbidden`, `offline`,
   * `not_found` (no longer on a desk).
   */
  watch(conversation: ConversationRef, watch: boolean): Promise<void>;
  /** M3: a note to the watched conversation's agent (at most `WHISPER_MAX` characters); the
   * visitor never sees it. It comes back as a `watched` message (`whisper` body). */
  whisper(conversation: ConversationRef, text: string): Promise<void>;
  /**
   * M3: the manager joins the watched conversation's agent (`join: true`: they write to the
   * visitor too, with `sendMessage`, through the outbox) or leaves (`false`). The join holds one
   * of the manager's slots: rejects with `agent_unavailable` unless they are available with a
   * free slot (R4); also `forbidden`, `offline`, `not_found`, `invalid_state`. A fresh
   * `watching` follows, its `joined` holding the managers who joined, and the thread gets the
   * `manager_joined` event. The join ends by itself when the manager disconnects or the
   * conversation leaves the agent's desk.
   */
  join(conversation: ConversationRef, join: boolean): Promise<void>;
  /** M3: the manager takes the watched conversation onto their own desk (`conversation_added`,
   * then `watch_ended`). Rejects with `agent_unavailable` unless the manager is available with
   * a free slot (R4), `forbidden`, `offline`, `not_found`. */
  takeOver(conversation: ConversationRef): Promise<void>;
}

/** M2: the longest note an agent may send with a help request. */
export const HELP_NOTE_MAX = 1000;

/** M3: the longest whisper. */
export const WHISPER_MAX = 10_000;

/** The schemes `openExternal` accepts, here and on the Rust side. */
export const EXTERNAL_SCHEMES = ["http:", "https:", "mailto:"] as const;

/** An http(s) URL, normalised (offer links and images, shared links); `null` otherwise. */
export function webUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

/**
 * The URL, normalised, when it may be opened outside; `null` otherwise. A `mailto:` is reduced
 * to its bare address (`mailto:a@b.example`): headers a stranger wrote (`?cc=…&bcc=…&body=…`)
 * are dropped, and what is not one valid address (`isEmail`) is refused.
 */
export function externalUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol === "mailto:") return mailtoUrl(url);
  return (EXTERNAL_SCHEMES as readonly string[]).includes(url.protocol) ? url.href : null;
}

/** `mailto:` + the validated address, without its `?` part; `null` when it is not an address. */
function mailtoUrl(url: URL): string | null {
  let address: string;
  try {
    address = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  return isEmail(address) ? `mailto:${address}` : null;
}
