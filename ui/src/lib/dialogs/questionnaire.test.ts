/** The agent's closing questionnaire (A5, R9): in the close dialog, from "Complete
 * questionnaire" under the composer, through the door, and in the thread. */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import CloseDialog from "./CloseDialog.svelte";
import QuestionnaireDialog from "./QuestionnaireDialog.svelte";
import Composer from "../components/Composer.svelte";
import ThreadItem from "../components/ThreadItem.svelte";
import type { AgentQuestionnaire, Message } from "../protocol";
import { setLang } from "../i18n/i18n";
import { attach } from "../state/desk.svelte";
import { demoQuestionnaire } from "../demo";
import { deskFixture } from "../test-context";
import { T0 } from "../test-fixtures";
import { inFilter } from "../thread";

type Fixture = Awaited<ReturnType<typeof deskFixture>>;

/** The fixture with the admin's questionnaire changed (hub and desk alike), or none. */
async function withQuestionnaire(change: (q: AgentQuestionnaire) => AgentQuestionnaire | null = (q) => q): Promise<Fixture> {
  const f = await deskFixture();
  f.backend.data.profile.agent_questionnaire = change(demoQuestionnaire());
  f.desk.apply({ kind: "profile_changed", profile: structuredClone(f.backend.data.profile) });
  return f;
}

function closeDialog(f: Fixture, reference = "DEMO-1039") {
  cleanup();
  const onclose = vi.fn();
  render(CloseDialog, { props: { reference, onclose }, context: f.context });
  return onclose;
}

const calls = (f: Fixture, name: string) => f.backend.calls.filter((c) => c.name === name).map((c) => c.args);
const question = (name: RegExp) => screen.getByRole("group", { name });
const closeButton = () => screen.getByRole("button", { name: "Close conversation" });

