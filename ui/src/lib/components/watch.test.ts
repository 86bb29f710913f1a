/**
 * The watch pane, further (SPEC M3, D5): joining the agent (Join and Leave, the refusal in words,
 * "Joined · you write to the visitor too", the composer to the visitor beside the whisper one,
 * through the outbox), the `manager_joined` event in the thread, the co-browsing session seen by
 * a watching manager (view only), the whole thread the hub's view carries (never paged from the
 * cache), and the panes giving way when a drawer leaves them too little room. rrweb's replay is
 * replaced by a stand-in (jsdom has no layout); the real one is checked in Chromium (`npm run axe`).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Panes, { squeezed } from "./Panes.svelte";
import ThreadItem from "./ThreadItem.svelte";
import { withManager } from "../demo";
import { attach } from "../state/desk.svelte";
import { deskFixture } from "../test-context";
import { setLang } from "../i18n/i18n";
import { T0 } from "../test-fixtures";
import type { FakeData, FakeOptions } from "../fake-backend";
import type { Message } from "../protocol";
import type { ReplayHooks } from "../cobrowse/replay";

/** What the mirroring panel gave the replay stand-ins. */
class StandIn {
  started = false;
  scroll = { x: 0, y: 0 };
  wrapper = null;
  constructor(
    public root: HTMLElement,
    public origins: readonly string[],
    public hooks: ReplayHooks,
  ) {}
  push(full: boolean) {
    if (full) {
      this.started = true;
      this.hooks.onSize({ width: 1000, height: 500 });
      this.hooks.onPage("https://shop.example.com/aide/retours");
    }
    return this.started ? "ok" : "need_full";
  }
  destroy() {}
}
vi.mock("../cobrowse/replay", () => ({ LiveReplay: StandIn }));

const PAGE = [
  { type: 4, timestamp: 1000, data: { href: "https://shop.example.com/aide/retours", width: 1000, height: 500 } },
  { type: 2, timestamp: 1001, data: { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { top: 0, left: 0 } } },
];

beforeEach(() => {
  setLang("en");
  localStorage.clear();
});

async function watching(options: FakeOptions = {}, setup?: (data: FakeData) => void, reference = "DEMO-1051") {
  const f = await deskFixture({ cobrowsePage: async () => structuredClone(PAGE), ...options }, (data) => {
    withManager(data, T0);
    setup?.(data);
  });
  await attach(f.desk, f.backend);
  const user = userEvent.setup();
  render(Panes, { context: f.context });
  await f.backend.watch(reference, true);
  const pane = await screen.findByRole("region", { name: `Watching ${reference}` });
  const calls = (name: string) => f.backend.calls.filter((c) => c.name === name).map((c) => c.args);
  return { ...f, user, pane, calls };
}

