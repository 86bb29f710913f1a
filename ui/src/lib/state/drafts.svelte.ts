/**
 * The composer's unsent text per conversation (UI.md: never lose a draft). Kept across
 * switches in memory and across restarts in `localStorage` (the webview's own storage).
 */
import type { ConversationRef } from "../protocol";

export class Drafts {
  texts = $state<Record<ConversationRef, string>>({});
  #storage: Storage | null;
  #key: string;

  constructor(storage: Storage | null, key = "pupitre.drafts.v1") {
    this.#storage = storage;
    this.#key = key;
    try {
      const saved = storage?.getItem(key);
      if (saved) this.texts = JSON.parse(saved);
    } catch {
      // A corrupt entry loses the drafts, never the desk.
    }
  }

  get(reference: ConversationRef): string {
    return this.texts[reference] ?? "";
  }

  set(reference: ConversationRef, text: string): void {
    if (text === "") delete this.texts[reference];
    else this.texts[reference] = text;
    this.#save();
  }

  #save(): void {
    try {
      this.#storage?.setItem(this.#key, JSON.stringify(this.texts));
    } catch {
      // Storage full or refused: the drafts stay in memory.
    }
  }
}
