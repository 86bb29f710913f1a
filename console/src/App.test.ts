import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import { DESK_OPTIONS } from "./lib/fields";
import type { ProjectSettings } from "./lib/settings";

const T = "routing.timeouts";

beforeEach(() => {
  setLang("en");
  history.replaceState(null, "", "/admin/");
});

async function signedInConsole(hash = "") {
  if (hash) history.replaceState(null, "", `/admin/${hash}`);
  const hub = fakeHub({ signedIn: true });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1 });
  await screen.findByRole("button", { name: "Save" });
  return { hub, user };
}

describe("signing in", () => {
  it("shows the sign-in page when the hub says nobody is signed in, then the console", async () => {
    const hub = fakeHub();
    const user = userEvent.setup();
    render(App, { api: hub.api });

    await screen.findByRole("heading", { name: "Sign in to the administration console" });
    await user.type(screen.getByLabelText("E-mail"), "admin@demo.pupitre.test");
    await user.type(screen.getByLabelText("Password"), "admin-demo-4");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    // The page's <header> (a banner landmark in browsers; jsdom's role table wants it a child of <body>).
    await screen.findByTestId("project");
    const banner = document.querySelector("header") as HTMLElement;
    expect(within(banner).getByTestId("project")).toHaveTextContent("DEMO");
    expect(within(banner).getByTestId("person")).toHaveTextContent("Camille Martin");
    expect(within(banner).getByText("Administrator")).toBeInTheDocument();
    expect(within(banner).getByRole("button", { name: "Sign out" })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { level: 1, name: "Capacity" })).toBeInTheDocument();
    expect(screen.getByLabelText("Conversations per agent")).toHaveValue("3");
    expect(localStorage.length).toBe(0);
  });

  it("says a wrong password in a sentence, never the hub's message", async () => {
    const hub = fakeHub();
    const user = userEvent.setup();
    render(App, { api: hub.api });
    await user.type(await screen.findByLabelText("E-mail"), "admin@demo.pupitre.test");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    const alert = await screen.findByRole("alert");
    await waitFor(() => expect(alert).toHaveTextContent("Wrong e-mail or password. Check them and try again."));
    expect(alert).not.toHaveTextContent("wrong e-mail or password");
    expect(screen.getByLabelText("Password")).toHaveValue("");
    expect(screen.getByLabelText("Password")).toHaveFocus();
  });

  it("names a missing field next to it", async () => {
    const hub = fakeHub();
    const user = userEvent.setup();
    render(App, { api: hub.api });
    await user.click(await screen.findByRole("button", { name: "Sign in" }));

    const email = screen.getByLabelText("E-mail");
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription("Enter your e-mail address.");
    expect(email).toHaveFocus();
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("Enter your password.");
    expect(hub.calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("asks to wait when the hub limits attempts, and refuses to send until then", async () => {
    const hub = fakeHub();
    hub.on("POST", "/api/console/session", () => json(429, { code: "rate_limited", message: "too many" }, { "retry-after": "30" }));
    const user = userEvent.setup();
    render(App, { api: hub.api });
    await user.type(await screen.findByLabelText("E-mail"), "admin@demo.pupitre.test");
    await user.type(screen.getByLabelText("Password"), "admin-demo-4");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Too many attempts. Wait 30 seconds, then try again."));
    const button = screen.getByRole("button", { name: /Sign in/ });
    expect(button).toHaveAttribute("aria-disabled", "true");
    await user.click(button);
    expect(hub.calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("tells an agent the console is not for them", async () => {
    const hub = fakeHub();
    hub.on("POST", "/api/console/session", () => json(403, { code: "forbidden", message: "the console is for admins and managers" }));
    const user = userEvent.setup();
    render(App, { api: hub.api });
    await user.type(await screen.findByLabelText("E-mail"), "agent@demo.pupitre.test");
    await user.type(screen.getByLabelText("Password"), "agent-demo-1");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(/for administrators and managers/));
  });
});

describe("capacity", () => {
  it("saves the whole settings with the changed field, with the CSRF header, and says so", async () => {
    const { hub, user } = await signedInConsole();
    const slots = screen.getByLabelText("Conversations per agent");
    await user.clear(slots);
    await user.type(slots, "6");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Capacity saved. The hub applies it right away."));
    const put = hub.puts()[0];
    expect(put.headers["x-pupitre-csrf"]).toBe("csrf-1");
    const sent = put.body as ProjectSettings;
    expect(sent.default_slot_max).toBe(6);
    expect(sent.routing.timeouts).toEqual(hub.state.settings.routing.timeouts);
    expect(sent.sentences).toBeDefined();
    for (const get of hub.calls.filter((c) => c.method === "GET")) expect(get.headers).not.toHaveProperty("x-pupitre-csrf");
    expect(screen.getByText("Everything is saved")).toBeInTheDocument();
  });

  it("shows the hub's per-field error next to its input, announced, with the hub's words as a detail", async () => {
    const { hub, user } = await signedInConsole();
    hub.on("PUT", hub.settingsPath, () =>
      json(400, {
        code: "invalid_input",
        message: "2 setting(s) refused; first, routing.queue_per_agent: between 0 and 100",
        fields: { "routing.queue_per_agent": "between 0 and 100", "optional_statuses.1": "appears twice" },
      }),
    );
    const queue = screen.getByLabelText("Queue places per connected agent");
    await user.clear(queue);
    await user.type(queue, "12");
    await user.click(screen.getByRole("button", { name: "Save" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("1 field to correct");
    expect(alert).toHaveTextContent("Queue places per connected agent — The hub refused this value.");
    expect(alert).toHaveTextContent("optional_statuses.1");
    expect(alert).toHaveTextContent("appears twice");
    await waitFor(() => expect(alert).toHaveFocus());

    expect(queue).toHaveAttribute("aria-invalid", "true");
    expect(queue).toHaveAccessibleDescription(/^The hub refused this value\.\s*between 0 and 100/);
    // Next to the right input: inside that field's block, not the other one's.
    const block = queue.closest("[data-path]")!;
    expect(block).toHaveAttribute("data-path", "routing.queue_per_agent");
    expect(within(block as HTMLElement).getByText("between 0 and 100")).toBeInTheDocument();
    expect(screen.getByLabelText("Conversations per agent")).not.toHaveAttribute("aria-invalid");

    await user.click(within(alert).getByRole("link", { name: /Queue places per connected agent/ }));
    expect(queue).toHaveFocus();
  });

  it("refuses an out-of-range value before sending anything", async () => {
    const { hub, user } = await signedInConsole();
    const slots = screen.getByLabelText("Conversations per agent");
    await user.clear(slots);
    await user.type(slots, "80{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent("1 field to correct");
    expect(slots).toHaveAccessibleDescription(/^Enter a number from 1 to 50\./);
    expect(hub.puts()).toHaveLength(0);
  });
});

describe("timeouts", () => {
  it("shows each timeout in the seed's unit and sends them back in the JSON's", async () => {
    const { hub, user } = await signedInConsole("#/timeouts");
    expect(screen.getByRole("heading", { level: 1, name: "Timeouts" })).toBeInTheDocument();
    const inactivity = screen.getByLabelText("Live chat timeout (minutes)");
    const transfer = screen.getByLabelText("Automatic transfer after (seconds)");
    const notify = screen.getByRole("switch", { name: "Tell the visitor about the automatic transfer" });
    expect(inactivity).toHaveValue("0");
    expect(screen.getAllByRole("textbox")).toHaveLength(9);

    await user.clear(inactivity);
    await user.type(inactivity, "15");
    await user.clear(transfer);
    await user.type(transfer, "90");
    await user.click(notify);
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    const timeouts = (hub.puts()[0].body as ProjectSettings).routing.timeouts;
    expect(timeouts).toMatchObject({ visitor_inactivity_min: 15, auto_transfer_s: 90, auto_transfer_notify_visitor: true, relaunch_after_min: 0 });
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Timeouts saved."));
  });
});

describe("desk options", () => {
  it("shows the seed's ten switches in its order and co-browsing, all on, and saves the ones switched off", async () => {
    const { hub, user } = await signedInConsole("#/desk_options");
    expect(screen.getByRole("heading", { level: 1, name: "Desk options" })).toBeInTheDocument();
    const switches = screen.getAllByRole("switch");
    expect(switches.map((s) => s.getAttribute("id"))).toEqual(DESK_OPTIONS.map((o) => `field-desk.${o}`));
    for (const s of switches) expect(s).toBeChecked();
    expect(screen.getByRole("switch", { name: "Send a file" })).toHaveAccessibleDescription(/the hub refuses agents' files/);
    expect(screen.getByRole("switch", { name: "Co-browsing: agents may ask to see the visitor's page" })).toHaveAccessibleDescription(
      /^The visitor is asked each time and can stop at any time/,
    );

    await user.click(screen.getByRole("switch", { name: "Send a file" }));
    await user.click(screen.getByRole("switch", { name: "Ask the visitor for a file" }));
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Desk options saved. Connected desks see the change at once."));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.desk).toEqual({ ...DEMO_SETTINGS.desk, send_file: false, request_file: false });
    expect({ ...sent, desk: DEMO_SETTINGS.desk }).toEqual(DEMO_SETTINGS);
    expect(screen.getByRole("switch", { name: "Send a file" })).not.toBeChecked();
  });
});

describe("miscellaneous", () => {
  it("edits the seed's three settings; the transfer on disconnection is the Timeouts page's setting too", async () => {
    const { hub, user } = await signedInConsole("#/misc");
    expect(screen.getByRole("heading", { level: 1, name: "Miscellaneous" })).toBeInTheDocument();
    const transfer = screen.getByLabelText("Transfer the conversation to another agent when its agent disconnects (seconds)");
    expect(transfer).toHaveValue("0");
    expect(transfer).toHaveAccessibleDescription(/same setting as “Transfer a disconnected agent's conversations after” on the Timeouts page\. 0 = off$/);

    await user.click(screen.getByRole("switch", { name: /^Answers that follow a knowledge redirect/ }));
    await user.click(screen.getByRole("switch", { name: /^Do not close the conversation at the end of the live chat/ }));
    await user.clear(transfer);
    await user.type(transfer, "120");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Miscellaneous saved. The hub applies it right away."));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.misc.knowledge_answers_as_agent).toBe(true);
    expect(sent.routing.reopen_to_previous_agent).toBe(true);
    expect(sent.routing.timeouts).toEqual({ ...DEMO_SETTINGS.routing.timeouts, disconnected_transfer_s: 120 });

    // The Timeouts page shows the value saved here, and what it saves shows here.
    await user.click(screen.getByRole("link", { name: "Timeouts" }));
    const onTimeouts = await screen.findByLabelText("Transfer a disconnected agent's conversations after (seconds)");
    expect(onTimeouts).toHaveValue("120");
    await user.clear(onTimeouts);
    await user.type(onTimeouts, "45{Enter}");
    await waitFor(() => expect(hub.puts()).toHaveLength(2));
    expect((hub.puts()[1].body as ProjectSettings).routing.timeouts.disconnected_transfer_s).toBe(45);
    await user.click(screen.getByRole("link", { name: "Miscellaneous" }));
    expect(await screen.findByLabelText(/^Transfer the conversation to another agent/)).toHaveValue("45");
    expect(screen.getByRole("switch", { name: /^Answers that follow a knowledge redirect/ })).toBeChecked();
  });

  it("edits the sales attribution window (D15): 1 to 90 days, checked before sending, saved and read back", async () => {
    const { hub, user } = await signedInConsole("#/misc");
    const days = screen.getByLabelText("Sales attribution window (days)");
    expect(days).toHaveValue("7");
    expect(days).toHaveAccessibleDescription("A sale the site reports counts for the visitor's latest conversation if it is at most this many days old.");

    for (const text of ["0", "91"]) {
      await user.clear(days);
      await user.type(days, `${text}{Enter}`);
      const alert = await screen.findByRole("alert");
      expect(alert).toHaveTextContent("1 field to correct");
      expect(within(alert).getByRole("link", { name: /Sales attribution window \(days\)/ })).toHaveAttribute("href", "#field-sales.attribution_days");
      expect(days).toHaveAttribute("aria-invalid", "true");
      expect(days).toHaveAccessibleDescription(/^Enter a number from 1 to 90\.\s*A sale the site reports/);
    }
    await user.clear(days);
    await user.type(days, "2.5{Enter}");
    await waitFor(() => expect(days).toHaveAccessibleDescription(/^Enter a whole number, such as 5\./));
    expect(hub.puts()).toHaveLength(0);

    await user.clear(days);
    await user.type(days, "30");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Miscellaneous saved. The hub applies it right away."));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.sales).toEqual({ attribution_days: 30 });
    expect({ ...sent, sales: DEMO_SETTINGS.sales }).toEqual(DEMO_SETTINGS);
    expect(hub.state.settings.sales.attribution_days).toBe(30);
    expect(days).not.toHaveAttribute("aria-invalid");

    // Read back from the hub on the way to another page and back.
    await user.click(screen.getByRole("link", { name: "Capacity" }));
    await user.click(await screen.findByRole("link", { name: "Miscellaneous" }));
    expect(await screen.findByLabelText("Sales attribution window (days)")).toHaveValue("30");
  });

  it("shows the hub's refusal of the sales window at its field", async () => {
    const stale = { ...DEMO_SETTINGS, sales: { attribution_days: 120 } };
    history.replaceState(null, "", "/admin/#/misc");
    const hub = fakeHub({ signedIn: true, settings: stale });
    const user = userEvent.setup();
    render(App, { api: hub.api });
    const days = await screen.findByLabelText("Sales attribution window (days)");
    expect(days).toHaveValue("120");
    // Left untouched, the stored value goes back as it is: the hub judges it.
    await user.click(screen.getByRole("switch", { name: /^Answers that follow a knowledge redirect/ }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("1 field to correct");
    expect(days).toHaveAttribute("aria-invalid", "true");
    expect(days).toHaveAccessibleDescription(/^The hub refused this value\.\s*from 1 to 90 days/);
    expect(hub.state.settings.misc.knowledge_answers_as_agent).toBe(false);

    await user.clear(days);
    await user.type(days, "14{Enter}");
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Miscellaneous saved."));
    expect(hub.state.settings.sales.attribution_days).toBe(14);
    expect(hub.state.settings.misc.knowledge_answers_as_agent).toBe(true);
  });

  it("shows the hub's refusal of the shared timeout at its field on this page", async () => {
    const { hub, user } = await signedInConsole("#/misc");
    hub.on("PUT", hub.settingsPath, () =>
      json(400, {
        code: "invalid_input",
        message: "1 setting(s) refused",
        fields: { "routing.timeouts.disconnected_transfer_s": "at most 86400" },
      }),
    );
    const transfer = screen.getByLabelText(/^Transfer the conversation to another agent/);
    await user.clear(transfer);
    await user.type(transfer, "600{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("1 field to correct");
    expect(alert).not.toHaveTextContent("other sections");
    expect(transfer).toHaveAttribute("aria-invalid", "true");
    expect(transfer).toHaveAccessibleDescription(/^The hub refused this value\.\s*at most 86400/);
  });
});

describe("unsaved changes", () => {
  it("asks before leaving a page with changes; staying keeps them, discarding leaves", async () => {
    const { user } = await signedInConsole();
    const slots = screen.getByLabelText("Conversations per agent");
    await user.clear(slots);
    await user.type(slots, "9");
    await user.click(screen.getByRole("link", { name: "Timeouts" }));

    const dialog = await screen.findByRole("dialog", { name: "Leave without saving?" });
    expect(dialog).toHaveAccessibleDescription("Your changes to “Capacity” are not saved.");
    expect(within(dialog).getByRole("button", { name: "Keep editing" })).toHaveFocus();
    await user.click(within(dialog).getByRole("button", { name: "Keep editing" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Conversations per agent")).toHaveValue("9");
    expect(location.hash).toBe("#/capacity");

    await user.click(screen.getByRole("link", { name: "Timeouts" }));
    await user.click(await screen.findByRole("button", { name: "Discard and leave" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Timeouts" })).toBeInTheDocument();
    expect(location.hash).toBe("#/timeouts");
  });

  it("asks before signing out with changes", async () => {
    const { hub, user } = await signedInConsole();
    await user.type(screen.getByLabelText("Queue places per connected agent"), "1");
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    await user.click(await screen.findByRole("button", { name: "Discard and leave" }));
    await screen.findByRole("heading", { name: "Sign in to the administration console" });
    expect(hub.calls.at(-1)).toMatchObject({ method: "DELETE", url: "/api/console/session" });
    expect(hub.calls.at(-1)!.headers["x-pupitre-csrf"]).toBe("csrf-1");
  });

  it("keeps the changes when the session ends on save, and saves them after signing in again", async () => {
    const { hub, user } = await signedInConsole();
    const slots = screen.getByLabelText("Conversations per agent");
    await user.clear(slots);
    await user.type(slots, "4");
    hub.state.signedIn = false;
    await user.click(screen.getByRole("button", { name: "Save" }));

    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/Your session ended/)).toBeInTheDocument();
    await user.type(within(dialog).getByLabelText("E-mail"), "admin@demo.pupitre.test");
    await user.type(within(dialog).getByLabelText("Password"), "admin-demo-4");
    await user.click(within(dialog).getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());

    expect(screen.getByLabelText("Conversations per agent")).toHaveValue("4");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.state.settings.default_slot_max).toBe(4));
    expect(hub.puts().at(-1)!.headers["x-pupitre-csrf"]).toBe("csrf-2");
  });
});

describe("roles", () => {
  it("tells a manager the project's settings are for its administrators", async () => {
    const hub = fakeHub({ signedIn: true, session: { agent_id: 3, name: "Léa Bernard", role: "manager", project: "DEMO" } });
    hub.on("GET", hub.settingsPath, () => json(403, { code: "forbidden", message: "the project's settings are for its admins" }));
    render(App, { api: hub.api });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The settings could not be loaded. Your account is not allowed to do this. Ask an administrator of the project.");
    expect(alert).toHaveTextContent("Details from the hub: the project's settings are for its admins");
    expect(screen.getByText("Manager")).toBeInTheDocument();
  });

  it("shows a manager what they may use: the settings read only, without Save; no audit log nor export", async () => {
    const hub = fakeHub({ signedIn: true, session: { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" } });
    render(App, { api: hub.api });
    await screen.findByRole("heading", { level: 1, name: "Capacity" });
    expect(await screen.findByText(/Only an administrator of the project changes these settings/)).toBeInTheDocument();
    expect(screen.getByLabelText("Conversations per agent")).toHaveAttribute("readonly");
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
    const nav = screen.getByRole("navigation", { name: "Settings" });
    const links = within(nav).getAllByRole("link").map((a) => a.textContent?.trim());
    expect(links).toContain("Opening hours");
    expect(links).toContain("People and content");
    expect(links).not.toContain("Audit log");
    expect(links).not.toContain("Export and import");
  });

  it("sends a manager who opens the audit log's address to the first page instead", async () => {
    history.replaceState(null, "", "/admin/#/audit");
    const hub = fakeHub({ signedIn: true, session: { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" } });
    render(App, { api: hub.api });
    await screen.findByRole("heading", { level: 1, name: "Capacity" });
    expect(hub.calls.some((c) => c.url.includes("/audit"))).toBe(false);
  });

  it("shows a manager the optional statuses as a list to read", async () => {
    history.replaceState(null, "", "/admin/#/statuses");
    const hub = fakeHub({ signedIn: true, session: { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" } });
    render(App, { api: hub.api });
    await screen.findByRole("heading", { level: 1, name: "Optional statuses" });
    const list = await screen.findByRole("list", { name: "Statuses" });
    expect(within(list).getAllByRole("listitem").map((li) => li.querySelector("bdi")?.textContent)).toEqual(DEMO_SETTINGS.optional_statuses);
    expect(within(list).getAllByRole("listitem")[1]).toHaveTextContent("French name: Téléphone");
    expect(screen.queryByRole("textbox")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
  });
});

describe("navigation", () => {
  it("lists every section of the seed page, each a link", async () => {
    await signedInConsole();
    const nav = screen.getByRole("navigation", { name: "Settings" });
    expect(within(nav).getAllByRole("link").map((a) => a.textContent?.trim())).toEqual([
      "Capacity",
      "Timeouts",
      "Desk options",
      "Co-browsing",
      "Optional statuses",
      "Agent questionnaire",
      "Visitor survey",
      "Miscellaneous",
      "Opening hours",
      "Visitor card",
      "People and content",
      "Widget",
      "Conversation types",
      "Audit log",
      "Export and import",
    ]);
    expect(within(nav).queryByText("Coming soon")).not.toBeInTheDocument();
    expect(within(nav).getByRole("link", { name: "Capacity" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("main")).toBeInTheDocument();
  });
});
