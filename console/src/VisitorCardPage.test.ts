import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import { withPath, type ProjectSettings } from "./lib/settings";
import type { ConsoleSession } from "./lib/api";

beforeEach(() => {
  setLang("en");
  history.replaceState(null, "", "/admin/#/visitor_card");
});
afterEach(() => setLang("en"));

async function cardPage(settings?: ProjectSettings, session?: ConsoleSession) {
  const hub = fakeHub({ signedIn: true, settings, session });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1, name: "Visitor card" });
  await screen.findByRole("switch", { name: "Show Browser to agents" });
  return { hub, user };
}

const sentCard = (hub: ReturnType<typeof fakeHub>) => (hub.puts().at(-1)!.body as ProjectSettings).visitor_card as { fields: { key: string; label: Record<string, string>; shown: boolean }[] };
const preview = () => screen.getByRole("complementary", { name: "Preview" });
const order = () => within(screen.getByRole("list", { name: "Lines of the card" })).getAllByRole("listitem").map((li) => li.getAttribute("data-key"));
const previewOrder = () => [...preview().querySelectorAll("dt")].map((dt) => dt.getAttribute("data-key"));
const BUILT_IN = ["name", "email", "page", "language", "browser", "questionnaire"];

describe("visitor card", () => {
  it("hides a built-in field: the preview drops it, the PUT says so, every other setting untouched", async () => {
    const { hub, user } = await cardPage();
    expect(within(preview()).getByText("Firefox 133 · Windows")).toBeInTheDocument();
    await user.click(screen.getByRole("switch", { name: "Show Browser to agents" }));
    expect(within(preview()).queryByText("Firefox 133 · Windows")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.visitor_card).toEqual({
      fields: ["name", "email", "page", "language", "browser", "questionnaire"].map((key) => ({ key, label: {}, shown: key !== "browser" })),
    });
    expect({ ...sent, visitor_card: null }).toEqual({ ...DEMO_SETTINGS, visitor_card: null });
  });

  it("adds custom fields by key with labels in both languages, reorders them from the keyboard, and previews them", async () => {
    const { hub, user } = await cardPage();
    const key = screen.getByLabelText("New field from your site");
    await user.type(key, "Cart{Enter}");
    expect(key).toHaveAccessibleDescription(/^Lowercase letters, digits and _ only/);
    await user.clear(key);
    await user.type(key, "email{Enter}");
    expect(key).toHaveAccessibleDescription(/^This is a built-in field's key/);
    await user.clear(key);
    await user.type(key, "cart{Enter}");
    await waitFor(() => expect(screen.getByLabelText("English label of cart")).toHaveFocus());
    await user.type(screen.getByLabelText("English label of cart"), "Cart");
    await user.type(screen.getByLabelText("French label of cart"), "Panier");
    await user.type(key, "loyalty{Enter}");
    await user.type(screen.getByLabelText("English label of loyalty"), "Loyalty");
    expect(screen.getByText(/loyalty: "Gold"/)).toBeInTheDocument();

    // Alt+↑ in a row moves it; focus stays in its input.
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    await waitFor(() => expect(screen.getByLabelText("English label of loyalty")).toHaveFocus());
    expect(order()).toEqual([...BUILT_IN, "loyalty", "cart"]);

    // The preview in French: the French label, the English one when there is none.
    await user.click(within(preview()).getByRole("radio", { name: "French" }));
    expect(within(preview()).getByText("Panier")).toBeInTheDocument();
    expect(within(preview()).getByText("Loyalty")).toBeInTheDocument();
    expect(within(preview()).getByText("129,90 €")).toBeInTheDocument();

    await user.click(screen.getByRole("switch", { name: "Show loyalty to agents" }));
    expect(within(preview()).queryByText("Loyalty")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sentCard(hub).fields.slice(6)).toEqual([
      { key: "loyalty", label: { en: "Loyalty" }, shown: false },
      { key: "cart", label: { en: "Cart", fr: "Panier" }, shown: true },
    ]);
    expect(document.querySelector(".toasts")).toHaveTextContent("Visitor card saved.");
  });

  it("one list: built-in lines move among the site's fields, take optional labels, and cannot be removed; the preview and the PUT follow the order", async () => {
    const settings = withPath(DEMO_SETTINGS, "visitor_card", {
      fields: [...(DEMO_SETTINGS.visitor_card as { fields: unknown[] }).fields, { key: "cart", label: { en: "Cart", fr: "Panier" }, shown: true }],
    });
    const { hub, user } = await cardPage(settings);
    expect(order()).toEqual([...BUILT_IN, "cart"]);
    // A built-in line's label is optional: its placeholder is the desk's own name, in each language.
    expect(screen.getByLabelText("English label of Name")).toHaveAttribute("placeholder", "Name");
    expect(screen.getByLabelText("French label of Name")).toHaveAttribute("placeholder", "Nom");
    expect(screen.getByLabelText("French label of Browser")).toHaveAttribute("placeholder", "Navigateur");
    // The questionnaire's answers carry their questions: no label there.
    expect(screen.queryByLabelText("English label of Waiting questionnaire answers")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Remove cart" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remove Browser" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remove Name" })).not.toBeInTheDocument();

    // The cart goes first, above every built-in line; the e-mail goes last.
    for (let i = 0; i < 6; i++) await user.click(screen.getByRole("button", { name: "Move cart up" }));
    await user.click(screen.getByRole("button", { name: "Move E-mail down" }));
    await user.click(screen.getByRole("button", { name: "Move E-mail down" }));
    await user.click(screen.getByRole("button", { name: "Move E-mail down" }));
    await user.click(screen.getByRole("button", { name: "Move E-mail down" }));
    expect(order()).toEqual(["cart", "name", "page", "language", "browser", "questionnaire", "email"]);
    expect(screen.getByRole("button", { name: "Move cart up" })).toHaveAttribute("aria-disabled", "true");
    expect(screen.getByRole("button", { name: "Move E-mail down" })).toHaveAttribute("aria-disabled", "true");
    await user.type(screen.getByLabelText("English label of Name"), "Customer");
    // Alt+↓ in a built-in line's label moves it too.
    await user.keyboard("{Alt>}{ArrowDown}{/Alt}");
    await waitFor(() => expect(screen.getByLabelText("English label of Name")).toHaveFocus());
    expect(order()).toEqual(["cart", "page", "name", "language", "browser", "questionnaire", "email"]);

    // The preview reads in that order, with the admin's label, else the desk's name in its language.
    expect(previewOrder()).toEqual(["cart", "page", "name", "language", "browser", "questionnaire", "email"]);
    expect(within(preview()).getByText("Customer")).toBeInTheDocument();
    await user.click(within(preview()).getByRole("radio", { name: "French" }));
    expect(within(preview()).getByText("Nom")).toBeInTheDocument();
    expect(within(preview()).getByText("Panier")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sentCard(hub).fields).toEqual([
      { key: "cart", label: { en: "Cart", fr: "Panier" }, shown: true },
      { key: "page", label: {}, shown: true },
      { key: "name", label: { en: "Customer" }, shown: true },
      { key: "language", label: {}, shown: true },
      { key: "browser", label: {}, shown: true },
      { key: "questionnaire", label: {}, shown: true },
      { key: "email", label: {}, shown: true },
    ]);
  });

  it("refuses a built-in line's label too long too; the hub's refusal of a line lands on that line", async () => {
    const { hub, user } = await cardPage();
    const label = screen.getByLabelText("French label of Browser");
    await user.type(label, "x".repeat(61));
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(label).toHaveAccessibleDescription(/^French label: At most 60 characters: this one has 61\./);
    expect(screen.getByRole("link", { name: /French label of Browser/ })).toBeInTheDocument();
    await user.clear(label);
    hub.on("PUT", hub.settingsPath, () =>
      json(400, { code: "invalid_input", message: "1 setting(s) refused", fields: { "visitor_card.fields.1.key": "this field is listed twice" } }),
    );
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByLabelText("English label of E-mail")).toHaveAccessibleDescription(/visitor_card\.fields\.1\.key: this field is listed twice/));
  });

  it("refuses a label too long at its input; the hub's refusal lands on the row it names", async () => {
    const settings = withPath(DEMO_SETTINGS, "visitor_card", {
      fields: [...(DEMO_SETTINGS.visitor_card as { fields: unknown[] }).fields, { key: "cart", label: { en: "Cart" }, shown: true }],
    });
    const { hub, user } = await cardPage(settings);
    const fr = screen.getByLabelText("French label of cart");
    await user.type(fr, "x".repeat(61));
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(fr).toHaveAttribute("aria-invalid", "true");
    expect(fr).toHaveAccessibleDescription(/^French label: At most 60 characters: this one has 61\./);
    expect(hub.puts()).toHaveLength(0);

    await user.clear(fr);
    await user.type(fr, "Panier");
    hub.on("PUT", hub.settingsPath, () =>
      json(400, { code: "invalid_input", message: "1 setting(s) refused", fields: { "visitor_card.fields.6.label.fr": "a label is one line of at most 60 characters" } }),
    );
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(fr).toHaveAttribute("aria-invalid", "true"));
    expect(fr).toHaveAccessibleDescription(/a label is one line of at most 60 characters/);
  });

  it("removes a custom field; Discard brings it back", async () => {
    const settings = withPath(DEMO_SETTINGS, "visitor_card", {
      fields: [...(DEMO_SETTINGS.visitor_card as { fields: unknown[] }).fields, { key: "cart", label: { en: "Cart" }, shown: true }],
    });
    const { user } = await cardPage(settings);
    await user.click(screen.getByRole("button", { name: "Remove cart" }));
    expect(screen.queryByLabelText("English label of cart")).not.toBeInTheDocument();
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Discard changes" }));
    expect(screen.getByLabelText("English label of cart")).toHaveValue("Cart");
  });

  it("is read only for a manager", async () => {
    await cardPage(undefined, { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" });
    expect(screen.getByRole("switch", { name: "Show Browser to agents" })).toBeDisabled();
    expect(screen.getByLabelText("English label of Browser")).toHaveAttribute("readonly");
    expect(screen.queryByRole("button", { name: "Move Browser up" })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("New field from your site")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
  });
});
