import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import { withPath } from "./lib/settings";

let saved: { name: string; href: string; text: Promise<string> }[] = [];
const blobs = new Map<string, Blob>();

beforeEach(() => {
  setLang("en");
  saved = [];
  blobs.clear();
  // jsdom has no object URLs and does not download: keep what the page would save.
  let n = 0;
  vi.stubGlobal("URL", Object.assign(URL, {
    createObjectURL: (blob: Blob) => {
      const url = `blob:test/${++n}`;
      blobs.set(url, blob);
      return url;
    },
    revokeObjectURL: (url: string) => blobs.delete(url),
  }));
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ name: this.download, href: this.href, text: blobs.get(this.href)!.text() });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  setLang("en");
});

async function exportPage() {
  history.replaceState(null, "", "/admin/#/export");
  const hub = fakeHub({ signedIn: true });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1, name: /^(Export and import|Export et import)$/ });
  return { hub, user };
}

const file = (name: string, text: string) => new File([text], name, { type: "application/json" });
const configuration = (change: (settings: typeof DEMO_SETTINGS) => typeof DEMO_SETTINGS = (s) => s) => ({
  format: "pupitre-configuration",
  version: 1,
  project: "DEMO",
  settings: change(structuredClone(DEMO_SETTINGS)),
  groups: [
    { name: "Sales", hours: null },
    { name: "Night shift", hours: null },
  ],
  canned_responses: [],
});
const posts = (hub: ReturnType<typeof fakeHub>) => hub.calls.filter((c) => c.method === "POST" && c.url.includes("/configuration"));

describe("export and import", () => {
  it("downloads the hub's file under the hub's name", async () => {
    const { user } = await exportPage();
    await user.click(screen.getByRole("button", { name: "Download the configuration" }));
    await screen.findByText("pupitre-DEMO-configuration.json downloaded.");
    expect(saved).toHaveLength(1);
    expect(saved[0].name).toBe("pupitre-DEMO-configuration.json");
    const downloaded = JSON.parse(await saved[0].text);
    expect(downloaded.format).toBe("pupitre-configuration");
    expect(downloaded.settings).toEqual(DEMO_SETTINGS);
    expect(document.querySelector("a[download]")).toBeNull();
  });

  it("an import is a dry run first, said in words; applying it changes the project and says it is in the audit log", async () => {
    const { hub, user } = await exportPage();
    const input = screen.getByLabelText("Configuration file (.json)");
    const text = JSON.stringify(configuration((s) => withPath(s, "routing.queue_per_agent", 9)));
    await user.upload(input, file("demo.json", text));

    const report = await screen.findByRole("heading", { name: "What importing demo.json would change" });
    await waitFor(() => expect(report).toHaveFocus());
    const region = report.parentElement!;
    expect(region).toHaveTextContent("1 setting changes:");
    expect(region).toHaveTextContent(/Queue places per connected agent\s*routing\.queue_per_agent\s*2\s*→ becomes\s*9/);
    expect(region).toHaveTextContent(/Groups created:\s*Night shift/);
    expect(posts(hub)).toHaveLength(1);
    expect(posts(hub)[0].url).toBe(`${hub.projectPath}/configuration?dry_run=true`);
    expect(posts(hub)[0].headers["x-pupitre-csrf"]).toBe("csrf-1");
    expect(posts(hub)[0].body).toEqual(JSON.parse(text));
    expect(hub.state.settings.routing.queue_per_agent).toBe(2);

    await user.click(within(region).getByRole("button", { name: "Apply the import" }));
    const done = await screen.findByRole("heading", { name: "Configuration imported" });
    expect(done.parentElement).toHaveTextContent("demo.json is applied: the hub uses it at once, and the import is in the audit log.");
    expect(within(done.parentElement!).getByRole("link", { name: "See the audit log" })).toHaveAttribute("href", "#/audit");
    expect(posts(hub)).toHaveLength(2);
    expect(posts(hub)[1].url).toBe(`${hub.projectPath}/configuration`);
    expect(hub.state.settings.routing.queue_per_agent).toBe(9);
    expect(hub.state.groups.map((g) => g.name)).toEqual(["Sales", "Support", "Night shift"]);
    expect(hub.state.audit[0].action).toBe("config.import");
    // The console re-read the settings for the pages shown next.
    expect(hub.calls.filter((c) => c.method === "GET" && c.url === hub.settingsPath).length).toBeGreaterThanOrEqual(2);
  });

  it("a file that is not JSON, or not a configuration, is named at once and never sent; Cancel drops a dry run", async () => {
    const { hub, user } = await exportPage();
    const input = screen.getByLabelText("Configuration file (.json)");
    await user.upload(input, file("broken.json", "{ not json"));
    expect(await screen.findByRole("alert")).toHaveTextContent("This file is not JSON, so it cannot be a Pupitre configuration file.");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription(/This file is not JSON/);

    await user.upload(input, file("other.json", JSON.stringify({ format: "something-else", version: 1 })));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("This is not a Pupitre configuration file"));
    await user.upload(input, file("future.json", JSON.stringify({ format: "pupitre-configuration", version: 2 })));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("This configuration file is version 2; this hub reads version 1."));
    expect(posts(hub)).toHaveLength(0);

    await user.upload(input, file("same.json", JSON.stringify(configuration())));
    const region = (await screen.findByRole("heading", { name: "What importing same.json would change" })).parentElement!;
    expect(region).toHaveTextContent(/Groups created:\s*Night shift/);
    await user.click(within(region).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("heading", { name: /What importing/ })).not.toBeInTheDocument();
    expect(input).toHaveFocus();
    expect(posts(hub)).toHaveLength(1);
    expect(hub.state.groups).toHaveLength(2);
  });

  it("the hub's refusal is said with its words and fields; nothing changes", async () => {
    const { hub, user } = await exportPage();
    hub.on("POST", `${hub.projectPath}/configuration?dry_run=true`, () =>
      json(400, { code: "invalid_input", message: "1 setting(s) refused; first, routing.timezone: unknown time zone", fields: { "routing.timezone": "unknown time zone \"Mars/Olympus\"" } }),
    );
    await user.upload(screen.getByLabelText("Configuration file (.json)"), file("mars.json", JSON.stringify(configuration((s) => withPath(s, "routing.timezone", "Mars/Olympus")))));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The hub refused this file; nothing was changed.");
    expect(alert).toHaveTextContent(`Time zone of the project routing.timezone — unknown time zone "Mars/Olympus"`);
    expect(screen.queryByRole("button", { name: "Apply the import" })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Configuration file (.json)")).toHaveAttribute("aria-invalid", "true");
    // Without fields, the hub's message is the detail.
    await user.upload(screen.getByLabelText("Configuration file (.json)"), file("bare.json", JSON.stringify({ format: "pupitre-configuration", version: 1 })));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Details from the hub: missing field `settings`"));
    expect(screen.getByRole("alert")).toHaveTextContent("The hub refused this file; nothing was changed.");
    expect(hub.state.settings).toEqual(DEMO_SETTINGS);
  });

  it("speaks French", async () => {
    setLang("fr");
    const { user } = await exportPage();
    expect(screen.getByRole("button", { name: "Télécharger la configuration" })).toBeInTheDocument();
    await user.upload(screen.getByLabelText("Fichier de configuration (.json)"), file("x.json", "[]"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Ce n'est pas un fichier de configuration Pupitre");
  });
});
