// A4: optional statuses read in the desk's language when the admin named them so.
import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import StatusPill from "./StatusPill.svelte";
import { setLang } from "../i18n/i18n";

const props = (chosen: { kind: "optional"; name: string } | { kind: "available" }) => ({
  status: { channel: "chat" as const, chosen, availability: "available" as const },
  optional: ["In training", "Lunch <b>"],
  labels: { "In training": { fr: "En formation" } },
  onchoose: vi.fn(),
});

describe("A4 optional statuses in both languages", () => {
  afterEach(() => setLang("en"));

  it("shows the French name in French, the name itself where none was given", async () => {
    setLang("fr");
    render(StatusPill, { props: props({ kind: "optional", name: "In training" }) });
    expect(screen.getByRole("button").textContent).toContain("En formation");
    await userEvent.click(screen.getByRole("button"));
    const items = screen.getAllByRole("menuitemradio").map((i) => i.textContent?.trim());
    expect(items).toContain("En formation");
    expect(items).toContain("Lunch <b>");
  });

  it("shows the name in English", () => {
    setLang("en");
    render(StatusPill, { props: props({ kind: "optional", name: "In training" }) });
    expect(screen.getByRole("button").textContent).toContain("In training");
  });
});
