import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import type { ProjectSettings } from "./lib/settings";
import type { ConsoleSession } from "./lib/api";

const HOSTILE = "<img src=x onerror=alert(1)>";

beforeEach(() => {
  setLang("en");
  history.replaceState(null, "", "/admin/#/widget");
});
afterEach(() => setLang("en"));

async function widgetPage(settings?: ProjectSettings, session?: ConsoleSession) {
  const hub = fakeHub({ signedIn: true, settings, session });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 1, name: "Widget" });
  await screen.findByRole("complementary", { name: "Preview" });
  return { hub, user };
}

const preview = () => screen.getByRole("complementary", { name: "Preview" });
const launcher = () => within(preview()).getByTestId("preview-launcher");
const sentWidget = (hub: ReturnType<typeof fakeHub>) => (hub.puts().at(-1)!.body as ProjectSettings).widget as Record<string, unknown>;

describe("widget look", () => {
  it("shows the stored look, and the preview follows an unsaved colour before saving", async () => {
    const { hub, user } = await widgetPage();
    const hex = screen.getByLabelText("Colour");
    expect(hex).toHaveValue("#b4532a");
    expect(within(preview()).getByTestId("widget-preview").style.getPropertyValue("--c")).toBe("#b4532a");
    expect(launcher()).toHaveAccessibleName("Chat launcher");
    await user.clear(hex);
    await user.type(hex, "#0a7d3b");
    expect(within(preview()).getByTestId("widget-preview").style.getPropertyValue("--c")).toBe("#0a7d3b");
    // The widget's own contrast rules: white text on this green.
    expect(within(preview()).getByTestId("widget-preview").style.getPropertyValue("--on")).toBe("#ffffff");
    expect(hub.puts()).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.widget).toEqual({ ...DEMO_SETTINGS.widget, color: "#0a7d3b" });
    expect({ ...sent, widget: null }).toEqual({ ...DEMO_SETTINGS, widget: null });
  });

  it("refuses a colour and a font the hub would refuse, at their inputs", async () => {
    const { hub, user } = await widgetPage();
    const hex = screen.getByLabelText("Colour");
    await user.clear(hex);
    await user.type(hex, "red");
    const font = screen.getByRole("textbox", { name: "Font" });
    await user.clear(font);
    await user.type(font, "Inter; }");
    // The preview keeps the last good colour meanwhile.
    expect(within(preview()).getByTestId("widget-preview").style.getPropertyValue("--c")).toBe("#b4532a");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(hex).toHaveAccessibleDescription(/^Enter a colour such as #1f6feb\./);
    expect(font).toHaveAccessibleDescription(/^Font names separated by commas/);
    expect(hub.puts()).toHaveLength(0);
  });

  it("edits the questionnaire in both languages; a hostile question is shown as text in the preview", async () => {
    const { hub, user } = await widgetPage();
    expect(screen.getByLabelText("Question 1 in English")).toHaveValue("Your order number, if you have one");
    await user.click(screen.getByRole("button", { name: "Add a question" }));
    const en = screen.getByLabelText("Question 2 in English");
    await waitFor(() => expect(en).toHaveFocus());
    await user.type(en, HOSTILE);
    await user.type(screen.getByLabelText("Question 2 in French"), "Votre ville");
    const questions = within(preview()).getAllByTestId("preview-question");
    expect(questions.map((q) => q.textContent)).toEqual(["Your order number, if you have one", HOSTILE]);
    expect(preview().querySelector("img")).toBeNull();
    await user.click(within(preview()).getByRole("radio", { name: "French" }));
    expect(within(preview()).getAllByTestId("preview-question").map((q) => q.textContent)).toEqual(["Votre numéro de commande, si vous en avez un", "Votre ville"]);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sentWidget(hub).questionnaire).toEqual([
      { en: "Your order number, if you have one", fr: "Votre numéro de commande, si vous en avez un" },
      { en: HOSTILE, fr: "Votre ville" },
    ]);
  });

  it("keeps a plain question plain while untouched; an empty question is refused", async () => {
    const settings = structuredClone(DEMO_SETTINGS);
    settings.widget = { ...settings.widget, questionnaire: ["Your city?"] };
    const { hub, user } = await widgetPage(settings);
    await user.click(screen.getByRole("switch", { name: "Satisfaction survey at the end" }));
    await user.click(screen.getByRole("button", { name: "Add a question" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByLabelText("Question 2 in English")).toHaveAccessibleDescription(/Type the question in at least one language\./);
    await user.click(screen.getByRole("button", { name: "Remove question 2" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sentWidget(hub).questionnaire).toEqual(["Your city?"]);
    expect(sentWidget(hub).survey).toBe(false);
  });

  it("edits the files: size in MB, common types ticked, others typed; the hub's refusal lands on its input", async () => {
    const { hub, user } = await widgetPage();
    const size = screen.getByLabelText("Largest file (MB)");
    expect(size).toHaveValue("10");
    await user.clear(size);
    await user.type(size, "2.5");
    await user.click(screen.getByRole("checkbox", { name: /GIF images/ }));
    await user.click(screen.getByRole("checkbox", { name: /WebP images/ }));
    const other = screen.getByLabelText("Other types");
    await user.type(other, "application/zip, nonsense");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(other).toHaveAccessibleDescription(/^nonsense is not a file type/);
    await user.clear(other);
    await user.type(other, "application/zip");
    hub.on("PUT", hub.settingsPath, () =>
      json(400, { code: "invalid_input", message: "invalid settings", fields: { "widget.file_types.5": "a file type such as image/png or application/pdf" } }),
    );
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(other).toHaveAccessibleDescription(/a file type such as image\/png/));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.state.settings.widget.max_file_bytes).toBe(2.5 * 1024 * 1024));
    expect(hub.state.settings.widget.file_types).toEqual(["image/png", "image/jpeg", "application/pdf", "text/plain", "application/zip"]);
    expect(within(preview()).getByTestId("preview-files")).toHaveTextContent("PNG, JPEG, PDF, PLAIN, ZIP, up to 2.5 MB");
  });

  it("is read only for a manager", async () => {
    await widgetPage(undefined, { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" });
    expect(screen.getByLabelText("Colour")).toHaveAttribute("readonly");
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Add a question" })).not.toBeInTheDocument();
  });

  it("speaks French", async () => {
    setLang("fr");
    const hub = fakeHub({ signedIn: true });
    render(App, { api: hub.api });
    await screen.findByRole("complementary", { name: "Aperçu" });
    expect(screen.getByLabelText("Couleur")).toHaveValue("#b4532a");
    expect(screen.getByRole("complementary", { name: "Aperçu" })).toHaveTextContent("En attendant…");
  });
});
