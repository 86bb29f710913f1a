/** Moves the keyboard to a conversation's composer (after Ctrl+n, Alt+↑/↓, a box click, `/`). */
import type { ConversationRef } from "./protocol";

export function focusComposer(reference: ConversationRef | null, caretAtEnd = false): void {
  if (reference === null) return;
  queueMicrotask(() => {
    const area = document.querySelector<HTMLTextAreaElement>(`[data-composer="${CSS.escape(reference)}"]`);
    if (!area) return;
    if (caretAtEnd) area.setSelectionRange(area.value.length, area.value.length);
    area.focus();
  });
}
