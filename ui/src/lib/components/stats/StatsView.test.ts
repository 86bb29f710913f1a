/**
 * The statistics view (D15, issue 12) on the FakeBackend with the demo's half year: the period
 * and its navigation, a manager's scope, the figures, the charts (uPlot stood in for: jsdom
 * draws no canvas), the closed conversations' filters and paging, offline, errors, and the
 * visitor's words shown as text. Today is Friday 14 March 2025 (T0).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import StatsView from "./StatsView.svelte";
import App from "../../../App.svelte";
import { CLOSED_PAGE, type ClosedQuery, type StatsQuery } from "../../backend";
import type { ClosedConversation } from "../../protocol";
import { FakeBackend, type FakeOptions } from "../../fake-backend";
import { demoData } from "../../demo";
import { deskFixture } from "../../test-context";
import { T0 } from "../../test-fixtures";
import { setLang } from "../../i18n/i18n";
import { RealShapesBackend } from "../../real-shapes";
import { Desk } from "../../state/desk.svelte";
import { Drafts } from "../../state/drafts.svelte";
import { CannedResponses } from "../../state/canned.svelte";
import { Overlay } from "../../state/overlay.svelte";
import { AssistantChat } from "../../state/assistant.svelte";
import { contextMap } from "../../context";

type Plot = { opts: { series: { label?: string }[] }; data: unknown[][]; destroyed: boolean };
const plots = vi.hoisted(() => ({ made: [] as Plot[] }));

vi.mock("uplot", () => {
  class FakePlot {
    static paths = { bars: () => () => null };
    static rangeNum = (min: number, max: number) => [min, max];
    #plot: Plot;
    constructor(opts: Plot["opts"], data: Plot["data"]) {
      this.#plot = { opts, data, destroyed: false };
      plots.made.push(this.#plot);
    }
    setSize() {}
    destroy() {
      this.#plot.destroyed = true;
    }
  }
  return { default: FakePlot };
});

/** The live chart whose first series (as drawn) is labelled so. */
const plotOf = (label: string) => plots.made.find((p) => !p.destroyed && p.opts.series.slice(1).some((s) => s.label === label));

const statsQueries = (f: { backend: FakeBackend }) => f.backend.calls.filter((c) => c.name === "statsRange").map((c) => c.args[0] as StatsQuery);
const closedQueries = (f: { backend: FakeBackend }) => f.backend.calls.filter((c) => c.name === "closedConversations").map((c) => c.args[0] as ClosedQuery);

const WEEK: StatsQuery = { from: "2025-03-10", days: 7, group: null };

async function open(options: FakeOptions = {}, prepare?: (f: Awaited<ReturnType<typeof deskFixture>>) => void | Promise<void>) {
  const f = await deskFixture(options);
  await prepare?.(f);
  const user = userEvent.setup();
  const rendered = render(StatsView, { context: f.context });
  return { ...f, user, container: rendered.container };
}

const figure = (key: string) => document.querySelector(`[data-figure="${key}"] .value`)?.textContent;

beforeEach(() => {
  setLang("en");
  plots.made.length = 0;
  vi.useFakeTimers({ toFake: ["Date"], now: T0 });
});
afterEach(() => vi.useRealTimers());

