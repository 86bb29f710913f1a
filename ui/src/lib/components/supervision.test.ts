/**
 * Supervision (SPEC M1–M3, D16 "ask a manager"): the agent's "Ask a manager" (dialog, chip,
 * nobody answered, refusals in words, gone when the admin switches it off); a manager's whisper
 * in the thread (text, never HTML) and on paper; the team board (help requests with Accept and
 * Decline, groups, conversations with Watch, agents; read every 5 s and at each help change;
 * managers only); the watch pane (read only: no composer to the visitor, a whisper composer,
 * Take over, Stop watching); the help banner while the board is closed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../../App.svelte";
import ConversationPane from "./ConversationPane.svelte";
import Drawer from "./Drawer.svelte";
import Rail from "./Rail.svelte";
import Panes from "./Panes.svelte";
import PrintSheet from "./PrintSheet.svelte";
import AskHelpDialog from "../dialogs/AskHelpDialog.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData, withManager } from "../demo";
import { attach } from "../state/desk.svelte";
import { deskFixture } from "../test-context";
import { setLang } from "../i18n/i18n";
import { T0 } from "../test-fixtures";
import type { Message } from "../protocol";

const HOSTILE = "<img src=x onerror=alert(1)><script>window.__pwned=1</script>";

/** Hugo's whisper in a conversation of Camille's desk. */
function whisper(conversation: string, text: string, id = 900_001): Message {
  return { id, conversation, client_id: "w-1", author: { kind: "agent", id: 1017, name: "Hugo" }, body: { kind: "whisper", text }, at: T0 };
}

beforeEach(() => {
  setLang("en");
  localStorage.clear();
});

