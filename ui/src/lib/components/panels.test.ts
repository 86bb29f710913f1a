/** The visitor card's fields (D6), earlier conversations (D14), today's figures (D15), the R10 warning. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import VisitorPanel from "./VisitorPanel.svelte";
import TodayStats from "./TodayStats.svelte";
import ConversationBox from "./ConversationBox.svelte";
import ConversationPane from "./ConversationPane.svelte";
import HistoryDialog from "../dialogs/HistoryDialog.svelte";
import { clock } from "../state/clock.svelte";
import { REFRESH_MS } from "../state/today.svelte";
import { figureDuration, score } from "../format";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";
import { attach } from "../state/desk.svelte";
import { T0, message, view } from "../test-fixtures";

describe("visitor card and earlier conversations (D6, D14)", () => {
  beforeEach(() => setLang("en"));

  it("shows the waiting questionnaire's answers as text", async () => {
    const f = await deskFixture();
    const tom = f.desk.conversation("DEMO-1044")!;
    tom.visitor.fields = [...tom.visitor.fields, { label: "<b>Note</b>", value: "<img src=x onerror=alert(1)>" }];
    f.desk.open("DEMO-1044");
    const { container } = render(VisitorPanel, { context: f.context });
    expect(screen.getByText("Order number")).toBeInTheDocument();
    expect(screen.getByText("55120")).toBeInTheDocument();
    expect(screen.getByText("<img src=x onerror=alert(1)>")).toBeInTheDocument();
    expect(container.querySelector("img, b")).toBeNull();
  });

  it("A7: the card's lines in the admin's order and names; what it does not name follows; the visitor id last", async () => {
    const f = await deskFixture();
    const lea = f.desk.conversation("DEMO-1042")!;
    lea.visitor = {
      ...lea.visitor,
      fields: [
        { label: "Sujet", value: "Question produit" },
        { label: "Panier", value: "129,90 €", key: "cart", labels: { en: "Cart" } },
      ],
      order: ["cart", "email", "questionnaire", "name"],
      names: { email: { en: "Contact", fr: "Courriel" } },
    };
    f.desk.open("DEMO-1042");
    const { container } = render(VisitorPanel, { context: f.context });
    const terms = () => [...container.querySelectorAll("dl:first-of-type > dt")].map((e) => e.textContent);
    expect(terms()).toEqual(["Cart", "Contact", "Sujet", "Name", "Page", "Language", "Browser", "Visitor id"]);
    // The e-mail line is still the e-mail line: a link to write to the visitor.
    expect(container.querySelector("dt:nth-of-type(2) + dd a")).toHaveTextContent("lea.m@example.org");
    expect(container.querySelector("dt:nth-of-type(1) + dd")).toHaveTextContent("129,90 €");

    // Without an order, today's card.
    lea.visitor = { ...lea.visitor, order: undefined, names: undefined };
    await waitFor(() => expect(terms()).toEqual(["Name", "E-mail", "Page", "Language", "Browser", "Sujet", "Cart", "Visitor id"]));
  });

  it("lists the visitor's earlier conversations with the agent on the avatar, folds, and opens one read-only", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(VisitorPanel, { context: f.context });
    await waitFor(() => expect(f.backend.calls.find((c) => c.name === "searchHistory")?.args).toEqual([{ visitor: "v-lea" }]));
    const avatar = await screen.findByLabelText("Hugo Bernard");
    expect(avatar).toHaveAttribute("title", "Hugo Bernard");
    expect(avatar).toHaveTextContent("HB");
    expect(screen.getByLabelText("Camille Laurent")).toHaveTextContent("CL");

    const fold = screen.getByRole("button", { name: /Earlier conversations/ });
    expect(fold).toHaveAttribute("aria-expanded", "true");
    await user.click(fold);
    expect(screen.queryByText("DEMO-0877")).toBeNull();
    await user.click(fold);

    await user.click(screen.getByRole("button", { name: /DEMO-0877/ }));
    expect(f.overlay.dialog).toMatchObject({ kind: "history", reference: "DEMO-0877", visitorName: "Léa Martin" });
  });

  it("leaves out the conversation on screen (the hub lists it too) and shows each agent who handled one", async () => {
    const f = await deskFixture();
    f.backend.data.history.push(
      { visitor: "v-lea", reference: "DEMO-1042", visitor_name: "Léa Martin", closed_at: T0, agent_name: "Camille Laurent", conversation_type: null, excerpt: "now" },
      { visitor: "v-lea", reference: "DEMO-0500", visitor_name: "Léa Martin", closed_at: T0 - 1e10, agent_name: "Hugo Bernard, Sarah Klein", conversation_type: null, excerpt: "two agents" },
    );
    render(VisitorPanel, { context: f.context });
    const old = (await screen.findByText("two agents")).closest("button")!;
    expect(within(old).getByLabelText("Hugo Bernard")).toHaveTextContent("HB");
    expect(within(old).getByLabelText("Sarah Klein")).toHaveTextContent("SK");
    expect(screen.queryByText("now")).toBeNull();
    expect(screen.getByRole("button", { name: /Earlier conversations/ })).toHaveTextContent("3");
  });

  it("a conversation the cache does not hold says so instead of an empty frame", async () => {
    const f = await deskFixture();
    render(HistoryDialog, { props: { reference: "DEMO-0001", onclose: () => {} }, context: f.context });
    expect(await screen.findByText(/not in this computer's cache/)).toBeInTheDocument();
  });

  it("the read-only view reads the thread from the cache, newest page first, with the filters", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(HistoryDialog, { props: { reference: "DEMO-0877", visitorName: "Léa Martin", subtitle: "Return / warranty", onclose: () => {} }, context: f.context });
    expect(screen.getByRole("dialog", { name: "DEMO-0877 · Return / warranty" })).toBeInTheDocument();
    await waitFor(() => expect(f.backend.calls.find((c) => c.name === "thread")?.args).toEqual(["DEMO-0877", null, 50]));
    expect(await screen.findByText(/je voudrais retourner mon casque X100/)).toBeInTheDocument();
    // The visitor's comment is isolated (<bdi>), quoted on its own line under the score (issue 9, R9).
    const comment = screen.getByText("Très rapide, merci Hugo !");
    expect(comment.tagName).toBe("BDI");
    expect(comment.closest(".comment")).toHaveTextContent(/^“Très rapide, merci Hugo !”$/);
    expect(comment.closest(".event")).toHaveTextContent("Satisfaction: 5/5 “Très rapide, merci Hugo !”");
    expect(screen.queryByRole("textbox")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Actions" }));
    await waitFor(() => expect(screen.queryByText(/je voudrais retourner/)).toBeNull());
    // Agents' names are isolated (<bdi>) inside the events' sentences (issue 9).
    expect([...document.querySelectorAll(".event")].map((e) => e.textContent)).toContain("Hugo closed this conversation");
  });
});

describe("today's figures (D15)", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => vi.useRealTimers());

  it("formats durations and scores, “—” for none", () => {
    expect(figureDuration(null)).toBe("—");
    expect(figureDuration(18_000)).toBe("18 s");
    expect(figureDuration(125_000)).toBe("2 min 05 s");
    expect(figureDuration(3_720_000)).toBe("1 h 02 min");
    expect(score(null)).toBe("—");
    expect(score(4.66)).toBe("4.7/5");
    setLang("fr");
    expect(score(4.66)).toBe("4,7/5");
  });

  it("shows the strip, the details on click, and “—” where there is no figure yet", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(TodayStats, { context: f.context });
    const strip = screen.getByTestId("today");
    // What it shows (its name adds what it is, for screen readers: WCAG 2.5.3).
    const text = () =>
      [...strip.children]
        .filter((e) => !e.classList.contains("sr-only"))
        .map((e) => e.textContent)
        .join("")
        .replace(/\s+/g, "");
    await waitFor(() => expect(text()).toBe("Reactivity18s·Satisfaction4.7/5·Closed11"));
    expect(strip).toHaveAccessibleName(/^Today's performance: Reactivity ?18 s/);
    await user.click(strip);
    const details = screen.getByRole("dialog", { name: "Today's performance" });
    expect(within(details).getByText("42 s")).toBeInTheDocument();
    expect(within(details).getByText(/9 answers/)).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();

    f.backend.data.today = { conversations: 1, closed: 0, first_response_avg_ms: null, response_avg_ms: null, satisfaction_avg: null, satisfaction_count: 0, sales: [] };
    f.desk.apply({ kind: "conversation_removed", conversation: "DEMO-1039", cause: { kind: "closed" } });
    await waitFor(() => expect(text()).toBe("Reactivity—·Satisfaction—·Closed0"));
  });

  it("the details show today's sales per currency, in the agent's locale, with their count", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(TodayStats, { context: f.context });
    await waitFor(() => expect(screen.getByTestId("today")).toHaveTextContent("18 s"));
    await user.click(screen.getByTestId("today"));
    const details = screen.getByRole("dialog", { name: "Today's performance" });
    // The demo's two EUR sales: 129,90 € + 59,90 €, in en-GB.
    expect(within(details).getByText("Sales")).toBeInTheDocument();
    expect(within(details).getByTestId("today-sales")).toHaveTextContent(/^€189\.80 \(2 sales\)$/);

    // Several currencies, each with its own fraction digits (the yen has none).
    f.backend.data.today!.sales = [
      { currency: "EUR", count: 1, amount_minor: 4_990 },
      { currency: "JPY", count: 2, amount_minor: 12_500 },
    ];
    f.desk.apply({ kind: "conversation_removed", conversation: "DEMO-1039", cause: { kind: "closed" } });
    await waitFor(() => expect(within(details).getByTestId("today-sales")).toHaveTextContent(/^€49\.90 · JP¥12,500 \(3 sales\)$/));
  });

  it("in French: « Ventes », amounts in the French way", async () => {
    setLang("fr");
    const f = await deskFixture();
    const user = userEvent.setup();
    render(TodayStats, { context: f.context });
    await waitFor(() => expect(screen.getByTestId("today")).toHaveTextContent("18 s"));
    await user.click(screen.getByTestId("today"));
    const sales = screen.getByTestId("today-sales");
    expect(sales.previousElementSibling).toHaveTextContent("Ventes");
    // Intl's French puts narrow no-break spaces (U+202F) and no-break spaces (U+00A0) in.
    expect(sales.textContent!.replace(/[\s\u00a0\u202f]+/g, " ").trim()).toBe("189,80 € (2 ventes)");
  });

  it("no sale, or a hub older than the sales figure (no `sales` at all): “—”, nothing else", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    f.backend.data.today!.sales = [];
    render(TodayStats, { context: f.context });
    await waitFor(() => expect(screen.getByTestId("today")).toHaveTextContent("18 s"));
    await user.click(screen.getByTestId("today"));
    expect(screen.getByTestId("today-sales").textContent!.trim()).toBe("—");

    delete (f.backend.data.today as { sales?: unknown }).sales;
    f.desk.apply({ kind: "conversation_removed", conversation: "DEMO-1039", cause: { kind: "closed" } });
    await waitFor(() => expect(f.backend.calls.filter((c) => c.name === "todayStats")).toHaveLength(2));
    await waitFor(() => expect(screen.getByRole("dialog")).toHaveTextContent("Updated at"));
    expect(screen.getByTestId("today-sales").textContent!.trim()).toBe("—");
    expect(screen.getByRole("dialog").textContent).not.toMatch(/undefined|NaN|null/);
  });

  it("reads again every 30 s and after each close", async () => {
    vi.useFakeTimers({ now: T0, shouldAdvanceTime: true });
    const f = await deskFixture();
    // No closing questionnaire to answer first (A5, R9).
    f.backend.data.profile.agent_questionnaire = null;
    render(TodayStats, { context: f.context });
    const reads = () => f.backend.calls.filter((c) => c.name === "todayStats").length;
    await waitFor(() => expect(reads()).toBe(1));
    await vi.advanceTimersByTimeAsync(REFRESH_MS);
    await waitFor(() => expect(reads()).toBe(2));
    await f.backend.close("DEMO-1044", null);
    f.desk.apply({ kind: "conversation_removed", conversation: "DEMO-1044", cause: { kind: "closed" } });
    await waitFor(() => expect(reads()).toBe(3));
    // A transfer is not a close.
    f.desk.apply({ kind: "conversation_removed", conversation: "DEMO-1042", cause: { kind: "transferred" } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads()).toBe(3);
    expect(screen.getByTestId("today")).toHaveTextContent("Closed12");
  });

  it("keeps the last figures when a read fails, and says they are not up to date", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(TodayStats, { context: f.context });
    const strip = screen.getByTestId("today");
    await waitFor(() => expect(strip).toHaveTextContent("18 s"));
    f.backend.failNext("todayStats", { code: "offline", message: "down" });
    f.desk.apply({ kind: "conversation_removed", conversation: "DEMO-1039", cause: { kind: "closed" } });
    await waitFor(() => expect(strip).toHaveAttribute("title", "Not up to date: the hub cannot be reached"));
    expect(strip).toHaveTextContent("18 s");
    await user.click(strip);
    expect(screen.getByRole("dialog")).toHaveTextContent("Not up to date");
  });
});

describe("the visitor-inactivity warning (R10)", () => {
  beforeEach(() => {
    setLang("en");
    vi.useFakeTimers({ now: T0 });
    clock.start();
  });
  afterEach(() => {
    clock.stop();
    vi.useRealTimers();
  });

  // When someone writes is the Rust side's rule (crates/desk/src/model.rs, r10 test); the UI
  // shows what it says.
  it("the reminder holds until the desk ends it or the conversation leaves", () => {
    const d = (async () => (await deskFixture()).desk)();
    return d.then((desk) => {
      desk.apply({ kind: "timeout_reminder", conversation: "DEMO-1039", closes_at: T0 + 222_000 });
      expect(desk.timeoutReminders["DEMO-1039"]).toBe(T0 + 222_000);
      desk.apply({ kind: "message_added", message: { ...message("DEMO-1039", "system", "x"), body: { kind: "event", event: { kind: "email_left" } } } });
      expect(desk.timeoutReminders["DEMO-1039"]).toBe(T0 + 222_000);
      desk.apply({ kind: "timeout_reminder", conversation: "DEMO-1039", closes_at: null });
      expect(desk.timeoutReminders["DEMO-1039"]).toBeUndefined();
      desk.apply({ kind: "timeout_reminder", conversation: "DEMO-1039", closes_at: T0 + 400_000 });
      desk.apply({ kind: "conversation_removed", conversation: "DEMO-1039", cause: { kind: "visitor_timeout" } });
      expect(desk.timeoutReminders["DEMO-1039"]).toBeUndefined();
    });
  });

  it("the fake backend, the Rust side's twin, ends it when someone writes", async () => {
    const f = await deskFixture();
    const stop = await attach(f.desk, f.backend);
    f.desk.apply({ kind: "timeout_reminder", conversation: "DEMO-1039", closes_at: T0 + 222_000 });
    f.backend.visitorWrites("DEMO-1039", "still here");
    expect(f.desk.timeoutReminders["DEMO-1039"]).toBeUndefined();
    stop();
  });

  it("the box turns orange and counts down in place of the last message", async () => {
    const { container } = render(ConversationBox, {
      props: { view: view("DEMO-1039", { messages: [message("DEMO-1039", "visitor", "Hello")] }), index: 2, onScreen: false, focused: false, closesAt: T0 + 222_000, onopen: () => {} },
    });
    expect(container.querySelector(".box")).toHaveClass("closing");
    expect(screen.getByTestId("box-timeout")).toHaveTextContent("Closes in3:42");
    expect(screen.queryByText("Hello")).toBeNull();
    await vi.advanceTimersByTimeAsync(2000);
    expect(screen.getByTestId("box-timeout")).toHaveTextContent("Closes in3:40");
  });

  it("the pane says it with the time and a countdown, until the agent writes", async () => {
    const f = await deskFixture();
    const pane = f.desk.conversation("DEMO-1039")!;
    f.desk.apply({ kind: "timeout_reminder", conversation: "DEMO-1039", closes_at: T0 + 222_000 });
    render(ConversationPane, { props: { view: pane }, context: f.context });
    const warning = screen.getByTestId("pane-timeout");
    expect(warning).toHaveTextContent(/The visitor has gone quiet: this chat ends at \d\d:\d\d unless someone writes\.\s*3:42/);
    f.desk.apply({ kind: "timeout_reminder", conversation: "DEMO-1039", closes_at: null });
    await vi.waitFor(() => expect(screen.queryByTestId("pane-timeout")).toBeNull());
  });
});
