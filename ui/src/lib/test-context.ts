/** A desk context over a FakeBackend with the demo data, for component tests. */
import { FakeBackend, type FakeOptions } from "./fake-backend";
import { demoData } from "./demo";
import { Desk } from "./state/desk.svelte";
import { Drafts } from "./state/drafts.svelte";
import { CannedResponses } from "./state/canned.svelte";
import { Overlay } from "./state/overlay.svelte";
import { AssistantChat } from "./state/assistant.svelte";
import { contextMap, type DeskContext } from "./context";
import { T0 } from "./test-fixtures";

export async function deskFixture(options: FakeOptions = {}): Promise<DeskContext & { backend: FakeBackend; context: Map<unknown, unknown> }> {
  const backend = new FakeBackend(demoData(T0), { now: () => T0, ...options });
  const desk = new Desk();
  desk.load(await backend.snapshot());
  const canned = new CannedResponses();
  await canned.load(backend);
  backend.calls.length = 0;
  const ctx = { backend, desk, drafts: new Drafts(null), canned, overlay: new Overlay(), assistant: new AssistantChat() };
  return { ...ctx, context: contextMap(ctx) };
}