describe("a manager's whisper in the thread (M3)", () => {
  it("shows as a whisper, apart from the visitor's and the agent's bubbles, as text: never HTML", async () => {
    const f = await deskFixture();
    f.desk.apply({ kind: "message_added", message: whisper("DEMO-1044", HOSTILE) });
    const { container } = render(ConversationPane, { props: { view: f.desk.conversation("DEMO-1044")! }, context: f.context });
    const note = await waitFor(() => {
      const found = container.querySelector<HTMLElement>("[data-whisper]");
      expect(found).not.toBeNull();
      return found!;
    });
    expect(note).toHaveTextContent("Whisper from Hugo · only agents see this");
    expect(note.querySelector(".text")!.textContent).toBe(HOSTILE);
    expect(note.querySelector("img, script")).toBeNull();
    expect(container.querySelector("img[src='x'], script")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(note.closest(".msg")).toBeNull();
  });

  it("a whisper of one's own says so; in French too", async () => {
    setLang("fr");
    const f = await deskFixture();
    f.desk.apply({ kind: "message_added", message: { ...whisper("DEMO-1044", "Proposez l'extension"), author: { kind: "agent", id: 1042, name: "Camille" } } });
    const { container } = render(ConversationPane, { props: { view: f.desk.conversation("DEMO-1044")! }, context: f.context });
    await waitFor(() => expect(container.querySelector("[data-whisper]")).toHaveTextContent("Votre chuchotement · visible des conseillers seulement"));
  });

  it("is printed, marked as a whisper, as text; its manager is not one of the conversation's agents", () => {
    const data = demoData(T0);
    const view = data.conversations.find((c) => c.reference === "DEMO-1044")!;
    const { container } = render(PrintSheet, {
      props: { view, messages: [...view.messages, whisper("DEMO-1044", HOSTILE)], profile: data.profile, printedAt: T0 },
    });
    const sheet = container.querySelector<HTMLElement>(".print-sheet")!;
    const item = sheet.querySelector<HTMLElement>(".whisper")!;
    expect(item).toHaveTextContent("Whisper from Hugo (agents only)");
    expect(item).toHaveTextContent(HOSTILE);
    expect(sheet.querySelector("img, script")).toBeNull();
    const agents = [...sheet.querySelectorAll("dt")].find((dt) => dt.textContent === "Agent")!.nextElementSibling!;
    expect(agents.textContent).not.toContain("Hugo");
  });
});

describe("ask a manager (M2, D16)", () => {
  async function pane(options: Parameters<typeof deskFixture>[0] = { help: { answer: "wait" } }) {
    const f = await deskFixture(options);
    await attach(f.desk, f.backend);
    const user = userEvent.setup();
    render(ConversationPane, { props: { view: f.desk.conversation("DEMO-1042")! }, context: f.context });
    return { ...f, user };
  }

  it("the header's tool opens the dialog; the note goes with the request; the chip says who is asked, then who helps", async () => {
    const f = await pane();
    await f.user.click(screen.getByRole("button", { name: "Ask a manager" }));
    expect(f.overlay.dialog).toEqual({ kind: "ask_help", reference: "DEMO-1042" });

    const onclose = vi.fn();
    const dialog = render(AskHelpDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    const box = within(dialog.container);
    expect(box.getByRole("dialog", { name: "Ask a manager · DEMO-1042" })).toHaveTextContent("A manager of Support online is asked to help.");
    const note = box.getByRole("textbox", { name: "Note for the manager (optional)" });
    expect(note).toHaveFocus();
    expect(note).toHaveAttribute("maxlength", "1000");
    await f.user.type(note, "Express shipping: free or not?");
    expect(box.getByText("30 / 1,000")).toBeInTheDocument();
    // Ctrl+Enter sends, as in every dialog.
    await f.user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.filter((c) => c.name === "askHelp").map((c) => c.args)).toEqual([["DEMO-1042", "Express shipping: free or not?"]]);

    const chip = await screen.findByTestId("help-chip");
    expect(chip).toHaveTextContent("Asking Hugo Bernard…");
    expect(within(chip).getByRole("status")).toHaveTextContent("Asking Hugo Bernard…");
    expect(screen.getByRole("button", { name: "Ask a manager" })).toBeDisabled();

    const [request] = f.backend.data.supervision!.help;
    f.backend.requestHelp({ ...request, state: { kind: "accepted", manager: 1017, manager_name: "Hugo Bernard" } });
    await waitFor(() => expect(screen.getByTestId("help-chip")).toHaveTextContent("Hugo Bernard is helping"));
    expect(f.desk.news).toMatchObject({ kind: "help_accepted", reference: "DEMO-1042" });
  });

  it("nobody answered: said in the pane, with Ask again; an empty note is none", async () => {
    const f = await pane({ help: { answer: "decline" } });
    render(AskHelpDialog, { props: { reference: "DEMO-1042", onclose: () => {} }, context: f.context });
    await f.user.click(screen.getByRole("button", { name: "Ask for help" }));
    expect(f.backend.calls.find((c) => c.name === "askHelp")!.args).toEqual(["DEMO-1042", null]);
    const strip = await screen.findByTestId("help-unanswered");
    expect(strip).toHaveTextContent("No manager answered. Try again in a moment, or transfer the conversation.");
    expect(screen.queryByTestId("help-chip")).toBeNull();
    expect(f.desk.news).toMatchObject({ kind: "help_unanswered", reference: "DEMO-1042" });
    await f.user.click(within(strip).getByRole("button", { name: "Ask again" }));
    expect(f.overlay.dialog).toEqual({ kind: "ask_help", reference: "DEMO-1042" });
    expect(screen.queryByTestId("help-unanswered")).toBeNull();
  });

  it("refusals in words: no manager online, already asked", async () => {
    const f = await pane();
    f.backend.data.team = f.backend.data.team!.filter((m) => m.role === "agent");
    const onclose = vi.fn();
    render(AskHelpDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    await f.user.click(screen.getByRole("button", { name: "Ask for help" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("No manager of this group is online right now.");
    expect(onclose).not.toHaveBeenCalled();
    f.backend.failNext("askHelp", { code: "invalid_state", message: "asked" });
    await f.user.click(screen.getByRole("button", { name: "Ask for help" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("A manager is already asked about this conversation."));
  });

  it("in the narrow pane's menu too; gone when the admin switches it off (A3), and the fake refuses it", async () => {
    const f = await pane();
    const user = f.user;
    await user.click(screen.getByRole("button", { name: "More actions" }));
    expect(screen.getByRole("menuitem", { name: "Ask a manager" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    f.backend.setOptions({ ask_manager: false });
    await waitFor(() => expect(screen.queryByRole("button", { name: "Ask a manager" })).toBeNull());
    await expect(f.backend.askHelp("DEMO-1042", null)).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("the team board (M1)", () => {
  async function board() {
    const f = await deskFixture({}, (data) => withManager(data, T0));
    await attach(f.desk, f.backend);
    f.overlay.drawer = "board";
    const user = userEvent.setup();
    render(Drawer, { context: f.context });
    const calls = () => f.backend.calls.filter((c) => c.name === "board").length;
    await waitFor(() => expect(document.querySelector("[data-board-conversation]")).not.toBeNull());
    return { ...f, user, calls };
  }
  const row = (selector: string) => document.querySelector<HTMLElement>(selector)!;

  it("shows the help requests, the groups' queues, the conversations on desks and the agents", async () => {
    await board();
    expect(screen.getByRole("region", { name: "Team board" })).toBeInTheDocument();
    const help = row('[data-board-help="7"]');
    expect(help).toHaveTextContent("Sarah Klein asks for help");
    expect(help).toHaveTextContent("DEMO-1051 · Zoé Lambert · Support");
    expect(help).toHaveTextContent("She wants a refund on a sale item");
    expect(within(help).getByRole("button", { name: "Accept" })).toBeEnabled();
    expect(within(help).getByRole("button", { name: "Decline" })).toBeEnabled();

    // Support and Sales (Billing is not Camille's).
    expect([...document.querySelectorAll("[data-board-group]")].map((g) => g.querySelector(".gname")!.textContent)).toEqual(["Support", "Sales"]);
    expect(row('[data-board-group="1"]')).toHaveTextContent("2 waiting");
    expect(row('[data-board-group="1"]')).toHaveTextContent("7 conversations on desks");
    expect(row('[data-board-group="2"]')).toHaveTextContent("Nobody waits");

    // Waiting for a reply first; the colleagues' with Watch, Camille's own with Open.
    const refs = [...document.querySelectorAll<HTMLElement>("[data-board-conversation]")].map((c) => c.dataset.boardConversation);
    expect(refs.slice(0, 3)).toEqual(["DEMO-1051", "DEMO-1044", "DEMO-1053"]);
    expect(refs).toHaveLength(9);
    const zoe = row('[data-board-conversation="DEMO-1051"]');
    expect(zoe).toHaveTextContent("Zoé Lambert");
    expect(zoe).toHaveTextContent("Sarah Klein · Support");
    expect(zoe.querySelector(".waiting")).not.toBeNull();
    expect(within(zoe).getByRole("button", { name: "Watch" })).toHaveAttribute("aria-pressed", "false");
    expect(within(row('[data-board-conversation="DEMO-1042"]')).getByRole("button", { name: "Open" })).toBeInTheDocument();

    const sarah = row('[data-board-agent="1023"]');
    expect(sarah).toHaveTextContent("Sarah Klein");
    expect(sarah).toHaveTextContent("Load: 3 of 3 conversations");
    expect(within(sarah).getByRole("list", { name: "Statuses of Sarah Klein" })).toHaveTextContent("Busy");
    expect(row('[data-board-agent="1017"]')).toHaveTextContent("Manager");
    expect(row('[data-board-agent="1042"]')).toHaveTextContent("Camille Laurent (you)");
  });

  it("Accept: answered, and the conversation is watched at once", async () => {
    const f = await board();
    await f.user.click(within(row('[data-board-help="7"]')).getByRole("button", { name: "Accept" }));
    expect(f.backend.calls.filter((c) => c.name === "answerHelp").map((c) => c.args)).toEqual([[7, true]]);
    await waitFor(() => expect(f.desk.watched("DEMO-1051")).toBeDefined());
    await waitFor(() => expect(within(row('[data-board-conversation="DEMO-1051"]')).getByRole("button", { name: "Watch" })).toHaveAttribute("aria-pressed", "true"));
    expect(row('[data-board-help="7"]')).toHaveTextContent("Camille Laurent is helping");
    expect(within(row('[data-board-help="7"]')).queryByRole("button", { name: "Accept" })).toBeNull();
  });

  it("Decline sends the answer; the request leaves this manager", async () => {
    const f = await board();
    await f.user.click(within(row('[data-board-help="7"]')).getByRole("button", { name: "Decline" }));
    expect(f.backend.calls.filter((c) => c.name === "answerHelp").map((c) => c.args)).toEqual([[7, false]]);
    await waitFor(() => expect(f.desk.help).toEqual([]));
    await waitFor(() => expect(row('[data-board-help="7"]')).toHaveTextContent("Asked of Hugo Bernard"));
    f.backend.failNext("answerHelp", { code: "invalid_state", message: "moved on" });
    await expect(f.backend.answerHelp(7, true)).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("Watch asks to watch; pressed again it stops", async () => {
    const f = await board();
    const watch = () => within(row('[data-board-conversation="DEMO-1053"]')).getByRole("button", { name: "Watch" });
    await f.user.click(watch());
    await waitFor(() => expect(watch()).toHaveAttribute("aria-pressed", "true"));
    await f.user.click(watch());
    await waitFor(() => expect(watch()).toHaveAttribute("aria-pressed", "false"));
    expect(f.backend.calls.filter((c) => c.name === "watch").map((c) => c.args)).toEqual([
      ["DEMO-1053", true],
      ["DEMO-1053", false],
    ]);
    expect(f.desk.news).toBeNull();
  });

  it("is read every 5 s while open and at once on a help change; no more once closed", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: false });
    try {
      const f = await deskFixture({}, (data) => withManager(data, T0));
      await attach(f.desk, f.backend);
      f.overlay.drawer = "board";
      render(Drawer, { context: f.context });
      const calls = () => f.backend.calls.filter((c) => c.name === "board").length;
      await vi.advanceTimersByTimeAsync(0);
      expect(calls()).toBe(1);
      await vi.advanceTimersByTimeAsync(4_000);
      expect(calls()).toBe(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(calls()).toBe(2);
      const [request] = f.backend.data.supervision!.help;
      f.backend.requestHelp({ ...request, id: 8, conversation: "DEMO-1048" });
      await vi.advanceTimersByTimeAsync(0);
      expect(calls()).toBe(3);
      expect(document.querySelector('[data-board-help="8"]')).not.toBeNull();
      f.overlay.drawer = null;
      await vi.advanceTimersByTimeAsync(30_000);
      expect(calls()).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a failure says why, with Retry", async () => {
    const f = await deskFixture({}, (data) => withManager(data, T0));
    f.backend.failNext("board", { code: "hub_unreachable", message: "down" });
    f.overlay.drawer = "board";
    render(Drawer, { context: f.context });
    expect(await screen.findByTestId("board-error")).toHaveTextContent("The hub cannot be reached.");
    await fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.queryByTestId("board-error")).toBeNull());
    expect(document.querySelectorAll("[data-board-conversation]").length).toBeGreaterThan(0);
  });

  it("only for managers and admins: an agent has no Board in the rail, no board drawer, and the hub refuses", async () => {
    const f = await deskFixture();
    render(Rail, { context: f.context });
    expect(screen.queryByRole("button", { name: /Team board/ })).toBeNull();
    f.overlay.drawer = "board";
    render(Drawer, { context: f.context });
    expect(screen.queryByRole("region", { name: "Team board" })).toBeNull();
    await expect(f.backend.board()).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a manager's rail: Board with a badge of the requests waiting for their answer", async () => {
    const f = await deskFixture({}, (data) => withManager(data, T0));
    render(Rail, { context: f.context });
    const button = screen.getByRole("button", { name: "Team board — 1 help request waiting for your answer" });
    expect(within(button).getByTestId("help-badge")).toHaveTextContent("1");
    await fireEvent.click(button);
    expect(f.overlay.drawer).toBe("board");
  });
});

describe("the watch pane (M3)", () => {
  async function watching(reference = "DEMO-1051") {
    const f = await deskFixture({}, (data) => withManager(data, T0));
    await attach(f.desk, f.backend);
    const user = userEvent.setup();
    render(Panes, { context: f.context });
    await f.backend.watch(reference, true);
    const pane = await screen.findByRole("region", { name: `Watching ${reference}` });
    return { ...f, user, pane };
  }

  it("read only: named, its thread, no composer to the visitor; a whisper composer instead", async () => {
    const f = await watching();
    expect(within(f.pane).getByRole("heading", { level: 2 })).toHaveTextContent("Watching DEMO-1051 · Sarah Klein with Zoé Lambert");
    expect(f.pane).toHaveTextContent("Read only");
    expect(f.pane).toHaveTextContent("Sarah Klein and the visitor are not told; nothing is marked read.");
    await waitFor(() => expect(f.pane).toHaveTextContent("D'accord, mais je préfère vraiment un remboursement."));
    expect(f.pane.querySelector("textarea[data-composer]")).toBeNull();
    expect(within(f.pane).queryByRole("toolbar", { name: "Message tools" })).toBeNull();
    expect(within(f.pane).getAllByRole("textbox")).toHaveLength(1);
    expect(within(f.pane).getByRole("textbox", { name: "Whisper to Sarah Klein (Enter sends, Shift+Enter for a new line)" })).toHaveAttribute("maxlength", "10000");
    // Beside the conversation panes, never one of them.
    expect(f.desk.panes).not.toContain("DEMO-1051");
    expect(screen.getByRole("region", { name: /^DEMO-1042/ })).toBeInTheDocument();
  });

  it("Enter whispers (Shift+Enter makes a new line); the whisper joins the thread, as text", async () => {
    const f = await watching();
    const box = within(f.pane).getByRole("textbox");
    await f.user.click(box);
    await f.user.keyboard("Offer the refund{Shift>}{Enter}{/Shift}<b>this once</b>");
    expect(f.backend.calls.filter((c) => c.name === "whisper")).toHaveLength(0);
    await f.user.keyboard("{Enter}");
    expect(f.backend.calls.filter((c) => c.name === "whisper").map((c) => c.args)).toEqual([["DEMO-1051", "Offer the refund\n<b>this once</b>"]]);
    expect(box).toHaveValue("");
    const note = await waitFor(() => {
      const found = f.pane.querySelector<HTMLElement>("[data-whisper]");
      expect(found).not.toBeNull();
      return found!;
    });
    expect(note).toHaveTextContent("Your whisper · only agents see this");
    expect(note.querySelector(".text")!.textContent).toBe("Offer the refund\n<b>this once</b>");
    expect(note.querySelector("b")).toBeNull();
  });

  it("Take over: onto this desk, the pane goes quietly; refused, it says what to do", async () => {
    const f = await watching();
    f.backend.failNext("takeOver", { code: "agent_unavailable", message: "no slot" });
    await f.user.click(within(f.pane).getByRole("button", { name: "Take over" }));
    expect(await within(f.pane).findByRole("alert")).toHaveTextContent("Set yourself available with a free slot to take it over.");

    await f.user.click(within(f.pane).getByRole("button", { name: "Take over" }));
    await waitFor(() => expect(screen.queryByRole("region", { name: "Watching DEMO-1051" })).toBeNull());
    expect(f.backend.calls.filter((c) => c.name === "takeOver").map((c) => c.args)).toEqual([["DEMO-1051"], ["DEMO-1051"]]);
    expect(f.desk.conversation("DEMO-1051")?.assigned_agent).toBe(1042);
    expect(f.desk.focused).toBe("DEMO-1051");
    expect(f.desk.news).toBeNull();
  });

  it("Stop watching: the pane goes quietly; a watch that ends elsewhere is news", async () => {
    const f = await watching();
    await f.user.click(within(f.pane).getByRole("button", { name: "Stop watching" }));
    await waitFor(() => expect(screen.queryByRole("region", { name: "Watching DEMO-1051" })).toBeNull());
    expect(f.backend.calls.filter((c) => c.name === "watch").map((c) => c.args)).toEqual([
      ["DEMO-1051", true],
      ["DEMO-1051", false],
    ]);
    expect(f.desk.news).toBeNull();

    await f.backend.watch("DEMO-1048", true);
    await screen.findByRole("region", { name: "Watching DEMO-1048" });
    f.backend.endWatch("DEMO-1048");
    await waitFor(() => expect(screen.queryByRole("region", { name: "Watching DEMO-1048" })).toBeNull());
    // No board read, no help request: the agent's name as their messages give it.
    expect(f.desk.news).toMatchObject({ kind: "watch_ended", reference: "DEMO-1048", agent: "Sarah" });
  });
});

describe("a manager's desk, whole (M1–M3)", () => {
  afterEach(() => vi.useRealTimers());

  it("the banner asks while the board is closed; Open board; Accept opens the watch pane; its end is said", async () => {
    const data = demoData(Date.now());
    withManager(data, Date.now());
    const backend = new FakeBackend(data);
    const user = userEvent.setup();
    render(App, { props: { backend } });
    const banner = await screen.findByTestId("help-banner");
    expect(banner).toHaveTextContent("Sarah Klein asks for your help");
    expect(banner).toHaveTextContent("DEMO-1051 · Zoé Lambert");
    expect(banner).toHaveTextContent("She wants a refund on a sale item");

    await user.click(within(banner).getByRole("button", { name: "Open board" }));
    const drawer = await screen.findByRole("region", { name: "Team board" });
    expect(screen.queryByTestId("help-banner")).toBeNull();
    await user.click(within(drawer).getByRole("button", { name: "Close" }));
    const again = await screen.findByTestId("help-banner");

    await user.click(within(again).getByRole("button", { name: "Accept" }));
    const pane = await screen.findByRole("region", { name: "Watching DEMO-1051" });
    expect(screen.queryByTestId("help-banner")).toBeNull();
    expect(pane).toHaveTextContent("Sarah Klein with Zoé Lambert");

    backend.endWatch("DEMO-1051");
    await waitFor(() => expect(document.querySelector(".toast")).toHaveTextContent("DEMO-1051 left Sarah Klein's desk."));
    expect(screen.queryByRole("region", { name: "Watching DEMO-1051" })).toBeNull();
  });

  it("a clicked notification about a help request opens the board", async () => {
    const data = demoData(Date.now());
    withManager(data, Date.now());
    const backend = new FakeBackend(data);
    render(App, { props: { backend } });
    await screen.findByTestId("help-banner");
    backend.emit({ kind: "notification_opened", conversation: "DEMO-1051" });
    await screen.findByRole("region", { name: "Team board" });
  });

  it("an agent asks from the pane: the dialog, the chip, then a toast when the manager accepts", async () => {
    const backend = new FakeBackend(demoData(Date.now()), { help: { answer: "accept" } });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await waitFor(() => expect(document.querySelectorAll(".box")).toHaveLength(3));
    const pane = screen.getByRole("region", { name: /^DEMO-1042/ });
    await user.click(within(pane).getByRole("button", { name: "Ask a manager" }));
    const dialog = await screen.findByRole("dialog", { name: "Ask a manager · DEMO-1042" });
    await user.click(within(dialog).getByRole("button", { name: "Ask for help" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await waitFor(() => expect(within(pane).getByTestId("help-chip")).toHaveTextContent("Hugo Bernard is helping"));
    await waitFor(() => expect(document.querySelector(".toast")).toHaveTextContent("Hugo Bernard is helping with DEMO-1042."));
  });
});
