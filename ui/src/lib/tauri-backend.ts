/**
 * `Backend` over Tauri's IPC: the only file of the UI that imports `@tauri-apps/*`.
 * Command names and argument keys are listed in ui/README.md ("Backend commands"); Tauri maps
 * the camelCase keys below to the Rust commands' snake_case parameters.
 */
import { Channel, convertFileSrc, invoke } from "@tauri-apps/api/core";
import type {
  AgentCobrowse,
  AgentProfile,
  AnswerValue,
  Board,
  Channel as HubChannel,
  ChosenStatus,
  ClosedConversation,
  ConversationRef,
  FileInfo,
  GroupInfo,
  Message,
  Offer,
  TeamMember,
  TransferTarget,
} from "./protocol";
import {
  externalUrl,
  toDeskError,
  type AgentInfo,
  type AssistantReply,
  type Backend,
  type CannedResponse,
  type CannedResponseDraft,
  type ClosedQuery,
  type DeskEvent,
  type DeskState,
  type HistoryHit,
  type HistoryQuery,
  type KnowledgeQuery,
  type KnowledgeResult,
  type LoginRequest,
  type LoginResult,
  type StatsQuery,
  type StatsResult,
  type TodayStats,
  type Unsubscribe,
  type ViewMessage,
} from "./backend";
import { toBase64 } from "./bytes";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toDeskError(error);
  }
}

export class TauriBackend implements Backend {
  /** Co-browsing views being closed, by conversation: a view opened again waits for it (the
   * Rust side keeps one per conversation; a late close must not end the new one). */
  #closing = new Map<ConversationRef, Promise<void>>();