describe("joining the agent (M3)", () => {
  it("Join joins (the slot rule's words when refused); joined: the tag, Leave, the event; Leave leaves", async () => {
    const f = await watching();
    expect(f.pane).toHaveTextContent("Read only");
    expect(f.pane.querySelector("[data-visitor-composer]")).toBeNull();

    f.backend.failNext("join", { code: "agent_unavailable", message: "no slot" });
    await f.user.click(within(f.pane).getByRole("button", { name: "Join" }));
    expect(await within(f.pane).findByRole("alert")).toHaveTextContent("Set yourself available with a free slot to join.");
    expect(f.desk.joined("DEMO-1051")).toBe(false);

    await f.user.click(within(f.pane).getByRole("button", { name: "Join" }));
    await waitFor(() => expect(within(f.pane).getByTestId("joined-tag")).toHaveTextContent("Joined · you write to the visitor too"));
    expect(f.pane).not.toHaveTextContent("Read only");
    expect(f.pane).toHaveTextContent("Sarah Klein and the visitor were told you joined.");
    expect(f.desk.watched("DEMO-1051")!.joined).toEqual([1042]);
    await waitFor(() => expect(f.pane).toHaveTextContent("Camille Laurent joined the conversation"));
    // The keyboard goes to the composer to the visitor.
    const toVisitor = within(f.pane).getByRole("textbox", { name: "Message to the visitor (Enter sends, Shift+Enter for a new line)" });
    await waitFor(() => expect(toVisitor).toHaveFocus());
    expect(toVisitor).toHaveAttribute("placeholder", "Write to the visitor as yourself…");
    expect(within(f.pane).queryByRole("button", { name: "Join" })).toBeNull();

    await f.user.click(within(f.pane).getByRole("button", { name: "Leave" }));
    await waitFor(() => expect(f.pane).toHaveTextContent("Read only"));
    expect(f.pane.querySelector("[data-visitor-composer]")).toBeNull();
    expect(f.pane).toHaveTextContent("Camille Laurent left the conversation");
    expect(f.calls("join")).toEqual([
      ["DEMO-1051", true],
      ["DEMO-1051", true],
      ["DEMO-1051", false],
    ]);
  });

  it("the fake refuses a join as the hub does: not available, or no free slot (the join holds one)", async () => {
    const f = await watching({}, (data) => (data.profile.slot_limit = 3));
    await f.user.click(within(f.pane).getByRole("button", { name: "Join" }));
    expect(await within(f.pane).findByRole("alert")).toHaveTextContent("Set yourself available with a free slot to join.");
    f.backend.data.profile.slot_limit = 4;
    await f.backend.join("DEMO-1051", true);
    // Joined, the slot is taken: nothing else may be taken over.
    await f.backend.watch("DEMO-1048", true);
    await expect(f.backend.takeOver("DEMO-1048")).rejects.toMatchObject({ code: "agent_unavailable" });
    // …but this one may: the take-over reuses the join's slot.
    await f.backend.takeOver("DEMO-1051");
    expect(f.backend.data.conversations.map((c) => c.reference)).toContain("DEMO-1051");
  });

  it("joined: the visitor composer sends with send_message to the watched conversation, pending then in the thread; the whisper composer stays apart", async () => {
    const f = await watching();
    await f.backend.join("DEMO-1051", true);
    const toVisitor = await within(f.pane).findByRole("textbox", { name: /^Message to the visitor/ });
    const whisper = within(f.pane).getByRole("textbox", { name: /^Whisper to Sarah Klein/ });
    expect(within(f.pane).getAllByRole("textbox")).toHaveLength(2);
    // Drawn apart: the whisper one in its dashed lavender box, the other like a conversation's.
    expect(whisper.closest(".composer")).not.toBeNull();
    expect(toVisitor.closest(".reply")).not.toBeNull();
    expect(toVisitor.closest(".composer")).toBeNull();
    expect(f.pane).toHaveTextContent("Zoé sees it, from you");

    // Held back: the item shows pending at the end of the thread.
    f.backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    await f.user.click(toVisitor);
    await f.user.keyboard("Bonjour Zoé, je prends le relais{Shift>}{Enter}{/Shift}pour le remboursement.");
    await f.user.keyboard("{Enter}");
    expect(f.calls("sendMessage")).toEqual([["DEMO-1051", "Bonjour Zoé, je prends le relais\npour le remboursement."]]);
    expect(f.calls("whisper")).toEqual([]);
    expect(toVisitor).toHaveValue("");
    expect(f.pane).toHaveTextContent("Offline: sent on reconnect");
    await waitFor(() => expect(f.pane.querySelector(".msg.local")).toHaveTextContent("Waiting to be sent"));

    f.backend.setConnection({ state: "online" });
    await waitFor(() => expect(f.pane.querySelector(".msg.local")).toBeNull());
    expect(f.desk.outbox).toEqual([]);
    const mine = f.desk.watched("DEMO-1051")!.messages.at(-1)!;
    expect(mine).toMatchObject({ author: { kind: "agent", id: 1042 }, body: { kind: "text", text: "Bonjour Zoé, je prends le relais\npour le remboursement." } });
    await waitFor(() => expect(f.pane.querySelector(".msg.agent.mine")).toHaveTextContent("pour le remboursement."));
    expect(f.pane.querySelectorAll(".msg.agent.mine")).toHaveLength(1);
  });

  it("Stop watching while joined leaves first; a join that ends elsewhere takes the visitor composer away", async () => {
    const f = await watching();
    await f.backend.join("DEMO-1051", true);
    await within(f.pane).findByRole("textbox", { name: /^Message to the visitor/ });
    // The hub ended the join (the conversation moved, say): a fresh view without this manager.
    const view = JSON.parse(JSON.stringify(f.desk.watched("DEMO-1051")!));
    f.backend.emit({ kind: "watching", conversation: { ...view, joined: [] } });
    await waitFor(() => expect(f.pane.querySelector("[data-visitor-composer]")).toBeNull());
    expect(f.pane).toHaveTextContent("Read only");

    await f.backend.join("DEMO-1051", false).catch(() => {});
    await f.backend.join("DEMO-1051", true);
    await within(f.pane).findByTestId("joined-tag");
    await f.user.click(within(f.pane).getByRole("button", { name: "Stop watching" }));
    await waitFor(() => expect(screen.queryByRole("region", { name: "Watching DEMO-1051" })).toBeNull());
    expect(f.calls("join").at(-1)).toEqual(["DEMO-1051", false]);
    expect(f.backend.data.supervision!.live.find((c) => c.reference === "DEMO-1051")!.joined).toEqual([]);
  });

  it("the manager_joined event: centred, as text, in English and French", () => {
    const event = (joined: boolean): Message => ({
      id: 1,
      conversation: "DEMO-1051",
      client_id: null,
      author: { kind: "system" },
      body: { kind: "event", event: { kind: "manager_joined", agent: "Chloé <b>Durand</b>", joined } },
      at: T0,
    });
    const joined = render(ThreadItem, { props: { message: event(true), visitorName: "Zoé", me: 1042, now: T0 } });
    const line = joined.container.querySelector(".event")!;
    expect(line).toHaveTextContent("Chloé <b>Durand</b> joined the conversation");
    expect(line.querySelector("b")).toBeNull();
    joined.unmount();
    expect(render(ThreadItem, { props: { message: event(false), visitorName: "Zoé", me: 1042, now: T0 } }).container.querySelector(".event")).toHaveTextContent(
      "Chloé <b>Durand</b> left the conversation",
    );
    setLang("fr");
    const fr = render(ThreadItem, { props: { message: event(true), visitorName: "Zoé", me: 1042, now: T0 } });
    expect(fr.container.querySelector(".event")).toHaveTextContent("Chloé <b>Durand</b> a rejoint la conversation");
  });

  it("in French: Rejoindre, the refusal, the tag", async () => {
    setLang("fr");
    const f = await deskFixture({}, (data) => withManager(data, T0));
    await attach(f.desk, f.backend);
    const user = userEvent.setup();
    render(Panes, { context: f.context });
    await f.backend.watch("DEMO-1051", true);
    const pane = await screen.findByRole("region", { name: "Supervision de DEMO-1051" });
    f.backend.failNext("join", { code: "agent_unavailable", message: "no slot" });
    await user.click(within(pane).getByRole("button", { name: "Rejoindre" }));
    expect(await within(pane).findByRole("alert")).toHaveTextContent("Passez-vous disponible avec une place libre pour la rejoindre.");
    await user.click(within(pane).getByRole("button", { name: "Rejoindre" }));
    await waitFor(() => expect(within(pane).getByTestId("joined-tag")).toHaveTextContent("Conversation rejointe · vous écrivez aussi au visiteur"));
    expect(within(pane).getByRole("textbox", { name: /^Message au visiteur/ })).toHaveAttribute("placeholder", "Écrire au visiteur en votre nom…");
    await waitFor(() => expect(pane).toHaveTextContent("Camille Laurent a rejoint la conversation"));
  });
});

