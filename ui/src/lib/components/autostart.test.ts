// Issue 13: "Start Pupitre when I log in", a checkbox in the desk's "…" menu, kept by the Rust
// side as an XDG autostart entry (`autostart`, `set_autostart`).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../../App.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData } from "../demo";
import { setLang } from "../i18n/i18n";

const NAME = "Start Pupitre when I log in";
const item = () => screen.getByRole("menuitemcheckbox", { name: NAME });
const toast = () => document.querySelector(".toast");
const setCalls = (backend: FakeBackend) => backend.calls.filter((c) => c.name === "setAutostart").map((c) => c.args);

async function open(autostart?: boolean, setup?: (backend: FakeBackend) => void, more = "More") {
  const backend = new FakeBackend(demoData(Date.now()), { autostart });
  setup?.(backend);
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await waitFor(() => expect(document.querySelectorAll(".box").length).toBeGreaterThan(0));
  // Read once when the desk shows, not each time the menu opens.
  await waitFor(() => expect(backend.calls.some((c) => c.name === "autostart")).toBe(true));
  await user.click(screen.getByRole("button", { name: more }));
  return { backend, user };
}

describe("start Pupitre when I log in (issue 13)", () => {
  beforeEach(() => {
    setLang("en");
    localStorage.clear();
  });

  it("shows the state the desk reports, above Log out, between separators", async () => {
    await open(true);
    await waitFor(() => expect(item()).toHaveAttribute("aria-checked", "true"));
    const menu = screen.getByRole("menu");
    const kids = [...menu.children];
    const at = kids.indexOf(item());
    expect(kids[at - 1].tagName).toBe("HR");
    expect(kids[at + 1].tagName).toBe("HR");
    expect(kids[at + 2]).toHaveAccessibleName("Log out");
  });

  it("is unchecked when the desk does not start at login", async () => {
    await open(false);
    await waitFor(() => expect(item()).toBeEnabled());
    expect(item()).toHaveAttribute("aria-checked", "false");
  });

  it("toggling sets it on, then off again: the check flips and the menu stays open", async () => {
    const { backend, user } = await open(false);
    await waitFor(() => expect(item()).toBeEnabled());
    await user.click(item());
    await waitFor(() => expect(item()).toHaveAttribute("aria-checked", "true"));
    expect(backend.startsAtLogin).toBe(true);
    await user.click(item());
    await waitFor(() => expect(item()).toHaveAttribute("aria-checked", "false"));
    expect(backend.startsAtLogin).toBe(false);
    expect(setCalls(backend)).toEqual([[true], [false]]);
    expect(backend.calls.filter((c) => c.name === "autostart")).toHaveLength(1);
  });

  it("works from the keyboard, and offline (it is this computer's setting)", async () => {
    const { backend, user } = await open(true);
    backend.setConnection({ state: "offline", retry_at: Date.now() + 5000, reason: "test" });
    await waitFor(() => expect(item()).toBeEnabled());
    item().focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(item()).toHaveAttribute("aria-checked", "false"));
    await user.keyboard(" ");
    await waitFor(() => expect(item()).toHaveAttribute("aria-checked", "true"));
    expect(setCalls(backend)).toEqual([[false], [true]]);
  });

  it("a refusal keeps the previous state and says why", async () => {
    const { backend, user } = await open(false);
    await waitFor(() => expect(item()).toBeEnabled());
    backend.failNext("setAutostart", { code: "internal", message: "~/.config/autostart is read-only" });
    await user.click(item());
    await waitFor(() => expect(toast()).toHaveTextContent("Something went wrong (internal). Try again; if it persists, tell your administrator."));
    expect(setCalls(backend)).toEqual([[true]]);
    expect(item()).toHaveAttribute("aria-checked", "false");
    expect(backend.startsAtLogin).toBe(false);
  });

  it("when the desk cannot tell, the item is left out and the menu works as before", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { user } = await open(true, (b) => b.failNext("autostart", { code: "internal", message: "no such command" }));
    await waitFor(() => expect(warn).toHaveBeenCalled());
    warn.mockRestore();
    expect(screen.queryByRole("menuitemcheckbox")).toBeNull();
    expect([...screen.getByRole("menu").querySelectorAll("hr")]).toHaveLength(1);
    await user.click(screen.getByRole("menuitem", { name: "Log out" }));
    expect(await screen.findByRole("dialog", { name: "Log out?" })).toBeInTheDocument();
  });

  it("never holds the menu up: until the desk answers, the item is there but disabled", async () => {
    const backend = new FakeBackend(demoData(Date.now()));
    vi.spyOn(backend, "autostart").mockReturnValue(new Promise<boolean>(() => {}));
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await waitFor(() => expect(document.querySelectorAll(".box").length).toBeGreaterThan(0));
    await user.click(screen.getByRole("button", { name: "More" }));
    expect(item()).toBeDisabled();
    expect(item()).toHaveAttribute("aria-checked", "false");
    await waitFor(() => expect(document.activeElement).toHaveAccessibleName(/Copy my agent id/));
    await user.click(item());
    expect(setCalls(backend)).toEqual([]);
  });

  it("in French", async () => {
    setLang("fr");
    await open(true, undefined, "Plus");
    const fr = screen.getByRole("menuitemcheckbox", { name: "Lancer Pupitre à l'ouverture de session" });
    await waitFor(() => expect(fr).toHaveAttribute("aria-checked", "true"));
  });
});
