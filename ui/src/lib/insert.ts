/**
 * Text from a drawer into the composer of the conversation in focus: a canned response (D12), a
 * knowledge article or a part of it, an answer of the assistant (D16). Added after what the
 * agent already typed (a space between, or a blank line for text of several lines), never sent:
 * the keyboard goes to the composer, its caret at the end, for the agent to read and send.
 */
import type { Desk } from "./state/desk.svelte";
import type { Drafts } from "./state/drafts.svelte";
import { focusComposer } from "./focus";

/** Whether there was a conversation to insert into. */
export function insertIntoComposer(desk: Desk, drafts: Drafts, text: string): boolean {
  const reference = desk.focused;
  if (!reference || text.trim() === "") return false;
  const current = drafts.get(reference).replace(/\s*$/, "");
  const sep = current === "" ? "" : text.includes("\n") ? "\n\n" : " ";
  drafts.set(reference, current + sep + text);
  focusComposer(reference, true);
  return true;
}
