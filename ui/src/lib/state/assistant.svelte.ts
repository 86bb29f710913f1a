/**
 * The assistant's chat (D16): the agent's questions of this session and the replies, in memory
 * only (nothing is kept across restarts), the newest last. Lives with the desk, so that closing
 * and opening the drawer again keeps it.
 */
import { toDeskError, type AssistantReply, type Backend, type DeskError } from "../backend";

/** The questions kept: older ones go (the drawer is a scratch pad, not a history). */
export const ASSISTANT_KEPT = 20;

export type Exchange = { id: number; question: string } & (
  | { state: "asking" }
  | { state: "answered"; reply: AssistantReply }
  | { state: "failed"; error: DeskError }
);

export class AssistantChat {
  exchanges = $state<Exchange[]>([]);
  #next = 1;

  /** Whether a question is waiting for its reply (one at a time). */
  get asking(): boolean {
    return this.exchanges.some((e) => e.state === "asking");
  }

  /** Asks; the exchange is there at once (`asking`), then answered or failed. */
  async ask(backend: Backend, question: string): Promise<void> {
    const text = question.trim();
    if (text === "" || this.asking) return;
    const id = this.#next++;
    this.exchanges = [...this.exchanges, { id, question: text, state: "asking" as const }].slice(-ASSISTANT_KEPT);
    await this.#answer(backend, id, text);
  }

  /** Asks a failed question again, in its place. */
  async retry(backend: Backend, id: number): Promise<void> {
    const exchange = this.exchanges.find((e) => e.id === id);
    if (!exchange || exchange.state !== "failed" || this.asking) return;
    this.#set({ id, question: exchange.question, state: "asking" });
    await this.#answer(backend, id, exchange.question);
  }

  clear(): void {
    this.exchanges = [];
  }

  async #answer(backend: Backend, id: number, question: string): Promise<void> {
    try {
      const reply = await backend.assistantAsk(question);
      this.#set({ id, question, state: "answered", reply });
    } catch (e) {
      this.#set({ id, question, state: "failed", error: toDeskError(e) });
    }
  }

  /** Replaces an exchange still kept (cleared meanwhile: dropped). */
  #set(exchange: Exchange): void {
    this.exchanges = this.exchanges.map((e) => (e.id === exchange.id ? exchange : e));
  }
}
