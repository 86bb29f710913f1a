import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { ADMIN, DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import type { ProjectSettings } from "./lib/settings";
import type { WeeklyHours } from "./lib/hours";

// Monday 7 December 2026, 10:00 in Paris (the demo project's zone).
const NOW = new Date("2026-12-07T09:00:00Z");

beforeEach(() => {
  setLang("en");
  history.replaceState(null, "", "/admin/");
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
  setLang("en");
});

async function hoursPage(options: Parameters<typeof fakeHub>[0] = {}) {
  history.replaceState(null, "", "/admin/#/hours");
  const hub = fakeHub({ signedIn: true, ...options });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1, name: /^(Opening hours|Horaires d'ouverture)$/ });
  await screen.findByRole("combobox", { name: /^(Group|Groupe)$/ });
  return { hub, user };
}

const status = () => screen.getByTestId("hours-status");
const input = (name: string) => screen.getByLabelText(name) as HTMLInputElement;
const hoursPuts = (hub: ReturnType<typeof fakeHub>) => hub.calls.filter((c) => c.method === "PUT" && c.url.endsWith("/hours"));
const settingsPuts = (hub: ReturnType<typeof fakeHub>) => hub.calls.filter((c) => c.method === "PUT" && c.url === hub.settingsPath);

async function setText(user: ReturnType<typeof userEvent.setup>, element: HTMLElement, text: string) {
  await user.clear(element);
  if (text !== "") await user.type(element, text);
}

function setDate(element: HTMLElement, date: string) {
  fireEvent.input(element, { target: { value: date } });
}

describe("opening hours", () => {
  it("a group always open, then a split shift copied to the weekdays and today made a holiday: the PUT holds exactly those hours", async () => {
    const { hub, user } = await hoursPage();
    expect((screen.getByLabelText("Group") as HTMLSelectElement).value).toBe("1");
    expect(within(screen.getByLabelText("Group")).getAllByRole("option").map((o) => o.textContent)).toEqual(["Sales", "Support"]);
    expect(status()).toHaveTextContent("Always open");
    expect(status()).toHaveTextContent("Visitors reach the agents of Sales at any hour.");
    expect(status()).toHaveTextContent("Europe/Paris · Local time there: 10:00, Monday 7 December.");
    expect(screen.getByRole("radio", { name: /^Always open/ })).toBeChecked();
    expect(screen.queryByRole("heading", { name: "Weekly hours" })).not.toBeInTheDocument();

    await user.click(screen.getByRole("radio", { name: /^Open on set hours/ }));
    expect(screen.getByRole("heading", { name: "Weekly hours" })).toBeInTheDocument();
    expect(input("Monday, range 1: opens at").value).toBe("09:00");
    expect(input("Friday, range 1: closes at").value).toBe("18:00");
    expect(screen.queryByLabelText("Saturday, range 1: opens at")).not.toBeInTheDocument();
    expect(status()).toHaveTextContent("Open now");
    expect(status()).toHaveTextContent("Closes today at 18:00.");
    expect(status()).toHaveTextContent("With the hours as shown on this page, not saved yet.");

    // Monday: 09:00–12:00 and 13:00–18:00 (a split shift), then on every weekday.
    await setText(user, input("Monday, range 1: closes at"), "12:00");
    await user.click(screen.getByRole("button", { name: "Add a range: Monday" }));
    expect(input("Monday, range 2: opens at")).toHaveFocus();
    expect(input("Monday, range 2: opens at").value).toBe("13:00");
    await setText(user, input("Monday, range 2: closes at"), "1800");
    await user.click(screen.getByRole("button", { name: "Copy Monday to Tuesday–Friday" }));
    // Left, a time is written back HH:MM.
    expect(input("Monday, range 2: closes at").value).toBe("18:00");
    expect(input("Friday, range 2: closes at").value).toBe("18:00");
    expect(status()).toHaveTextContent("Closes today at 12:00.");

    // Today, a holiday (its label is text, never markup).
    await user.click(screen.getByRole("button", { name: "Add a date" }));
    const date = screen.getByLabelText("Date 1");
    expect(date).toHaveFocus();
    setDate(date, "2026-12-07");
    await user.type(screen.getByLabelText("Label (Date 1)"), "Fermeture <b>exceptionnelle</b>");
    expect(screen.getByRole("radio", { name: "Closed all day" })).toBeChecked();
    await waitFor(() => expect(status()).toHaveTextContent("Closed now"));
    expect(status()).toHaveTextContent("Today is closed all day: Fermeture <b>exceptionnelle</b>.");
    expect(status()).toHaveTextContent("Opens tomorrow at 09:00.");
    expect(status().querySelector("b")).toBeNull();
    expect(screen.getByText("Today", { selector: ".tag" })).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(document.querySelector(".toasts")).toHaveTextContent("Opening hours saved. Routing uses them at once."));
    const split = [
      { start: 540, end: 720 },
      { start: 780, end: 1080 },
    ];
    const wanted: WeeklyHours = {
      days: [split, split, split, split, split, [], []],
      exceptions: [{ date: "2026-12-07", label: "Fermeture <b>exceptionnelle</b>", spans: [] }],
    };
    expect(hoursPuts(hub)).toHaveLength(1);
    expect(hoursPuts(hub)[0].url).toBe(`${hub.projectPath}/groups/1/hours`);
    expect(hoursPuts(hub)[0].headers["x-pupitre-csrf"]).toBe("csrf-1");
    expect(hoursPuts(hub)[0].body).toEqual(wanted);
    expect(settingsPuts(hub)).toHaveLength(0);
    expect(hub.state.groups[0].hours).toEqual(wanted);
    // The page shows what the hub stored, times written HH:MM.
    expect(input("Friday, range 2: closes at").value).toBe("18:00");
    expect(screen.getByText("Everything is saved")).toBeInTheDocument();
    expect(status()).not.toHaveTextContent("not saved yet");
  });

  it("special hours replace the day's ranges; always open again sends null", async () => {
    const week: WeeklyHours["days"] = [[{ start: 540, end: 1080 }], [], [], [], [], [], []];
    const { hub, user } = await hoursPage({
      groups: [{ id: 7, name: "Sales", hours: { days: week, exceptions: [{ date: "2026-12-07", label: "Inventory", spans: [{ start: 540, end: 570 }] }] } }],
    });
    expect(screen.getByRole("radio", { name: /^Open on set hours/ })).toBeChecked();
    expect(screen.getByRole("radio", { name: "Special hours" })).toBeChecked();
    expect(input("Date 1, range 1: closes at").value).toBe("09:30");
    expect(status()).toHaveTextContent("Closed now");
    expect(status()).toHaveTextContent("Special hours today: Inventory.");
    expect(status()).toHaveTextContent("Opens on Monday 14 December at 09:00.");

    await setText(user, input("Date 1, range 1: closes at"), "11:00");
    expect(status()).toHaveTextContent("Open now");
    expect(status()).toHaveTextContent("Closes today at 11:00.");

    await user.click(screen.getByRole("radio", { name: /^Always open/ }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hoursPuts(hub)).toHaveLength(1));
    expect(hoursPuts(hub)[0].url).toBe(`${hub.projectPath}/groups/7/hours`);
    expect(hoursPuts(hub)[0].body).toBeNull();
    await waitFor(() => expect(status()).toHaveTextContent("Always open"));
  });

  it("a time that is not one, an overlap and a range ending before it starts: said at their inputs, never sent", async () => {
    const { hub, user } = await hoursPage();
    await user.click(screen.getByRole("radio", { name: /^Open on set hours/ }));
    await setText(user, input("Monday, range 1: opens at"), "25:00");
    await user.click(screen.getByRole("button", { name: "Save" }));

    const start = input("Monday, range 1: opens at");
    expect(start).toHaveAttribute("aria-invalid", "true");
    expect(start).toHaveAccessibleDescription(/^Range 1 — Enter a time on a 24-hour clock, such as 09:00 or 17:30 \(24:00 for the end of the day\)\./);
    const summary = await screen.findByRole("alert");
    expect(summary).toHaveTextContent("1 field to correct");
    expect(summary).toHaveTextContent("Monday, range 1: opens at — Enter a time on a 24-hour clock");
    await waitFor(() => expect(summary).toHaveFocus());
    expect(status()).toHaveTextContent("Correct the hours to see when Sales is open.");

    await setText(user, start, "09:00");
    await setText(user, input("Monday, range 1: closes at"), "12:00");
    await user.click(screen.getByRole("button", { name: "Add a range: Monday" }));
    await setText(user, input("Monday, range 2: opens at"), "11:30");
    await user.click(screen.getByRole("button", { name: "Add a range: Tuesday" }));
    await setText(user, input("Tuesday, range 2: closes at"), "17:00");
    await setText(user, input("Tuesday, range 2: opens at"), "19:00");
    await user.click(screen.getByRole("button", { name: "Save" }));

    expect(input("Monday, range 2: opens at")).toHaveAccessibleDescription(/Overlaps the range 09:00–12:00\./);
    expect(input("Monday, range 2: closes at")).not.toHaveAttribute("aria-invalid");
    expect(input("Tuesday, range 2: closes at")).toHaveAccessibleDescription(/A range starts before it ends/);
    expect(input("Tuesday, range 2: opens at")).not.toHaveAttribute("aria-invalid");
    expect(screen.getByRole("alert")).toHaveTextContent("2 fields to correct");

    // A date typed twice, a label on two lines.
    await user.click(screen.getByRole("button", { name: "Add a date" }));
    setDate(screen.getByLabelText("Date 1"), "2026-12-25");
    await user.click(screen.getByRole("button", { name: "Add a date" }));
    setDate(screen.getByLabelText("Date 2"), "2026-12-25");
    fireEvent.input(screen.getByLabelText("Label (Date 2)"), { target: { value: "Noël\u0007" } });
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByLabelText("Date 2")).toHaveAccessibleDescription("This date is already listed.");
    expect(screen.getByLabelText("Label (Date 2)")).toHaveAccessibleDescription("One line of at most 100 characters.");
    expect(screen.getByLabelText("Date 1")).not.toHaveAttribute("aria-invalid");

    expect(hub.puts()).toHaveLength(0);
  });

  it("the hub's refusals land on the inputs they name, as the ranges were sent", async () => {
    const { hub, user } = await hoursPage();
    hub.on("PUT", `${hub.projectPath}/groups/1/hours`, () =>
      json(400, {
        code: "invalid_input",
        message: "3 setting(s) refused; first, hours.days.0.1: this range overlaps another",
        fields: {
          "hours.days.0.1": "this range overlaps another",
          "hours.exceptions.0.date": "this date is listed twice",
          "hours.exceptions": "at most 400 dates",
        },
      }),
    );
    await user.click(screen.getByRole("radio", { name: /^Open on set hours/ }));
    await setText(user, input("Monday, range 1: closes at"), "12:00");
    await user.click(screen.getByRole("button", { name: "Add a range: Monday" }));
    await user.click(screen.getByRole("button", { name: "Add a date" }));
    setDate(screen.getByLabelText("Date 1"), "2026-12-25");
    await user.click(screen.getByRole("button", { name: "Save" }));

    const second = input("Monday, range 2: opens at");
    await waitFor(() => expect(second).toHaveAttribute("aria-invalid", "true"));
    expect(second).toHaveAccessibleDescription(/^Range 2 — The hub refused this value\.\s*this range overlaps another/);
    expect(screen.getByLabelText("Date 1")).toHaveAccessibleDescription(/The hub refused this value\.\s*this date is listed twice/);
    expect(screen.getByRole("button", { name: "Add a date" })).toHaveAccessibleDescription(/at most 400 dates/);
    const summary = screen.getByRole("alert");
    expect(summary).toHaveTextContent("3 fields to correct");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    expect(hub.state.groups[0].hours).toBeNull();
  });

  it("the sentences: edited in both languages, previewed as text in the widget's colours, saved on the settings alone", async () => {
    const { hub, user } = await hoursPage();
    const hostile = `Fermé <img src=x onerror=alert(1)> & "bientôt"`;
    const outFr = document.getElementById("sentence-out_of_hours-fr") as HTMLTextAreaElement;
    await setText(user, outFr, hostile);
    // Focusing a sentence shows it in the preview, in its language.
    expect(screen.getByRole("radio", { name: "French" })).toBeChecked();
    const preview = screen.getByRole("figure", { name: "Preview of the widget: Out of hours, for a visitor in French" });
    expect(within(preview).getByTestId("preview-sentence").textContent).toBe(hostile);
    expect(within(preview).getByText("Bonjour, j'ai une question sur ma commande.")).toBeInTheDocument();
    expect(preview.querySelector("img")).toBeNull();
    expect(preview.style.getPropertyValue("--c")).toBe("#b4532a");

    // An empty French "no agent" sentence: French visitors read the English one.
    const noAgentFr = document.getElementById("sentence-no_agent-fr") as HTMLTextAreaElement;
    await user.clear(noAgentFr);
    expect(screen.getByText("Empty: visitors in this language read the English sentence.")).toBeInTheDocument();
    const fallback = screen.getByRole("figure", { name: /No agent available, for a visitor in French/ });
    expect(within(fallback).getByTestId("preview-sentence").textContent).toBe(DEMO_SETTINGS.sentences.no_agent.en);
    expect(screen.getByText("No sentence in French: this visitor reads the English one.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(settingsPuts(hub)).toHaveLength(1));
    expect(hoursPuts(hub)).toHaveLength(0);
    const sent = settingsPuts(hub)[0].body as ProjectSettings;
    expect(sent.sentences.out_of_hours).toEqual({ en: DEMO_SETTINGS.sentences.out_of_hours.en, fr: hostile });
    expect(sent.sentences.no_agent).toEqual({ en: DEMO_SETTINGS.sentences.no_agent.en });
    expect({ ...sent, sentences: null }).toEqual({ ...DEMO_SETTINGS, sentences: null });
    expect({ ...sent.sentences, out_of_hours: null, no_agent: null }).toEqual({ ...DEMO_SETTINGS.sentences, out_of_hours: null, no_agent: null });
    await waitFor(() => expect(screen.getByText("Everything is saved")).toBeInTheDocument());
  });

  it("the English sentence may not be emptied; a sentence over 2,000 characters is refused", async () => {
    const { hub, user } = await hoursPage();
    await user.clear(document.getElementById("sentence-out_of_hours-en") as HTMLTextAreaElement);
    fireEvent.input(document.getElementById("sentence-no_agent-fr")!, { target: { value: "é".repeat(2001) } });
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(document.getElementById("sentence-out_of_hours-en")).toHaveAccessibleDescription(/Write the English sentence/);
    expect(document.getElementById("sentence-no_agent-fr")).toHaveAccessibleDescription(/At most 2,000 characters: this one has 2,001\./);
    expect(screen.getByRole("alert")).toHaveTextContent("Out of hours — English — Write the English sentence");
    expect(hub.puts()).toHaveLength(0);
  });

  it("the time zone: unknown names and wrong capitals refused here; the hub's refusal lands on it; a valid one saved", async () => {
    const { hub, user } = await hoursPage();
    const zone = screen.getByLabelText("Time zone of the project") as HTMLInputElement;
    expect(zone.value).toBe("Europe/Paris");
    expect(zone.getAttribute("list")).toBe("hours-zones");
    expect(document.querySelectorAll("#hours-zones option").length).toBeGreaterThan(20);

    await setText(user, zone, "Mars/Olympus");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(zone).toHaveAccessibleDescription(/^Unknown time zone: choose one from the list/);
    await setText(user, zone, "europe/paris");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(zone).toHaveAccessibleDescription(/^Write it Europe\/Paris: capitals matter\./);
    expect(hub.puts()).toHaveLength(0);

    hub.on("PUT", hub.settingsPath, () =>
      json(400, { code: "invalid_input", message: "1 setting(s) refused", fields: { "routing.timezone": "unknown time zone \"America/New_York\"" } }),
    );
    await setText(user, zone, "America/New_York");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(zone).toHaveAccessibleDescription(/The hub refused this value\.\s*unknown time zone/));

    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.state.settings.routing.timezone).toBe("America/New_York"));
    // The local time follows the zone: 04:00 in New York.
    await waitFor(() => expect(status()).toHaveTextContent("America/New_York · Local time there: 04:00, Monday 7 December."));
  });

  it("hours stored but the settings refused: said so, the zone keeps its problem and stays unsaved", async () => {
    const { hub, user } = await hoursPage();
    hub.on("PUT", hub.settingsPath, () => json(400, { code: "invalid_input", message: "refused", fields: { "routing.timezone": "unknown time zone" } }));
    await user.click(screen.getByRole("radio", { name: /^Open on set hours/ }));
    await setText(user, screen.getByLabelText("Time zone of the project"), "America/New_York");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("The opening hours of Sales were saved, but not the time zone or the sentences.")).toBeInTheDocument();
    expect(hub.state.groups[0].hours).not.toBeNull();
    expect(screen.getByLabelText("Time zone of the project")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    expect(status()).not.toHaveTextContent("not saved yet");
  });

  it("another group with unsaved hours asks first; the zone typed meanwhile stays", async () => {
    const { user } = await hoursPage();
    await user.click(screen.getByRole("radio", { name: /^Open on set hours/ }));
    await setText(user, screen.getByLabelText("Time zone of the project"), "Europe/London");
    await user.selectOptions(screen.getByLabelText("Group"), "2");

    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("Your changes to “Opening hours of Sales” are not saved.");
    expect((screen.getByLabelText("Group") as HTMLSelectElement).value).toBe("1");
    await user.click(within(dialog).getByRole("button", { name: "Keep editing" }));
    expect(screen.getByRole("radio", { name: /^Open on set hours/ })).toBeChecked();

    await user.selectOptions(screen.getByLabelText("Group"), "2");
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Discard and leave" }));
    await waitFor(() => expect((screen.getByLabelText("Group") as HTMLSelectElement).value).toBe("2"));
    expect(screen.getByRole("radio", { name: /^Always open/ })).toBeChecked();
    expect(status()).toHaveTextContent("Visitors reach the agents of Support at any hour.");
    expect((screen.getByLabelText("Time zone of the project") as HTMLInputElement).value).toBe("Europe/London");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
  });

  it("a manager sets their groups' hours; the project's zone and sentences are read only for them", async () => {
    const { hub, user } = await hoursPage({ session: { ...ADMIN, name: "Chloé Durand", role: "manager" } });
    const zone = screen.getByLabelText("Time zone of the project");
    expect(zone).toHaveAttribute("readonly");
    expect(document.getElementById("sentence-out_of_hours-en")).toHaveAttribute("readonly");
    expect(screen.getAllByText(/Only an administrator of the project changes these\./)).toHaveLength(2);
    await user.click(screen.getByRole("radio", { name: /^Open on set hours/ }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hoursPuts(hub)).toHaveLength(1));
    expect(settingsPuts(hub)).toHaveLength(0);
  });

  it("speaks French: days, status, sentences and the preview's language", async () => {
    setLang("fr");
    const { user } = await hoursPage();
    expect(status()).toHaveTextContent("Toujours ouvert");
    expect(status()).toHaveTextContent("Heure locale : 10:00, lundi 7 décembre.");
    await user.click(screen.getByRole("radio", { name: /^Ouvert sur des horaires définis/ }));
    expect(input("Lundi, plage 1 : ouvre à").value).toBe("09:00");
    expect(screen.getByRole("button", { name: "Copier lundi sur mardi–vendredi" })).toBeInTheDocument();
    expect(status()).toHaveTextContent("Ouvert en ce moment");
    expect(status()).toHaveTextContent("Ferme aujourd'hui à 18:00.");
    expect(screen.getByRole("radio", { name: "Français" })).toBeChecked();
    expect(screen.getByTestId("preview-sentence").textContent).toBe(DEMO_SETTINGS.sentences.out_of_hours.fr);
    expect(screen.getByRole("button", { name: "Enregistrer" })).toBeInTheDocument();
  });
});
