/**
 * The whole app on the exact JSON the real desk sends (RealShapesBackend), in the conditions
 * of the real app under Xvfb: WebKitGTK with LANG=C.UTF-8 reports `navigator.language === "C"`,
 * which `Intl` refuses. That used to throw while drawing the pane's message times, which
 * aborted Svelte's update: the counter said "1 / 3" but no box and no pane appeared.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../../App.svelte";
import { REAL_ASSIGNED_JSON, REAL_PROFILE_JSON, REAL_TODAY_BEFORE_SALES_JSON, RealShapesBackend } from "../real-shapes";
import { locale, pickLang, setLang, usableLocale } from "../i18n/i18n";

const boxes = () => [...document.querySelectorAll<HTMLElement>("footer .box")];
const panes = () => [...document.querySelectorAll<HTMLElement>("main section.pane")];
const VISITOR_TEXT = "Bonjour, ma commande 4521";

/** The same assignment for another reference (and visitor), still the real shape. */
function assigned(reference: string, text = VISITOR_TEXT): string {
  const event = JSON.parse(REAL_ASSIGNED_JSON);
  event.conversation.reference = reference;
  event.conversation.visitor.id = `visitor-${reference}`;
  for (const m of event.conversation.messages) {
    m.conversation = reference;
    m.id += reference.length * 1000;
  }
  event.conversation.messages[0].body.text = text;
  return JSON.stringify(event);
}

async function start(backend = new RealShapesBackend()) {
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await screen.findByTestId("slots");
  return { backend, user };
}

