import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import { withPath, type ProjectSettings } from "./lib/settings";

const STATUSES = DEMO_SETTINGS.optional_statuses;

beforeEach(() => {
  setLang("en");
  history.replaceState(null, "", "/admin/");
});
afterEach(() => setLang("en"));

async function listPage(hash = "#/statuses", settings?: ProjectSettings) {
  history.replaceState(null, "", `/admin/${hash}`);
  const hub = fakeHub({ signedIn: true, settings });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1 });
  await screen.findByRole("button", { name: /^(Save|Enregistrer)$/ });
  return { hub, user };
}

/** The rows' inputs, in order, as the page shows them. */
const rowValues = () => within(screen.getByRole("list", { name: /^(Statuses|Conversation types|Statuts|Types de conversation)$/ })).getAllByRole("textbox").filter((i) => !i.classList.contains("fr")).map((i) => (i as HTMLInputElement).value);
const row = (n: number) => screen.getByLabelText(`Status ${n}`) as HTMLInputElement;
const toast = () => document.querySelector(".toasts") as HTMLElement;

/** Everything but `path` is as in `before`. */
function onlyChanged(sent: ProjectSettings, before: ProjectSettings, path: "optional_statuses" | "conversation_types") {
  // A status's French name follows it (renamed, removed): the statuses page puts both.
  const also = path === "optional_statuses" ? { optional_status_labels: null } : {};
  expect({ ...sent, [path]: null, ...also }).toEqual({ ...before, [path]: null, ...also });
}

