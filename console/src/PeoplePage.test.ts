import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { ADMIN, fakeHub, json } from "./lib/test-hub";
import type { ConsoleSession } from "./lib/api";

const HOSTILE = `<img src=x onerror=alert(1)>Zoé`;
const MANAGER: ConsoleSession = { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" };

beforeEach(() => {
  setLang("en");
  history.replaceState(null, "", "/admin/#/people");
});
afterEach(() => setLang("en"));

async function peoplePage(options: Parameters<typeof fakeHub>[0] = {}) {
  const hub = fakeHub({ signedIn: true, ...options });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1, name: "People and content" });
  await screen.findByRole("tab", { name: /^Agents/ });
  return { hub, user };
}

const table = () => screen.getByRole("table", { name: "Agents" });
const rowOf = (name: string) => within(table()).getByRole("rowheader", { name: new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) }).closest("tr") as HTMLElement;
const dialog = () => screen.getByRole("dialog");

describe("people and content: agents", () => {
  it("lists the agents with their e-mail, role, groups, maximum and state", async () => {
    await peoplePage();
    const rows = within(table()).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["Alice Martin", "Bruno Petit", "Camille Martin(you)", "Chloé Durand"]);
    const alice = rowOf("Alice Martin");
    expect(alice).toHaveTextContent("alice@demo.pupitre.test");
    expect(alice).toHaveTextContent("Agent");
    expect(within(alice).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["Sales", "Support", "Chat"]);
    expect(alice).toHaveTextContent("Active");
    // No deactivating oneself: the hub refuses it, the page does not offer it.
    expect(within(rowOf("Camille Martin")).queryByRole("button", { name: /^Deactivate/ })).not.toBeInTheDocument();
  });

  it("invites an agent with a generated password shown once; her hostile name stays text", async () => {
    const { hub, user } = await peoplePage();
    await user.click(screen.getByRole("button", { name: "Invite an agent" }));
    const d = dialog();
    expect(within(d).getByRole("heading", { name: "Invite an agent" })).toBeInTheDocument();
    expect(d).toHaveTextContent(/give it to them yourself/);

    // Nothing typed: every problem at its field, focus on the first.
    await user.click(within(d).getByRole("button", { name: "Create the account" }));
    expect(within(d).getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect(within(d).getByLabelText("Name")).toHaveAccessibleDescription("Enter a name.");
    expect(within(d).getByLabelText("E-mail")).toHaveAccessibleDescription(/^Enter an e-mail address\./);
    expect(within(d).getByLabelText("First password")).toHaveAccessibleDescription(/^Enter a password, or generate one\./);
    await waitFor(() => expect(document.activeElement).toBe(within(d).getByLabelText("Name")));
    expect(hub.calls.filter((c) => c.method === "POST" && c.url.endsWith("/agents"))).toHaveLength(0);

    await user.type(within(d).getByLabelText("Name"), HOSTILE);
    await user.type(within(d).getByLabelText("E-mail"), "zoe@shop.example");
    await user.selectOptions(within(d).getByLabelText("Role"), "agent");
    await user.click(within(d).getByRole("checkbox", { name: "Support" }));
    await user.click(within(d).getByRole("button", { name: "Generate" }));
    const password = (within(d).getByLabelText("First password") as HTMLInputElement).value;
    expect(password).toMatch(/^[\w]{5}(-[\w]{5}){3}$/);
    expect(within(d).getByLabelText("First password")).toHaveAttribute("type", "text");
    await user.click(within(d).getByRole("button", { name: "Create the account" }));

    await screen.findByRole("heading", { name: `${HOSTILE} can sign in` });
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe(password);
    expect(screen.getByText(/It is shown only now/)).toBeInTheDocument();
    const sent = hub.calls.find((c) => c.method === "POST" && c.url.endsWith("/agents"))!;
    expect(sent.body).toEqual({ email: "zoe@shop.example", name: HOSTILE, password, role: "agent", slot_max: 3, groups: ["2"] });
    expect(hub.state.passwords.get(5)).toBe(password);
    await user.click(screen.getByRole("button", { name: "Done" }));

    expect(rowOf("Zoé")).toHaveTextContent("zoe@shop.example");
    expect(document.querySelector("main img")).toBeNull();
    expect(within(rowOf("Zoé")).getByRole("rowheader").textContent).toBe(HOSTILE);
  });

  it("says which e-mail is taken (409) at its field", async () => {
    const { user } = await peoplePage();
    await user.click(screen.getByRole("button", { name: "Invite an agent" }));
    const d = dialog();
    await user.type(within(d).getByLabelText("Name"), "Alice again");
    await user.type(within(d).getByLabelText("E-mail"), "alice@demo.pupitre.test");
    await user.type(within(d).getByLabelText("First password"), "long enough");
    await user.click(within(d).getByRole("button", { name: "Create the account" }));
    await waitFor(() => expect(within(d).getByLabelText("E-mail")).toHaveAccessibleDescription(/^Someone already has this e-mail address\./));
  });

  it("edits role, groups and maximum: only what changed is sent", async () => {
    const { hub, user } = await peoplePage();
    await user.click(screen.getByRole("button", { name: "Edit Bruno Petit" }));
    const d = dialog();
    await user.selectOptions(within(d).getByLabelText("Role"), "manager");
    await user.click(within(d).getByRole("checkbox", { name: "Support" }));
    await user.clear(within(d).getByLabelText("Conversations at once"));
    await user.type(within(d).getByLabelText("Conversations at once"), "51");
    await user.click(within(d).getByRole("button", { name: "Save" }));
    expect(within(d).getByLabelText("Conversations at once")).toHaveAccessibleDescription(/^Enter a number from 1 to 50\./);
    await user.clear(within(d).getByLabelText("Conversations at once"));
    await user.type(within(d).getByLabelText("Conversations at once"), "5");
    await user.click(within(d).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    const patch = hub.calls.find((c) => c.method === "PATCH")!;
    expect(patch.url).toBe("/api/admin/projects/DEMO/agents/2");
    expect(patch.body).toEqual({ role: "manager", slot_max: 5, groups: ["1", "2"] });
    expect(rowOf("Bruno Petit")).toHaveTextContent("Manager");
    expect(document.querySelector(".toasts")).toHaveTextContent("Bruno Petit saved.");
  });

  it("edits the channels an agent works on: at least one, sent as the whole list", async () => {
    const { hub, user } = await peoplePage();
    await user.click(screen.getByRole("button", { name: "Edit Bruno Petit" }));
    const d = dialog();
    const channels = within(d).getByRole("group", { name: "Channels" });
    expect(within(channels).getByRole("checkbox", { name: "Chat" })).toBeChecked();
    await user.click(within(channels).getByRole("checkbox", { name: "Chat" }));
    await user.click(within(d).getByRole("button", { name: "Save" }));
    expect(channels).toHaveAccessibleDescription(/^Tick at least one channel\./);
    expect(within(channels).getByRole("checkbox", { name: "Chat" })).toHaveFocus();
    expect(hub.calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
    await user.click(within(channels).getByRole("checkbox", { name: "Messaging" }));
    await user.click(within(channels).getByRole("checkbox", { name: "Call" }));
    await user.click(within(d).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    const patch = hub.calls.find((c) => c.method === "PATCH")!;
    expect(patch.url).toBe("/api/admin/projects/DEMO/agents/2");
    expect(patch.body).toEqual({ channels: ["call", "messaging"] });
    expect(hub.state.agents.find((a) => a.id === 2)!.channels).toEqual(["call", "messaging"]);
    expect(within(rowOf("Bruno Petit")).getByTestId("channels")).toHaveTextContent("CallMessaging");
  });

  it("deactivates after saying what happens, and activates again", async () => {
    const { hub, user } = await peoplePage();
    await user.click(screen.getByRole("button", { name: "Deactivate Alice Martin" }));
    const d = dialog();
    expect(within(d).getByRole("heading", { name: "Deactivate Alice Martin?" })).toBeInTheDocument();
    expect(d).toHaveTextContent(/signed out everywhere at once/);
    expect(d).toHaveTextContent(/live conversations go back to their groups/);
    expect(d).toHaveTextContent(/past conversations .* stay/);
    // Focus starts on the safe choice.
    expect(document.activeElement).toBe(within(d).getByRole("button", { name: "Cancel" }));
    await user.click(within(d).getByRole("button", { name: "Deactivate" }));
    await waitFor(() => expect(rowOf("Alice Martin")).toHaveTextContent("Deactivated"));
    expect(hub.state.agents.find((a) => a.id === 1)!.active).toBe(false);
    await user.click(screen.getByRole("button", { name: "Activate Alice Martin" }));
    await user.click(within(dialog()).getByRole("button", { name: "Activate" }));
    await waitFor(() => expect(rowOf("Alice Martin")).toHaveTextContent("Active"));
  });

  it("shows the hub's refusal in the dialog, with its words as a detail", async () => {
    const { hub, user } = await peoplePage();
    hub.on("PATCH", "/api/admin/projects/DEMO/agents/1", () => json(400, { code: "invalid_input", message: "the project needs at least one active admin: make another one first" }));
    await user.click(screen.getByRole("button", { name: "Deactivate Alice Martin" }));
    await user.click(within(dialog()).getByRole("button", { name: "Deactivate" }));
    const alert = await within(dialog()).findByRole("alert");
    expect(alert).toHaveTextContent("Some values were refused.");
    expect(alert).toHaveTextContent("Details from the hub: the project needs at least one active admin");
  });

  it("sets a new password, which ends the agent's sessions", async () => {
    const { hub, user } = await peoplePage();
    await user.click(screen.getByRole("button", { name: "New password for Bruno Petit" }));
    const d = dialog();
    expect(d).toHaveTextContent(/Every session of theirs ends at once/);
    await user.type(within(d).getByLabelText("New password"), "short");
    await user.click(within(d).getByRole("button", { name: "Set the password" }));
    expect(within(d).getByLabelText("New password")).toHaveAccessibleDescription(/^At least 8 characters: this one has 5\./);
    await user.type(within(d).getByLabelText("New password"), "-and-longer");
    await user.click(within(d).getByRole("button", { name: "Set the password" }));
    await screen.findByRole("heading", { name: "New password for Bruno Petit" });
    await screen.findByText(/Give Bruno Petit this new password/);
    expect(hub.state.passwords.get(2)).toBe("short-and-longer");
  });
});

describe("people and content: groups", () => {
  it("adds and renames a group; a name taken is said at its field", async () => {
    const { hub, user } = await peoplePage();
    await user.click(screen.getByRole("tab", { name: /^Groups/ }));
    expect(screen.getByRole("tab", { name: /^Groups/ })).toHaveAttribute("aria-selected", "true");
    await user.type(screen.getByLabelText("New group"), "Sales{Enter}");
    expect(screen.getByLabelText("New group")).toHaveAccessibleDescription(/^Another group already has this name\./);
    await user.clear(screen.getByLabelText("New group"));
    await user.type(screen.getByLabelText("New group"), "After sales{Enter}");
    await waitFor(() => expect(hub.state.groups.map((g) => g.name)).toEqual(["Sales", "Support", "After sales"]));
    await user.click(screen.getByRole("button", { name: "Rename Support" }));
    const input = screen.getByLabelText("New name for Support");
    expect(document.activeElement).toBe(input);
    await user.clear(input);
    await user.type(input, "Customer care{Enter}");
    await waitFor(() => expect(hub.state.groups[1].name).toBe("Customer care"));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Rename Customer care" }));
  });

  it("moves between tabs with the arrow keys", async () => {
    const { user } = await peoplePage();
    screen.getByRole("tab", { name: /^Agents/ }).focus();
    await user.keyboard("{ArrowRight}");
    expect(document.activeElement).toBe(screen.getByRole("tab", { name: /^Groups/ }));
    await user.keyboard("{End}");
    expect(screen.getByRole("tab", { name: /^Knowledge/ })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tabpanel")).toHaveAccessibleName(/^Knowledge/);
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("tab", { name: /^Canned responses/ })).toHaveAttribute("aria-selected", "true");
  });
});

describe("people and content: canned responses", () => {
  it("lists them by theme, filters, adds, edits and removes", async () => {
    const { hub, user } = await peoplePage();
    await user.click(screen.getByRole("tab", { name: /^Canned responses/ }));
    expect(screen.getAllByRole("heading", { level: 3 }).map((h) => h.textContent?.replace(/\d+$/, "").trim())).toEqual(["Delivery", "Greetings", "Salutations"]);
    await user.type(screen.getByLabelText("Filter"), "bonjour");
    expect(screen.getAllByRole("heading", { level: 3 })).toHaveLength(1);
    expect(screen.getByText("1 of 3")).toBeInTheDocument();
    await user.clear(screen.getByLabelText("Filter"));

    await user.click(screen.getByRole("button", { name: "Add a canned response" }));
    let d = dialog();
    await user.type(within(d).getByLabelText("Theme"), "Delivery");
    await user.type(within(d).getByLabelText("Title"), "Late parcel");
    await user.type(within(d).getByLabelText("Shortcut"), "late");
    await user.click(within(d).getByRole("button", { name: "Add" }));
    expect(within(d).getByLabelText("Text")).toHaveAccessibleDescription(/^Enter the text\./);
    expect(within(d).getByLabelText("Shortcut")).toHaveAccessibleDescription(/^A shortcut starts with \//);
    await user.clear(within(d).getByLabelText("Shortcut"));
    await user.type(within(d).getByLabelText("Shortcut"), "/late");
    await user.type(within(d).getByLabelText("Text"), "Sorry: <b>late</b>.");
    await user.selectOptions(within(d).getByLabelText("Shared with"), "Group Sales");
    await user.click(within(d).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(hub.state.canned.at(-1)).toMatchObject({ theme: "Delivery", title: "Late parcel", shortcut: "/late", body: "Sorry: <b>late</b>.", group_id: 1, language: "en" });
    expect(screen.getByText("Sorry: <b>late</b>.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Edit Hello" }));
    d = dialog();
    await user.selectOptions(within(d).getByLabelText("Language"), "fr");
    await user.click(within(d).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.state.canned[0].language).toBe("fr"));
    expect(hub.calls.find((c) => c.method === "PUT")!.body).toEqual({ theme: "Greetings", title: "Hello", body: "Hello, how can I help you?", shortcut: "/hello", language: "fr", group: null });

    await user.click(screen.getByRole("button", { name: "Remove Tracking" }));
    await user.click(within(dialog()).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(hub.state.canned.some((c) => c.title === "Tracking")).toBe(false));
  });
});

describe("people and content: a manager", () => {
  it("reads their groups' agents, cannot invite or edit them, and shares canned responses with their groups only", async () => {
    const { hub, user } = await peoplePage({ session: MANAGER, agents: undefined });
    expect(screen.queryByRole("button", { name: "Invite an agent" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Edit / })).not.toBeInTheDocument();
    expect(screen.getByText(/Only an administrator changes them/)).toBeInTheDocument();
    await user.click(screen.getByRole("tab", { name: /^Groups/ }));
    expect(screen.queryByLabelText("New group")).not.toBeInTheDocument();
    await user.click(screen.getByRole("tab", { name: /^Canned responses/ }));
    await user.click(screen.getByRole("button", { name: "Add a canned response" }));
    const d = dialog();
    const shared = within(d).getByLabelText("Shared with");
    expect(within(shared).getAllByRole("option").map((o) => o.textContent)).toEqual(["Group Sales", "Group Support"]);
    await user.type(within(d).getByLabelText("Theme"), "Delivery");
    await user.type(within(d).getByLabelText("Title"), "Delay");
    await user.type(within(d).getByLabelText("Text"), "It is on its way.");
    await user.click(within(d).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(hub.state.canned.at(-1)).toMatchObject({ title: "Delay", group_id: 1 }));
  });

  it("sees only the agents of their groups", async () => {
    await peoplePage({
      session: { ...MANAGER },
      groups: [
        { id: 1, name: "Sales", hours: null },
        { id: 2, name: "Support", hours: null },
        { id: 7, name: "Billing", hours: null },
      ],
      agents: [
        { id: 3, email: "chloe@demo.pupitre.test", name: "Chloé Durand", role: "manager", slot_max: 3, groups: [1], active: true, channels: ["chat"] },
        { id: 9, email: "x@demo.pupitre.test", name: "Xavier", role: "agent", slot_max: 3, groups: [7], active: true, channels: ["chat"] },
        { id: 1, email: "alice@demo.pupitre.test", name: "Alice Martin", role: "agent", slot_max: 3, groups: [1, 7], active: true, channels: ["chat"] },
      ],
    });
    expect(within(table()).getAllByRole("rowheader").map((r) => r.textContent)).toEqual(["Alice Martin", "Chloé Durand(you)"]);
  });
});

describe("people and content: the project's name", () => {
  it("an admin renames the project: checked first, saved on its own, shown in the header", async () => {
    const { hub, user } = await peoplePage();
    const name = await screen.findByDisplayValue("Maison Lumière");
    expect(name).toHaveAccessibleName("Project name");
    const header = document.querySelector("header.top") as HTMLElement;
    await waitFor(() => expect(within(header).getByTestId("project-name")).toHaveTextContent("Maison Lumière"));
    expect(within(header).getByTestId("project")).toHaveTextContent("DEMO");
    await user.clear(name);
    await user.click(screen.getByRole("button", { name: "Save the name" }));
    expect(name).toHaveAccessibleDescription(/^Enter the project's name\./);
    expect(name).toHaveFocus();
    expect(hub.calls.filter((c) => c.method === "PATCH")).toHaveLength(0);
    await user.type(name, "  <b>Lumière</b> & Fils ");
    await user.click(screen.getByRole("button", { name: "Save the name" }));
    await waitFor(() => expect(within(header).getByTestId("project-name")).toHaveTextContent("<b>Lumière</b> & Fils"));
    const patch = hub.calls.find((c) => c.method === "PATCH")!;
    expect(patch.url).toBe("/api/admin/projects/DEMO");
    expect(patch.body).toEqual({ name: "<b>Lumière</b> & Fils" });
    expect(patch.headers["x-pupitre-csrf"]).toBe("csrf-1");
    expect(document.querySelector("b")).toBeNull();
    expect(document.querySelector(".toasts")).toHaveTextContent("The project is now called <b>Lumière</b> & Fils.");
  });

  it("the hub's refusal lands on the name", async () => {
    const { hub, user } = await peoplePage();
    const name = await screen.findByDisplayValue("Maison Lumière");
    hub.on("PATCH", hub.projectPath, () =>
      json(400, { code: "invalid_input", message: "the project name must be 1 to 200 characters", fields: { name: "the project name must be 1 to 200 characters" } }),
    );
    await user.type(name, " II");
    await user.click(screen.getByRole("button", { name: "Save the name" }));
    await waitFor(() => expect(name).toHaveAccessibleDescription(/the project name must be 1 to 200 characters/));
  });

  it("is not offered to a manager, whose header still names the project", async () => {
    await peoplePage({ session: { ...MANAGER } });
    expect(screen.queryByLabelText("Project name")).not.toBeInTheDocument();
    await waitFor(() => expect(within(document.querySelector("header.top") as HTMLElement).getByTestId("project-name")).toHaveTextContent("Maison Lumière"));
  });
});

describe("people and content: French", () => {
  it("draws the page in French", async () => {
    setLang("fr");
    render(App, { api: fakeHub({ signedIn: true, session: ADMIN }).api });
    await screen.findByRole("heading", { level: 1, name: "Équipe et contenus" });
    await screen.findByRole("tab", { name: /^Conseillers/ });
    expect(screen.getByRole("tab", { name: /^Réponses prédéfinies/ })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Inviter un conseiller" })).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: "Simultanées" })).toBeInTheDocument();
  });
});
