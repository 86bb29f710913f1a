import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { fakeHub } from "./lib/test-hub";
import type { AuditEntry } from "./lib/api";

const NOW = new Date(2026, 11, 7, 15, 0, 0).getTime(); // local time of the test's machine
const MINUTE = 60_000;
const ADMIN = "Camille Martin <admin@demo.pupitre.test>";
const HOSTILE = `<img src=x onerror=alert(1)> & "Lunch"`;

function entry(id: number, at: number, action: string, target: string, changes: AuditEntry["changes"], actor = ADMIN, actor_id: number | null = 4): AuditEntry {
  return { id, at, actor_id, actor, action, target, changes };
}

const week = { days: [[{ start: 540, end: 1080 }], [], [], [], [], [], []], exceptions: [{ date: "2026-12-25", spans: [], label: "Christmas" }] };
const LOG: AuditEntry[] = [
  entry(6, NOW - 5 * MINUTE, "group.hours", "Sales", [{ path: "hours", before: null, after: week }]),
  entry(5, NOW - 130 * MINUTE, "settings.update", "settings", [
    { path: "routing.queue_per_agent", before: 2, after: 5 },
    { path: "optional_statuses", before: ["In training"], after: ["In training", HOSTILE] },
  ]),
  entry(4, NOW - 24 * 60 * MINUTE, "agent.create", "alice@demo.pupitre.test", [{ path: "email", before: null, after: "alice@demo.pupitre.test" }], "operator (pupitre admin)", null),
  entry(3, new Date(2026, 10, 20, 9, 12).getTime(), "config.import", "DEMO", [{ path: "settings.routing.timezone", before: "Europe/Paris", after: "Europe/London" }]),
  entry(2, new Date(2025, 5, 1, 8, 0).getTime(), "future.thing", "x", []),
];

beforeEach(() => {
  setLang("en");
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
  setLang("en");
});

async function auditPage(audit: AuditEntry[] = LOG) {
  history.replaceState(null, "", "/admin/#/audit");
  const hub = fakeHub({ signedIn: true, audit });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1, name: /^(Audit log|Journal des modifications)$/ });
  return { hub, user };
}

const rows = () => within(screen.getByRole("table")).getAllByRole("row").slice(1);
const auditCalls = (hub: ReturnType<typeof fakeHub>) => hub.calls.filter((c) => c.url.startsWith(`${hub.projectPath}/audit`)).map((c) => new URL(c.url, "http://hub.test").searchParams);

