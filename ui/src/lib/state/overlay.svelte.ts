/** What floats above the desk: the one open dialog, the rail's drawer, a passing toast. */
import type { ConversationRef } from "../protocol";

export type DialogState =
  | { kind: "snooze" | "transfer" | "close"; reference: ConversationRef }
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
