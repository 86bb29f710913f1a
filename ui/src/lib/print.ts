/**
 * Printing a conversation (D16): the Rust side prints the window through the system's print
 * dialog (WebKitGTK's print operation; "Print to file" makes a PDF). So, first, the page gets a
 * printable layout of the whole conversation (`PrintSheet`, a root of its own at the end of
 * `<body>`): on screen it is never shown; for print, `body.printing` hides everything else
 * (app.css). It is removed once the print settles, whatever happened.
 *
 * The whole thread: the desk holds only the newest messages (P5); the rest is read from the
 * cache (`Backend.thread`) a page at a time, merged with what the desk holds (by id, no double).
 * Hostile text (DESIGN §8): everything is text nodes, the visitor's images are not printed (a
 * file is its name).
 */
import { flushSync, mount, unmount } from "svelte";
import type { AgentProfile, ConversationView, Message } from "./protocol";
import type { Backend } from "./backend";
import PrintSheet from "./components/PrintSheet.svelte";

/** Messages read from the cache at a time. */
export const PRINT_PAGE = 500;
/** At most this many messages printed (the newest): 20,000 is about 400 pages of paper, well
 * past the longest conversation anyone prints; it bounds the page's DOM. */
export const PRINT_MAX = 20_000;

/** The conversation's messages, oldest first, and whether older ones could not be read. */
export async function wholeThread(backend: Backend, view: ConversationView): Promise<{ messages: Message[]; partial: boolean }> {
  const byId = new Map<number, Message>();
  for (const m of view.messages) byId.set(m.id, m);
  let partial = false;
  let before: number | null = null;
  try {
    while (byId.size < PRINT_MAX) {
      const page: Message[] = await backend.thread(view.reference, before, PRINT_PAGE);
      for (const m of page) byId.set(m.id, m);
      if (page.length < PRINT_PAGE) break;
      before = page[0].id;
    }
    if (byId.size >= PRINT_MAX) partial = true;
  } catch {
    // The cache failed: print what the desk holds, and say so on the paper.
    partial = true;
  }
  const messages = [...byId.values()].sort((a, b) => a.id - b.id).slice(-PRINT_MAX);
  return { messages, partial };
}

/** The print under way: one at a time (two panes' Print pressed together wait in turn), as the
 * page holds one printable layout. */
let underWay: Promise<unknown> = Promise.resolve();

/** Puts the conversation's printable layout in the page, prints, and removes it. Rejects with
 * the print's `DeskError` (its option off: `forbidden`). */
export function printConversation(backend: Backend, view: ConversationView, profile: AgentProfile | null, now: () => number = Date.now): Promise<void> {
  const run = underWay.then(() => printOne(backend, view, profile, now));
  underWay = run.catch(() => {});
  return run;
}

async function printOne(backend: Backend, view: ConversationView, profile: AgentProfile | null, now: () => number): Promise<void> {
  const { messages, partial } = await wholeThread(backend, view);
  const sheet = mount(PrintSheet, {
    target: document.body,
    props: { view, messages, partial, profile, printedAt: now() },
  });
  flushSync();
  document.body.classList.add("printing");
  try {
    await backend.printConversation();
  } finally {
    document.body.classList.remove("printing");
    unmount(sheet);
  }
}
