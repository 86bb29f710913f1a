import { describe, expect, it } from "vitest";
import { Desk, attach, boxTone, lastVisitorText } from "./desk.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData } from "../demo";
import { T0, message, state, view } from "../test-fixtures";
import type { CobrowseState } from "../protocol";
import type { DeskState } from "../backend";

function desk(...refs: string[]): Desk {
  const d = new Desk();
  d.load(state(refs.map((r) => view(r))));
  return d;
}

describe("the desk copies the Rust side's changes", () => {
  it("an added conversation makes a box; a removed one takes it away (D7)", () => {
    const d = desk("DEMO-1");
    d.apply({ kind: "conversation_added", conversation: view("DEMO-2"), cause: { kind: "new" } });
    expect(d.conversations.map((c) => c.reference)).toEqual(["DEMO-1", "DEMO-2"]);
    d.apply({ kind: "conversation_added", conversation: view("DEMO-2"), cause: { kind: "reassigned" } });
    expect(d.conversations).toHaveLength(2);
    d.apply({ kind: "conversation_removed", conversation: "DEMO-1", cause: { kind: "closed" } });
    expect(d.conversations.map((c) => c.reference)).toEqual(["DEMO-2"]);
  });

  it("the box is red while the desk says the visitor waits, white once it says not (D7)", () => {
    const d = desk("DEMO-1");
    const c = () => d.conversation("DEMO-1")!;
    const update = (waiting_since: number | null, last_agent_message_at: number | null = null) => ({
      kind: "conversation_updated" as const,
      conversation: { reference: "DEMO-1", visitor: c().visitor, visitor_online: true, waiting_since, last_agent_message_at, important: false },
    });
    expect(boxTone(c())).toBe("idle");
    d.apply({ kind: "message_added", message: message("DEMO-1", "visitor", "hello?", T0) });
    d.apply(update(T0));
    expect(boxTone(c())).toBe("waiting");
    expect(c().waiting_since).toBe(T0);
    expect(lastVisitorText(c())).toBe("hello?");
    d.apply({ kind: "message_added", message: message("DEMO-1", "agent", "yes", T0 + 9000) });
    d.apply(update(null, T0 + 9000));
    expect(boxTone(c())).toBe("idle");
    expect(c().last_agent_message_at).toBe(T0 + 9000);
  });

  it("a message is added once, in time order, and only to a conversation on the desk", () => {
    const d = desk("DEMO-1");
    const late = message("DEMO-1", "visitor", "second", T0 + 10);
    const early = message("DEMO-1", "system", "first", T0);
    d.apply({ kind: "message_added", message: late });
    d.apply({ kind: "message_added", message: early });
    d.apply({ kind: "message_added", message: late });
    expect(d.conversation("DEMO-1")!.messages.map((m) => m.id)).toEqual([early.id, late.id]);
    d.apply({ kind: "message_added", message: message("DEMO-404", "visitor", "not on the desk") });
    expect(d.conversations).toHaveLength(1);
  });

  it("counts the conversations waiting for the agent for the rail's badge", () => {
    const d = new Desk();
    d.load(state([view("A", { waiting_since: T0 }), view("B"), view("C", { waiting_since: T0 })]));
    expect(d.waitingCount).toBe(2);
    d.apply({
      kind: "conversation_updated",
      conversation: { reference: "A", visitor: view("A").visitor, visitor_online: true, waiting_since: null, last_agent_message_at: T0, important: false },
    });
    expect(d.waitingCount).toBe(1);
  });

  it("keeps the on-screen conversations in panes (green band) and fills free panes (D2)", () => {
    const d = desk("A", "B", "C", "D", "E");
    expect(d.panes).toEqual(["A"]);
    expect(d.focused).toBe("A");
    d.open("C");
    expect(d.panes).toEqual(["C"]);
    d.setLayout(4);
    expect(d.panes).toEqual(["C", "A", "B", "D"]);
    expect(d.isOnScreen("E")).toBe(false);
    d.open("E"); // replaces the focused pane
    expect(d.panes).toEqual(["E", "A", "B", "D"]);
    expect(d.focused).toBe("E");
    d.apply({ kind: "conversation_removed", conversation: "E", cause: { kind: "transferred" } });
    expect(d.panes).toEqual(["A", "B", "D", "C"]);
    d.setLayout(2);
    expect(d.panes).toHaveLength(2);
    expect(d.panes).toContain(d.focused);
  });

  it("Ctrl+n opens the n-th box; Alt+arrows cycle through waiting conversations", () => {
    const d = new Desk();
    d.load(state([view("A"), view("B", { waiting_since: T0 }), view("C"), view("D", { waiting_since: T0 })]));
    d.openBox(3);
    expect(d.focused).toBe("C");
    d.openWaiting(1);
    expect(d.focused).toBe("D");
    d.openWaiting(1);
    expect(d.focused).toBe("B");
    d.openWaiting(-1);
    expect(d.focused).toBe("D");
  });

  it("snoozing: the box leaves, the snoozed list is the desk's; waking brings it back (R5, D8)", () => {
    const d = new Desk();
    d.load(state([view("A", { visitor: { ...view("A").visitor, name: "Léa" }, messages: [message("A", "visitor", "later")] })]));
    const item = { reference: "A", visitor_name: "Léa", until: T0 + 3_600_000, keep: true, last_visitor_text: "later" };
    d.apply({ kind: "conversation_removed", conversation: "A", cause: { kind: "snoozed", until: T0 + 3_600_000, keep: true } });
    d.apply({ kind: "snoozed", items: [item] });
    expect(d.conversations).toHaveLength(0);
    expect(d.snoozed).toEqual([item]);
    expect(d.panes).toEqual([]);
    expect(d.focused).toBeNull();
    d.apply({ kind: "conversation_added", conversation: view("A"), cause: { kind: "snooze_wake" } });
    d.apply({ kind: "snoozed", items: [] });
    expect(d.snoozed).toEqual([]);
    expect(d.panes).toEqual(["A"]);
  });

  it("outbox items show pending at once, then as the desk says, until it removes them (R12, D18)", () => {
    const d = desk("A");
    const item = { local_id: "L1", conversation: "A", text: "hi", queued_at: T0, state: "pending" as const, error: null };
    d.apply({ kind: "outbox", item: { ...item, state: "sent" } });
    d.queued(item); // the command's answer after the stream's change: nothing steps back
    expect(d.outboxFor("A").map((o) => o.state)).toEqual(["sent"]);
    d.apply({ kind: "message_added", message: message("A", "agent", "hi", T0 + 1, "L1") });
    d.apply({ kind: "outbox_removed", conversation: "A", local_id: "L1" });
    expect(d.outboxFor("A")).toEqual([]);
    expect(d.conversation("A")!.messages).toHaveLength(1);
    // Already in the thread: queuing it again shows nothing twice.
    d.queued(item);
    expect(d.outboxFor("A")).toEqual([]);
  });

  it("shows the visitor's draft (D11) and presence (R8) as the desk says", () => {
    const d = desk("A");
    d.apply({ kind: "visitor_draft", conversation: "A", text: "Et si je comm" });
    expect(d.visitorDrafts.A).toBe("Et si je comm");
    d.apply({ kind: "visitor_draft", conversation: "A", text: "" });
    expect(d.visitorDrafts.A).toBeUndefined();
    d.apply({
      kind: "conversation_updated",
      conversation: { reference: "A", visitor: view("A").visitor, visitor_online: false, waiting_since: null, last_agent_message_at: null, important: false },
    });
    expect(d.conversation("A")!.visitor_online).toBe(false);
  });

  it("follows the profile, the connection and notification clicks", () => {
    const d = desk("A", "B");
    const profile = { ...d.profile!, slot_limit: 2, slot_max: 4 };
    d.apply({ kind: "profile_changed", profile });
    expect([d.profile!.slot_limit, d.profile!.slot_max]).toEqual([2, 4]);
    d.apply({ kind: "connection", connection: { state: "offline", retry_at: T0 + 5000, reason: "test" } });
    expect(d.online).toBe(false);
    d.apply({ kind: "notification_opened", conversation: "B" });
    expect(d.focused).toBe("B");
  });
});