describe("the desk on the real app's JSON", () => {
  beforeEach(() => {
    localStorage.clear();
    // What WebKitGTK gives the page under LANG=C.UTF-8 (the real app under Xvfb).
    setLang("en", "C");
  });
  afterEach(() => {
    setLang("en");
    vi.restoreAllMocks();
  });

  it("a conversation assigned after the snapshot: a red box, and its pane opens with the visitor's message", async () => {
    const { backend, user } = await start();
    expect(screen.getByText(/Your desk is empty/)).toBeInTheDocument();
    backend.emitJson(REAL_ASSIGNED_JSON);

    await waitFor(() => expect(boxes()).toHaveLength(1));
    const box = boxes()[0];
    expect(screen.getByTestId("slots")).toHaveTextContent("1 / 3");
    expect(screen.getByTestId("waiting-badge")).toHaveTextContent("1");
    expect(box).toHaveAttribute("data-reference", "DEMO-1");
    expect(box).toHaveClass("waiting");
    expect(box.title).toContain("Waiting for your reply");
    expect(box).toHaveTextContent(VISITOR_TEXT);

    // Opened on screen by itself: the pane was free.
    expect(panes()).toHaveLength(1);
    expect(box).toHaveClass("on-screen", "focused");
    const pane = screen.getByRole("region", { name: /DEMO-1/ });
    // The thread is virtualized: its rows appear once the viewport is measured.
    expect(await within(pane).findByText(VISITOR_TEXT)).toBeInTheDocument();
    // The agent's name is isolated (<bdi>) inside the event's sentence (issue 9).
    expect(within(pane).getByText("Alice Martin").closest(".event")).toHaveTextContent("Assigned to Alice Martin");
    expect(screen.queryByText(/Your desk is empty/)).toBeNull();

    await user.click(box);
    expect(document.activeElement).toHaveAttribute("data-composer", "DEMO-1");
    expect(await within(screen.getByRole("region", { name: /DEMO-1/ })).findByText(VISITOR_TEXT)).toBeInTheDocument();
  });

  it("a second one waits in its box while the only pane is taken; clicking the box shows it", async () => {
    const { backend, user } = await start();
    backend.emitJson(REAL_ASSIGNED_JSON);
    backend.emitJson(assigned("DEMO-2", "Où est mon colis ?"));
    await waitFor(() => expect(boxes()).toHaveLength(2));
    expect(boxes().map((b) => b.dataset.reference)).toEqual(["DEMO-1", "DEMO-2"]);
    expect(boxes()[1]).toHaveClass("waiting");
    expect(boxes()[1]).not.toHaveClass("on-screen");
    expect(panes()).toHaveLength(1);

    await user.click(boxes()[1]);
    const pane = screen.getByRole("region", { name: /DEMO-2/ });
    expect(await within(pane).findByText("Où est mon colis ?")).toBeInTheDocument();
    expect(boxes()[1]).toHaveClass("on-screen", "focused");
  });

  it("with two panes, a new conversation takes the free one by itself", async () => {
    const { backend, user } = await start();
    await user.click(screen.getByRole("radio", { name: "2 on screen" }));
    backend.emitJson(REAL_ASSIGNED_JSON);
    await waitFor(() => expect(panes()).toHaveLength(1));
    backend.emitJson(assigned("DEMO-2", "Où est mon colis ?"));
    await waitFor(() => expect(panes()).toHaveLength(2));
    expect(boxes().every((b) => b.classList.contains("on-screen"))).toBe(true);
    // The agent's focus stays where it was.
    expect(boxes()[0]).toHaveClass("focused");
  });

  it("events that arrive while the snapshot is being read are not lost", async () => {
    const backend = new RealShapesBackend();
    backend.early = [REAL_ASSIGNED_JSON];
    await start(backend);
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(boxes()[0]).toHaveClass("waiting");
    expect(panes()).toHaveLength(1);
  });

  it("a conversation already in the snapshot (restart) shows the same way", async () => {
    const backend = new RealShapesBackend();
    const conversation = JSON.parse(REAL_ASSIGNED_JSON).conversation;
    backend.snapshotJson = JSON.stringify({
      profile: JSON.parse(REAL_PROFILE_JSON),
      connection: { state: "offline", retry_at: 1795332600000, reason: "connection refused" },
      conversations: [conversation],
      snoozed: [],
      outbox: [{ local_id: "01a20229-0000-7000-8000-00000000000a", conversation: "DEMO-1", text: "Je regarde", queued_at: 1795332593000, state: "pending", error: null }],
      keyring_warning: null,
    });
    await start(backend);
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(boxes()[0]).toHaveClass("waiting");
    expect(await within(screen.getByRole("region", { name: /DEMO-1/ })).findByText("Je regarde")).toBeInTheDocument();
  });

  it("the hub's fresh desk (snapshot event) replaces everything", async () => {
    const { backend } = await start();
    const conversation = JSON.parse(REAL_ASSIGNED_JSON).conversation;
    backend.emitJson(JSON.stringify({ kind: "snapshot", state: { ...JSON.parse(backend.snapshotJson), conversations: [conversation] } }));
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(panes()).toHaveLength(1);
  });

  it("lagged: the page re-reads the snapshot", async () => {
    const { backend } = await start();
    expect(backend.snapshots).toBe(1);
    // What the page missed: the Rust side's desk has the conversation now.
    const conversation = JSON.parse(REAL_ASSIGNED_JSON).conversation;
    backend.snapshotJson = JSON.stringify({ ...JSON.parse(backend.snapshotJson), conversations: [conversation] });
    backend.emitJson(`{"kind":"lagged"}`);
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(backend.snapshots).toBe(2);
    expect(boxes()[0]).toHaveClass("waiting");
    expect(panes()).toHaveLength(1);
  });

  it("lagged while the first snapshot is read: read again once it is in", async () => {
    const backend = new RealShapesBackend();
    backend.early = [`{"kind":"lagged"}`];
    await start(backend);
    await waitFor(() => expect(backend.snapshots).toBe(2));
    backend.emitJson(REAL_ASSIGNED_JSON);
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(panes()).toHaveLength(1);
  });

  it("unknown event kinds are ignored and the stream goes on", async () => {
    const { backend } = await start();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    backend.emitJson(`{"kind":"something_newer","conversation":"DEMO-1","payload":{"a":[1,2]}}`);
    backend.emitJson(`{"kind":"message_added"}`);
    backend.emitJson(`{"kind":"connection","connection":{"state":"online"}}`);
    backend.emitJson(REAL_ASSIGNED_JSON);
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(panes()).toHaveLength(1);
    // The malformed `message_added` is dropped with a log line, nothing else.
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it("the visitor's HTML is shown as text", async () => {
    const { backend } = await start();
    backend.emitJson(assigned("DEMO-1", "ma commande n est pas arrivée <b>urgent</b> <img src=x onerror=alert(1)>"));
    await waitFor(() => expect(panes()).toHaveLength(1));
    const pane = panes()[0];
    await waitFor(() => expect(pane.textContent).toContain("<b>urgent</b>"));
    expect(pane.querySelector("b, img")).toBeNull();
    expect(boxes()[0].textContent).toContain("<b>urgent</b>");
  });

  it("D16: a conversation marked important has its star on the box and the header's toggle on; unmarked, neither", async () => {
    const { backend } = await start();
    const event = JSON.parse(REAL_ASSIGNED_JSON);
    event.conversation.important = true;
    backend.emitJson(JSON.stringify(event));
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(within(boxes()[0]).getByTestId("box-important")).toBeInTheDocument();
    expect(boxes()[0]).toHaveAccessibleName(/^DEMO-1 Important /);
    const pane = screen.getByRole("region", { name: /DEMO-1/ });
    expect(within(pane).getByRole("button", { name: "Mark important" })).toHaveAttribute("aria-pressed", "true");

    backend.emitJson(REAL_ASSIGNED_JSON);
    await waitFor(() => expect(within(boxes()[0]).queryByTestId("box-important")).toBeNull());
    expect(within(pane).getByRole("button", { name: "Mark important" })).toHaveAttribute("aria-pressed", "false");
  });

  it("D15: today's figures from a hub older than the sales figure (no `sales`): “—”", async () => {
    const backend = new RealShapesBackend();
    backend.todayJson = REAL_TODAY_BEFORE_SALES_JSON;
    const { user } = await start(backend);
    await user.click(screen.getByTestId("today"));
    const details = screen.getByRole("dialog", { name: "Today's performance" });
    await waitFor(() => expect(details).toHaveTextContent("Updated at"));
    expect(within(details).getByTestId("today-sales").textContent!.trim()).toBe("—");
    expect(details.textContent).not.toMatch(/undefined|NaN/);
  });

  it("a pane that fails to draw does not take the boxes (or the others) down", async () => {
    const { backend } = await start();
    vi.spyOn(Intl, "DateTimeFormat").mockImplementation(() => {
      throw new RangeError("invalid language tag");
    });
    vi.spyOn(console, "error").mockImplementation(() => {});
    backend.emitJson(REAL_ASSIGNED_JSON);
    await waitFor(() => expect(boxes()).toHaveLength(1));
    expect(boxes()[0]).toHaveClass("waiting");
    expect(await screen.findByText("DEMO-1 could not be drawn.")).toBeInTheDocument();
  });
});

describe("the locale for Intl", () => {
  afterEach(() => setLang("en"));

  it("skips what Intl refuses and converts POSIX names", () => {
    expect(usableLocale(["C"])).toBeNull();
    expect(usableLocale(["POSIX", "c"])).toBeNull();
    expect(usableLocale(["C", "fr-FR"])).toBe("fr-FR");
    expect(usableLocale(["fr_FR.UTF-8"])).toBe("fr-FR");
    expect(usableLocale(["de_DE@euro"])).toBe("de-DE");
    expect(usableLocale(["en-us"])).toBe("en-US");
    expect(usableLocale(["", "not a tag!", "en-GB"])).toBe("en-GB");
  });

  it("falls back on the UI language's locale", () => {
    setLang("fr", "C");
    expect(locale()).toBe("fr-FR");
    setLang("en", "C.UTF-8");
    expect(locale()).toBe("en-GB");
    expect(() => new Intl.DateTimeFormat(locale())).not.toThrow();
  });

  it("picks the language from POSIX names too", () => {
    expect(pickLang(["fr_FR.UTF-8"])).toBe("fr");
    expect(pickLang(["C", "en_US"])).toBe("en");
    expect(pickLang(["C"])).toBe("en");
  });
});
