/**
 * Mark the conversation important (SPEC D16): the pane header's star toggle, there when the
 * admin leaves it on (A3, live); its state is the view's `important` as the stream reports it; a
 * refusal said in words; the boxes' star with its text; the fake's side (the hub's rules).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ConversationPane from "./ConversationPane.svelte";
import ConversationBox from "./ConversationBox.svelte";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";
import { attach } from "../state/desk.svelte";
import { clock } from "../state/clock.svelte";
import { T0, view } from "../test-fixtures";
import type { DeskEvent } from "../backend";

/** The thread's event sentences (agents' names are in <bdi>s inside them). */
const events = () => [...document.querySelectorAll(".event")].map((e) => e.textContent);

async function open(reference = "DEMO-1042", props: { compact?: boolean } = {}) {
  const f = await deskFixture();
  await attach(f.desk, f.backend);
  const user = userEvent.setup();
  render(ConversationPane, { props: { view: f.desk.conversation(reference)!, ...props }, context: f.context });
  const mark = () => screen.queryByRole("button", { name: "Mark important" });
  const calls = () => f.backend.calls.filter((c) => c.name === "markImportant").map((c) => c.args);
  return { ...f, user, mark, calls };
}

describe("mark important: the pane header's toggle (D16)", () => {
  beforeEach(() => setLang("en"));

  it("toggles: calls markImportant with the conversation and the new state; the stream's view sets it", async () => {
    const f = await open();
    const mark = f.mark()!;
    expect(mark).toHaveAttribute("aria-pressed", "false");
    expect(mark).toHaveTextContent("Mark important");
    expect(mark).toHaveAttribute("title", "Mark this conversation important");

    await f.user.click(mark);
    expect(f.calls()).toEqual([["DEMO-1042", true]]);
    await waitFor(() => expect(f.mark()).toHaveAttribute("aria-pressed", "true"));
    expect(f.desk.conversation("DEMO-1042")!.important).toBe(true);
    // The name stays what it does; the visible label says the state (and is part of the name).
    expect(f.mark()).toHaveTextContent(/^Important$/);
    expect(f.mark()).toHaveAttribute("title", "Marked important — click to remove the mark");
    await waitFor(() => expect(events()).toContain("Camille Laurent marked this conversation important"));

    await f.user.click(f.mark()!);
    expect(f.calls()).toEqual([
      ["DEMO-1042", true],
      ["DEMO-1042", false],
    ]);
    await waitFor(() => expect(f.mark()).toHaveAttribute("aria-pressed", "false"));
    expect(f.mark()).toHaveTextContent("Mark important");
    await waitFor(() => expect(events()).toContain("Camille Laurent removed the important mark"));
  });

  it("shows a conversation marked before as on, and unmarks it", async () => {
    const f = await open("DEMO-1044");
    expect(f.mark()).toHaveAttribute("aria-pressed", "true");
    await f.user.click(f.mark()!);
    expect(f.calls()).toEqual([["DEMO-1044", false]]);
    await waitFor(() => expect(f.mark()).toHaveAttribute("aria-pressed", "false"));
  });

  it("follows a mark that comes on the stream (another of the agent's windows, a reload)", async () => {
    const f = await open();
    const v = f.desk.conversation("DEMO-1042")!;
    const { reference, visitor, visitor_online, waiting_since, last_agent_message_at } = v;
    f.backend.emit({
      kind: "conversation_updated",
      conversation: { reference, visitor, visitor_online, waiting_since, last_agent_message_at, important: true },
    } as DeskEvent);
    await waitFor(() => expect(f.mark()).toHaveAttribute("aria-pressed", "true"));
  });

  it("is reached with Tab like the header's other buttons, and Space toggles it", async () => {
    const f = await open();
    await f.user.tab();
    expect(f.mark()).toHaveFocus();
    await f.user.tab();
    expect(screen.getByRole("button", { name: "See the page" })).toHaveFocus();
    await f.user.tab({ shift: true });
    await f.user.keyboard(" ");
    expect(f.calls()).toEqual([["DEMO-1042", true]]);
    await waitFor(() => expect(f.mark()).toHaveAttribute("aria-pressed", "true"));
    expect(f.mark()).toHaveFocus();
  });

  it("is not there when the admin switched it off, and follows the switch live (A3)", async () => {
    const f = await open();
    f.backend.setOptions({ mark_important: false });
    await waitFor(() => expect(f.mark()).toBeNull());
    expect(screen.getByRole("button", { name: "See the page" })).toBeInTheDocument();
    f.backend.setOptions({ mark_important: true });
    await waitFor(() => expect(f.mark()).not.toBeNull());
  });

  it("says a refusal as a sentence, until dismissed; the mark does not change", async () => {
    const f = await open();
    // The admin switched it off and the profile has not come yet: the hub refuses.
    f.backend.data.profile.options.mark_important = false;
    await f.user.click(f.mark()!);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("You are not allowed to do this.");
    expect(f.mark()).toHaveAttribute("aria-pressed", "false");
    await f.user.click(within(alert).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("alert")).toBeNull();

    f.backend.data.profile.options.mark_important = true;
    f.backend.failNext("markImportant", { code: "offline", message: "down" });
    await f.user.click(f.mark()!);
    expect(await screen.findByRole("alert")).toHaveTextContent("You are offline: this action needs the hub. Try again once reconnected.");
    // A new try clears the old sentence.
    await f.user.click(f.mark()!);
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
    await waitFor(() => expect(f.mark()).toHaveAttribute("aria-pressed", "true"));
  });

  it("offline: disabled, saying why", async () => {
    const f = await open();
    f.backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    await waitFor(() => expect(f.mark()).toBeDisabled());
    expect(f.mark()).toHaveAttribute("title", "Not available offline");
  });

  it("compact (4 panes): the star only, named and titled", async () => {
    const f = await open("DEMO-1042", { compact: true });
    const mark = f.mark()!;
    expect(mark).toHaveClass("icon");
    expect(mark.textContent!.trim()).toBe("");
    expect(mark.querySelector("svg")).not.toBeNull();
    expect(mark).toHaveAttribute("title", "Mark this conversation important");
  });

  it("in French: « Marquer importante », then « Importante »", async () => {
    setLang("fr");
    const f = await open();
    const mark = screen.getByRole("button", { name: "Marquer importante" });
    expect(mark).toHaveTextContent("Marquer importante");
    await f.user.click(mark);
    await waitFor(() => expect(mark).toHaveAttribute("aria-pressed", "true"));
    expect(mark).toHaveTextContent(/^Importante$/);
  });
});