describe("attach", () => {
  it("loads the snapshot and applies the events that came meanwhile", async () => {
    const backend = new FakeBackend(demoData(T0), { now: () => T0 });
    const d = new Desk();
    const stop = await attach(d, backend);
    expect(d.conversations.map((c) => c.reference)).toEqual(["DEMO-1042", "DEMO-1044", "DEMO-1039"]);
    expect(d.snoozed.map((s) => s.reference)).toEqual(["DEMO-1031"]);
    backend.visitorWrites("DEMO-1042", "Merci !");
    expect(d.conversation("DEMO-1042")!.waiting_since).toBe(T0);
    stop();
  });

  it("messages typed offline stay pending and are sent once on reconnect (D18)", async () => {
    const backend = new FakeBackend(demoData(T0), { now: () => T0 });
    const d = new Desk();
    await attach(d, backend);
    backend.setConnection({ state: "offline", retry_at: T0 + 5000, reason: "test" });
    const id = await backend.sendMessage("DEMO-1044", "Hello Tom");
    d.queued({ local_id: id, conversation: "DEMO-1044", text: "Hello Tom", queued_at: T0, state: "pending", error: null });
    await new Promise((r) => setTimeout(r, 0));
    expect(d.outboxFor("DEMO-1044").map((o) => o.state)).toEqual(["pending"]);
    backend.setConnection({ state: "online" });
    await new Promise((r) => setTimeout(r, 0));
    expect(d.outboxFor("DEMO-1044")).toEqual([]);
    const sent = d.conversation("DEMO-1044")!.messages.filter((m) => m.client_id === id);
    expect(sent).toHaveLength(1);
    expect(d.conversation("DEMO-1044")!.waiting_since).toBeNull();
  });
});