describe("the statistics view (D15)", () => {
  it("asks for the week's figures and the first closed conversations together, skeletons meanwhile", async () => {
    const f = await open({ latency: 40 });
    await tick();
    expect(statsQueries(f)).toEqual([WEEK]);
    expect(closedQueries(f)).toEqual([{ from: "2025-03-10", to: "2025-03-16", text: null, conversation_type: null, important: null, before: null }]);
    expect(document.querySelector("[data-figure]")).toBeNull();
    expect(document.querySelectorAll(".skeleton").length).toBeGreaterThan(6);
    expect(screen.getByText("Loading the figures…")).toBeInTheDocument();

    const { range } = await new FakeBackend(demoData(T0), { now: () => T0 }).statsRange(WEEK);
    await waitFor(() => expect(figure("conversations")).toBe(String(range.total.conversations)));
    expect(document.querySelector(".scope")).toHaveTextContent("Figures of Camille Laurent");
    expect(screen.getByTestId("period")).toHaveTextContent(/^10\s?–\s?16 March 2025$/);
    expect(figure("satisfaction")).toMatch(/^\d\.\d\/5$/);
    expect(figure("sales")).toMatch(/^€[\d,]+\.\d\d$/);
    expect(document.querySelector('[data-figure="satisfaction"] .note')).toHaveTextContent(`${range.total.satisfaction_count} answers`);

    // The charts: uPlot, loaded once needed, with the days' figures.
    await waitFor(() => expect(plotOf("Conversations")).toBeDefined());
    expect(plotOf("Conversations")!.data).toEqual([[0, 1, 2, 3, 4, 5, 6], range.days.map((d) => d.conversations)]);
    expect(plotOf("First response")).toBe(plotOf("Average response"));
    expect(plotOf("Satisfaction")).toBeDefined();
    // Time per status: the stack drawn from its top (the optional statuses) down to "Available".
    expect(plotOf("Available")!.opts.series.at(-1)!.label).toBe("Available");
    // Each chart is a picture named by its summary.
    const pictures = screen.getAllByRole("img");
    expect(pictures[0]).toHaveAccessibleName(/^Conversations per day, 10 March 2025 to 16 March 2025\. Conversations: \d+ in all, at most \d+ on/);
  });

  it("previous, next, this week; week ↔ month: the query follows (month lengths included)", async () => {
    const f = await open();
    const user = f.user;
    await waitFor(() => expect(statsQueries(f)).toHaveLength(1));
    expect(screen.getByRole("button", { name: "Next week" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "This week" })).toBeDisabled();

    await user.click(screen.getByRole("button", { name: "Previous week" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2025-03-03", days: 7, group: null }));
    expect(screen.getByTestId("period")).toHaveTextContent(/^3\s?–\s?9 March 2025$/);
    await waitFor(() => expect(closedQueries(f).at(-1)).toMatchObject({ from: "2025-03-03", to: "2025-03-09" }));

    await user.click(screen.getByRole("button", { name: "Next week" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual(WEEK));

    await user.click(screen.getByRole("radio", { name: "Month" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2025-03-01", days: 31, group: null }));
    expect(screen.getByRole("radio", { name: "Month" })).toHaveAttribute("aria-checked", "true");
    expect(screen.getByTestId("period")).toHaveTextContent("March 2025");
    await user.click(screen.getByRole("button", { name: "Previous month" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2025-02-01", days: 28, group: null }));
    expect(screen.getByTestId("period")).toHaveTextContent("February 2025");
    await waitFor(() => expect(closedQueries(f).at(-1)).toMatchObject({ from: "2025-02-01", to: "2025-02-28" }));
    await user.click(screen.getByRole("button", { name: "Previous month" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2025-01-01", days: 31, group: null }));
    await user.click(screen.getByRole("button", { name: "Previous month" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2024-12-01", days: 31, group: null }));
    expect(screen.getByTestId("period")).toHaveTextContent("December 2024");

    await user.click(screen.getByRole("button", { name: "This month" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2025-03-01", days: 31, group: null }));
    // Back to weeks in the current month: this week.
    await user.click(screen.getByRole("radio", { name: "Week" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual(WEEK));
  }, 15_000);

  it("an agent has no scope to pick", async () => {
    await open();
    await waitFor(() => expect(figure("conversations")).toBeDefined());
    expect(screen.queryByRole("combobox", { name: "Figures of" })).toBeNull();
  });

  it("a manager picks one of their groups: the query carries it", async () => {
    const f = await open({}, (f) => {
      const groups = [
        { id: 1, name: "Support" },
        { id: 2, name: "Sales" },
      ];
      f.desk.profile = { ...f.desk.profile!, role: "manager", groups };
      f.backend.data.profile = { ...f.backend.data.profile, role: "manager", groups };
    });
    const scope = await screen.findByRole("combobox", { name: "Figures of" });
    expect([...scope.querySelectorAll("option")].map((o) => o.textContent)).toEqual(["Me", "Group Support", "Group Sales"]);
    await f.user.selectOptions(scope, "Group Sales");
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ ...WEEK, group: 2 }));
    await waitFor(() => expect(document.querySelector(".scope")).toHaveTextContent("Figures of the group Sales"));
    await f.user.click(screen.getByRole("button", { name: "Previous week" }));
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2025-03-03", days: 7, group: 2 }));
    await f.user.selectOptions(scope, "Me");
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ from: "2025-03-03", days: 7, group: null }));
  });

  it("an admin picks any of the project's groups", async () => {
    const f = await open({}, (f) => {
      f.desk.profile = { ...f.desk.profile!, role: "admin" };
      f.backend.data.profile = { ...f.backend.data.profile, role: "admin" };
    });
    const scope = await screen.findByRole("combobox", { name: "Figures of" });
    await waitFor(() => expect(scope.querySelectorAll("option")).toHaveLength(4));
    await f.user.selectOptions(scope, "Group Billing");
    await waitFor(() => expect(statsQueries(f).at(-1)).toEqual({ ...WEEK, group: 3 }));
  });

  it("a group the hub refuses says so, in words", async () => {
    const f = await open({}, (f) => {
      f.desk.profile = { ...f.desk.profile!, role: "manager", groups: [{ id: 9, name: "Elsewhere" }] };
    });
    await f.user.selectOptions(await screen.findByRole("combobox", { name: "Figures of" }), "Group Elsewhere");
    expect(await screen.findByRole("alert")).toHaveTextContent("You may not see this group's figures.");
  });

  it("no conversation but time in statuses: said once, beside the time per status", async () => {
    await open({}, (f) => {
      const stats = f.backend.data.stats!;
      stats.agent = stats.agent.map((d) => ({ ...d, conversations: 0, first_response_avg_ms: null, response_avg_ms: null, handling_avg_ms: null, satisfaction_avg: null, satisfaction_count: 0 }));
    });
    expect(await screen.findByText("No conversations in this period")).toBeInTheDocument();
    expect(screen.getByText("Time per status (hours)")).toBeInTheDocument();
    await waitFor(() => expect(plotOf("Available")).toBeDefined());
    expect(plotOf("Conversations")).toBeUndefined();
  });

  it("the status chart has a channel picker when there is more than one channel", async () => {
    const f = await open();
    const channel = await screen.findByRole("combobox", { name: "Channel" });
    expect([...channel.querySelectorAll("option")].map((o) => o.textContent)).toEqual(["Chat", "Call"]);
    await waitFor(() => expect(plotOf("Available")).toBeDefined());
    expect(plotOf("Available")!.opts.series.some((s) => s.label === "Offline")).toBe(true);
    await f.user.selectOptions(channel, "Call");
    await waitFor(() => expect(plotOf("Available")!.opts.series.slice(1).map((s) => s.label)).toEqual(["Unavailable", "Busy", "Available"]));
  });

  it("a chart shown as a table: every day, every value", async () => {
    const f = await open();
    await waitFor(() => expect(plotOf("Conversations")).toBeDefined());
    const toggle = screen.getAllByRole("button", { name: "Show as table" })[0];
    await f.user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    const table = screen.getByRole("table", { name: "Conversations per day" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(8);
    expect(rows[1]).toHaveTextContent(/^Mon 10 Mar\d+$/);
    expect(plots.made.filter((p) => p.opts.series[1]?.label === "Conversations" && !p.destroyed)).toHaveLength(0);
    await f.user.click(toggle);
    await waitFor(() => expect(plotOf("Conversations")).toBeDefined());
  });

  it("a period with nothing says so, and draws nothing broken", async () => {
    await open({}, (f) => {
      f.backend.data.stats = undefined;
      f.backend.data.closed = [];
    });
    // Said once, in place of the charts.
    expect(await screen.findAllByText("No conversations in this period")).toHaveLength(1);
    expect(screen.queryByText("Conversations per day")).toBeNull();
    expect(screen.queryByText("Time per status (hours)")).toBeNull();
    expect(figure("conversations")).toBe("0");
    expect(figure("first")).toBe("—");
    expect(figure("sales")).toBe("—");
    expect(await screen.findByText("No closed conversation matches these filters.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Show as table" })).toBeNull();
    expect(plots.made).toEqual([]);
  });

  it("offline: the copy last read, with its time; the list says it needs the hub; both come back online", async () => {
    const f = await open({}, async (f) => {
      await f.backend.statsRange(WEEK);
      const offline = { state: "offline" as const, retry_at: null, reason: "test" };
      f.backend.setConnection(offline);
      f.desk.apply({ kind: "connection", connection: offline });
    });
    expect(await screen.findByText(/^Offline — figures from Fri 14 Mar, 1[34]:00$/)).toBeInTheDocument();
    expect(figure("conversations")).toMatch(/^\d+$/);
    expect(await screen.findByText("Offline: closed conversations can be listed again once reconnected.")).toBeInTheDocument();

    f.backend.setConnection({ state: "online" });
    f.desk.apply({ kind: "connection", connection: { state: "online" } });
    await waitFor(() => expect(screen.queryByText(/^Offline — figures from/)).toBeNull());
    await waitFor(() => expect(document.querySelectorAll("tbody tr").length).toBeGreaterThan(0));
    expect(screen.queryByText(/closed conversations can be listed again/)).toBeNull();
  });

  it("on the real desk's JSON (nulls, a new agent's empty days): nothing broken", async () => {
    const backend = new RealShapesBackend();
    const desk = new Desk();
    desk.load(await backend.snapshot());
    render(StatsView, { context: contextMap({ backend, desk, drafts: new Drafts(null), canned: new CannedResponses(), overlay: new Overlay(), assistant: new AssistantChat() }) });
    expect(await screen.findByText("No conversations in this period")).toBeInTheDocument();
    expect(figure("conversations")).toBe("0");
    expect(figure("satisfaction")).toBe("—");
    expect(document.querySelector(".scope")).toHaveTextContent("Figures of Alice Martin");
    expect(await screen.findByText("No closed conversation matches these filters.")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("offline with no copy of that period: says what to expect", async () => {
    await open({}, (f) => {
      f.backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    });
    expect(await screen.findByText(/^Offline: the figures of this period were never loaded on this computer\./)).toBeInTheDocument();
  });

  it("an error is a sentence and a retry, never the raw message", async () => {
    const f = await open({}, (f) => f.backend.failNext("statsRange", { code: "internal", message: "SQLITE_BUSY: database is locked" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Something went wrong (internal).");
    expect(document.body.textContent).not.toContain("SQLITE_BUSY");
    await f.user.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(figure("conversations")).toMatch(/^\d+$/));
  });
});

describe("the closed conversations (D15)", () => {
  it("search, type, important only and the dates each change the query", async () => {
    const f = await open();
    await waitFor(() => expect(closedQueries(f)).toHaveLength(1));
    const base = { from: "2025-03-10", to: "2025-03-16", text: null, conversation_type: null, important: null, before: null };

    await f.user.type(screen.getByRole("searchbox", { name: "Search: visitor, first words, comment" }), "colis");
    await waitFor(() => expect(closedQueries(f).at(-1)).toEqual({ ...base, text: "colis" }));
    // Typing settles first: one search for the word, not one per letter.
    expect(closedQueries(f).filter((q) => q.text !== null)).toHaveLength(1);
    await f.user.clear(screen.getByRole("searchbox"));
    await waitFor(() => expect(closedQueries(f).at(-1)).toEqual(base));

    await f.user.selectOptions(screen.getByRole("combobox", { name: "Type" }), "Billing");
    await waitFor(() => expect(closedQueries(f).at(-1)).toEqual({ ...base, conversation_type: "Billing" }));
    // What is listed is what was asked for.
    await waitFor(() => expect(document.querySelectorAll("tbody tr").length).toBeGreaterThan(0));
    await waitFor(() => expect([...document.querySelectorAll("tbody tr")].every((row) => row.textContent?.includes("Billing"))).toBe(true));
    await f.user.click(screen.getByRole("checkbox", { name: "Important only" }));
    await waitFor(() => expect(closedQueries(f).at(-1)).toEqual({ ...base, conversation_type: "Billing", important: true }));
    await fireEvent.input(screen.getByLabelText("From"), { target: { value: "2025-03-12" } });
    await waitFor(() => expect(closedQueries(f).at(-1)).toEqual({ ...base, from: "2025-03-12", conversation_type: "Billing", important: true }));
    await fireEvent.input(screen.getByLabelText("To"), { target: { value: "2025-03-13" } });
    await waitFor(() => expect(closedQueries(f).at(-1)).toEqual({ ...base, from: "2025-03-12", to: "2025-03-13", conversation_type: "Billing", important: true }));

    // Another period: its days again.
    await f.user.click(screen.getByRole("button", { name: "Previous week" }));
    await waitFor(() => expect(closedQueries(f).at(-1)).toMatchObject({ from: "2025-03-03", to: "2025-03-09" }));
  }, 20_000);

  it("loads more: the next page from the last row's closed_at", async () => {
    const f = await open({}, (f) => {
      f.backend.data.closed = Array.from({ length: CLOSED_PAGE + 12 }, (_, i) => closed(`DEMO-${7000 - i}`, T0 - 60_000 * (i + 1)));
    });
    await waitFor(() => expect(document.querySelectorAll("tbody tr")).toHaveLength(CLOSED_PAGE));
    const first = closedQueries(f)[0];
    await f.user.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(document.querySelectorAll("tbody tr")).toHaveLength(CLOSED_PAGE + 12));
    expect(closedQueries(f).at(-1)).toEqual({ ...first, before: T0 - 60_000 * CLOSED_PAGE, before_reference: `DEMO-${7000 - CLOSED_PAGE + 1}` });
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("shows the visitor's survey comment and words as text, isolated", async () => {
    const { container } = await open({}, (f) => {
      f.backend.data.closed = [
        closed("DEMO-6001", T0 - 3_600_000, {
          visitor_name: "<b>Eve</b>\u202E",
          survey_comment: "<img src=x onerror=alert(1)>",
          summary: "<script>alert(2)</script> ma commande",
          satisfaction: 2,
          important: true,
          conversation_type: "Billing",
        }),
        closed("DEMO-6000", T0 - 7_200_000, { visitor_id: "v-7f3a9c", visitor_name: "" }),
      ];
    });
    const comment = await screen.findByText("<img src=x onerror=alert(1)>");
    expect(comment.tagName).toBe("BDI");
    expect(screen.getByText("<script>alert(2)</script> ma commande")).toBeInTheDocument();
    expect(screen.getByText("<b>Eve</b>").tagName).toBe("BDI");
    expect(container.querySelector("tbody img, tbody b, tbody script")).toBeNull();
    expect(container.textContent).not.toContain("\u202E");
    // A visitor who gave no name is named by their id.
    expect(screen.getByText("Visitor 7f3a")).toBeInTheDocument();
    const row = screen.getByRole("button", { name: "DEMO-6001" }).closest("tr")!;
    expect(row).toHaveTextContent("2.0/5");
    expect(within(row).getByText("Important")).toBeInTheDocument();
  });

  it("a row opens the closed conversation to re-read", async () => {
    const f = await open({}, (f) => {
      f.backend.data.closed = [closed("DEMO-6001", T0 - 3_600_000, { conversation_type: "Billing" })];
    });
    await f.user.click(await screen.findByRole("button", { name: "DEMO-6001" }));
    expect(f.overlay.dialog).toEqual({ kind: "history", reference: "DEMO-6001", visitorName: "Léa Martin", subtitle: "Billing · 14 Mar 2025" });
    f.overlay.dismiss();
    await f.user.click(screen.getByText("Léa Martin"));
    expect(f.overlay.dialog).toMatchObject({ kind: "history", reference: "DEMO-6001" });
  });
});

describe("the statistics in the desk", () => {
  beforeEach(() => {
    vi.useRealTimers();
    localStorage.clear();
  });

  it("the rail opens them in place of the conversations; a box or the first button brings these back", async () => {
    const backend = new FakeBackend(demoData(Date.now()));
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await waitFor(() => expect(document.querySelectorAll(".box")).toHaveLength(3));

    const stats = screen.getByRole("button", { name: "Statistics" });
    await user.click(stats);
    expect(await screen.findByTestId("stats")).toBeInTheDocument();
    expect(stats).toHaveAttribute("aria-pressed", "true");
    expect(document.querySelector("main.panes")).toBeNull();
    expect(document.querySelectorAll(".box")).toHaveLength(3);

    // A box: its conversation, on screen, ready to answer.
    await user.click(document.querySelector<HTMLElement>('.box[data-reference="DEMO-1044"]')!);
    await waitFor(() => expect(screen.queryByTestId("stats")).toBeNull());
    expect(document.querySelector("main.panes")).not.toBeNull();
    await waitFor(() => expect(document.activeElement).toHaveAttribute("data-composer", "DEMO-1044"));

    await user.click(stats);
    expect(await screen.findByTestId("stats")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: /^In progress/ }));
    expect(screen.queryByTestId("stats")).toBeNull();

    // "/" there is a key like any other: nothing goes into a composer out of sight.
    await user.click(stats);
    await screen.findByTestId("stats");
    const draft = localStorage.getItem("pupitre.drafts.1042");
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("/");
    expect(localStorage.getItem("pupitre.drafts.1042")).toBe(draft);
    expect(screen.getByTestId("stats")).toBeInTheDocument();

    // A drawer goes with the conversations.
    await user.click(screen.getByRole("button", { name: /^Snoozed/ }));
    expect(screen.queryByTestId("stats")).toBeNull();
    expect(document.querySelector(".drawer")).not.toBeNull();

    // A notification clicked, too.
    await user.click(stats);
    await screen.findByTestId("stats");
    backend.emit({ kind: "notification_opened", conversation: "DEMO-1039" });
    await waitFor(() => expect(screen.queryByTestId("stats")).toBeNull());
  });
});

function closed(reference: string, closed_at: number, patch: Partial<ClosedConversation> = {}): ClosedConversation {
  return {
    reference,
    visitor_id: `v-${reference}`,
    visitor_name: "Léa Martin",
    agent_name: "Camille Laurent",
    closed_at,
    conversation_type: null,
    important: false,
    satisfaction: null,
    survey_comment: null,
    summary: "Bonjour, ma commande n'est pas arrivée.",
    agent_answers: [],
    ...patch,
  };
}