describe("the close dialog with the closing questionnaire (A5, R9)", () => {
  beforeEach(() => setLang("en"));

  it("shows the questionnaire above the type, each question by its kind, the first one focused", async () => {
    const f = await withQuestionnaire();
    closeDialog(f);
    const dialog = screen.getByRole("dialog");
    const form = within(dialog).getByRole("region", { name: "Closing questionnaire" });
    expect(form).toHaveTextContent("To answer before closing this conversation.");
    const type = screen.getByLabelText("Conversation type");
    expect(form.compareDocumentPosition(type) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    // Yes/no, several choices, a rating from 1 to 5, text.
    const resolved = question(/Was the request resolved\?/);
    expect(resolved).toHaveTextContent("(required)");
    expect(within(resolved).getAllByRole("radio").map((r) => r.closest("label")!.textContent!.trim())).toEqual(["Yes", "No"]);
    expect(within(question(/Topic/)).getAllByRole("checkbox")).toHaveLength(5);
    expect(question(/Topic/)).toHaveTextContent("several answers possible");
    expect(within(question(/How did the visitor seem/)).getAllByRole("radio").map((r) => r.getAttribute("aria-label"))).toEqual([
      "1 out of 5",
      "2 out of 5",
      "3 out of 5",
      "4 out of 5",
      "5 out of 5",
    ]);
    expect(screen.getByRole("textbox", { name: "Notes" })).toBeInTheDocument();
    await waitFor(() => expect(document.activeElement).toBe(within(resolved).getByRole("radio", { name: "Yes" })));
    // Not closable without answering: no such button; Cancel is the admin's choice (on here).
    expect(screen.queryByRole("button", { name: "Close without answering" })).toBeNull();
    expect(screen.getByRole("button", { name: "Cancel" })).toBeInTheDocument();
  });

  it("a required question left blank: a message under it, the focus on it, nothing sent", async () => {
    const f = await withQuestionnaire();
    const user = userEvent.setup();
    const onclose = closeDialog(f);
    await user.click(screen.getByRole("checkbox", { name: "Delivery" }));
    await user.click(closeButton());
    const resolved = question(/Was the request resolved\?/);
    expect(resolved).toHaveTextContent("Answer this question.");
    const yes = within(resolved).getByRole("radio", { name: "Yes" });
    await waitFor(() => expect(document.activeElement).toBe(yes));
    expect(yes).toHaveAttribute("aria-invalid", "true");
    expect(yes).toHaveAccessibleDescription("Answer this question.");
    expect(question(/Topic/)).not.toHaveTextContent("Answer this question.");
    expect(calls(f, "answerQuestionnaire")).toEqual([]);
    expect(calls(f, "close")).toEqual([]);
    expect(onclose).not.toHaveBeenCalled();
    // Answered, the message goes.
    await user.click(yes);
    expect(resolved).not.toHaveTextContent("Answer this question.");
    expect(yes).not.toHaveAttribute("aria-invalid");
  });

  it("sends each answer as its AnswerValue (boolean, indexes, number, text), then closes with the type", async () => {
    const f = await withQuestionnaire();
    const user = userEvent.setup();
    const onclose = closeDialog(f);
    await user.click(screen.getByRole("radio", { name: "No" }));
    await user.click(screen.getByRole("radio", { name: "Yes" }));
    await user.click(screen.getByRole("checkbox", { name: "Billing" }));
    await user.click(screen.getByRole("checkbox", { name: "Delivery" }));
    await user.click(screen.getByRole("checkbox", { name: "Other" }));
    await user.click(screen.getByRole("checkbox", { name: "Other" }));
    await user.click(screen.getByRole("radio", { name: "4 out of 5" }));
    await user.type(screen.getByRole("textbox", { name: "Notes" }), "  Refund sent ");
    await user.selectOptions(screen.getByLabelText("Conversation type"), "Billing");
    await user.click(closeButton());
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(calls(f, "answerQuestionnaire")).toEqual([["DEMO-1039", { resolved: true, topic: [0, 3], mood: 4, notes: "Refund sent" }]]);
    const [, answers] = calls(f, "answerQuestionnaire")[0] as [string, Record<string, unknown>];
    expect(typeof answers.resolved).toBe("boolean");
    expect(typeof answers.mood).toBe("number");
    expect(typeof answers.notes).toBe("string");
    expect(Array.isArray(answers.topic)).toBe(true);
    // The answers first, then the close.
    expect(f.backend.calls.map((c) => c.name)).toEqual(["answerQuestionnaire", "close"]);
    expect(calls(f, "close")).toEqual([["DEMO-1039", "Billing"]]);
  });

  it("a single choice gives one index; a required rating and text are checked too", async () => {
    const f = await withQuestionnaire((q) => ({
      ...q,
      questionnaire: {
        ...q.questionnaire,
        questions: [
          { id: "channel", text: { en: "Channel" }, answer: { kind: "choice", choices: [{ en: "Chat" }, { en: "Phone" }], multiple: false }, required: true },
          { id: "effort", text: { en: "Effort" }, answer: { kind: "rating", max: 10 }, required: true },
          { id: "summary", text: { en: "Summary" }, answer: { kind: "text" }, required: true },
        ],
      },
    }));
    const user = userEvent.setup();
    const onclose = closeDialog(f);
    await user.type(screen.getByRole("textbox", { name: /Summary/ }), "   ");
    await user.click(closeButton());
    for (const name of [/Channel/, /Effort/]) expect(question(name)).toHaveTextContent("Answer this question.");
    // Blank text is no answer.
    expect(screen.getByRole("textbox", { name: /Summary/ })).toHaveAttribute("aria-invalid", "true");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("radio", { name: "Chat" })));
    await user.click(screen.getByRole("radio", { name: "Chat" }));
    await user.click(screen.getByRole("radio", { name: "Phone" }));
    await user.click(screen.getByRole("radio", { name: "10 out of 10" }));
    // Over 2,000 characters (pasted): said under it.
    await fireEvent.input(screen.getByRole("textbox", { name: /Summary/ }), { target: { value: "x".repeat(2001) } });
    await user.click(closeButton());
    expect(screen.getByRole("textbox", { name: /Summary/ })).toHaveAccessibleDescription("Keep it to 2000 characters at most.");
    expect(calls(f, "answerQuestionnaire")).toEqual([]);
    await fireEvent.input(screen.getByRole("textbox", { name: /Summary/ }), { target: { value: "Called back" } });
    await user.click(closeButton());
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(calls(f, "answerQuestionnaire")).toEqual([["DEMO-1039", { channel: [1], effort: 10, summary: "Called back" }]]);
  });

  it("the fake hub refuses the close without answers when the questionnaire may not be skipped; a blank form asks for one answer", async () => {
    const f = await withQuestionnaire((q) => ({ ...q, questionnaire: { ...q.questionnaire, questions: q.questionnaire.questions.filter((x) => !x.required) } }));
    await expect(f.backend.close("DEMO-1039", null)).rejects.toEqual({ code: "invalid_state", message: "answer the closing questionnaire before closing" });
    f.backend.calls.length = 0;
    const user = userEvent.setup();
    const onclose = closeDialog(f);
    await user.click(closeButton());
    expect(await screen.findByRole("alert")).toHaveTextContent("Answer at least one question.");
    expect(f.backend.calls).toEqual([]);
    await user.click(screen.getByRole("radio", { name: "5 out of 5" }));
    await user.click(closeButton());
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(calls(f, "answerQuestionnaire")).toEqual([["DEMO-1039", { mood: 5 }]]);
  });

  it("the hub's refusal of a close still unanswered is said as a sentence", async () => {
    // The desk's profile lets agents skip it; the hub's (changed meanwhile) does not.
    const f = await withQuestionnaire((q) => ({ ...q, closable_without_answer: true }));
    f.backend.data.profile.agent_questionnaire!.closable_without_answer = false;
    const user = userEvent.setup();
    const onclose = closeDialog(f);
    await user.click(screen.getByRole("button", { name: "Close without answering" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Answer the closing questionnaire before closing this conversation.");
    expect(alert).not.toHaveTextContent("answer the closing questionnaire before closing"); // the hub's words, for logs
    expect(onclose).not.toHaveBeenCalled();
  });

  it("closable without answering: left blank it closes without answers, or with \"Close without answering\"; the admin may leave Cancel out", async () => {
    const f = await withQuestionnaire((q) => ({ ...q, closable_without_answer: true, cancel_button: false }));
    const user = userEvent.setup();
    let onclose = closeDialog(f);
    expect(screen.getByRole("region", { name: "Closing questionnaire" })).toHaveTextContent("Optional: you may close this conversation without answering it. If you answer, answer the required questions.");
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Close without answering" }));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.map((c) => c.name)).toEqual(["close"]);

    f.backend.calls.length = 0;
    onclose = closeDialog(f, "DEMO-1044");
    await user.click(closeButton());
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.map((c) => c.name)).toEqual(["close"]);

    // Answered in part, a required one is still required.
    f.backend.calls.length = 0;
    onclose = closeDialog(f, "DEMO-1042");
    await user.click(screen.getByRole("radio", { name: "3 out of 5" }));
    await user.click(closeButton());
    expect(question(/Was the request resolved\?/)).toHaveTextContent("Answer this question.");
    expect(f.backend.calls).toEqual([]);
    // Without answering still closes, sending nothing.
    await user.click(screen.getByRole("button", { name: "Close without answering" }));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.map((c) => c.name)).toEqual(["close"]);
  });

  it("Cancel (when the admin wants it) and Esc close the dialog without sending anything", async () => {
    const f = await withQuestionnaire();
    const user = userEvent.setup();
    let onclose = closeDialog(f);
    await user.click(screen.getByRole("radio", { name: "Yes" }));
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onclose).toHaveBeenCalled();
    const g = await withQuestionnaire((q) => ({ ...q, cancel_button: false }));
    onclose = closeDialog(g);
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
    await user.keyboard("{Escape}");
    expect(onclose).toHaveBeenCalled();
    expect(f.backend.calls).toEqual([]);
    expect(g.backend.calls).toEqual([]);
  });

  it("says the hub's refusals as sentences (never its message), and a retried close does not send the answers again", async () => {
    const f = await withQuestionnaire();
    const user = userEvent.setup();
    const onclose = closeDialog(f);
    await user.click(screen.getByRole("radio", { name: "Yes" }));
    f.backend.failNext("answerQuestionnaire", { code: "invalid_input", message: "answers.resolved: do not show" });
    await user.click(closeButton());
    let alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The hub refused an answer: the questionnaire may have changed. Check your answers and try again.");
    expect(alert).not.toHaveTextContent("do not show");
    expect(calls(f, "close")).toEqual([]);

    f.backend.failNext("answerQuestionnaire", { code: "invalid_state", message: "no questionnaire (do not show)" });
    await user.click(closeButton());
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Your administrator removed the closing questionnaire meanwhile: close the conversation without it."));

    f.backend.failNext("close", { code: "offline", message: "down (do not show)" });
    await user.click(closeButton());
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("You are offline: this action needs the hub. Try again once reconnected."));
    alert = screen.getByRole("alert");
    expect(alert).not.toHaveTextContent("do not show");
    expect(calls(f, "answerQuestionnaire")).toHaveLength(3);
    // The hub took the answers: only the close is retried, and the form stays as it was.
    await user.click(closeButton());
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(calls(f, "answerQuestionnaire")).toHaveLength(3);
    expect(calls(f, "close")).toHaveLength(2);
  });

  it("already answered (\"Complete questionnaire\"): no form, it says so and closes", async () => {
    const f = await withQuestionnaire();
    await f.backend.answerQuestionnaire("DEMO-1039", { resolved: true });
    const answered = f.backend.data.conversations.find((c) => c.reference === "DEMO-1039")!.messages.at(-1)!;
    f.desk.apply({ kind: "message_added", message: structuredClone(answered) });
    f.backend.calls.length = 0;
    const user = userEvent.setup();
    const onclose = closeDialog(f);
    expect(screen.queryByRole("region", { name: "Closing questionnaire" })).toBeNull();
    expect(screen.getByRole("dialog")).toHaveTextContent("You answered the closing questionnaire.");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Conversation type")));
    await user.click(closeButton());
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.map((c) => c.name)).toEqual(["close"]);
  });

  it("no questionnaire, or one from before (no field): the dialog is as it was", async () => {
    const f = await withQuestionnaire(() => null);
    closeDialog(f);
    expect(screen.queryByRole("region")).toBeNull();
    expect(screen.getByRole("button", { name: "Cancel" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Close without answering" })).toBeNull();
    const { agent_questionnaire: _, ...older } = f.backend.data.profile;
    f.desk.apply({ kind: "profile_changed", profile: older as typeof f.backend.data.profile });
    closeDialog(f);
    expect(screen.queryByRole("region")).toBeNull();
  });

  it("in French: the questions in French, Oui / Non", async () => {
    setLang("fr");
    const f = await withQuestionnaire();
    closeDialog(f);
    expect(screen.getByRole("region", { name: "Questionnaire de clôture" })).toBeInTheDocument();
    const resolved = question(/La demande est-elle résolue \?/);
    expect(resolved).toHaveTextContent("(obligatoire)");
    expect(within(resolved).getByRole("radio", { name: "Oui" })).toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "Retour / garantie" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "4 sur 5" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Clôturer la conversation" })).toBeInTheDocument();
  });

  it("the admin's texts are text, never markup", async () => {
    const f = await withQuestionnaire((q) => ({
      ...q,
      questionnaire: {
        ...q.questionnaire,
        questions: [{ id: "x", text: { en: "<img src=x onerror=alert(1)>Why?" }, answer: { kind: "choice", choices: [{ en: "<b>bold</b>" }], multiple: false }, required: false }],
      },
    }));
    closeDialog(f);
    const dialog = screen.getByRole("dialog");
    expect(dialog.querySelector("img, b")).toBeNull();
    expect(dialog).toHaveTextContent("<img src=x onerror=alert(1)>Why?");
    expect(screen.getByRole("radio", { name: "<b>bold</b>" })).toBeInTheDocument();
  });
});

describe("\"Complete questionnaire\" under the composer (A5, R9)", () => {
  beforeEach(() => setLang("en"));

  it("opens the questionnaire; once answered it reads \"Edit the questionnaire\" and opens with the answers, which can be replaced", async () => {
    const f = await withQuestionnaire();
    const stop = await attach(f.desk, f.backend);
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    const button = screen.getByRole("button", { name: "Complete questionnaire" });
    expect(button).toHaveAttribute("title", "Answer the closing questionnaire now, before closing");
    await user.click(button);
    expect(f.overlay.dialog).toEqual({ kind: "questionnaire", reference: "DEMO-1042" });

    let onclose = vi.fn();
    const first = render(QuestionnaireDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    expect(screen.getByRole("dialog", { name: "Closing questionnaire — DEMO-1042" })).toBeInTheDocument();
    // Nothing given: asked for the required one.
    await user.click(screen.getByRole("button", { name: "Save answers" }));
    expect(question(/Was the request resolved\?/)).toHaveTextContent("Answer this question.");
    expect(calls(f, "answerQuestionnaire")).toEqual([]);
    await user.click(screen.getByRole("radio", { name: "Yes" }));
    await user.click(screen.getByRole("checkbox", { name: "Return / warranty" }));
    await user.click(screen.getByRole("checkbox", { name: "Product" }));
    await user.click(screen.getByRole("radio", { name: "4 out of 5" }));
    await user.type(screen.getByRole("textbox", { name: "Notes" }), "Label sent, refund on receipt");
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(calls(f, "answerQuestionnaire")).toEqual([["DEMO-1042", { resolved: true, topic: [1, 2], mood: 4, notes: "Label sent, refund on receipt" }]]);
    expect(f.overlay.toast).toBe("Answers saved. You can change them until the conversation is closed.");
    first.unmount();

    // The thread has the event with the lines; the button now edits.
    await waitFor(() => expect(screen.getByRole("button", { name: "Edit the questionnaire" })).toBeInTheDocument());
    const event = f.desk.conversation("DEMO-1042")!.messages.at(-1)!.body;
    expect(event).toEqual({
      kind: "event",
      event: {
        kind: "agent_answered",
        agent: "Camille Laurent",
        answers: [
          { question: "Was the request resolved?", answer: "Yes" },
          { question: "Topic", answer: "Product, Return / warranty" },
          { question: "How did the visitor seem at the end?", answer: "4/5" },
          { question: "Notes", answer: "Label sent, refund on receipt" },
        ],
      },
    });

    // Edited: it opens with the answers given, and the new ones replace them.
    onclose = vi.fn();
    render(QuestionnaireDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    expect(screen.getByRole("radio", { name: "Yes" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Product" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Return / warranty" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Delivery" })).not.toBeChecked();
    expect(screen.getByRole("radio", { name: "4 out of 5" })).toBeChecked();
    expect(screen.getByRole("textbox", { name: "Notes" })).toHaveValue("Label sent, refund on receipt");
    await user.click(screen.getByRole("radio", { name: "No" }));
    await user.click(screen.getByRole("checkbox", { name: "Product" }));
    await user.click(screen.getByRole("button", { name: "Save answers" }));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(calls(f, "answerQuestionnaire")[1]).toEqual(["DEMO-1042", { resolved: false, topic: [2], mood: 4, notes: "Label sent, refund on receipt" }]);
    // Answered: the close needs no form.
    await expect(f.backend.close("DEMO-1042", null)).resolves.toBeUndefined();
    stop();
  });

  it("is not there when the admin does not want it, or without a questionnaire; off while offline", async () => {
    const f = await withQuestionnaire((q) => ({ ...q, complete_button: false }));
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    expect(screen.queryByRole("button", { name: "Complete questionnaire" })).toBeNull();
    const g = await withQuestionnaire(() => null);
    render(Composer, { props: { reference: "DEMO-1042" }, context: g.context });
    expect(screen.queryByRole("button", { name: "Complete questionnaire" })).toBeNull();
    const h = await withQuestionnaire();
    h.desk.apply({ kind: "connection", connection: { state: "offline", retry_at: null, reason: "test" } });
    render(Composer, { props: { reference: "DEMO-1042", compact: true }, context: h.context });
    const button = screen.getByRole("button", { name: "Complete questionnaire" });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute("title", "Not available offline");
  });

  it("the questionnaire dialog: Cancel as the admin wants it, one answer at least, refusals as sentences", async () => {
    const f = await withQuestionnaire((q) => ({
      ...q,
      cancel_button: false,
      questionnaire: { ...q.questionnaire, questions: q.questionnaire.questions.filter((x) => !x.required) },
    }));
    const user = userEvent.setup();
    const onclose = vi.fn();
    render(QuestionnaireDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    expect(screen.queryByRole("button", { name: "Cancel" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Save answers" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Answer at least one question.");
    await user.type(screen.getByRole("textbox", { name: "Notes" }), "Follow-up");
    f.backend.failNext("answerQuestionnaire", { code: "forbidden", message: "not yours (do not show)" });
    await user.click(screen.getByRole("button", { name: "Save answers" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("You are not allowed to do this."));
    expect(screen.getByRole("alert")).not.toHaveTextContent("do not show");
    expect(onclose).not.toHaveBeenCalled();
    await user.keyboard("{Escape}");
    expect(onclose).toHaveBeenCalled();
  });
});

describe("the agent's answers in the thread (A5, R9)", () => {
  beforeEach(() => setLang("en"));

  const answered = (answers: { question: string; answer: string }[]): Message => ({
    id: 88,
    conversation: "DEMO-1042",
    client_id: null,
    author: { kind: "system" },
    body: { kind: "event", event: { kind: "agent_answered", agent: "Alice", answers } },
    at: T0,
  });

  it("shows the phrase and each question with its answer, like the visitor's survey answers, as text", async () => {
    const f = await deskFixture();
    const message = answered([
      { question: "Was the request resolved?", answer: "Yes" },
      { question: "Topic", answer: "Delivery, Billing" },
      { question: "<img src=x onerror=alert(1)>", answer: "Line 1\nline 2\u202E" },
      { question: " ", answer: "" },
    ]);
    const { container } = render(ThreadItem, { props: { message, visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    const item = container.querySelector("[data-answered]")!;
    expect(item).toHaveTextContent("Alice answered the closing questionnaire");
    const rows = [...item.querySelectorAll("dl.answers > div")].map((row) => [row.querySelector("dt")!.textContent, row.querySelector("dd")!.textContent]);
    expect(rows).toEqual([
      ["Was the request resolved?", "Yes"],
      ["Topic", "Delivery, Billing"],
      ["<img src=x onerror=alert(1)>", "Line 1 line 2"],
    ]);
    expect(container.querySelector("img")).toBeNull();
    // The same place as the visitor's survey answers.
    expect(item.classList.contains("survey")).toBe(true);
    expect(inFilter(message, "agent")).toBe(true);
    expect(inFilter(message, "actions")).toBe(true);
    expect(inFilter(message, "visitor")).toBe(false);
  });

  it("without lines, the phrase alone", async () => {
    const f = await deskFixture();
    const { container } = render(ThreadItem, { props: { message: answered([]), visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    expect(container.querySelector("[data-answered]")).toHaveTextContent("Alice answered the closing questionnaire");
    expect(container.querySelector("dl")).toBeNull();
  });
});