describe("co-browsing seen by a watching manager (M3, D5)", () => {
  it("See the page only while a session runs with a relay; the same view, view only: no Stop, no guiding, no pointing", async () => {
    const f = await watching({ cobrowse: { answer: "wait" } });
    expect(within(f.pane).queryByRole("button", { name: "See the page" })).toBeNull();
    // Asked, not running yet: nothing to see.
    f.backend.emit({ kind: "cobrowse", state: { conversation: "DEMO-1051", phase: "asked", guiding: "no", agent: "Sarah", relay: null, end: null } });
    await waitFor(() => expect(f.desk.cobrowse["DEMO-1051"]?.phase).toBe("asked"));
    expect(within(f.pane).queryByRole("button", { name: "See the page" })).toBeNull();

    f.backend.startCobrowse("DEMO-1051", "allowed");
    const strip = await within(f.pane).findByTestId("watch-cobrowse");
    expect(strip).toHaveTextContent("Zoé Lambert shares the page with Sarah Klein");
    // Not opened unasked.
    expect(within(f.pane).queryByRole("region", { name: "The visitor's page" })).toBeNull();
    await f.user.click(within(strip).getByRole("button", { name: "See the page" }));
    const mirror = await within(f.pane).findByRole("region", { name: "The visitor's page" });
    await waitFor(() => expect(within(mirror).getByTestId("mirror-status")).toHaveTextContent("Live"));
    expect(f.calls("openCobrowseView")).toEqual([["DEMO-1051", f.desk.cobrowse["DEMO-1051"].relay]]);
    expect(within(mirror).getByTestId("mirror-watcher")).toHaveTextContent("You see what Sarah Klein sees; only Sarah Klein can guide or stop.");
    // Guiding is allowed, but not to the watcher: none of the agent's controls.
    for (const name of [/Stop/, /Ask to guide/, /Point/, /Send to page/]) expect(within(mirror).queryByRole("button", { name })).toBeNull();
    expect(within(mirror).queryByRole("textbox")).toBeNull();
    expect(within(strip).getByRole("button", { name: "Hide the page" })).toHaveAttribute("aria-pressed", "true");

    // The session ends: the page closes, its view too.
    f.backend.visitorStopsCobrowse("DEMO-1051");
    await waitFor(() => expect(within(f.pane).queryByRole("region", { name: "The visitor's page" })).toBeNull());
    expect(within(f.pane).queryByTestId("watch-cobrowse")).toBeNull();
    expect(f.desk.cobrowse["DEMO-1051"]).toBeUndefined();
    await waitFor(() => expect(f.backend.cobrowseViewOpen("DEMO-1051")).toBe(false));
    // Nothing said to the watcher: the end is the agent's news.
    expect(f.desk.cobrowseEnded["DEMO-1051"]).toBeUndefined();
  });

  it("a watch that starts while the session runs is told of it; the watch's end takes it away", async () => {
    const f = await deskFixture({ cobrowsePage: async () => structuredClone(PAGE) }, (data) => withManager(data, T0));
    await attach(f.desk, f.backend);
    f.backend.startCobrowse("DEMO-1051");
    // Not watched yet: not this desk's.
    expect(f.desk.cobrowse["DEMO-1051"]).toBeUndefined();
    render(Panes, { context: f.context });
    await f.backend.watch("DEMO-1051", true);
    const pane = await screen.findByRole("region", { name: "Watching DEMO-1051" });
    await within(pane).findByRole("button", { name: "See the page" });
    f.backend.endWatch("DEMO-1051");
    await waitFor(() => expect(screen.queryByRole("region", { name: "Watching DEMO-1051" })).toBeNull());
    expect(f.desk.cobrowse["DEMO-1051"]).toBeUndefined();
  });
});

