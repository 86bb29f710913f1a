/** A desk context over a FakeBackend with the demo data, for component tests. */
import { FakeBackend, type FakeData, type FakeOptions } from "./fake-backend";
import { demoData } from "./demo";
import { Desk } from "./state/desk.svelte";
import { Drafts } from "./state/drafts.svelte";
import { CannedResponses } from "./state/canned.svelte";
import { Overlay } from "./state/overlay.svelte";
import { AssistantChat } from "./state/assistant.svelte";
import { contextMap, type DeskContext } from "./context";
import { T0 } from "./test-fixtures";

export async function deskFixture(
  options: FakeOptions = {},
  /** Changes the demo data first (e.g. `withManager`). */
  setup?: (data: FakeData) => void,
): Promise<DeskContext & { backend: FakeBackend; context: Map<unknown, unknown> }> {
  const data = demoData(T0);
  setup?.(data);
  const backend = new FakeBackend(data, { now: () => T0, ...options });
  const desk = new Desk();
  desk.load(await backend.snapshot());
  const canned = new CannedResponses();
  await canned.load(backend);
  backend.calls.length = 0;
  const ctx = { backend, desk, drafts: new Drafts(null), canned, overlay: new Overlay(), assistant: new AssistantChat() };
  return { ...ctx, context: contextMap(ctx) };
}
