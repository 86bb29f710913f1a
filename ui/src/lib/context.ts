/** What the desk's components share, set once by `DeskView` (tests pass the same map). */
import { getContext, setContext } from "svelte";
import type { Backend } from "./backend";
import type { Desk } from "./state/desk.svelte";
import type { Drafts } from "./state/drafts.svelte";
import type { CannedResponses } from "./state/canned.svelte";
import type { Overlay } from "./state/overlay.svelte";
import type { AssistantChat } from "./state/assistant.svelte";

export type DeskContext = {
  backend: Backend;
  desk: Desk;
  drafts: Drafts;
  canned: CannedResponses;
  overlay: Overlay;
  /** D16: the assistant's questions and replies of this session. */
  assistant: AssistantChat;
};

const KEY = Symbol("desk");

export function deskContext(): DeskContext {
  const context = getContext<DeskContext | undefined>(KEY);
  if (!context) throw new Error("deskContext: no DeskView above this component");
  return context;
}

export function provideDesk(context: DeskContext): void {
  setContext(KEY, context);
}

/** For tests: `render(C, { props, context: contextMap(ctx) })`. */
export function contextMap(context: DeskContext): Map<unknown, unknown> {
  return new Map([[KEY, context]]);
}
