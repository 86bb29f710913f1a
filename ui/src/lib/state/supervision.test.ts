/**
 * Supervision in the desk's state (M2, M3): the help requests and watched conversations the Rust
 * side keeps, copied from its snapshot and its `help`, `watching`, `watched` and `watch_ended`
 * changes; what the agent is told in passing; a clicked notification about a conversation not on
 * the desk asks for the board.
 */
import { describe, expect, it } from "vitest";
import { Desk, lastVisitorText } from "./desk.svelte";
import { T0, message, state, view } from "../test-fixtures";
import type { HelpRequest, Message } from "../protocol";
import type { DeskState } from "../backend";

/** Camille (1042, the fixtures' profile) asked Mona (7) about A. */
function request(patch: Partial<HelpRequest> = {}): HelpRequest {
  return {
    id: 1,
    conversation: "A",
    group: 1,
    agent: 1042,
    agent_name: "Camille Laurent",
    note: null,
    visitor_name: "Léa",
    at: T0,
    state: { kind: "asking", manager: 7, manager_name: "Mona", until: T0 + 60_000 },
    ...patch,
  };
}

function desk(patch: Partial<DeskState> = {}): Desk {
  const d = new Desk();
  d.load(state([view("A"), view("B")], patch));
  return d;
}

function whisper(conversation: string, text: string, at = T0): Message {
  return { ...message(conversation, "agent", text, at), author: { kind: "agent", id: 7, name: "Mona" }, body: { kind: "whisper", text } };
}

describe("help requests (M2)", () => {
  it("the snapshot's are copied; a desk cache from before supervision has none", () => {
    const d = desk({ help: [request()], watching: [view("W", { assigned_agent: 1023 })] });
    expect(d.help.map((h) => h.id)).toEqual([1]);
    expect(d.helpFor("A")?.state.kind).toBe("asking");
    expect(d.helpFor("B")).toBeUndefined();
    expect(d.watching.map((c) => c.reference)).toEqual(["W"]);

    const old = new Desk();
    const cache = state([view("A")]) as Partial<DeskState>;
    delete cache.help;
    delete cache.watching;
    old.load(cache as DeskState);
    expect(old.help).toEqual([]);
    expect(old.watching).toEqual([]);
  });

  it("the agent's own: kept while asking or accepted, told when a manager accepts or nobody answers, quiet when withdrawn", () => {
    const d = desk();
    d.apply({ kind: "help", request: request(), asked_of_me: false });
    expect(d.helpFor("A")?.state).toMatchObject({ kind: "asking", manager_name: "Mona" });
    expect(d.news).toBeNull();

    d.apply({ kind: "help", request: request({ state: { kind: "accepted", manager: 7, manager_name: "Mona" } }), asked_of_me: false });
    expect(d.help).toHaveLength(1);
    expect(d.helpFor("A")?.state.kind).toBe("accepted");
    expect(d.news).toMatchObject({ kind: "help_accepted", reference: "A", manager: "Mona" });

    d.apply({ kind: "help", request: request({ state: { kind: "withdrawn" } }), asked_of_me: false });
    expect(d.help).toEqual([]);
    expect(d.news?.kind).toBe("help_accepted");
    expect(d.helpEnded).toEqual({});

    d.apply({ kind: "help", request: request({ id: 2, conversation: "B" }), asked_of_me: false });
    const seq = d.news!.seq;
    d.apply({ kind: "help", request: request({ id: 2, conversation: "B", state: { kind: "unanswered" } }), asked_of_me: false });
    expect(d.help).toEqual([]);
    expect(d.news).toMatchObject({ kind: "help_unanswered", reference: "B" });
    expect(d.news!.seq).toBeGreaterThan(seq);
    expect(d.helpEnded).toEqual({ B: "unanswered" });

    // Asked again: the note goes; the conversation leaving takes it too.
    d.apply({ kind: "help", request: request({ id: 3, conversation: "B" }), asked_of_me: false });
    expect(d.helpEnded).toEqual({});
    d.apply({ kind: "help", request: request({ id: 3, conversation: "B", state: { kind: "unanswered" } }), asked_of_me: false });
    d.apply({ kind: "conversation_removed", conversation: "B", cause: { kind: "closed" } });
    expect(d.helpEnded).toEqual({});
  });

  it("asked of this manager: counted for the badge while asking; accepted it stays; moved on to another manager it goes", () => {
    const d = desk();
    d.profile = { ...d.profile!, role: "manager" };
    const sarah = request({ id: 9, conversation: "X", agent: 1023, agent_name: "Sarah Klein", state: { kind: "asking", manager: 1042, manager_name: "Camille Laurent", until: T0 + 42_000 } });
    d.apply({ kind: "help", request: sarah, asked_of_me: true });
    expect(d.helpAskedOfMe.map((h) => h.id)).toEqual([9]);
    expect(d.agentNames[1023]).toBe("Sarah Klein");
    const changes = d.helpChanges;

    d.apply({ kind: "help", request: { ...sarah, state: { kind: "accepted", manager: 1042, manager_name: "Camille Laurent" } }, asked_of_me: true });
    expect(d.help).toHaveLength(1);
    expect(d.helpAskedOfMe).toEqual([]);
    // Not the manager's own request: nothing said.
    expect(d.news).toBeNull();

    d.apply({ kind: "help", request: { ...sarah, state: { kind: "asking", manager: 1017, manager_name: "Hugo", until: T0 + 90_000 } }, asked_of_me: false });
    expect(d.help).toEqual([]);
    expect(d.helpChanges).toBe(changes + 2);
    // Someone else's request asked of someone else never stays.
    d.apply({ kind: "help", request: { ...sarah, id: 10 }, asked_of_me: false });
    d.apply({ kind: "help", request: { ...sarah, id: 11, state: { kind: "asking", manager: 1017, manager_name: "Hugo", until: T0 } }, asked_of_me: false });
    expect(d.help.map((h) => h.id)).toEqual([10]);
  });
});

