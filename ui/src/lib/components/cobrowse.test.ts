/**
 * Co-browsing in a conversation (D2, D5, C1): "See the page" when the admin leaves it on (A3),
 * waiting for consent, a refusal said, the mirroring panel shown and hidden without stopping,
 * Stop, offline, guiding (ask, send to a page of the site only, point in the page's pixels).
 * rrweb's replay is replaced here by a stand-in (jsdom has no layout); the real one is checked
 * in Chromium (`npm run axe`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ConversationPane from "./ConversationPane.svelte";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";
import { attach } from "../state/desk.svelte";
import type { FakeOptions } from "../fake-backend";
import type { ReplayHooks } from "../cobrowse/replay";

/** What the panel gave the replay stand-ins. */
const replays: StandIn[] = [];
class StandIn {
  pushed: { full: boolean; events: unknown[] }[] = [];
  started = false;
  destroyed = false;
  scroll = { x: 0, y: 300 };
  wrapper = null;
  constructor(
    public root: HTMLElement,
    public origins: readonly string[],
    public hooks: ReplayHooks,
  ) {
    replays.push(this);
  }
  push(full: boolean, events: unknown[]) {
    this.pushed.push({ full, events });
    if (full) {
      this.started = true;
      this.hooks.onSize({ width: 1000, height: 500 });
      const meta = events.find((e) => (e as { type: number }).type === 4) as { data: { href: string } } | undefined;
      this.hooks.onPage(meta?.data.href ?? null);
    }
    return this.started ? "ok" : "need_full";
  }
  destroy() {
    this.destroyed = true;
  }
}
vi.mock("../cobrowse/replay", () => ({ LiveReplay: StandIn }));

/** A page recording: its Meta and full snapshot. */
const PAGE = [
  { type: 4, timestamp: 1000, data: { href: "https://shop.example.com/produits/casque-x200", width: 1000, height: 500 } },
  { type: 2, timestamp: 1001, data: { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { top: 0, left: 0 } } },
];

// jsdom lays nothing out: the panel's box is 600 × 600 (a narrow pane: the page above the thread).
const sizes = ["clientWidth", "clientHeight"] as const;
const saved = sizes.map((k) => Object.getOwnPropertyDescriptor(HTMLElement.prototype, k));
beforeAll(() => {
  for (const k of sizes) Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => 600 });
});
afterAll(() => {
  sizes.forEach((k, i) => saved[i] && Object.defineProperty(HTMLElement.prototype, k, saved[i]!));
});

async function open(options: FakeOptions = {}, reference = "DEMO-1042") {
  const f = await deskFixture({ cobrowsePage: async () => structuredClone(PAGE), ...options });
  await attach(f.desk, f.backend);
  const user = userEvent.setup();
  render(ConversationPane, { props: { view: f.desk.conversation(reference)! }, context: f.context });
  const see = () => screen.queryByRole("button", { name: "See the page" });
  const calls = (name: string) => f.backend.calls.filter((c) => c.name === name);
  return { ...f, user, see, calls };
}

const panel = () => screen.queryByRole("region", { name: "The visitor's page" });
const status = () => screen.getByTestId("mirror-status");

