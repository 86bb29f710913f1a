/** The Tauri commands the new door methods call: names, argument keys and shapes (ui/README.md). */
import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args), Channel: class {} }));

const { TauriBackend } = await import("./tauri-backend");

describe("TauriBackend → Tauri commands", () => {
  beforeEach(() => invoke.mockReset().mockResolvedValue(null));

  it("thread {conversation, before, limit}", async () => {
    invoke.mockResolvedValue([{ id: 1 }]);
    expect(await new TauriBackend().thread("DEMO-1", 120, 50)).toEqual([{ id: 1 }]);
    expect(invoke).toHaveBeenCalledWith("thread", { conversation: "DEMO-1", before: 120, limit: 50 });
    await new TauriBackend().thread("DEMO-1", null, 50);
    expect(invoke).toHaveBeenLastCalledWith("thread", { conversation: "DEMO-1", before: null, limit: 50 });
  });

  it("thread_after {conversation, after, limit}", async () => {
    invoke.mockResolvedValue([{ id: 121 }]);
    expect(await new TauriBackend().threadAfter("DEMO-1", 120, 50)).toEqual([{ id: 121 }]);
    expect(invoke).toHaveBeenCalledWith("thread_after", { conversation: "DEMO-1", after: 120, limit: 50 });
  });

  it("send_offer {conversation, offer}, request_file {conversation}", async () => {
    const offer = { title: "T", text: null, link: "https://a.example/", image: null };
    await new TauriBackend().sendOffer("DEMO-1", offer);
    expect(invoke).toHaveBeenCalledWith("send_offer", { conversation: "DEMO-1", offer });
    await new TauriBackend().requestFile("DEMO-1");
    expect(invoke).toHaveBeenLastCalledWith("request_file", { conversation: "DEMO-1" });
  });

  it("send_survey {conversation}", async () => {
    await new TauriBackend().sendSurvey("DEMO-1");
    expect(invoke).toHaveBeenCalledWith("send_survey", { conversation: "DEMO-1" });
  });

  it("answer_questionnaire {conversation, answers} (A5, R9): each answer as its AnswerValue; a refusal comes back as its DeskError", async () => {
    const b = new TauriBackend();
    const answers = { resolved: true, score: 4, notes: "Parcel found", topic: [0, 2] };
    await b.answerQuestionnaire("DEMO-1", answers);
    expect(invoke).toHaveBeenCalledWith("answer_questionnaire", { conversation: "DEMO-1", answers: { resolved: true, score: 4, notes: "Parcel found", topic: [0, 2] } });
    invoke.mockRejectedValueOnce({ code: "invalid_input", message: "answers.resolved: this question must be answered" });
    await expect(b.answerQuestionnaire("DEMO-1", {})).rejects.toEqual({ code: "invalid_input", message: "answers.resolved: this question must be answered" });
  });

  it("mark_important {conversation, important} (D16); a refusal comes back as its DeskError", async () => {
    const b = new TauriBackend();
    await b.markImportant("DEMO-1", true);
    expect(invoke).toHaveBeenCalledWith("mark_important", { conversation: "DEMO-1", important: true });
    await b.markImportant("DEMO-1", false);
    expect(invoke).toHaveBeenLastCalledWith("mark_important", { conversation: "DEMO-1", important: false });
    invoke.mockRejectedValueOnce({ code: "forbidden", message: "switched off" });
    await expect(b.markImportant("DEMO-1", true)).rejects.toEqual({ code: "forbidden", message: "switched off" });
  });

  it("send_file {conversation, name, mime, data: base64 without prefix}", async () => {
    await new TauriBackend().sendFile("DEMO-1", "a.txt", "text/plain", new TextEncoder().encode("hello"));
    expect(invoke).toHaveBeenCalledWith("send_file", { conversation: "DEMO-1", name: "a.txt", mime: "text/plain", data: "aGVsbG8=" });
  });

  it("file {id} → the raw bytes; today_stats", async () => {
    const bytes = new Uint8Array([1, 2]).buffer;
    invoke.mockResolvedValueOnce(bytes);
    expect(await new TauriBackend().fileBytes("f-1")).toBe(bytes);
    expect(invoke).toHaveBeenCalledWith("file", { id: "f-1" });
    await new TauriBackend().todayStats();
    expect(invoke).toHaveBeenLastCalledWith("today_stats", undefined);
  });

  it("open_external {url}: a mailto goes as its bare address; one that is not an address never reaches Rust (issue 9)", async () => {
    await new TauriBackend().openExternal("mailto:lea@example.com?cc=boss@evil.test&bcc=all@evil.test&body=hi");
    expect(invoke).toHaveBeenCalledWith("open_external", { url: "mailto:lea@example.com" });
    invoke.mockClear();
    for (const bad of ["mailto:a@evil.test,b@evil.test", "mailto:?to=a@evil.test", "javascript:alert(1)"]) {
      await expect(new TauriBackend().openExternal(bad)).rejects.toMatchObject({ code: "invalid_input" });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it("cobrowse {conversation, action} (D5, C1)", async () => {
    const b = new TauriBackend();
    await b.cobrowse("DEMO-1", { kind: "ask" });
    expect(invoke).toHaveBeenCalledWith("cobrowse", { conversation: "DEMO-1", action: { kind: "ask" } });
    await b.cobrowse("DEMO-1", { kind: "point", x: 12, y: 840 });
    expect(invoke).toHaveBeenLastCalledWith("cobrowse", { conversation: "DEMO-1", action: { kind: "point", x: 12, y: 840 } });
    await b.cobrowse("DEMO-1", { kind: "navigate", url: "https://shop.example.com/" });
    expect(invoke).toHaveBeenLastCalledWith("cobrowse", { conversation: "DEMO-1", action: { kind: "navigate", url: "https://shop.example.com/" } });
  });

  it("cobrowse_view {conversation, relay, onMessage: Channel}; the close function calls cobrowse_view_close once and drops later messages", async () => {
    const b = new TauriBackend();
    const got: unknown[] = [];
    const close = await b.openCobrowseView("DEMO-1", "r-42", (m) => {
      got.push(m);
      if (m.kind === "reconnecting") throw new Error("a handler that throws");
    });
    const [name, args] = invoke.mock.calls[0] as [string, { conversation: string; relay: string; onMessage: { onmessage: (m: unknown) => void } }];
    expect(name).toBe("cobrowse_view");
    expect(args.conversation).toBe("DEMO-1");
    expect(args.relay).toBe("r-42");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    args.onMessage.onmessage({ kind: "events", full: true, events: "[]" });
    expect(() => args.onMessage.onmessage({ kind: "reconnecting" })).not.toThrow();
    error.mockRestore();
    close();
    close();
    args.onMessage.onmessage({ kind: "visitor_away" });
    expect(got).toEqual([{ kind: "events", full: true, events: "[]" }, { kind: "reconnecting" }]);
    expect(invoke.mock.calls.filter(([n]) => n === "cobrowse_view_close")).toEqual([["cobrowse_view_close", { conversation: "DEMO-1" }]]);
  });

  it("a view opened again waits for the previous one's close (one view per conversation on the Rust side)", async () => {
    const b = new TauriBackend();
    let release: () => void = () => {};
    invoke.mockImplementation((name: string) => (name === "cobrowse_view_close" ? new Promise<void>((r) => (release = r)) : Promise.resolve(null)));
    const close = await b.openCobrowseView("DEMO-1", "r-1", () => {});
    close();
    const reopened = b.openCobrowseView("DEMO-1", "r-1", () => {});
    await Promise.resolve();
    expect(invoke.mock.calls.map(([n]) => n)).toEqual(["cobrowse_view", "cobrowse_view_close"]);
    release();
    await reopened;
    expect(invoke.mock.calls.map(([n]) => n)).toEqual(["cobrowse_view", "cobrowse_view_close", "cobrowse_view"]);
  });

  it("cobrowse_checkout {conversation}", async () => {
    await new TauriBackend().cobrowseCheckout("DEMO-1");
    expect(invoke).toHaveBeenCalledWith("cobrowse_checkout", { conversation: "DEMO-1" });
  });

  it("stats_range {query}, closed_conversations {query} (D15)", async () => {
    const b = new TauriBackend();
    await b.statsRange({ from: "2025-03-10", days: 7, group: null });
    expect(invoke).toHaveBeenCalledWith("stats_range", { query: { from: "2025-03-10", days: 7, group: null } });
    await b.statsRange({ from: "2025-02-01", days: 28, group: 2 });
    expect(invoke).toHaveBeenLastCalledWith("stats_range", { query: { from: "2025-02-01", days: 28, group: 2 } });
    const query = { from: "2025-03-10", to: "2025-03-16", text: "colis", conversation_type: null, important: true, before: 1741600000000 };
    invoke.mockResolvedValueOnce([]);
    expect(await b.closedConversations(query)).toEqual([]);
    expect(invoke).toHaveBeenLastCalledWith("closed_conversations", { query });
    invoke.mockRejectedValueOnce({ code: "offline", message: "no hub" });
    await expect(b.closedConversations(query)).rejects.toEqual({ code: "offline", message: "no hub" });
  });

  it("team_online, knowledge_search {query}, assistant_ask {question}, email_conversation {conversation}, print_conversation (D16)", async () => {
    const b = new TauriBackend();
    const member = { id: 7, name: "Hugo", role: "manager", groups: [1], statuses: [{ channel: "chat", chosen: { kind: "available" }, availability: "available" }], load: 1, slot_limit: 3 };
    invoke.mockResolvedValueOnce([member]);
    expect(await b.teamOnline()).toEqual([member]);
    expect(invoke).toHaveBeenLastCalledWith("team_online", undefined);
    invoke.mockResolvedValueOnce({ articles: [], offline: true });
    expect(await b.knowledgeSearch({ text: "livraison", language: null })).toEqual({ articles: [], offline: true });
    expect(invoke).toHaveBeenLastCalledWith("knowledge_search", { query: { text: "livraison", language: null } });
    invoke.mockResolvedValueOnce({ question: "délai ?", answers: [] });
    expect(await b.assistantAsk("délai ?")).toEqual({ question: "délai ?", answers: [] });
    expect(invoke).toHaveBeenLastCalledWith("assistant_ask", { question: "délai ?" });
    await b.emailConversation("DEMO-1");
    expect(invoke).toHaveBeenLastCalledWith("email_conversation", { conversation: "DEMO-1" });
    await b.printConversation();
    expect(invoke).toHaveBeenLastCalledWith("print_conversation", undefined);
    for (const [call, code] of [
      [() => b.teamOnline(), "forbidden"],
      [() => b.teamOnline(), "hub_unreachable"],
      [() => b.knowledgeSearch({ text: "", language: "fr" }), "forbidden"],
      [() => b.assistantAsk("?"), "forbidden"],
      [() => b.emailConversation("DEMO-1"), "offline"],
      [() => b.printConversation(), "forbidden"],
    ] as const) {
      invoke.mockRejectedValueOnce({ code, message: "no" });
      await expect(call()).rejects.toEqual({ code, message: "no" });
    }
  });

  it("ask_help {conversation, note}, answer_help {request, accept}, board, watch {conversation, watch}, whisper {conversation, text}, join {conversation, join}, take_over {conversation} (M1–M3)", async () => {
    const b = new TauriBackend();
    await b.askHelp("DEMO-12", "Refund on a sale item?");
    expect(invoke).toHaveBeenLastCalledWith("ask_help", { conversation: "DEMO-12", note: "Refund on a sale item?" });
    await b.askHelp("DEMO-12", null);
    expect(invoke).toHaveBeenLastCalledWith("ask_help", { conversation: "DEMO-12", note: null });
    await b.answerHelp(7, true);
    expect(invoke).toHaveBeenLastCalledWith("answer_help", { request: 7, accept: true });
    const board = { groups: [], agents: [], conversations: [], help: [], at: 1 };
    invoke.mockResolvedValueOnce(board);
    expect(await b.board()).toEqual(board);
    expect(invoke).toHaveBeenLastCalledWith("board", undefined);
    await b.watch("DEMO-12", false);
    expect(invoke).toHaveBeenLastCalledWith("watch", { conversation: "DEMO-12", watch: false });
    await b.whisper("DEMO-12", "Offer the extension");
    expect(invoke).toHaveBeenLastCalledWith("whisper", { conversation: "DEMO-12", text: "Offer the extension" });
    await b.join("DEMO-12", true);
    expect(invoke).toHaveBeenLastCalledWith("join", { conversation: "DEMO-12", join: true });
    await b.join("DEMO-12", false);
    expect(invoke).toHaveBeenLastCalledWith("join", { conversation: "DEMO-12", join: false });
    await b.takeOver("DEMO-12");
    expect(invoke).toHaveBeenLastCalledWith("take_over", { conversation: "DEMO-12" });
    for (const [call, code] of [
      [() => b.askHelp("DEMO-12", null), "unavailable"],
      [() => b.answerHelp(7, false), "invalid_state"],
      [() => b.board(), "forbidden"],
      [() => b.takeOver("DEMO-12"), "agent_unavailable"],
      [() => b.join("DEMO-12", true), "agent_unavailable"],
    ] as const) {
      invoke.mockRejectedValueOnce({ code, message: "no" });
      await expect(call()).rejects.toEqual({ code, message: "no" });
    }
  });

  it("autostart → a boolean, set_autostart {on} (issue 13); a refusal comes back as its DeskError", async () => {
    const b = new TauriBackend();
    invoke.mockResolvedValueOnce(true);
    expect(await b.autostart()).toBe(true);
    expect(invoke).toHaveBeenLastCalledWith("autostart", undefined);
    await b.setAutostart(false);
    expect(invoke).toHaveBeenLastCalledWith("set_autostart", { on: false });
    await b.setAutostart(true);
    expect(invoke).toHaveBeenLastCalledWith("set_autostart", { on: true });
    invoke.mockRejectedValueOnce({ code: "internal", message: "~/.config/autostart is read-only" });
    await expect(b.setAutostart(true)).rejects.toEqual({ code: "internal", message: "~/.config/autostart is read-only" });
  });

  it("a rejection becomes a DeskError", async () => {
    invoke.mockRejectedValueOnce({ code: "cache", message: "locked" });
    await expect(new TauriBackend().thread("DEMO-1", null, 50)).rejects.toEqual({ code: "cache", message: "locked" });
    invoke.mockRejectedValueOnce("boom");
    await expect(new TauriBackend().todayStats()).rejects.toEqual({ code: "internal", message: "boom" });
  });
});
