/** What floats above the desk: the one open dialog, the rail's drawer, a passing toast; and the
 * page shown in place of the conversations (the statistics, D15). */
import type { ConversationRef } from "../protocol";

export type DialogState =
  | { kind: "snooze" | "transfer" | "close"; reference: ConversationRef }
  /** D12 composer tools that need a form. */
  | { kind: "offer" | "link"; reference: ConversationRef }
  /** A5, R9: the closing questionnaire, answered before closing ("Complete questionnaire"). */
  | { kind: "questionnaire"; reference: ConversationRef }
  /** D14, D15: a closed conversation, re-read (paged from the cache). */
  | { kind: "history"; reference: ConversationRef; visitorName?: string | null; subtitle?: string }
  | { kind: "logout" }
  | { kind: "canned" }
  | null;

export type Drawer = "snoozed" | "history" | "canned" | null;

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