describe("See the page (D2, D5)", () => {
  beforeEach(() => {
    setLang("en");
    replays.length = 0;
  });

  it("is there when the admin leaves co-browsing on, gone when switched off (live, A3)", async () => {
    const f = await open();
    expect(f.see()).toBeEnabled();
    f.backend.setOptions({ cobrowse: false });
    await waitFor(() => expect(f.see()).toBeNull());
    f.backend.setOptions({ cobrowse: true });
    await waitFor(() => expect(f.see()).not.toBeNull());
  });

  it("asks the visitor and says it waits for their consent; Cancel stops asking", async () => {
    const f = await open({ cobrowse: { answer: "wait" } });
    await f.user.click(f.see()!);
    expect(f.calls("cobrowse").map((c) => c.args)).toEqual([["DEMO-1042", { kind: "ask" }]]);
    const waiting = await screen.findByTestId("cobrowse-asking");
    expect(waiting).toHaveTextContent("Waiting for the visitor's consent…");
    expect(waiting).toHaveAttribute("role", "status");
    expect(f.see()).toBeDisabled();
    await f.user.click(within(waiting).getByRole("button", { name: "Cancel" }));
    expect(f.calls("cobrowse").at(-1)!.args).toEqual(["DEMO-1042", { kind: "stop" }]);
    await waitFor(() => expect(screen.queryByTestId("cobrowse-asking")).toBeNull());
    expect(f.see()).toBeEnabled();
    expect(screen.queryByTestId("cobrowse-ended")).toBeNull();
  });

  it("says so when the visitor declines, until dismissed", async () => {
    const f = await open({ cobrowse: { answer: "decline" } });
    await f.user.click(f.see()!);
    const note = await screen.findByTestId("cobrowse-ended");
    expect(note).toHaveTextContent("The visitor declined to share their page.");
    expect(panel()).toBeNull();
    await f.user.click(within(note).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("cobrowse-ended")).toBeNull();
  });

  it("shows the page once the visitor shares it; the button hides and shows it without stopping; Stop stops", async () => {
    const f = await open();
    await f.user.click(f.see()!);
    await waitFor(() => expect(panel()).not.toBeNull());
    const relay = f.desk.cobrowse["DEMO-1042"].relay!;
    await waitFor(() => expect(f.calls("openCobrowseView").map((c) => c.args)).toEqual([["DEMO-1042", relay]]));
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
    expect(replays).toHaveLength(1);
    expect(replays[0].origins).toEqual(["https://shop.example.com"]);
    expect(replays[0].pushed[0].full).toBe(true);
    expect(replays[0].pushed[0].events).toHaveLength(2);
    // The page's address from the recording, the card's title for it.
    expect(within(panel()!).getByText("Casque X200 — Boutique")).toBeInTheDocument();
    expect(within(panel()!).getByRole("link", { name: "/produits/casque-x200" })).toBeInTheDocument();
    expect(within(panel()!).getByRole("img", { name: "Casque X200 — Boutique — the visitor's page, live" })).toBeInTheDocument();

    expect(f.see()).toHaveAttribute("aria-pressed", "true");
    await f.user.click(f.see()!);
    await waitFor(() => expect(panel()).toBeNull());
    expect(f.see()).toHaveAttribute("aria-pressed", "false");
    expect(f.backend.cobrowseViewOpen("DEMO-1042")).toBe(false);
    expect(replays[0].destroyed).toBe(true);
    expect(f.calls("cobrowse")).toHaveLength(1);
    expect(f.desk.cobrowse["DEMO-1042"].phase).toBe("running");

    await f.user.click(f.see()!);
    await waitFor(() => expect(panel()).not.toBeNull());
    await waitFor(() => expect(f.backend.cobrowseViewOpen("DEMO-1042")).toBe(true));
    await f.user.click(within(panel()!).getByRole("button", { name: "Stop co-browsing (the visitor's banner goes)" }));
    expect(f.calls("cobrowse").at(-1)!.args).toEqual(["DEMO-1042", { kind: "stop" }]);
    await waitFor(() => expect(panel()).toBeNull());
    expect(f.backend.cobrowseViewOpen("DEMO-1042")).toBe(false);
    expect(screen.queryByTestId("cobrowse-ended")).toBeNull();
  });

  it("says how the view stands: visitor away between two pages, reconnecting, live again; the visitor's Stop", async () => {
    const f = await open();
    f.backend.startCobrowse("DEMO-1042");
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
    f.backend.cobrowseView("DEMO-1042", { kind: "visitor_away" });
    await waitFor(() => expect(status()).toHaveTextContent("Visitor away — between two pages"));
    f.backend.cobrowseView("DEMO-1042", { kind: "reconnecting" });
    await waitFor(() => expect(status()).toHaveTextContent("Connection lost — reconnecting…"));
    f.backend.cobrowseView("DEMO-1042", { kind: "events", full: false, events: "[]" });
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
    f.backend.visitorStopsCobrowse("DEMO-1042");
    await waitFor(() => expect(panel()).toBeNull());
    expect(screen.getByTestId("cobrowse-ended")).toHaveTextContent("The visitor stopped sharing their page.");
  });

  it("asks the page for a full snapshot when changes come without one (joined mid-page)", async () => {
    const f = await open({ cobrowsePage: async () => [] });
    f.backend.startCobrowse("DEMO-1042");
    await waitFor(() => expect(f.backend.cobrowseViewOpen("DEMO-1042")).toBe(true));
    await waitFor(() => expect(replays).toHaveLength(1));
    f.backend.cobrowseView("DEMO-1042", { kind: "events", full: false, events: JSON.stringify([{ type: 3, timestamp: 1, data: { source: 1, positions: [] } }]) });
    await waitFor(() => expect(f.calls("cobrowseCheckout").map((c) => c.args)).toEqual([["DEMO-1042"]]));
    expect(status()).toHaveTextContent("Loading the page…");
    // Garbage from the view is ignored.
    f.backend.cobrowseView("DEMO-1042", { kind: "events", full: true, events: "{not json" });
    f.backend.cobrowseView("DEMO-1042", { kind: "events", full: true, events: JSON.stringify(PAGE) });
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
  });

  it("the splitter between the page and the thread moves with the keyboard, within bounds", async () => {
    const f = await open();
    f.backend.startCobrowse("DEMO-1042");
    const splitter = await screen.findByRole("separator", { name: "Size of the visitor's page" });
    // A narrow pane (600 px): the page above the thread.
    expect(splitter).toHaveAttribute("aria-orientation", "horizontal");
    expect(splitter).toHaveAttribute("aria-valuenow", "55");
    splitter.focus();
    await f.user.keyboard("{ArrowDown}{ArrowDown}");
    expect(splitter).toHaveAttribute("aria-valuenow", "65");
    await f.user.keyboard("{End}");
    expect(splitter).toHaveAttribute("aria-valuenow", "80");
    await f.user.keyboard("{Home}{ArrowUp}");
    expect(splitter).toHaveAttribute("aria-valuenow", "25");
  });

  it("offline: asking is off like the other tools; a running page can still be hidden", async () => {
    const f = await open();
    f.backend.setConnection({ state: "offline", retry_at: Date.now() + 5000, reason: "test" });
    await waitFor(() => expect(f.see()).toBeDisabled());
    expect(f.see()).toHaveAttribute("title", "Not available offline");
    f.backend.startCobrowse("DEMO-1042");
    await waitFor(() => expect(f.see()).toBeEnabled());
    await waitFor(() => expect(panel()).not.toBeNull());
    expect(within(panel()!).getByRole("button", { name: "Ask to guide" })).toBeDisabled();
  });
});