describe("optional statuses", () => {
  it("explains what an optional status is, and lists the project's in order", async () => {
    await listPage();
    expect(screen.getByRole("heading", { level: 1, name: "Optional statuses" })).toBeInTheDocument();
    expect(screen.getByText(/counts as unavailable for routing: no new conversation is given to them/)).toBeInTheDocument();
    expect(screen.getByText(/status menu/)).toBeInTheDocument();
    expect(screen.getByText(/may have a French name, shown instead to agents whose desk is in French/)).toBeInTheDocument();
    expect(rowValues()).toEqual(STATUSES);
    expect(screen.getByText("5 of 50")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Move “In training” up" })).toHaveAttribute("aria-disabled", "true");
    expect(screen.getByRole("button", { name: "Move “Looking up information” down" })).toHaveAttribute("aria-disabled", "true");
    expect(screen.getByRole("button", { name: "Move “On the phone” up" })).not.toHaveAttribute("aria-disabled");
    const nav = screen.getByRole("navigation", { name: "Settings" });
    expect(within(nav).getByRole("link", { name: "Optional statuses" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByText("Everything is saved")).toBeInTheDocument();
  });

  it("add, rename, reorder, remove: the PUT holds exactly the new list, every other setting untouched", async () => {
    const { hub, user } = await listPage();
    // Someone changes the capacity meanwhile: kept, not overwritten with what this page loaded.
    hub.state.settings = withPath(hub.state.settings, "default_slot_max", 8);
    const before = structuredClone(hub.state.settings);

    await user.type(screen.getByLabelText("New status"), "  Lunch break {Enter}");
    expect(rowValues()).toEqual([...STATUSES, "Lunch break"]);
    expect(screen.getByLabelText("New status")).toHaveValue("");
    expect(screen.getByLabelText("New status")).toHaveFocus();
    expect(screen.getByText("“Lunch break” added at position 6.")).toBeInTheDocument();

    await user.clear(row(2));
    await user.type(row(2), "On a call");
    await user.click(screen.getByRole("button", { name: "Move “Lunch break” up" }));
    await user.click(screen.getByRole("button", { name: "Remove “With supervisor”" }));
    expect(rowValues()).toEqual(["In training", "On a call", "No new conversation", "Lunch break", "Looking up information"]);
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(toast()).toHaveTextContent("Optional statuses saved. Connected desks see the change at once."));
    expect(hub.puts()).toHaveLength(1);
    const put = hub.puts()[0];
    expect(put.headers["x-pupitre-csrf"]).toBe("csrf-1");
    const sent = put.body as ProjectSettings;
    expect(sent.optional_statuses).toEqual(["In training", "On a call", "No new conversation", "Lunch break", "Looking up information"]);
    onlyChanged(sent, before, "optional_statuses");
    expect(sent.default_slot_max).toBe(8);
    expect(sent.conversation_types).toEqual(DEMO_SETTINGS.conversation_types);
    expect(screen.getByText("Everything is saved")).toBeInTheDocument();
    expect(rowValues()).toEqual(sent.optional_statuses);
  });

  it("refuses a repeated name and a bidi control before sending, each next to its row", async () => {
    const { hub, user } = await listPage();
    await user.clear(row(3));
    await user.type(row(3), "  IN training ");
    await user.clear(row(5));
    await user.type(row(5), "Back soon\u202E");
    await user.click(screen.getByRole("button", { name: "Save" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("2 fields to correct");
    expect(alert).toHaveTextContent("Status 3 “IN training” — Same name as row 1 (capitals and spaces aside).");
    expect(alert).toHaveTextContent(/Status 5 “Back soon\u202E” — Remove the invisible character U\+202E/);
    await waitFor(() => expect(alert).toHaveFocus());
    expect(hub.puts()).toHaveLength(0);

    expect(row(3)).toHaveAttribute("aria-invalid", "true");
    expect(row(3)).toHaveAccessibleDescription("Same name as row 1 (capitals and spaces aside).");
    const block = row(3).closest("li")!;
    expect(block).toHaveAttribute("data-path", "optional_statuses.2");
    expect(within(block).getByText("Same name as row 1 (capitals and spaces aside).")).toBeInTheDocument();
    expect(row(5)).toHaveAccessibleDescription(/^Remove the invisible character U\+202E: line breaks, tabs and text-direction marks are not allowed\.$/);
    expect(row(1)).not.toHaveAttribute("aria-invalid");
    // The typed name is isolated in the summary, so its override cannot flip the sentence.
    expect(within(alert).getByText("Back soon\u202E").tagName).toBe("BDI");

    await user.click(within(alert).getByRole("link", { name: /Status 3/ }));
    expect(row(3)).toHaveFocus();
  });

  it("refuses a repeated, invisible-character or too-long name at the new input, without adding it", async () => {
    const { user } = await listPage();
    const input = screen.getByLabelText("New status");
    await user.type(input, "on the PHONE{Enter}");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription(/^Already in the list, row 2\./);
    await user.clear(input);
    expect(input).not.toHaveAttribute("aria-invalid");
    await user.type(input, "\u2066Lunch\u2069");
    await user.click(screen.getByRole("button", { name: "Add" }));
    expect(input).toHaveAccessibleDescription(/^Remove the invisible character U\+2066/);
    await user.clear(input);
    await user.type(input, "x".repeat(61));
    await user.click(screen.getByRole("button", { name: "Add" }));
    expect(input).toHaveAccessibleDescription(/^At most 60 characters: this one has 61\./);
    expect(rowValues()).toEqual(STATUSES);
  });

  it("does not save with a name typed in “New status” but not added", async () => {
    const { hub, user } = await listPage();
    await user.type(screen.getByLabelText("New status"), "Lunch");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("New status “Lunch” — Not added yet: press Add to put it in the list, or empty the box.");
    expect(hub.puts()).toHaveLength(0);
  });

  it("puts the hub's error on optional_statuses.2 on the third row, and keeps it there when rows move", async () => {
    const { hub, user } = await listPage();
    hub.on("PUT", hub.settingsPath, () =>
      json(400, {
        code: "invalid_input",
        message: "1 setting(s) refused; first, optional_statuses.2: appears twice",
        fields: { "optional_statuses.2": "appears twice" },
      }),
    );
    await user.click(screen.getByRole("button", { name: "Move “No new conversation” down" }));
    await user.click(screen.getByRole("button", { name: "Save" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("1 field to correct");
    expect(alert).toHaveTextContent("Status 3 “With supervisor” — The hub refused this value.");
    expect(row(3)).toHaveValue("With supervisor");
    expect(row(3)).toHaveAttribute("aria-invalid", "true");
    expect(row(3)).toHaveAccessibleDescription(/^The hub refused this value\.\s*appears twice$/);
    expect(row(3).closest("li")).toHaveAttribute("data-path", "optional_statuses.2");
    for (const n of [1, 2, 4, 5]) expect(row(n)).not.toHaveAttribute("aria-invalid");

    await user.click(screen.getByRole("button", { name: "Move “With supervisor” up" }));
    expect(row(2)).toHaveValue("With supervisor");
    expect(row(2)).toHaveAttribute("aria-invalid", "true");
    expect(row(3)).not.toHaveAttribute("aria-invalid");
  });

  it("reorders from the keyboard: the move buttons with Enter and Space, Alt+↑ / Alt+↓ in a row; focus follows the row", async () => {
    const { hub, user } = await listPage();
    await user.click(row(1));
    await user.tab(); // its French name
    await user.tab();
    const up = screen.getByRole("button", { name: "Move “In training” up" });
    expect(up).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(rowValues()).toEqual(STATUSES);

    await user.tab();
    expect(screen.getByRole("button", { name: "Move “In training” down" })).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(rowValues().slice(0, 2)).toEqual(["On the phone", "In training"]);
    await waitFor(() => expect(screen.getByRole("button", { name: "Move “In training” down" })).toHaveFocus());
    expect(screen.getByText("“In training” moved to position 2 of 5.")).toBeInTheDocument();
    await user.keyboard(" ");
    expect(rowValues().slice(0, 3)).toEqual(["On the phone", "With supervisor", "In training"]);
    await waitFor(() => expect(screen.getByRole("button", { name: "Move “In training” down" })).toHaveFocus());

    await user.click(row(3));
    await user.keyboard("{Alt>}{ArrowUp}{ArrowUp}{/Alt}");
    expect(rowValues()).toEqual(STATUSES);
    await waitFor(() => expect(row(1)).toHaveFocus());
    expect(row(1)).toHaveValue("In training");
    await user.keyboard("{Alt>}{ArrowDown}{/Alt}");
    await waitFor(() => expect(row(2)).toHaveFocus());
    expect(row(2)).toHaveValue("In training");
    expect(screen.getByText("“In training” moved to position 2 of 5.")).toBeInTheDocument();

    // Enter in a row saves, as on every page.
    await user.keyboard("{Enter}");
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect((hub.puts()[0].body as ProjectSettings).optional_statuses).toEqual(["On the phone", "In training", "With supervisor", "No new conversation", "Looking up information"]);
  });

  it("removes with an Undo that puts the row back where it was; focus goes to the next row", async () => {
    const { hub, user } = await listPage();
    await user.click(screen.getByRole("button", { name: "Remove “On the phone”" }));
    expect(rowValues()).toEqual(["In training", "With supervisor", "No new conversation", "Looking up information"]);
    await waitFor(() => expect(row(2)).toHaveFocus());
    const notice = screen.getByText("“On the phone” removed.");
    expect(notice.closest("[role=status]")).not.toBeNull();

    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(rowValues()).toEqual(STATUSES);
    await waitFor(() => expect(row(2)).toHaveFocus());
    expect(screen.queryByRole("button", { name: "Undo" })).not.toBeInTheDocument();
    expect(screen.getByText("Everything is saved")).toBeInTheDocument();

    // Removing every row leaves the "new" input focused and an empty list is saved as [].
    for (let i = 0; i < STATUSES.length; i++) await user.click(screen.getAllByRole("button", { name: /^Remove / })[0]);
    expect(screen.getByText("No optional status: agents choose only among the built-in statuses.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText("New status")).toHaveFocus());
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect((hub.puts()[0].body as ProjectSettings).optional_statuses).toEqual([]);
    await waitFor(() => expect(screen.queryByRole("button", { name: "Undo" })).not.toBeInTheDocument());
  });

  it("refuses a 51st status at the new input", async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `Status name ${i + 1}`);
    const first = await listPage("#/statuses", withPath(DEMO_SETTINGS, "optional_statuses", fifty));
    // By id: label queries over 50 rows are slow in jsdom.
    const input = document.getElementById("list-new") as HTMLInputElement;
    await first.user.type(input, "One more{Enter}");
    expect(input).toHaveAccessibleDescription(/^The list is full \(50 entries\): remove one first\./);
    expect(screen.getByText("50 of 50")).toHaveClass("full");
    expect(document.querySelectorAll("ol input:not(.fr)")).toHaveLength(50);
  }, 20_000);

  it("asks before leaving with unsaved changes", async () => {
    const { user } = await listPage();
    await user.click(screen.getByRole("button", { name: "Remove “In training”" }));
    await user.click(screen.getByRole("link", { name: "Timeouts" }));
    const dialog = await screen.findByRole("dialog", { name: "Leave without saving?" });
    expect(dialog).toHaveAccessibleDescription("Your changes to “Optional statuses” are not saved.");
    await user.click(within(dialog).getByRole("button", { name: "Keep editing" }));
    expect(rowValues()).toHaveLength(4);
    await user.click(screen.getByRole("button", { name: "Discard changes" }));
    expect(rowValues()).toEqual(STATUSES);
  });
});

describe("a list loaded with too many entries", () => {
  it("says so on the list and sends nothing", async () => {
    const many = Array.from({ length: 51 }, (_, i) => `Type ${i + 1}`);
    const { hub, user } = await listPage("#/conversation_types", withPath(DEMO_SETTINGS, "conversation_types", many));
    await user.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Conversation types — At most 50 entries: remove 1.");
    expect(screen.getByText("At most 50 entries: remove 1.", { selector: "#list-problem span" })).toBeInTheDocument();
    expect(hub.puts()).toHaveLength(0);
  });
});

describe("conversation types", () => {
  it("are reached from the navigation and saved alone, statuses untouched", async () => {
    const { hub, user } = await listPage("#/capacity");
    await user.click(screen.getByRole("link", { name: "Conversation types" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Conversation types" })).toBeInTheDocument();
    expect(location.hash).toBe("#/conversation_types");
    expect(screen.getByText(/when closing a conversation/)).toBeInTheDocument();
    expect(screen.getByText(/keep the type they were given/)).toBeInTheDocument();
    expect(rowValues()).toEqual(DEMO_SETTINGS.conversation_types);
    const before = structuredClone(hub.state.settings);

    await user.type(screen.getByLabelText("New conversation type"), "Refund{Enter}");
    await user.click(screen.getByRole("button", { name: "Remove “Other”" }));
    await user.click(screen.getByRole("button", { name: "Move “Complaint” up" }));
    await user.clear(screen.getByLabelText("Type 1"));
    await user.type(screen.getByLabelText("Type 1"), "Sales");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(toast()).toHaveTextContent("Conversation types saved."));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.conversation_types).toEqual(["Sales", "Information", "Complaint", "After-sales", "Refund"]);
    onlyChanged(sent, before, "conversation_types");
    expect(sent.optional_statuses).toEqual(STATUSES);
  });

  it("lands the hub's conversation_types.1 error on row 2", async () => {
    const { hub, user } = await listPage("#/conversation_types");
    hub.on("PUT", hub.settingsPath, () => json(400, { code: "invalid_input", message: "refused", fields: { "conversation_types.1": "appears twice" } }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByRole("alert");
    expect(screen.getByLabelText("Type 2")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Type 2").closest("li")).toHaveAttribute("data-path", "conversation_types.1");
  });
});

describe("in French", () => {
  it("labels the pages, rows, buttons and problems in French, under the seed's groups", async () => {
    setLang("fr");
    const { hub, user } = await listPage();
    expect(screen.getByRole("heading", { level: 1, name: "Statuts optionnels" })).toBeInTheDocument();
    expect(document.title).toBe("Statuts optionnels — Administration Pupitre");
    expect(screen.getByText(/compte comme indisponible pour le routage/)).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Statuts" })).toBeInTheDocument();
    expect(screen.getByText("5 sur 50")).toBeInTheDocument();
    expect(screen.getByLabelText("Statut 1")).toHaveValue("In training");
    expect(screen.getByRole("button", { name: "Monter «\u00a0In training\u00a0»" })).toHaveAttribute("aria-disabled", "true");
    expect(screen.getByRole("button", { name: "Descendre «\u00a0In training\u00a0»" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Supprimer «\u00a0On the phone\u00a0»" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Ajouter" })).toBeInTheDocument();

    const nav = screen.getByRole("navigation", { name: "Réglages" });
    const livechat = within(nav).getByRole("list", { name: "Livechat" });
    expect(within(livechat).getByRole("link", { name: "Statuts optionnels" })).toHaveAttribute("aria-current", "page");
    const project = within(nav).getByRole("list", { name: "Équipe et projet" });
    expect(within(project).getByRole("link", { name: "Types de conversation" })).toBeInTheDocument();

    await user.type(screen.getByLabelText("Nouveau statut"), "in training{Enter}");
    expect(screen.getByLabelText("Nouveau statut")).toHaveAccessibleDescription(/^Déjà dans la liste, ligne 1\./);
    await user.clear(screen.getByLabelText("Nouveau statut"));
    await user.clear(screen.getByLabelText("Statut 2"));
    await user.type(screen.getByLabelText("Statut 2"), "IN TRAINING");
    await user.click(screen.getByRole("button", { name: "Enregistrer" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("1 champ à corriger");
    expect(alert).toHaveTextContent("Statut 2 « IN TRAINING » — Même nom que la ligne 1 (majuscules et espaces mis à part).");
    expect(hub.puts()).toHaveLength(0);

    await user.clear(screen.getByLabelText("Statut 2"));
    await user.type(screen.getByLabelText("Statut 2"), "Au téléphone");
    await user.click(screen.getByRole("button", { name: "Enregistrer" }));
    await waitFor(() => expect(toast()).toHaveTextContent("Statuts optionnels : enregistré."));
  });
});

describe("optional statuses in French", () => {
  it("shows each status's French name beside it; a rename keeps it, an edit and a removal are sent", async () => {
    const { hub, user } = await listPage();
    const fr = (n: number) => screen.getByLabelText(`French name of Status ${n}`) as HTMLInputElement;
    expect(fr(1).value).toBe("En formation");
    expect(fr(2).value).toBe("Téléphone");
    expect(fr(1)).toHaveAttribute("lang", "fr");

    await user.clear(row(1));
    await user.type(row(1), "Training");
    await user.clear(fr(2));
    await user.type(fr(2), "Au téléphone");
    await user.click(screen.getByRole("button", { name: "Remove “With supervisor”" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.optional_statuses).toEqual(["Training", "On the phone", "No new conversation", "Looking up information"]);
    expect(sent.optional_status_labels).toEqual({
      Training: { fr: "En formation" },
      "On the phone": { fr: "Au téléphone" },
      "No new conversation": { fr: "Pas de nouvelle conversation" },
      "Looking up information": { fr: "En recherche d'information" },
    });
  });

  it("an emptied French name is none; a French name too long is refused at its input", async () => {
    const { hub, user } = await listPage();
    const fr = (n: number) => screen.getByLabelText(`French name of Status ${n}`) as HTMLInputElement;
    await user.clear(fr(1));
    await user.type(fr(2), "x".repeat(60));
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(fr(2)).toHaveAttribute("aria-invalid", "true");
    expect(fr(2)).toHaveAccessibleDescription(/^French name: At most 60 characters/);
    expect(hub.puts()).toHaveLength(0);
    await user.clear(fr(2));
    await user.type(fr(2), "Au téléphone");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    const labels = (hub.puts()[0].body as ProjectSettings).optional_status_labels as Record<string, unknown>;
    expect(labels["In training"]).toBeUndefined();
    expect(labels["On the phone"]).toEqual({ fr: "Au téléphone" });
  });

  it("keeps labels in other languages the console does not edit", async () => {
    const settings = withPath(DEMO_SETTINGS, "optional_status_labels", { "In training": { fr: "En formation", de: "In Schulung" } });
    const { hub, user } = await listPage("#/statuses", settings);
    await user.clear(row(1));
    await user.type(row(1), "Training");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect((hub.puts()[0].body as ProjectSettings).optional_status_labels).toEqual({ Training: { fr: "En formation", de: "In Schulung" } });
  });

  it("conversation types have no French column", async () => {
    await listPage("#/conversation_types");
    expect(screen.queryByLabelText(/^French name of/)).not.toBeInTheDocument();
  });
});