describe("the audit log", () => {
  it("lists the changes newest first: when, who, the action in words, the target, each value before and after as text", async () => {
    const { hub } = await auditPage();
    await screen.findByRole("table", { name: "Changes to the configuration" });
    expect(auditCalls(hub)[0].toString()).toBe("limit=50");
    const [hours, settings, agent, imported, unknown] = rows();
    expect(rows()).toHaveLength(5);

    const cells = (row: HTMLElement) => within(row).getAllByRole("cell");
    expect(cells(hours)[0]).toHaveTextContent("5 minutes ago");
    expect(cells(settings)[0]).toHaveTextContent("2 hours ago");
    expect(cells(agent)[0]).toHaveTextContent("Yesterday, 15:00");
    expect(cells(imported)[0]).toHaveTextContent("20 Nov, 09:12");
    expect(cells(unknown)[0]).toHaveTextContent("1 Jun 2025, 08:00");
    expect(within(cells(hours)[0]).getByText("5 minutes ago").tagName).toBe("TIME");

    expect(cells(settings)[1]).toHaveTextContent("Camille Martin");
    expect(cells(settings)[1]).toHaveTextContent("admin@demo.pupitre.test");
    expect(cells(agent)[1]).toHaveTextContent("The hub's operator");
    expect(cells(agent)[1]).toHaveTextContent("pupitre admin, on the hub's machine");

    expect(cells(hours)[2]).toHaveTextContent("Opening hours changed");
    expect(cells(settings)[2]).toHaveTextContent("Settings changed");
    expect(cells(agent)[2]).toHaveTextContent("Agent created");
    expect(cells(imported)[2]).toHaveTextContent("Configuration imported");
    expect(cells(unknown)[2]).toHaveTextContent("future.thing");

    expect(cells(settings)[3]).toHaveTextContent("Project settings");
    expect(cells(hours)[3]).toHaveTextContent("Sales");

    const changes = cells(settings)[4];
    expect(changes).toHaveTextContent(/Queue places per connected agent\s*routing\.queue_per_agent\s*2\s*→ becomes\s*5/);
    expect(changes).toHaveTextContent(`["In training","${HOSTILE.replace(/"/g, '\\"')}"]`);
    expect(changes.querySelector("img")).toBeNull();
    expect(cells(agent)[4]).toHaveTextContent(/email\s*nothing\s*→ becomes\s*"alice@demo\.pupitre\.test"/);
    expect(cells(imported)[4]).toHaveTextContent(/Time zone of the project\s*settings\.routing\.timezone\s*"Europe\/Paris"\s*→ becomes\s*"Europe\/London"/);
    // A long value is cut, the rest one click away.
    expect(within(cells(hours)[4]).getByText("Show in full")).toBeInTheDocument();
    expect(cells(hours)[4].querySelector("code.full")?.textContent).toBe(JSON.stringify(week));
    expect(screen.getByText(/5 entries shown · That is every entry\./)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("filters by action, by text and by days; says when nothing matches; clears", async () => {
    const { hub, user } = await auditPage();
    await screen.findByRole("table");
    await user.selectOptions(screen.getByLabelText("Action"), "group.hours");
    await user.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(auditCalls(hub).at(-1)!.get("action")).toBe("group.hours");
    expect(rows()[0]).toHaveTextContent("Opening hours changed");

    await user.selectOptions(screen.getByLabelText("Action"), "");
    await user.type(screen.getByLabelText("Contains"), "ALICE{Enter}");
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(auditCalls(hub).at(-1)!.get("text")).toBe("ALICE");
    expect(rows()[0]).toHaveTextContent("Agent created");

    await user.clear(screen.getByLabelText("Contains"));
    await user.type(screen.getByLabelText("From"), "2026-12-07");
    await user.type(screen.getByLabelText("To"), "2026-12-01");
    await user.click(screen.getByRole("button", { name: "Search" }));
    expect(screen.getByRole("alert")).toHaveTextContent("The start date comes after the end date.");
    expect(screen.getByLabelText("From")).toHaveAttribute("aria-invalid", "true");

    await user.clear(screen.getByLabelText("To"));
    await user.type(screen.getByLabelText("To"), "2026-12-07");
    await user.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    const query = auditCalls(hub).at(-1)!;
    expect(Number(query.get("since"))).toBe(new Date(2026, 11, 7).getTime());
    expect(Number(query.get("until"))).toBe(new Date(2026, 11, 8).getTime());

    await user.type(screen.getByLabelText("Contains"), "nobody at all{Enter}");
    expect(await screen.findByText("No entry matches these filters.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(rows()).toHaveLength(5));
    expect(auditCalls(hub).at(-1)!.toString()).toBe("limit=50");
    expect((screen.getByLabelText("Contains") as HTMLInputElement).value).toBe("");
  });

  it("reads the next page with next_before, and says when every entry is shown", async () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      entry(1000 - i, NOW - (i + 1) * MINUTE, "settings.update", "settings", [{ path: "default_slot_max", before: i, after: i + 1 }]),
    );
    const { hub, user } = await auditPage(many);
    await screen.findByRole("table");
    expect(rows()).toHaveLength(50);
    expect(screen.getByText("50 entries shown")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Load more" }));
    await waitFor(() => expect(rows()).toHaveLength(60));
    expect(auditCalls(hub).at(-1)!.get("before")).toBe(String(1000 - 49));
    expect(rows()[50]).toHaveFocus();
    expect(screen.getByText(/60 entries shown · That is every entry\./)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("an empty log says so; in French, the actions are French words", async () => {
    await auditPage([]);
    expect(await screen.findByText("No change recorded yet.")).toBeInTheDocument();
    setLang("fr");
    render(App, { api: fakeHub({ signedIn: true, audit: LOG }).api });
    const table = await screen.findByRole("table", { name: "Modifications de la configuration" });
    expect(table).toHaveTextContent("Horaires d'ouverture modifiés");
    expect(table).toHaveTextContent("Réglages du projet");
    expect(table).toHaveTextContent("il y a 5 minutes");
    expect(table).toHaveTextContent("Hier, 15:00");
    expect(table).toHaveTextContent("L'exploitant du hub");
  });
});