describe("mark important: the fake answers as the hub (D16)", () => {
  it("refuses when switched off; marking again what is so sends nothing; the thread tells it", async () => {
    const f = await deskFixture();
    const sent: DeskEvent[] = [];
    await f.backend.subscribe((e) => sent.push(e));
    await f.backend.markImportant("DEMO-1042", true);
    expect(sent.map((e) => e.kind)).toEqual(["message_added", "conversation_updated"]);
    expect(sent[1]).toMatchObject({ kind: "conversation_updated", conversation: { reference: "DEMO-1042", important: true } });
    expect(sent[0]).toMatchObject({ message: { body: { kind: "event", event: { kind: "marked_important", agent: "Camille Laurent", important: true } } } });
    sent.length = 0;
    await f.backend.markImportant("DEMO-1042", true);
    expect(sent).toEqual([]);
    await expect(f.backend.markImportant("DEMO-0000", true)).rejects.toMatchObject({ code: "not_found" });
    f.backend.setOptions({ mark_important: false });
    await expect(f.backend.markImportant("DEMO-1042", false)).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("mark important: the box's star (D7, D16)", () => {
  beforeEach(() => {
    setLang("en");
    vi.useFakeTimers({ now: T0 });
    clock.start();
  });
  afterEach(() => {
    clock.stop();
    vi.useRealTimers();
  });

  const props = (important: boolean) => ({ view: view("DEMO-1042", { important }), index: 0, onScreen: false, focused: false, onopen: () => {} });

  it("a filled star on an important conversation, said in the box's name and title", () => {
    const { container } = render(ConversationBox, { props: props(true) });
    const star = screen.getByTestId("box-important");
    expect(star.querySelector("svg")).toHaveAttribute("fill", "currentColor");
    expect(star.querySelector("svg")).toHaveAttribute("aria-hidden", "true");
    const box = screen.getByRole("button");
    expect(box).toHaveAccessibleName(/^DEMO-1042 Important /);
    expect(box.getAttribute("title")).toMatch(/^DEMO-1042 — Important/);
    // At the head of the second line (the first has no room to spare).
    expect(container.querySelector(".l2 > .important:first-child")).toBe(star);
  });

  it("still there while the R10 countdown takes the second line", () => {
    render(ConversationBox, { props: { ...props(true), closesAt: T0 + 60_000 } });
    expect(screen.getByTestId("box-timeout").firstElementChild).toBe(screen.getByTestId("box-important"));
    expect(screen.getByRole("button")).toHaveAccessibleName(/^DEMO-1042 Important /);
  });

  it("none on the others", () => {
    render(ConversationBox, { props: props(false) });
    expect(screen.queryByTestId("box-important")).toBeNull();
    expect(screen.getByRole("button")).not.toHaveAccessibleName(/Important/);
  });
});
