/**
 * Test double for the real app's data path: a `Backend` whose profile, snapshot and events are
 * the exact JSON the Rust desk (crates/desk/src/desk.rs, src-tauri/src/commands.rs) sends,
 * captured from the demo hub (`pupitre serve --demo`, Alice). Everything goes through
 * `JSON.parse` as it does over Tauri's IPC, so `null`s stay `null` and there are no
 * `undefined`s. Events can be pushed before `subscribe` resolves, between `subscribe` and
 * `snapshot`, or later.
 */
import type { AgentProfile, Board, ClosedConversation, Message, TeamMember } from "./protocol";
import type { AssistantReply, Backend, CannedResponse, DeskEvent, DeskState, KnowledgeResult, LoginResult, StatsQuery, StatsResult, TodayStats, Unsubscribe } from "./backend";

/** `restore_session`'s answer for Alice on the demo hub. */
export const REAL_PROFILE_JSON = `{"id":1,"name":"Alice Martin","email":"alice@demo.pupitre.test","project":"DEMO","role":"agent","groups":[{"id":1,"name":"Support"},{"id":2,"name":"Sales"}],"slot_limit":3,"slot_max":5,"statuses":[{"channel":"chat","chosen":{"kind":"available"},"availability":"available"}],"optional_statuses":["Lunch","Meeting"],"optional_status_labels":{"Lunch":{"fr":"Déjeuner"}},"conversation_types":["Order","Delivery","Other"],"options":{"print":true,"email_to_self":true,"mark_important":true,"ask_manager":true,"online_agents":true,"knowledge_search":true,"canned_responses":true,"request_file":true,"send_file":true,"assistant":true},"may_send_survey":true}`;

/** The same profile as the hub pushes it live (`profile` frame → `profile_changed`) after the
 * admin switched canned responses and sending files off (A3, A10). */
export const REAL_PROFILE_CHANGED_JSON = `{"kind":"profile_changed","profile":${REAL_PROFILE_JSON.replace('"canned_responses":true', '"canned_responses":false').replace('"send_file":true', '"send_file":false')}}`;

/** `snapshot`'s answer right after login: an empty desk, online, no keyring warning. */
export const REAL_SNAPSHOT_JSON = `{"profile":${REAL_PROFILE_JSON},"connection":{"state":"online"},"conversations":[],"snoozed":[],"outbox":[],"waiting":0,"visitor_drafts":{},"timeout_reminders":{},"keyring_warning":null}`;

/** The desk's `conversation_added` for the hub's `conversation_assigned` (captured from the
 * real hub; the desk sends the view as the hub gave it, its thread cut to the last 50). Its
 * `important` (D16, `false` until marked) added by hand where serde writes it, after
 * `snoozed_until`. */
export const REAL_ASSIGNED_JSON = `{"kind":"conversation_added","conversation":{"reference":"DEMO-1","state":"assigned","group":1,"channel":"chat","visitor":{"id":"01a20229-551f-7179-b3b6-ee891bc20e8b","name":null,"email":null,"page_url":null,"page_title":null,"language":null,"user_agent":null},"visitor_online":true,"created_at":1795332592928,"assigned_agent":1,"waiting_since":1795332592928,"last_agent_message_at":null,"snoozed_until":null,"important":false,"messages":[{"id":1,"conversation":"DEMO-1","client_id":"01a20229-5520-7068-ae34-ac6e5fc05eeb","author":{"kind":"visitor"},"body":{"kind":"text","text":"Bonjour, ma commande 4521"},"at":1795332592928},{"id":2,"conversation":"DEMO-1","client_id":null,"author":{"kind":"system"},"body":{"kind":"event","event":{"kind":"assigned","agent":"Alice Martin"}},"at":1795332592928}]},"cause":{"kind":"new"}}`;

/** `today_stats` on a fresh day: no figure yet (`null`s, as serde writes `Option::None`), no sale
 * (D15: an empty `sales`, written from crates/server/src/stats/today.rs). */
export const REAL_TODAY_JSON = `{"conversations":0,"closed":0,"first_response_avg_ms":null,"response_avg_ms":null,"satisfaction_avg":null,"satisfaction_count":0,"sales":[]}`;

/** The same from a hub older than the sales figure (captured before D15's sales): no `sales`. */
export const REAL_TODAY_BEFORE_SALES_JSON = `{"conversations":0,"closed":0,"first_response_avg_ms":null,"response_avg_ms":null,"satisfaction_avg":null,"satisfaction_count":0}`;

/** `stats_range` for a week with nothing in it (D15). Not captured yet: written from the serde
 * shapes of crates/protocol/src/stats.rs (`Option::None` as `null`, the total's `day` empty). The
 * days of the query are filled in by `statsRange`. */
export const REAL_EMPTY_STATS_JSON = `{"range":{"scope":{"kind":"agent","id":1,"name":"Alice Martin"},"time_zone":"Europe/Paris","days":[],"total":{"day":"","conversations":0,"first_response_avg_ms":null,"response_avg_ms":null,"handling_avg_ms":null,"satisfaction_avg":null,"satisfaction_count":0,"sales":[],"status":[]},"computed_at":1795332592928},"offline":false}`;

/** When the real hub's events get to the page, relative to the UI's calls. */
export type Timing = "before-snapshot" | "after-snapshot";