describe("desk events from the Rust side", () => {
  it("replaces the snoozed list (in the desk's order, by wake-up time), keeps the profile on a logged-out snapshot, keeps the keyring warning", () => {
    const d = desk("A");
    d.apply({ kind: "snoozed", items: [
      { reference: "Y", visitor_name: null, until: T0 + 1, keep: true, last_visitor_text: null },
      { reference: "Z", visitor_name: null, until: T0 + 2, keep: false, last_visitor_text: null },
    ] });
    expect(d.snoozed.map((s) => s.reference)).toEqual(["Y", "Z"]);
    const profile = d.profile;
    d.load({ ...state([]), profile: null, connection: { state: "logged_out" }, keyring_warning: "no secret service" });
    expect(d.profile).toEqual(profile);
    expect(d.connection.state).toBe("logged_out");
    expect(d.keyringWarning).toBe("no secret service");
  });
});

describe("co-browsing sessions (D5): copied from the Rust side, by conversation", () => {
  const session = (conversation: string, patch: Partial<CobrowseState> = {}): CobrowseState => ({
    conversation,
    phase: "asked",
    guiding: "no",
    agent: "Camille",
    relay: null,
    end: null,
    ...patch,
  });

  it("keeps the sessions asked or running; an ended one leaves, with why when the agent should know", () => {
    const d = desk("A", "B");
    d.apply({ kind: "cobrowse", state: session("A") });
    expect(d.cobrowse.A.phase).toBe("asked");
    d.apply({ kind: "cobrowse", state: session("A", { phase: "running", relay: "r1" }) });
    expect(d.cobrowse.A).toMatchObject({ phase: "running", relay: "r1" });
    d.apply({ kind: "cobrowse", state: session("A", { phase: "running", relay: "r1", guiding: "allowed" }) });
    expect(d.cobrowse.A.guiding).toBe("allowed");
    d.apply({ kind: "cobrowse", state: session("A", { phase: "ended", end: "stopped_by_visitor" }) });
    expect(d.cobrowse.A).toBeUndefined();
    expect(d.cobrowseEnded.A).toBe("stopped_by_visitor");
    // Asked again: the old end is forgotten.
    d.apply({ kind: "cobrowse", state: session("A") });
    expect(d.cobrowseEnded.A).toBeUndefined();
    d.apply({ kind: "cobrowse", state: session("A", { phase: "ended", end: "declined" }) });
    expect(d.cobrowseEnded.A).toBe("declined");
    // The agent's own Stop needs no note.
    d.apply({ kind: "cobrowse", state: session("B", { phase: "running", relay: "r2" }) });
    d.apply({ kind: "cobrowse", state: session("B", { phase: "ended", end: "stopped_by_agent" }) });
    expect(d.cobrowse.B).toBeUndefined();
    expect(d.cobrowseEnded.B).toBeUndefined();
  });

  it("ignores a session of a conversation not on the desk; forgets it all when the conversation leaves", () => {
    const d = desk("A");
    d.apply({ kind: "cobrowse", state: session("Z", { phase: "running", relay: "r" }) });
    expect(d.cobrowse.Z).toBeUndefined();
    d.apply({ kind: "cobrowse", state: session("A", { phase: "running", relay: "r" }) });
    d.toggleMirror("A");
    d.apply({ kind: "conversation_removed", conversation: "A", cause: { kind: "closed" } });
    expect(d.cobrowse.A).toBeUndefined();
    expect(d.mirrorHidden.A).toBeUndefined();
  });

  it("loads the sessions of a snapshot (none from an older desk's cache)", () => {
    const d = new Desk();
    d.load(state([view("A")], { cobrowse: { A: session("A", { phase: "running", relay: "r" }) } }));
    expect(d.mirrorShown("A")).toBe(true);
    const { cobrowse: _gone, ...old } = state([view("A")]);
    d.load(old as DeskState);
    expect(d.cobrowse).toEqual({});
  });

  it("the panel shows a running session until hidden; hiding never stops it; a new session shows again (D2)", () => {
    const d = desk("A");
    d.apply({ kind: "cobrowse", state: session("A") });
    expect(d.mirrorShown("A")).toBe(false);
    d.toggleMirror("A");
    expect(d.mirrorHidden.A).toBeUndefined();
    d.apply({ kind: "cobrowse", state: session("A", { phase: "running", relay: "r1" }) });
    expect(d.mirrorShown("A")).toBe(true);
    d.toggleMirror("A");
    expect(d.mirrorShown("A")).toBe(false);
    expect(d.cobrowse.A.phase).toBe("running");
    // Guiding allowed meanwhile: still hidden.
    d.apply({ kind: "cobrowse", state: session("A", { phase: "running", relay: "r1", guiding: "allowed" }) });
    expect(d.mirrorShown("A")).toBe(false);
    d.toggleMirror("A");
    expect(d.mirrorShown("A")).toBe(true);
    d.toggleMirror("A");
    d.apply({ kind: "cobrowse", state: session("A", { phase: "ended", end: "stopped_by_agent" }) });
    d.apply({ kind: "cobrowse", state: session("A", { phase: "running", relay: "r2" }) });
    expect(d.mirrorShown("A")).toBe(true);
  });

  it("no panel while the admin has co-browsing off (A3)", () => {
    const d = desk("A");
    d.apply({ kind: "cobrowse", state: session("A", { phase: "running", relay: "r" }) });
    d.apply({ kind: "profile_changed", profile: { ...d.profile!, options: { ...d.profile!.options, cobrowse: false } } });
    expect(d.mirrorShown("A")).toBe(false);
  });
});
