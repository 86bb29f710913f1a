import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Composer from "./Composer.svelte";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";

describe("Composer (D12)", () => {
  beforeEach(() => setLang("en"));

  it("sends on Enter through backend.sendMessage and shows it pending", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    const box = screen.getByRole("textbox");
    await user.type(box, "Hello Tom{Enter}");
    await waitFor(() => expect(f.backend.calls.find((c) => c.name === "sendMessage")?.args).toEqual(["DEMO-1044", "Hello Tom"]));
    expect(box).toHaveValue("");
    await waitFor(() => expect(f.desk.outboxFor("DEMO-1044").map((o) => o.text)).toEqual(["Hello Tom"]));
  });

  it("makes a new line on Shift+Enter and does not send", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    const box = screen.getByRole("textbox");
    await user.type(box, "one{Shift>}{Enter}{/Shift}two");
    expect(box).toHaveValue("one\ntwo");
    expect(f.backend.calls.some((c) => c.name === "sendMessage")).toBe(false);
  });

  it("filters canned responses with /hel and inserts the chosen one", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1044", language: "en-GB" }, context: f.context });
    const box = screen.getByRole("textbox");
    await user.type(box, "/hel");
    const options = screen.getAllByRole("option");
    expect(options.map((o) => o.querySelector(".shortcut")!.textContent)).toEqual(["/hello", "/help"]);
    await user.keyboard("{ArrowDown}{Enter}");
    expect(box).toHaveValue("Is there anything else I can help you with?");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(f.backend.calls.some((c) => c.name === "sendMessage")).toBe(false);
  });

  it("inserts a canned response in the middle of a sentence by click", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    const box = screen.getByRole("textbox");
    await user.type(box, "Thanks! /warr");
    await user.click(screen.getByRole("option", { name: /warranty/i }));
    expect(box).toHaveValue("Thanks! All our headsets carry a 2-year warranty. I'm sending you the return form now.");
  });

  it("Esc closes the picker without losing the text", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    await user.type(screen.getByRole("textbox"), "/zzz");
    expect(screen.getByText("No canned response matches.")).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(screen.getByRole("textbox")).toHaveValue("/zzz");
  });

  it("keeps the unsent draft per conversation across switches", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    const { rerender } = render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    await user.type(screen.getByRole("textbox"), "draft for Léa");
    await rerender({ reference: "DEMO-1044" });
    expect(screen.getByRole("textbox")).toHaveValue("");
    await user.type(screen.getByRole("textbox"), "for Tom");
    await rerender({ reference: "DEMO-1042" });
    expect(screen.getByRole("textbox")).toHaveValue("draft for Léa");
    expect(f.drafts.get("DEMO-1044")).toBe("for Tom");
  });

  it("queues while offline (D18) and gives the text back on a refused send", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    f.backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    f.desk.apply({ kind: "connection", connection: { state: "offline", retry_at: null, reason: "test" } });
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    const box = screen.getByRole("textbox");
    await user.type(box, "later{Enter}");
    await waitFor(() => expect(f.desk.outboxFor("DEMO-1044").map((o) => o.state)).toEqual(["pending"]));
    f.backend.failNext("sendMessage", { code: "invalid_input", message: "too long" });
    await user.type(box, "refused{Enter}");
    await waitFor(() => expect(box).toHaveValue("refused"));
    expect(screen.getByRole("alert")).toHaveTextContent("not valid");
  });
});
