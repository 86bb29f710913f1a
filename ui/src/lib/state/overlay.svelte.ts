/** What floats above the desk: the one open dialog, the rail's drawer, a passing toast. */
import type { ConversationRef } from "../protocol";

export type DialogState =
  | { kind: "snooze" | "transfer" | "close"; reference: ConversationRef }
  /** D12 composer tools that need a form. */
  | { kind: "offer" | "link"; reference: ConversationRef }
  /** D14, D15: a closed conversation, re-read (paged from the cache). */
  | { kind: "history"; reference: ConversationRef; visitorName?: string | null; subtitle?: string }
  | { kind: "logout" }
  | { kind: "canned" }
  | null;

export type Drawer = "snoozed" | "history" | "canned" | null;

export class Overlay {
  dialog = $state<DialogState>(null);
  drawer = $state<Drawer>(null);
  toast = $state<string | null>(null);
  #toastTimer: ReturnType<typeof setTimeout> | null = null;

  show(dialog: Exclude<DialogState, null>): void {
    this.dialog = dialog;
  }

  dismiss(): void {
    this.dialog = null;
  }

  toggleDrawer(drawer: Drawer): void {
    this.drawer = this.drawer === drawer ? null : drawer;
  }

  say(text: string, ms = 2500): void {
    this.toast = text;
    if (this.#toastTimer) clearTimeout(this.#toastTimer);
    this.#toastTimer = setTimeout(() => (this.toast = null), ms);
  }
}
