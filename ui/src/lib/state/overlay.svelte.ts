/** What floats above the desk: the one open dialog, the rail's drawer, a passing toast; and the
 * page shown in place of the conversations (the statistics, D15). */
import type { ConversationRef, DeskOptions, Role } from "../protocol";

export type DialogState =
  | { kind: "snooze" | "transfer" | "close"; reference: ConversationRef }
  /** D12 composer tools that need a form. */
  | { kind: "offer" | "link"; reference: ConversationRef }
  /** A5, R9: the closing questionnaire, answered before closing ("Complete questionnaire"). */
  | { kind: "questionnaire"; reference: ConversationRef }
  /** M2: ask a manager for help, with a note. */
  | { kind: "ask_help"; reference: ConversationRef }
  /** D14, D15: a closed conversation, re-read (paged from the cache). */
  | { kind: "history"; reference: ConversationRef; visitorName?: string | null; subtitle?: string }
  | { kind: "logout" }
  | { kind: "canned" }
  | null;

/** The rail's drawers: the snoozed list (D8), history, canned responses (D12), the D16
 * tools when their option is on: knowledge search, the assistant, the agents online; and the
 * team board (M1) for managers and admins. */
export type Drawer = "snoozed" | "history" | "canned" | "knowledge" | "assistant" | "team" | "board" | null;

/** The desk option (A3) each drawer needs: switched off, the drawer is not there. */
export const DRAWER_OPTION: Record<Exclude<Drawer, null>, keyof DeskOptions | null> = {
  snoozed: null,
  history: null,
  canned: "canned_responses",
  knowledge: "knowledge_search",
  assistant: "assistant",
  team: "online_agents",
  board: null,
};

/** M1: the board is for managers and admins. */
export function mayManage(role: Role | null | undefined): boolean {
  return role === "manager" || role === "admin";
}

/** Whether the drawer is there with these options (and, for the board, this role). */
export function drawerAllowed(drawer: Exclude<Drawer, null>, options: DeskOptions, role: Role | null = null): boolean {
  if (drawer === "board") return mayManage(role);
  const option = DRAWER_OPTION[drawer];
  return option === null || options[option];
}

/** A page in place of the panes and the visitor panel; `null`: the conversations. */
export type Page = "stats" | null;

export class Overlay {
  dialog = $state<DialogState>(null);
  drawer = $state<Drawer>(null);
  page = $state<Page>(null);
  toast = $state<string | null>(null);
  #toastTimer: ReturnType<typeof setTimeout> | null = null;

  show(dialog: Exclude<DialogState, null>): void {
    this.dialog = dialog;
  }

  dismiss(): void {
    this.dialog = null;
  }

  /** A drawer goes with the conversations (its canned responses go into a composer): opening
   * one leaves the page. */
  toggleDrawer(drawer: Drawer): void {
    this.drawer = this.drawer === drawer ? null : drawer;
    if (this.drawer !== null) this.page = null;
  }

  /** Opens a page, or goes back to the conversations (`null`); either way the drawer closes. */
  showPage(page: Page): void {
    this.page = page;
    this.drawer = null;
  }

  say(text: string, ms = 2500): void {
    this.toast = text;
    if (this.#toastTimer) clearTimeout(this.#toastTimer);
    this.#toastTimer = setTimeout(() => (this.toast = null), ms);
  }
}
