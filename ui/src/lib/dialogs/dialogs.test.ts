import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import SnoozeDialog from "./SnoozeDialog.svelte";
import TransferDialog from "./TransferDialog.svelte";
import CloseDialog from "./CloseDialog.svelte";
import { setLang } from "../i18n/i18n";
import { snoozeUntil, tomorrowAt } from "../snooze";
import { deskFixture } from "../test-context";
import { T0 } from "../test-fixtures";

const HOUR = 3_600_000;

describe("snoozeUntil (R5)", () => {
  it("adds 3 h or 24 h, or takes a future local date", () => {
    expect(snoozeUntil("3h", T0, "")).toBe(T0 + 3 * HOUR);
    expect(snoozeUntil("24h", T0, "")).toBe(T0 + 24 * HOUR);
    const tomorrow = tomorrowAt(T0, 9);
    expect(snoozeUntil("custom", T0, tomorrow)).toBe(new Date(tomorrow).getTime());
    expect(new Date(snoozeUntil("custom", T0, tomorrow)!).getHours()).toBe(9);
    expect(snoozeUntil("custom", T0, "2000-01-01T10:00")).toBeNull();
    expect(snoozeUntil("custom", T0, "not a date")).toBeNull();
  });
});

describe("SnoozeDialog (R5, D8)", () => {
  beforeEach(() => {
    setLang("en");
    vi.useFakeTimers({ now: T0, toFake: ["Date"] });
  });
  afterEach(() => vi.useRealTimers());

  async function snoozeWith(steps: (user: ReturnType<typeof userEvent.setup>) => Promise<void>) {
    const f = await deskFixture();
    const onclose = vi.fn();
    const user = userEvent.setup();
    render(SnoozeDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    await steps(user);
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    return f.backend.calls.find((c) => c.name === "snooze")!.args;
  }

  it("3 h by default, confirmed with Ctrl+Enter", async () => {
    const args = await snoozeWith(async (user) => {
      await user.keyboard("{Control>}{Enter}{/Control}");
    });
    expect(args).toEqual(["DEMO-1042", T0 + 3 * HOUR, false]);
  });

  it("24 h with keep", async () => {
    const args = await snoozeWith(async (user) => {
      await user.click(screen.getByLabelText("24 hours"));
      await user.click(screen.getByLabelText(/Keep this conversation/));
      await user.click(screen.getByRole("button", { name: "Pause" }));
    });
    expect(args).toEqual(["DEMO-1042", T0 + 24 * HOUR, true]);
  });

  it("until a chosen date and time", async () => {
    const args = await snoozeWith(async (user) => {
      await user.click(screen.getByLabelText("Until…"));
      const input = screen.getByLabelText("Until…", { selector: "input[type=datetime-local]" });
      await user.clear(input);
      await user.type(input, "2025-03-20T08:30");
      await user.click(screen.getByRole("button", { name: "Pause" }));
    });
    expect(args).toEqual(["DEMO-1042", new Date("2025-03-20T08:30").getTime(), false]);
  });

  it("Esc closes without snoozing", async () => {
    const f = await deskFixture();
    const onclose = vi.fn();
    const user = userEvent.setup();
    render(SnoozeDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    await user.keyboard("{Escape}");
    expect(onclose).toHaveBeenCalled();
    expect(f.backend.calls.some((c) => c.name === "snooze")).toBe(false);
  });
});

describe("TransferDialog (R7, D9)", () => {
  beforeEach(() => setLang("en"));

  it("lists colleagues with availability and groups", async () => {
    const f = await deskFixture();
    render(TransferDialog, { props: { reference: "DEMO-1044", onclose: () => {} }, context: f.context });
    const hugo = await screen.findByLabelText(/Hugo Bernard/);
    expect(hugo.closest("label")!.querySelector(".dot.available")).not.toBeNull();
    expect(screen.queryByLabelText(/Camille Laurent/)).toBeNull(); // not to oneself
    expect(screen.getByLabelText(/Billing/)).toBeInTheDocument();
  });

  it("offers Transfer anyway after agent_unavailable and retries with anyway=true", async () => {
    const f = await deskFixture();
    const onclose = vi.fn();
    const user = userEvent.setup();
    render(TransferDialog, { props: { reference: "DEMO-1044", onclose }, context: f.context });
    await user.click(await screen.findByLabelText(/Marc Dubois/));
    await user.type(screen.getByLabelText(/Comment for the recipient/), "Warranty case");
    await user.click(screen.getByRole("button", { name: "Transfer" }));
    const warning = await screen.findByRole("alert");
    expect(warning).toHaveTextContent("Marc Dubois is unavailable");
    expect(onclose).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Transfer anyway" }));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    const transfers = f.backend.calls.filter((c) => c.name === "transfer").map((c) => c.args);
    expect(transfers).toEqual([
      ["DEMO-1044", { kind: "agent", id: 1031 }, "Warranty case", false],
      ["DEMO-1044", { kind: "agent", id: 1031 }, "Warranty case", true],
    ]);
  });

  it("transfers to a group", async () => {
    const f = await deskFixture();
    const onclose = vi.fn();
    const user = userEvent.setup();
    render(TransferDialog, { props: { reference: "DEMO-1044", onclose }, context: f.context });
    await user.click(await screen.findByLabelText(/Sales/));
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.find((c) => c.name === "transfer")!.args).toEqual(["DEMO-1044", { kind: "group", id: 2 }, null, false]);
  });
});

describe("CloseDialog (R9, D10)", () => {
  beforeEach(() => setLang("en"));

  /** A project without a closing questionnaire (A5). */
  async function withoutQuestionnaire() {
    const f = await deskFixture();
    f.backend.data.profile.agent_questionnaire = null;
    f.desk.apply({ kind: "profile_changed", profile: structuredClone(f.backend.data.profile) });
    return f;
  }

  it("sends the chosen conversation type", async () => {
    const f = await withoutQuestionnaire();
    const onclose = vi.fn();
    const user = userEvent.setup();
    render(CloseDialog, { props: { reference: "DEMO-1039", onclose }, context: f.context });
    await user.selectOptions(screen.getByLabelText("Conversation type"), "Order tracking");
    await user.click(screen.getByRole("button", { name: "Close conversation" }));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.find((c) => c.name === "close")!.args).toEqual(["DEMO-1039", "Order tracking"]);
  });

  it("shows the error by code and stays open", async () => {
    const f = await withoutQuestionnaire();
    const onclose = vi.fn();
    const user = userEvent.setup();
    f.backend.failNext("close", { code: "invalid_state", message: "already closed (do not show)" });
    render(CloseDialog, { props: { reference: "DEMO-1039", onclose }, context: f.context });
    await user.click(screen.getByRole("button", { name: "Close conversation" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This conversation changed meanwhile");
    expect(screen.getByRole("alert")).not.toHaveTextContent("do not show");
    expect(onclose).not.toHaveBeenCalled();
    expect(f.backend.calls.find((c) => c.name === "close")!.args).toEqual(["DEMO-1039", null]);
  });
});
