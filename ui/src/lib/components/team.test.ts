/**
 * The agents online (SPEC D16): available first, each agent's status per channel (optional ones
 * by the admin's name in the desk's language, A4), role, load against slots; read when the
 * drawer opens and every 15 s while open (not once closed); a failure said with Retry; the
 * fake's side (the hub's refusals).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/svelte";
import Drawer from "./Drawer.svelte";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";

async function open() {
  const f = await deskFixture();
  f.overlay.drawer = "team";
  const view = render(Drawer, { context: f.context });
  const calls = () => f.backend.calls.filter((c) => c.name === "teamOnline").length;
  const row = (id: number) => document.querySelector<HTMLElement>(`[data-member="${id}"]`)!;
  return { ...f, view, calls, row };
}

/** Lets the fake's answers and the DOM updates land, with the clock stopped. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe("agents online (D16)", () => {
  beforeEach(() => {
    setLang("en");
    vi.useFakeTimers({ shouldAdvanceTime: false });
  });
  afterEach(() => vi.useRealTimers());

  it("lists the connected agents, available first, with their statuses per channel, role and load", async () => {
    const f = await open();
    await settle();
    expect(f.calls()).toBe(1);
    const headings = screen.getAllByRole("heading", { level: 3 }).map((h) => h.textContent);
    expect(headings).toEqual(["Available · 2", "Busy · 2", "Unavailable · 1"]);
    const order = [...document.querySelectorAll("[data-member]")].map((e) => e.querySelector(".name")!.textContent);
    expect(order).toEqual(["Hugo Bernard", "Yanis Benali", "Camille Laurent", "Sarah Klein", "Marc Dubois"]);

    const hugo = f.row(1017);
    expect(within(hugo).getByText("Manager")).toBeInTheDocument();
    expect(hugo).toHaveTextContent("1 / 4 conversations");
    expect(hugo).toHaveTextContent("Support · Sales");
    const statuses = within(hugo).getByRole("list", { name: "Statuses of Hugo Bernard" });
    expect(within(statuses).getAllByRole("listitem").map((li) => li.textContent!.replace(/\s+/g, " ").trim())).toEqual(["Chat: Available", "Call: Available"]);

    // An optional status by its name; busy when the slots are full; the agent's own line.
    expect(within(f.row(1031)).getAllByRole("listitem").map((li) => li.textContent!.replace(/\s+/g, " ").trim())).toEqual(["Chat: In training", "Call: Unavailable"]);
    expect(f.row(1031)).toHaveTextContent("0 / 3 conversations");
    expect(f.row(1031).querySelector(".dot.unavailable")).not.toBeNull();
    expect(within(f.row(1023)).getAllByRole("listitem")[0]).toHaveTextContent("Busy");
    expect(f.row(1042)).toHaveTextContent("Camille Laurent (you)");
    expect(f.row(1042)).toHaveTextContent("3 / 3 conversations");
    expect(within(f.row(1023)).queryByText("Manager")).toBeNull();
  });

  it("in French, optional statuses by the admin's French name", async () => {
    setLang("fr");
    const f = await open();
    await settle();
    expect(within(f.row(1031)).getAllByRole("listitem")[0]).toHaveTextContent("En formation");
    expect(within(f.row(1060)).getAllByRole("listitem")[1]).toHaveTextContent("Téléphone");
    expect(f.row(1060)).toHaveTextContent("2 / 5 conversations");
    expect(screen.getAllByRole("heading", { level: 3 })[0]).toHaveTextContent("Disponibles · 2");
  });

  it("reads the list again every 15 s while open, and no more once closed", async () => {
    const f = await open();
    await settle();
    expect(f.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(14_000);
    expect(f.calls()).toBe(1);
    // Hugo took a conversation meanwhile.
    f.backend.data.team![0].load = 2;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(f.calls()).toBe(2);
    expect(f.row(1017)).toHaveTextContent("2 / 4 conversations");
    await vi.advanceTimersByTimeAsync(15_000);
    expect(f.calls()).toBe(3);

    f.overlay.drawer = null;
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(f.calls()).toBe(3);
  });

  it("a failure says why, with Retry; a later failure keeps the list and says it", async () => {
    const f = await deskFixture();
    f.backend.failNext("teamOnline", { code: "hub_unreachable", message: "down" });
    f.overlay.drawer = "team";
    render(Drawer, { context: f.context });
    await settle();
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("The hub cannot be reached.");
    expect(document.querySelector("[data-member]")).toBeNull();
    await fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await settle();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(document.querySelectorAll("[data-member]")).toHaveLength(5);

    f.backend.failNext("teamOnline", { code: "offline", message: "down" });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(screen.getByRole("alert")).toHaveTextContent("You are offline");
    expect(document.querySelectorAll("[data-member]")).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("the fake refuses with forbidden when the option is off, and offline when the hub is out of reach", async () => {
    const f = await deskFixture();
    f.backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    await expect(f.backend.teamOnline()).rejects.toMatchObject({ code: "offline" });
    f.backend.setOptions({ online_agents: false });
    await expect(f.backend.teamOnline()).rejects.toMatchObject({ code: "forbidden" });
  });
});