export class RealShapesBackend implements Backend {
  snapshotJson = REAL_SNAPSHOT_JSON;
  /** What `today_stats` answers. */
  todayJson = REAL_TODAY_JSON;
  /** Events (JSON text) to deliver right after `subscribe` resolved, before `snapshot` answers. */
  early: string[] = [];
  snapshots = 0;
  #listener: ((event: DeskEvent) => void) | null = null;

  async restoreSession(): Promise<AgentProfile | null> {
    return JSON.parse(REAL_PROFILE_JSON);
  }

  async subscribe(onEvent: (event: DeskEvent) => void): Promise<Unsubscribe> {
    this.#listener = onEvent;
    return () => {
      if (this.#listener === onEvent) this.#listener = null;
    };
  }

  async snapshot(): Promise<DeskState> {
    this.snapshots++;
    // Tauri delivers Channel messages as they come: here, while `snapshot` is in flight.
    for (const json of this.early.splice(0)) this.emitJson(json);
    return JSON.parse(this.snapshotJson);
  }

  /** Pushes one event exactly as Tauri's Channel hands it to the page (parsed JSON). */
  emitJson(json: string): void {
    this.#listener?.(JSON.parse(json));
  }

  get subscribed(): boolean {
    return this.#listener !== null;
  }

  // The rest answers what an idle real desk would.
  async login(): Promise<LoginResult> {
    return { profile: JSON.parse(REAL_PROFILE_JSON), notice: null };
  }
  async logout(): Promise<void> {}
  async sendMessage(): Promise<string> {
    return "01a20229-0000-7000-8000-000000000000";
  }
  async setStatus(): Promise<void> {}
  async setSlotLimit(): Promise<void> {}
  async snooze(): Promise<void> {}
  async transfer(): Promise<void> {}
  async close(): Promise<void> {}
  async agents() {
    return [];
  }
  async groups() {
    return [];
  }
  async cannedResponses() {
    return [];
  }
  async createCannedResponse(): Promise<CannedResponse> {
    throw { code: "offline", message: "not in this double" };
  }
  async searchHistory() {
    return [];
  }
  async openExternal(): Promise<void> {}
  async openConsole(): Promise<void> {}
  /** `autostart` on a computer without the desk's autostart entry. */
  async autostart(): Promise<boolean> {
    return false;
  }
  async setAutostart(): Promise<void> {}
  async setFocusedConversation(): Promise<void> {}
  /** The cache holds nothing older than what the snapshot and the events brought. */
  async thread(): Promise<Message[]> {
    return [];
  }
  async threadAfter(): Promise<Message[]> {
    return [];
  }
  async sendOffer(): Promise<void> {}
  async requestFile(): Promise<void> {}
  async sendSurvey(): Promise<void> {}
  async answerQuestionnaire(): Promise<void> {}
  async markImportant(): Promise<void> {}
  async sendFile(): Promise<Message | null> {
    return null;
  }
  async saveFile(): Promise<string | null> {
    return null;
  }
  async fileBytes(): Promise<ArrayBuffer> {
    throw { code: "not_found", message: "not in this double" };
  }
  async todayStats(): Promise<TodayStats> {
    return JSON.parse(this.todayJson);
  }
  async cobrowse(): Promise<void> {}
  async openCobrowseView(): Promise<Unsubscribe> {
    return () => {};
  }
  async cobrowseCheckout(): Promise<void> {}
  cobrowseAsset(): string | null {
    return null;
  }
  /** A new agent's figures: every day of the period there, with nothing in it. */
  async statsRange(query: StatsQuery): Promise<StatsResult> {
    const result = JSON.parse(REAL_EMPTY_STATS_JSON) as StatsResult;
    const empty = result.range.total;
    const first = Date.parse(`${query.from}T00:00:00Z`);
    result.range.days = Array.from({ length: query.days }, (_, i) => ({ ...empty, day: new Date(first + i * 86_400_000).toISOString().slice(0, 10) }));
    return result;
  }
  async closedConversations(): Promise<ClosedConversation[]> {
    return [];
  }
  /** D16: not captured yet; written from the serde shapes of crates/protocol/src/team.rs and
   * crates/desk (nobody else online, no article, no answer). */
  async teamOnline(): Promise<TeamMember[]> {
    return JSON.parse("[]");
  }
  async knowledgeSearch(): Promise<KnowledgeResult> {
    return JSON.parse(`{"articles":[],"offline":false}`);
  }
  async assistantAsk(question: string): Promise<AssistantReply> {
    return JSON.parse(JSON.stringify({ question, answers: [] }));
  }
  async emailConversation(): Promise<void> {}
  async printConversation(): Promise<void> {}
  /** M1–M3: Alice is an agent; the hub refuses her the board (written from the serde shapes). */
  async askHelp(): Promise<void> {}
  async answerHelp(): Promise<void> {
    throw { code: "forbidden", message: "not a manager" };
  }
  async board(): Promise<Board> {
    throw { code: "forbidden", message: "not a manager" };
  }
  async watch(): Promise<void> {
    throw { code: "forbidden", message: "not a manager" };
  }
  async whisper(): Promise<void> {
    throw { code: "forbidden", message: "not a manager" };
  }
  async join(): Promise<void> {
    throw { code: "forbidden", message: "not a manager" };
  }
  async takeOver(): Promise<void> {
    throw { code: "forbidden", message: "not a manager" };
  }
}