describe("the watched thread is whole (M3)", () => {
  it("every message of the hub's view, from the first, never paged from the cache", async () => {
    const f = await watching({}, (data) => {
      const live = data.supervision!.live.find((c) => c.reference === "DEMO-1051")!;
      const first = live.messages[0];
      const older: Message[] = Array.from({ length: 120 }, (_, i) => ({
        ...first,
        id: 500_000 + i,
        body: { kind: "text", text: `Earlier line ${i + 1}` },
        at: first.at - (120 - i) * 1000,
      }));
      older[0] = { ...older[0], body: { kind: "text", text: "The very first line" } };
      live.messages = [...older, ...live.messages];
    });
    const scroller = () => f.pane.querySelector<HTMLElement>('[data-thread="DEMO-1051"]')!;
    await waitFor(() => expect(f.pane.querySelector(".wrap")).toHaveAttribute("data-ready"));
    expect(f.desk.watched("DEMO-1051")!.messages.length).toBeGreaterThan(120);
    scroller().scrollTop = 0;
    scroller().dispatchEvent(new Event("scroll"));
    await waitFor(() => expect(f.pane).toHaveTextContent("The very first line"));
    // The true start: the marker above the first message, nothing loading, no cache read.
    const rows = [...scroller().querySelectorAll(".row")];
    expect(rows[0]).toHaveTextContent(/^Start of the conversation/);
    expect(rows[1]).toHaveTextContent("The very first line");
    expect(f.pane.querySelector(".pill")).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    // (The conversation pane beside it pages its own thread.)
    expect(f.calls("thread").filter(([ref]) => ref === "DEMO-1051")).toEqual([]);
    expect(f.calls("threadAfter").filter(([ref]) => ref === "DEMO-1051")).toEqual([]);
  });
});

describe("panes beside a watch column and a drawer", () => {
  const saved = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientWidth");
  afterEach(() => {
    if (saved) Object.defineProperty(HTMLElement.prototype, "clientWidth", saved);
  });

  it("too narrow for 2 or 4 panes and a watch column: the focused conversation only, beside it", async () => {
    // The board drawer (400 px) open at 1440 px: the main area is 688 px.
    expect(squeezed(688, 2, true)).toBe(true);
    expect(squeezed(688, 4, true)).toBe(true);
    expect(squeezed(688, 1, true)).toBe(false);
    expect(squeezed(688, 2, false)).toBe(false);
    // No drawer: 1088 px hold three columns.
    expect(squeezed(1088, 2, true)).toBe(false);
    expect(squeezed(0, 2, true)).toBe(false);

    Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 688 });
    const f = await deskFixture({}, (data) => withManager(data, T0));
    await attach(f.desk, f.backend);
    f.desk.setLayout(2);
    f.desk.open("DEMO-1044");
    const { container } = render(Panes, { context: f.context });
    expect(container.querySelectorAll("section.pane")).toHaveLength(2);
    await f.backend.watch("DEMO-1051", true);
    await screen.findByRole("region", { name: "Watching DEMO-1051" });
    await waitFor(() => expect(container.querySelectorAll("section.pane")).toHaveLength(1));
    expect(screen.getByRole("region", { name: /^DEMO-1044/ })).toBeInTheDocument();
    expect(container.querySelector("main")).toHaveClass("squeezed", "layout-1");
    // Still two on the desk: the boxes bring the other back, in place of the focused one.
    expect(f.desk.panes).toHaveLength(2);
    f.desk.open("DEMO-1042");
    await waitFor(() => expect(screen.getByRole("region", { name: /^DEMO-1042/ })).toBeInTheDocument());
    expect(container.querySelectorAll("section.pane")).toHaveLength(1);
  });
});
