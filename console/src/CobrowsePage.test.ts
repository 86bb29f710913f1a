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
  history.replaceState(null, "", "/admin/#/cobrowse");
});
afterEach(() => setLang("en"));

const MANAGER: ConsoleSession = { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" };

async function cobrowsePage(settings?: ProjectSettings, session?: ConsoleSession) {
  const hub = fakeHub({ signedIn: true, settings, session });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  // The page itself, not the shell's loading state under the same title.
  await screen.findByTestId("cobrowse-offered");
  return { hub, user };
}

const card = (name: string) => screen.getByRole("region", { name });
const sent = (hub: ReturnType<typeof fakeHub>) => (hub.puts().at(-1)!.body as ProjectSettings).cobrowse;

describe("co-browsing", () => {
  it("is in the navigation after Desk options; adds a site, an element to hide and a field to show, and saves them with nothing else changed", async () => {
    const { hub, user } = await cobrowsePage();
    const nav = screen.getByRole("navigation", { name: "Settings" });
    const links = within(nav).getAllByRole("link").map((a) => a.textContent?.trim());
    expect(links.indexOf("Co-browsing")).toBe(links.indexOf("Desk options") + 1);
    expect(screen.getByTestId("cobrowse-offered")).toHaveTextContent("Agents may ask to see the visitor's page: the visitor is asked each time and can stop at any time.");
    expect(within(card("Your site")).getByText(/^No site listed/)).toBeInTheDocument();

    await user.type(screen.getByLabelText("Add a site"), "https://shop.example{Enter}");
    await user.type(screen.getByLabelText("Add an element to hide"), "#account-summary{Enter}");
    await user.type(screen.getByLabelText("Add an element to hide"), ".promo-code");
    await user.click(within(card("Always hidden")).getByRole("button", { name: "Add" }));
    await user.type(screen.getByLabelText("Add a field to show"), "#quantity{Enter}");
    expect(screen.getByLabelText("Site 1")).toHaveValue("https://shop.example");
    expect(screen.getByLabelText("Element to hide 2")).toHaveValue(".promo-code");
    expect(screen.getByLabelText("Field to show 1")).toHaveAccessibleDescription(/^Passwords, hidden fields, e-mail addresses, phone numbers and payment fields stay masked/);
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sent(hub)).toEqual({ site_origins: ["https://shop.example"], mask: ["#account-summary", ".promo-code"], unmask: ["#quantity"] });
    expect({ ...(hub.puts()[0].body as ProjectSettings), cobrowse: DEMO_SETTINGS.cobrowse }).toEqual(DEMO_SETTINGS);
    await waitFor(() => expect(document.querySelector(".toasts")).toHaveTextContent("Co-browsing saved. Connected desks get the sites at once"));
    expect(screen.getByText("Everything is saved")).toBeInTheDocument();
  });

  it("offers the origin of a page's address pasted whole, and uses it in one click", async () => {
    const { hub, user } = await cobrowsePage();
    const add = screen.getByLabelText("Add a site");
    await user.click(add);
    await user.paste("https://Shop.example/lamps/brass?colour=gold");
    const use = await screen.findByRole("button", { name: "Use https://shop.example" });
    expect(add).toHaveAccessibleDescription(/^That is the address of a page: only its site counts here\./);
    await waitFor(() => expect(document.querySelector(".page [role=status]")).toHaveTextContent("Use https://shop.example"));

    // Added as is, it is refused where it was typed; the offer stays.
    await user.click(within(card("Your site")).getByRole("button", { name: "Add" }));
    expect(add).toHaveAccessibleDescription(/^Enter the site alone, without a page's path\./);
    await user.click(use);
    expect(add).toHaveValue("https://shop.example");
    expect(add).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByLabelText("Site 1")).toHaveValue("https://shop.example");

    // A row edited to a page's address gets the offer too.
    await user.clear(screen.getByLabelText("Site 1"));
    await user.type(screen.getByLabelText("Site 1"), "https://shop.example:443");
    await user.click(screen.getByRole("button", { name: "Use https://shop.example" }));
    expect(screen.getByLabelText("Site 1")).toHaveValue("https://shop.example");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sent(hub).site_origins).toEqual(["https://shop.example"]);
  });

  it("refuses a bad selector on its row with the summary linking to it, and sends nothing", async () => {
    const settings = withPath(DEMO_SETTINGS, "cobrowse", { site_origins: [], mask: [], unmask: ["#quantity"] });
    const { hub, user } = await cobrowsePage(settings);
    const row = screen.getByLabelText("Field to show 1");
    await user.clear(row);
    await user.type(row, "a{{}");
    expect(row).toHaveValue("a{}");
    await user.click(screen.getByRole("button", { name: "Save" }));
    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("1 field to correct");
    expect(within(summary).getByRole("link")).toHaveTextContent("Field to show 1 “a{}” — A selector cannot hold “{”");
    expect(row).toHaveAttribute("aria-invalid", "true");
    expect(row).toHaveAccessibleDescription(/^A selector cannot hold “\{”/);
    expect(hub.puts()).toHaveLength(0);

    // One the browser cannot read either.
    await user.clear(row);
    await user.type(row, "div >");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(row).toHaveAccessibleDescription(/^Not a CSS selector this browser can read/));
    expect(hub.puts()).toHaveLength(0);
  });

  it("puts the hub's refusal on the row it names", async () => {
    const settings = withPath(DEMO_SETTINGS, "cobrowse", { site_origins: ["https://shop.example"], mask: [".a", ".b"], unmask: [] });
    const { hub, user } = await cobrowsePage(settings);
    hub.on("PUT", hub.settingsPath, () =>
      json(400, {
        code: "invalid_input",
        message: "1 value(s) refused",
        fields: { "cobrowse.mask.1": "a CSS selector of 1 to 200 characters (such as #newsletter or .promo-code)" },
      }),
    );
    await user.type(screen.getByLabelText("Element to hide 2"), "x");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByLabelText("Element to hide 2")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("Element to hide 2")).toHaveAccessibleDescription(/^The hub refused this value\.\s*a CSS selector of 1 to 200/);
    expect(screen.getByLabelText("Element to hide 1")).not.toHaveAttribute("aria-invalid");
  });

  it("removes a row, focusing the next one", async () => {
    const settings = withPath(DEMO_SETTINGS, "cobrowse", { site_origins: [], mask: ["#a", "#b"], unmask: [] });
    const { hub, user } = await cobrowsePage(settings);
    await user.click(screen.getByRole("button", { name: "Remove “#a”" }));
    await waitFor(() => expect(screen.getByLabelText("Element to hide 1")).toHaveFocus());
    expect(screen.getByLabelText("Element to hide 1")).toHaveValue("#b");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sent(hub).mask).toEqual(["#b"]);
  });

  it("says when the desk option is off, linking to Desk options", async () => {
    await cobrowsePage(withPath(DEMO_SETTINGS, "desk.cobrowse", false));
    const note = screen.getByTestId("cobrowse-offered");
    expect(note).toHaveTextContent(/^Co-browsing is switched off: agents cannot ask to see a visitor's page\./);
    expect(within(note).getByRole("link", { name: "Desk options" })).toHaveAttribute("href", "#/desk_options");
  });

  it("a manager reads it, without inputs or Save", async () => {
    const settings = withPath(DEMO_SETTINGS, "cobrowse", { site_origins: ["https://shop.example"], mask: ["#account-summary"], unmask: [] });
    await cobrowsePage(settings, MANAGER);
    expect(screen.getByText("Only an administrator of the project changes these settings: you can read them here.")).toBeInTheDocument();
    expect(within(card("Your site")).getByRole("listitem")).toHaveTextContent("https://shop.example");
    expect(within(card("Always hidden")).getByRole("listitem")).toHaveTextContent("#account-summary");
    expect(within(card("Shown as typed")).getByText(/^Every field is masked/)).toBeInTheDocument();
    expect(screen.queryByRole("textbox")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
  });

  it("in French, with the seed's words", async () => {
    setLang("fr");
    await cobrowsePage();
    expect(screen.getByRole("heading", { level: 1, name: "Co-navigation" })).toBeInTheDocument();
    expect(card("Votre site")).toBeInTheDocument();
    expect(card("Toujours masqués")).toBeInTheDocument();
    expect(card("Affichés tels que saisis")).toBeInTheDocument();
  });
});
