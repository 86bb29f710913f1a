import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import type { ProjectSettings } from "./lib/settings";
import type { ConsoleSession } from "./lib/api";
import type { PreviewMessage } from "./lib/widget-preview";

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
const frameOf = (title = "Widget preview") => screen.getByTitle(title) as HTMLIFrameElement;
const sentWidget = (hub: ReturnType<typeof fakeHub>) => (hub.puts().at(-1)!.body as ProjectSettings).widget as Record<string, unknown>;

/**
 * The frame's side of the contract: what the page posts to it is kept; `ready()` says it is
 * ready, as the widget in preview mode does (this origin, from the frame's window).
 */
function widgetFrame(title?: string) {
  const frame = frameOf(title);
  const posted: { data: PreviewMessage; origin: string }[] = [];
  const win = frame.contentWindow!;
  win.postMessage = ((data: PreviewMessage, origin: string) => posted.push({ data, origin })) as typeof win.postMessage;
  return {
    frame,
    posted,
    last: () => posted.at(-1)!.data,
    ready: (from: { origin?: string; source?: Window } = {}) =>
      window.dispatchEvent(new MessageEvent("message", { data: { type: "pupitre-preview-ready" }, origin: from.origin ?? location.origin, source: from.source ?? win })),
  };
}

describe("widget look", () => {
  it("frames the real widget; once it is ready, tells it the stored look, then the unsaved colour, before saving", async () => {
    const { hub, user } = await widgetPage();
    const w = widgetFrame();
    expect(w.frame).toHaveAttribute("src", "/admin/widget-preview");
    expect(w.posted).toHaveLength(0);
    w.ready();
    expect(w.posted).toHaveLength(1);
    expect(w.posted[0].origin).toBe(location.origin);
    expect(w.last()).toMatchObject({
      type: "pupitre-preview",
      language: "en",
      config: { project: "DEMO", name: "Maison Lumière", color: "#b4532a", email_capture: DEMO_SETTINGS.widget.email_capture },
      survey: DEMO_SETTINGS.widget.survey,
      questionnaire: ["Your order number, if you have one"],
    });
    const hex = screen.getByLabelText("Colour");
    expect(hex).toHaveValue("#b4532a");
    await user.clear(hex);
    await user.type(hex, "#0a7d3b");
    await waitFor(() => expect(w.last().config.color).toBe("#0a7d3b"));
    // Typing posts once it pauses, not at every key.
    expect(w.posted.length).toBeLessThan(5);
    expect(hub.puts()).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    const sent = hub.puts()[0].body as ProjectSettings;
    expect(sent.widget).toEqual({ ...DEMO_SETTINGS.widget, color: "#0a7d3b" });
    expect({ ...sent, widget: null }).toEqual({ ...DEMO_SETTINGS, widget: null });
  });

  it("ignores a ready message from another origin or another window", async () => {
    await widgetPage();
    const w = widgetFrame();
    w.ready({ origin: "https://evil.test" });
    w.ready({ source: window });
    await new Promise((r) => setTimeout(r, 250));
    expect(w.posted).toHaveLength(0);
  });

  it("refuses a colour and a font the hub would refuse, at their inputs; the preview keeps the last good ones", async () => {
    const { hub, user } = await widgetPage();
    const w = widgetFrame();
    w.ready();
    const hex = screen.getByLabelText("Colour");
    await user.clear(hex);
    await user.type(hex, "red");
    const font = screen.getByRole("textbox", { name: "Font" });
    await user.clear(font);
    await user.type(font, "Inter; }");
    await new Promise((r) => setTimeout(r, 250));
    expect(w.last().config.color).toBe("#b4532a");
    expect(w.last().config.font).toBe(DEMO_SETTINGS.widget.font);
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(hex).toHaveAccessibleDescription(/^Enter a colour such as #1f6feb\./);
    expect(font).toHaveAccessibleDescription(/^Font names separated by commas/);
    expect(hub.puts()).toHaveLength(0);
  });

  it("edits the questionnaire in both languages; the preview gets the questions in its language, a hostile one as a string", async () => {
    const { hub, user } = await widgetPage();
    const w = widgetFrame();
    w.ready();
    expect(screen.getByLabelText("Question 1 in English")).toHaveValue("Your order number, if you have one");
    await user.click(screen.getByRole("button", { name: "Add a question" }));
    const en = screen.getByLabelText("Question 2 in English");
    await waitFor(() => expect(en).toHaveFocus());
    await user.type(en, HOSTILE);
    await user.type(screen.getByLabelText("Question 2 in French"), "Votre ville");
    await waitFor(() => expect(w.last().questionnaire).toEqual(["Your order number, if you have one", HOSTILE]));
    expect(document.querySelector("main img")).toBeNull();
    await user.click(within(preview()).getByRole("radio", { name: "French" }));
    await waitFor(() => expect(w.last().language).toBe("fr"));
    expect(w.last().questionnaire).toEqual(["Votre numéro de commande, si vous en avez un", "Votre ville"]);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sentWidget(hub).questionnaire).toEqual([
      { en: "Your order number, if you have one", fr: "Votre numéro de commande, si vous en avez un" },
      { en: HOSTILE, fr: "Votre ville" },
    ]);
  });

  it("shows the visitor survey chosen in the settings", async () => {
    const settings = structuredClone(DEMO_SETTINGS);
    const questions = [{ id: "score", text: { en: "How was it?", fr: "Comment était-ce ?" }, answer: { kind: "rating" as const, max: 5 }, required: true }];
    settings.questionnaires = { ...settings.questionnaires, list: [{ id: "after", name: "After the chat", questions }], visitor: { questionnaire: "after", agent_may_send: true } };
    await widgetPage(settings);
    const w = widgetFrame();
    w.ready();
    expect(w.last().survey_questions).toEqual(questions);
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
    const w = widgetFrame();
    w.ready();
    expect(w.last().config).toMatchObject({ max_file_bytes: 2.5 * 1024 * 1024, file_types: ["image/png", "image/jpeg", "application/pdf", "text/plain", "application/zip"] });
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
    const w = widgetFrame("Aperçu du widget");
    w.ready();
    expect(w.last().language).toBe("fr");
  });
});