  login(request: LoginRequest): Promise<LoginResult> {
    return call("login", { request });
  }
  restoreSession(): Promise<AgentProfile | null> {
    return call("restore_session");
  }
  logout(): Promise<void> {
    return call("logout");
  }
  snapshot(): Promise<DeskState> {
    return call("snapshot");
  }
  async subscribe(onEvent: (event: DeskEvent) => void): Promise<Unsubscribe> {
    let live = true;
    const channel = new Channel<DeskEvent>();
    channel.onmessage = (event) => {
      if (!live) return;
      // Never let a throw reach Tauri's Channel: it would stop counting messages and hold
      // every later one back, silently.
      try {
        onEvent(event);
      } catch (error) {
        console.error("pupitre: desk event handler failed", event, error);
      }
    };
    // The Rust side keeps one channel per window; a new `subscribe` replaces the old one.
    await call("subscribe", { onEvent: channel });
    return () => {
      live = false;
    };
  }
  sendMessage(conversation: ConversationRef, text: string): Promise<string> {
    return call("send_message", { conversation, text });
  }
  setStatus(channel: HubChannel, status: ChosenStatus): Promise<void> {
    return call("set_status", { channel, status });
  }
  setSlotLimit(limit: number): Promise<void> {
    return call("set_slot_limit", { limit });
  }
  snooze(conversation: ConversationRef, until: number, keep: boolean): Promise<void> {
    return call("snooze", { conversation, until, keep });
  }
  transfer(
    conversation: ConversationRef,
    to: TransferTarget,
    comment: string | null,
    anyway: boolean,
  ): Promise<void> {
    return call("transfer", { conversation, to, comment, anyway });
  }
  close(conversation: ConversationRef, conversationType: string | null): Promise<void> {
    return call("close", { conversation, conversationType });
  }
  agents(): Promise<AgentInfo[]> {
    return call("agents");
  }
  groups(): Promise<GroupInfo[]> {
    return call("groups");
  }
  cannedResponses(): Promise<CannedResponse[]> {
    return call("canned_responses");
  }
  createCannedResponse(draft: CannedResponseDraft): Promise<CannedResponse> {
    return call("create_canned_response", { draft });
  }
  searchHistory(query: HistoryQuery): Promise<HistoryHit[]> {
    return call("search_history", { query });
  }
  async openExternal(url: string): Promise<void> {
    const safe = externalUrl(url);
    // A mailto opens as its bare address (headers dropped); one that is not an address does not.
    if (safe === null) throw { code: "invalid_input", message: "only http, https and mailto (one address) links open" };
    return call("open_external", { url: safe });
  }
  openConsole(): Promise<void> {
    return call("open_console");
  }
  autostart(): Promise<boolean> {
    return call("autostart");
  }
  setAutostart(on: boolean): Promise<void> {
    return call("set_autostart", { on });
  }
  setFocusedConversation(conversation: ConversationRef | null): Promise<void> {
    return call("set_focused_conversation", { conversation });
  }
  thread(conversation: ConversationRef, before: number | null, limit: number): Promise<Message[]> {
    return call("thread", { conversation, before, limit });
  }
  threadAfter(conversation: ConversationRef, after: number, limit: number): Promise<Message[]> {
    return call("thread_after", { conversation, after, limit });
  }
  sendOffer(conversation: ConversationRef, offer: Offer): Promise<void> {
    return call("send_offer", { conversation, offer });
  }
  requestFile(conversation: ConversationRef): Promise<void> {
    return call("request_file", { conversation });
  }
  sendSurvey(conversation: ConversationRef): Promise<void> {
    return call("send_survey", { conversation });
  }
  answerQuestionnaire(conversation: ConversationRef, answers: Record<string, AnswerValue>): Promise<void> {
    return call("answer_questionnaire", { conversation, answers });
  }
  markImportant(conversation: ConversationRef, important: boolean): Promise<void> {
    return call("mark_important", { conversation, important });
  }
  sendFile(conversation: ConversationRef, name: string, mime: string, data: Uint8Array): Promise<Message | null> {
    // JSON IPC: the bytes travel as standard base64, without a `data:` prefix.
    return call("send_file", { conversation, name, mime, data: toBase64(data) });
  }
  fileBytes(id: string): Promise<ArrayBuffer> {
    // The command answers a raw `tauri::ipc::Response`, which `invoke` hands over as an ArrayBuffer.
    return call("file", { id });
  }
  saveFile(file: FileInfo): Promise<string | null> {
    // The webview cannot download a blob URL: the Rust side writes the file in Downloads.
    return call("save_file", { id: file.id, name: file.name });
  }
  todayStats(): Promise<TodayStats> {
    return call("today_stats");
  }
  cobrowse(conversation: ConversationRef, action: AgentCobrowse): Promise<void> {
    return call("cobrowse", { conversation, action });
  }
  async openCobrowseView(conversation: ConversationRef, relay: string, onMessage: (message: ViewMessage) => void): Promise<Unsubscribe> {
    await this.#closing.get(conversation);
    let live = true;
    const channel = new Channel<ViewMessage>();
    channel.onmessage = (message) => {
      if (!live) return;
      // As for the desk's stream: a throw must never reach Tauri's Channel.
      try {
        onMessage(message);
      } catch (error) {
        console.error("pupitre: co-browsing view handler failed", error);
      }
    };
    await call("cobrowse_view", { conversation, relay, onMessage: channel });
    return () => {
      if (!live) return;
      live = false;
      const closing = call<void>("cobrowse_view_close", { conversation })
        .catch(() => {})
        .finally(() => {
          if (this.#closing.get(conversation) === closing) this.#closing.delete(conversation);
        });
      this.#closing.set(conversation, closing);
    };
  }
  cobrowseCheckout(conversation: ConversationRef): Promise<void> {
    return call("cobrowse_checkout", { conversation });
  }
  cobrowseAsset(url: string): string {
    // `pupitre-asset://localhost/<url, encoded>` (`http://pupitre-asset.localhost/…` on Windows),
    // answered by src-tauri/src/assets.rs.
    return convertFileSrc(url, "pupitre-asset");
  }
  statsRange(query: StatsQuery): Promise<StatsResult> {
    return call("stats_range", { query });
  }
  closedConversations(query: ClosedQuery): Promise<ClosedConversation[]> {
    return call("closed_conversations", { query });
  }
  teamOnline(): Promise<TeamMember[]> {
    return call("team_online");
  }
  knowledgeSearch(query: KnowledgeQuery): Promise<KnowledgeResult> {
    return call("knowledge_search", { query });
  }
  assistantAsk(question: string): Promise<AssistantReply> {
    return call("assistant_ask", { question });
  }
  emailConversation(conversation: ConversationRef): Promise<void> {
    return call("email_conversation", { conversation });
  }
  printConversation(): Promise<void> {
    // WebKitGTK's print operation on this window: the page holds the printable layout by then.
    return call("print_conversation");
  }
  askHelp(conversation: ConversationRef, note: string | null): Promise<void> {
    return call("ask_help", { conversation, note });
  }
  answerHelp(request: number, accept: boolean): Promise<void> {
    return call("answer_help", { request, accept });
  }
  board(): Promise<Board> {
    return call("board");
  }
  watch(conversation: ConversationRef, watch: boolean): Promise<void> {
    return call("watch", { conversation, watch });
  }
  whisper(conversation: ConversationRef, text: string): Promise<void> {
    return call("whisper", { conversation, text });
  }
  join(conversation: ConversationRef, join: boolean): Promise<void> {
    return call("join", { conversation, join });
  }
  takeOver(conversation: ConversationRef): Promise<void> {
    return call("take_over", { conversation });
  }
}