describe("watched conversations (M3)", () => {
  it("watching adds one or replaces it; watched messages join its thread once, in time order; never a pane", () => {
    const d = desk();
    const first = message("W", "visitor", "bonjour", T0);
    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023, messages: [first] }) });
    expect(d.watching.map((c) => c.reference)).toEqual(["W"]);
    expect(d.panes).toEqual(["A"]);
    d.open("W");
    expect(d.panes).toEqual(["A"]);

    const late = whisper("W", "offer the refund", T0 + 20);
    const early = message("W", "agent", "un instant", T0 + 10);
    d.apply({ kind: "watched", message: late });
    d.apply({ kind: "watched", message: early });
    d.apply({ kind: "watched", message: late });
    expect(d.watched("W")!.messages.map((m) => m.id)).toEqual([first.id, early.id, late.id]);
    // Not on the desk: a watched message leaves the desk's own conversations alone.
    expect(d.conversation("W")).toBeUndefined();
    expect(d.watched("Z")).toBeUndefined();
    d.apply({ kind: "watched", message: whisper("Z", "nobody watches this") });
    expect(d.watching).toHaveLength(1);

    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023, messages: [first, early], waiting_since: T0 }) });
    expect(d.watching).toHaveLength(1);
    expect(d.watched("W")!.waiting_since).toBe(T0);
    expect(d.watched("W")!.messages).toHaveLength(2);
  });

  it("a watch that ends elsewhere says so with the agent's name; one this desk stopped or took over goes quietly", () => {
    const d = desk();
    d.learnAgents([{ id: 1023, name: "Sarah Klein" }]);
    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023 }) });
    expect(d.agentName(d.watched("W")!)).toBe("Sarah Klein");
    d.apply({ kind: "watch_ended", conversation: "W" });
    expect(d.watching).toEqual([]);
    expect(d.news).toMatchObject({ kind: "watch_ended", reference: "W", agent: "Sarah Klein" });
    const seq = d.news!.seq;

    // Stopped here.
    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023 }) });
    d.endingWatch("W");
    d.apply({ kind: "watch_ended", conversation: "W" });
    expect(d.watching).toEqual([]);
    expect(d.news!.seq).toBe(seq);

    // Taken over: on this desk now.
    d.apply({ kind: "watching", conversation: view("V", { assigned_agent: 1023 }) });
    d.apply({ kind: "conversation_added", conversation: view("V"), cause: { kind: "transfer", from: 1023, comment: null } });
    d.apply({ kind: "watch_ended", conversation: "V" });
    expect(d.watching).toEqual([]);
    expect(d.news!.seq).toBe(seq);

    // An unknown watch ending changes nothing; the agent's name from their messages otherwise.
    d.apply({ kind: "watch_ended", conversation: "nope" });
    expect(d.news!.seq).toBe(seq);
    expect(d.agentName(view("U", { assigned_agent: 55, messages: [{ ...message("U", "agent", "hi"), author: { kind: "agent", id: 55, name: "Léo" } }] }))).toBe("Léo");
    expect(d.agentName(view("U", { assigned_agent: 56 }))).toBeNull();
  });

  it("joined: the view's `joined` holds this manager; a message typed in it shows pending until it is in the watched thread", () => {
    const d = desk();
    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023 }) });
    expect(d.joined("W")).toBe(false);
    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023, joined: [7, 1042] }) });
    expect(d.joined("W")).toBe(true);
    expect(d.joined("A")).toBe(false);
    const item = { local_id: "l-1", conversation: "W", text: "bonjour", queued_at: T0, state: "pending" as const, error: null };
    d.queued(item);
    expect(d.outboxFor("W")).toHaveLength(1);
    d.apply({ kind: "outbox_removed", conversation: "W", local_id: "l-1" });
    d.apply({ kind: "watched", message: message("W", "agent", "bonjour", T0, "l-1") });
    // Already in the thread: shown once, not pending again.
    d.queued(item);
    expect(d.outboxFor("W")).toEqual([]);
    // The join ended elsewhere: a fresh view without this manager.
    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023, joined: [7] }) });
    expect(d.joined("W")).toBe(false);
  });

  it("a watched conversation's co-browsing session is kept (its end is not this desk's news); it goes with the watch", () => {
    const d = desk();
    const session = { conversation: "W", phase: "running" as const, guiding: "no" as const, agent: "Sarah", relay: "r-1", end: null };
    // Not watched: not this desk's.
    d.apply({ kind: "cobrowse", state: session });
    expect(d.cobrowse.W).toBeUndefined();
    d.apply({ kind: "watching", conversation: view("W", { assigned_agent: 1023 }) });
    d.apply({ kind: "cobrowse", state: session });
    expect(d.cobrowse.W?.relay).toBe("r-1");
    d.apply({ kind: "cobrowse", state: { ...session, phase: "ended", relay: null, end: "stopped_by_visitor" } });
    expect(d.cobrowse.W).toBeUndefined();
    expect(d.cobrowseEnded.W).toBeUndefined();
    d.apply({ kind: "cobrowse", state: session });
    d.apply({ kind: "watch_ended", conversation: "W" });
    expect(d.cobrowse.W).toBeUndefined();
  });

  it("a notification about a conversation not on the desk asks for the board; one on the desk opens it", () => {
    const d = desk();
    d.apply({ kind: "notification_opened", conversation: "B" });
    expect(d.focused).toBe("B");
    expect(d.boardAsked).toBe(0);
    d.apply({ kind: "notification_opened", conversation: "DEMO-1051" });
    expect(d.boardAsked).toBe(1);
    expect(d.focused).toBe("B");
  });

  it("a whisper is never the visitor's words (the box's preview)", () => {
    const c = view("A", { messages: [message("A", "visitor", "where is my parcel?"), whisper("A", "<b>offer a refund</b>")] });
    expect(lastVisitorText(c)).toBe("where is my parcel?");
  });
});