describe("guiding (C1)", () => {
  beforeEach(() => {
    setLang("en");
    replays.length = 0;
  });

  it("asks the second consent, then sends the visitor only to a page of the site", async () => {
    const f = await open({ cobrowse: { guide: "accept" } });
    f.backend.startCobrowse("DEMO-1042");
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
    await f.user.click(within(panel()!).getByRole("button", { name: "Ask to guide" }));
    expect(f.calls("cobrowse").at(-1)!.args).toEqual(["DEMO-1042", { kind: "ask_guide" }]);
    const url = await within(panel()!).findByRole("textbox", { name: "Page to open for the visitor" });
    expect(url).toHaveValue("https://shop.example.com/");

    await f.user.clear(url);
    await f.user.type(url, "https://evil.test/phish");
    await f.user.click(within(panel()!).getByRole("button", { name: "Send to page" }));
    expect(within(panel()!).getByRole("alert")).toHaveTextContent("Only pages of https://shop.example.com can be opened for the visitor.");
    await f.user.clear(url);
    await f.user.type(url, "javascript:alert(1)");
    await f.user.click(within(panel()!).getByRole("button", { name: "Send to page" }));
    expect(within(panel()!).getByRole("alert")).toHaveTextContent("Type a full address, beginning with https://");
    expect(f.backend.guides).toEqual([]);

    await f.user.clear(url);
    await f.user.type(url, "https://shop.example.com/livraison{Enter}");
    await waitFor(() => expect(f.backend.guides).toEqual([{ conversation: "DEMO-1042", action: { kind: "navigate", url: "https://shop.example.com/livraison" } }]));
    expect(within(panel()!).queryByRole("alert")).toBeNull();
  });

  it("with no site origins listed, the visitor's own page's origin", async () => {
    const f = await open();
    f.desk.apply({ kind: "profile_changed", profile: { ...f.desk.profile!, site_origins: [] } });
    f.backend.startCobrowse("DEMO-1042", "allowed");
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
    const url = within(panel()!).getByRole("textbox", { name: "Page to open for the visitor" });
    await f.user.clear(url);
    await f.user.type(url, "https://shop.example.net/{Enter}");
    expect(within(panel()!).getByRole("alert")).toHaveTextContent("Only pages of https://shop.example.com can be opened for the visitor.");
  });

  it("says when the visitor does not let the agent guide", async () => {
    const f = await open({ cobrowse: { guide: "decline" } });
    f.backend.startCobrowse("DEMO-1042");
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
    await f.user.click(within(panel()!).getByRole("button", { name: "Ask to guide" }));
    await within(panel()!).findByText("The visitor did not let you guide.");
    expect(within(panel()!).getByRole("button", { name: "Ask to guide" })).toBeEnabled();
  });

  it("points: a click on the page is sent in the page's CSS pixels (unscaled, plus the visitor's scroll); Esc ends it", async () => {
    const f = await open();
    f.backend.startCobrowse("DEMO-1042", "allowed");
    await waitFor(() => expect(status()).toHaveTextContent("Live"));
    const point = within(panel()!).getByRole("button", { name: "Point" });
    expect(point).toHaveAttribute("aria-pressed", "false");
    await f.user.click(point);
    expect(point).toHaveAttribute("aria-pressed", "true");
    // The page (1000 × 500) in a 600 × 600 box: scale 0.6. The visitor scrolled 300 px down.
    const target = within(panel()!).getByRole("button", { name: "Show this spot to the visitor" });
    expect(target.style.width).toBe("600px");
    expect(target.style.height).toBe("300px");
    expect(target.style.top).toBe("150px");
    await fireEvent.click(target, { clientX: 60, clientY: 30, detail: 1 });
    await waitFor(() => expect(f.backend.guides).toEqual([{ conversation: "DEMO-1042", action: { kind: "point", x: 100, y: 350 } }]));
    expect(target.querySelector(".ring")).not.toBeNull();
    // The keyboard points at the middle of what is shown.
    await fireEvent.click(target, { detail: 0 });
    await waitFor(() => expect(f.backend.guides.at(-1)!.action).toEqual({ kind: "point", x: 500, y: 550 }));
    await f.user.keyboard("{Escape}");
    expect(point).toHaveAttribute("aria-pressed", "false");
    expect(within(panel()!).queryByRole("button", { name: "Show this spot to the visitor" })).toBeNull();
  });
});
