import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../../App.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData } from "../demo";
import { setLang } from "../i18n/i18n";

const boxes = () => [...document.querySelectorAll<HTMLElement>(".box")];
const focusedBox = () => document.querySelector<HTMLElement>(".box.focused")?.dataset.reference;

async function open() {
  const backend = new FakeBackend(demoData(Date.now()));
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await waitFor(() => expect(boxes()).toHaveLength(3));
  return { backend, user };
}

describe("the desk, whole", () => {
  beforeEach(() => {
    setLang("en");
    localStorage.clear();
  });

  it("shows the agent, the slot counter, the badge and the boxes (D1, R4, D7)", async () => {
    await open();
    expect(document.title).toBe("Pupitre — Camille Laurent (agent 1042)");
    expect(screen.getByTestId("slots")).toHaveTextContent("3 / 3");
    expect(screen.getByTestId("waiting-badge")).toHaveTextContent("1");
    expect(boxes().map((b) => b.dataset.reference)).toEqual(["DEMO-1042", "DEMO-1044", "DEMO-1039"]);
    expect(boxes()[1]).toHaveClass("waiting");
    expect(boxes()[0]).toHaveClass("on-screen");
  });

  it("Ctrl+n opens a box, Alt+↓ the next one waiting for a reply", async () => {
    const { user } = await open();
    await user.keyboard("{Control>}3{/Control}");
    expect(focusedBox()).toBe("DEMO-1039");
    await user.keyboard("{Alt>}{ArrowDown}{/Alt}");
    expect(focusedBox()).toBe("DEMO-1044");
  });

  it("/ outside the composer opens the canned responses in the focused conversation", async () => {
    const { user } = await open();
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("/");
    await waitFor(() => expect(screen.getByRole("listbox")).toBeInTheDocument());
    expect(document.activeElement).toHaveAttribute("data-composer", "DEMO-1042");
  });

  it("pausing takes the conversation off the desk into the snoozed list (R5, D8)", async () => {
    const { user, backend } = await open();
    await user.click(boxes()[1]);
    const pane = screen.getByRole("region", { name: /DEMO-1044/ });
    await user.click(within(pane).getByRole("button", { name: "Pause" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByLabelText("24 hours"));
    await user.click(within(dialog).getByRole("button", { name: "Pause" }));
    await waitFor(() => expect(boxes().map((b) => b.dataset.reference)).toEqual(["DEMO-1042", "DEMO-1039"]));
    expect(screen.queryByRole("dialog")).toBeNull();
    await user.click(screen.getByRole("button", { name: /^Snoozed/ }));
    expect(screen.getByText("DEMO-1044")).toBeInTheDocument();
    expect(backend.calls.find((c) => c.name === "snooze")).toBeDefined();
  });

  it("raising the slot limit past the maximum is impossible (R4)", async () => {
    const { user, backend } = await open();
    const more = screen.getByRole("button", { name: /One conversation more/ });
    await user.click(more);
    await user.click(more);
    await waitFor(() => expect(screen.getByTestId("slots")).toHaveTextContent("3 / 5"));
    expect(more).toBeDisabled();
    expect(backend.data.profile.slot_limit).toBe(5);
  });

  it("logging out with open conversations warns first (D4)", async () => {
    const { user, backend } = await open();
    await user.click(screen.getByRole("button", { name: "More" }));
    await user.click(screen.getByRole("menuitem", { name: "Log out" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("You still have 3 conversations open");
    await user.click(within(dialog).getByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeInTheDocument();
    expect(backend.calls.some((c) => c.name === "logout")).toBe(true);
  });

  it("changes a channel's status from its pill, optional statuses included (R3, D3)", async () => {
    const { user, backend } = await open();
    await user.click(screen.getByRole("button", { name: /Chat · Busy/ }));
    await user.click(screen.getByRole("menuitemradio", { name: "On the phone" }));
    await waitFor(() => expect(screen.getByRole("button", { name: /Chat · On the phone/ })).toBeInTheDocument());
    expect(backend.calls.find((c) => c.name === "setStatus")!.args).toEqual(["chat", { kind: "optional", name: "On the phone" }]);
  });

  it("goes offline and back: banner, actions disabled, composer still queues (D18)", async () => {
    const { user, backend } = await open();
    backend.setConnection({ state: "offline", retry_at: Date.now() + 5000, reason: "test" });
    expect(await screen.findByText(/Offline — reconnecting in \d s…/)).toBeInTheDocument();
    const pane = screen.getByRole("region", { name: /DEMO-1042/ });
    expect(within(pane).getByRole("button", { name: "Close" })).toBeDisabled();
    await user.type(within(pane).getByRole("textbox"), "See you{Enter}");
    expect(await within(pane).findByText("Waiting to be sent")).toBeInTheDocument();
    backend.setConnection({ state: "online" });
    await waitFor(() => expect(within(pane).queryByText("Waiting to be sent")).toBeNull());
    expect(within(pane).getByText("See you")).toBeInTheDocument();
  });

  it("shares an offer from the composer: the card comes back in the thread (D12)", async () => {
    const { user, backend } = await open();
    const pane = screen.getByRole("region", { name: /DEMO-1042/ });
    await user.click(within(pane).getByRole("button", { name: "Share an offer" }));
    const dialog = await screen.findByRole("dialog", { name: /Share an offer/ });
    await user.type(within(dialog).getByLabelText("Title"), "Free express delivery");
    await user.type(within(dialog).getByLabelText("Link (http or https)"), "https://shop.example.com/express");
    await user.click(within(dialog).getByRole("button", { name: "Share the offer" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(await within(pane).findByText("Free express delivery")).toBeInTheDocument();
    expect(backend.calls.find((c) => c.name === "sendOffer")!.args[0]).toBe("DEMO-1042");
  });

  it("re-reads an earlier conversation of the visitor from the card (D14)", async () => {
    const { user } = await open();
    await user.click(await screen.findByRole("button", { name: /DEMO-0877/ }));
    const dialog = await screen.findByRole("dialog", { name: /DEMO-0877/ });
    expect(await within(dialog).findByText(/Retour du casque X100, étiquette envoyée/)).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });
});
