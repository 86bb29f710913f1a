/** The console's live preview (A8, W1): the messages it takes, the sample it draws, and that it
 * never reaches the network or the browser's storage. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { QuestionnaireQuestion } from "../src/protocol";
import type { PreviewState } from "../src/preview";
import { previewEnv, readPreview, startPreview } from "../src/preview";
import type { Env } from "../src/widget";
import { $, tick } from "./harness";

const CONFIG = {
  project: "DEMO",
  name: "Maison Lumière",
  color: "#1f2a44",
  font: "Georgia, serif",
  email_capture: true,
  max_file_bytes: 1024 * 1024,
  file_types: ["image/png", "application/pdf"],
};

const QUESTIONS: QuestionnaireQuestion[] = [
  { id: "resolved", text: { en: "Was your question answered?", fr: "Avez-vous eu votre réponse ?" }, answer: { kind: "yes_no" }, required: true },
  { id: "comment", text: { en: "Anything else?", fr: "Autre chose ?" }, answer: { kind: "text" }, required: false },
];

const state = (over: Record<string, unknown> = {}) => ({
  type: "pupitre-preview",
  language: "en",
  config: CONFIG,
  survey: true,
  questionnaire: ["Your order number?"],
  ...over,
});

describe("preview messages", () => {
  it("takes a well-formed state, and keeps only the fields it knows", () => {
    const got = readPreview({ ...state({ survey_questions: QUESTIONS }), extra: 1, config: { ...CONFIG, secret: "x" } });
    expect(got).toEqual<PreviewState>({ language: "en", config: CONFIG, survey: true, questionnaire: ["Your order number?"], survey_questions: QUESTIONS });
    expect(readPreview(state())?.survey_questions).toBeNull();
    expect(readPreview(state({ survey_questions: null }))?.survey_questions).toBeNull();
    expect(readPreview(state({ survey_questions: [] }))?.survey_questions).toBeNull();
  });

  it("refuses every field of the wrong type", () => {
    const bad: unknown[] = [
      null,
      "pupitre-preview",
      [],
      state({ type: "pupitre-preview-ready" }),
      state({ language: "de" }),
      state({ language: undefined }),
      state({ config: null }),
      state({ config: "{}" }),
      state({ config: { ...CONFIG, name: 3 } }),
      state({ config: { ...CONFIG, project: undefined } }),
      state({ config: { ...CONFIG, color: ["#fff"] } }),
      state({ config: { ...CONFIG, font: null } }),
      state({ config: { ...CONFIG, email_capture: "true" } }),
      state({ config: { ...CONFIG, max_file_bytes: "1024" } }),
      state({ config: { ...CONFIG, max_file_bytes: -1 } }),
      state({ config: { ...CONFIG, max_file_bytes: Infinity } }),
      state({ config: { ...CONFIG, file_types: "image/png" } }),
      state({ config: { ...CONFIG, file_types: [1] } }),
      state({ survey: "yes" }),
      state({ questionnaire: "Your order?" }),
      state({ questionnaire: [{ en: "Your order?" }] }),
      state({ survey_questions: {} }),
      state({ survey_questions: [{ ...QUESTIONS[0], answer: { kind: "rating", max: 20 } }] }),
    ];
    for (const b of bad) expect(readPreview(b), JSON.stringify(b)).toBeNull();
  });
});

describe("the preview in the page", () => {
  let calls: string[];
  let env: Env;
  let posted: unknown[];
  let running: ReturnType<typeof startPreview>[] = [];
  const start = () => {
    const p = startPreview(env);
    running.push(p);
    return p;
  };
  const post = (data: unknown, init: MessageEventInit = {}) =>
    window.dispatchEvent(new MessageEvent("message", { data, origin: location.origin, source: window.parent, ...init }));
  const shadow = () => document.getElementById("pupitre-widget")!.shadowRoot!;

  beforeEach(() => {
    document.body.replaceChildren();
    localStorage.clear();
    sessionStorage.clear();
    calls = [];
    posted = [];
    // No network, ever: each of these throws, and says it was called.
    const refuse = (what: string) =>
      function () {
        calls.push(what);
        throw new Error(`${what} in the preview`);
      };
    env = { ...previewEnv(window), fetch: refuse("fetch") as unknown as typeof fetch, WebSocket: refuse("WebSocket") as unknown as typeof WebSocket };
    vi.stubGlobal("fetch", refuse("global fetch"));
    vi.stubGlobal("WebSocket", refuse("global WebSocket"));
    vi.spyOn(window.parent, "postMessage").mockImplementation((message: unknown) => void posted.push(message));
  });
  afterEach(() => {
    running.forEach((p) => p.stop());
    running = [];
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("says it is ready to its parent, at its own origin only", () => {
    start();
    expect(posted).toEqual([{ type: "pupitre-preview-ready" }]);
    expect(window.parent.postMessage).toHaveBeenCalledWith({ type: "pupitre-preview-ready" }, location.origin);
    expect(document.getElementById("pupitre-widget")).toBeNull(); // nothing drawn before a state
  });

  it("draws the sample conversation open, with the posted look and every form the state has", async () => {
    const preview = start();
    post(state());
    await tick();
    const root = shadow();
    expect($(root, "[role=dialog]").hidden).toBe(false);
    expect($(root, "#pw-title").textContent).toBe("Maison Lumière");
    expect($(root, ".who p").textContent).toBe("Marie · Your adviser");
    expect($(root, ".pw").style.getPropertyValue("--c")).toBe("#1f2a44");
    expect($(root, ".pw").style.getPropertyValue("--on")).toBe("#ffffff");
    expect($(root, ".pw").style.getPropertyValue("--f")).toBe("Georgia, serif");
    expect($(root, ".row.me .bubble").textContent).toBe("Hello, where is my order?");
    expect($(root, ".row.them .bubble").textContent).toBe("Hello! It left our warehouse this morning.");
    expect($(root, ".row.them .name").textContent).toBe("Marie");
    expect($(root, ".box h3").textContent).toBe("Marie asks you for a file");
    expect(root.querySelector("form.email")).not.toBeNull();
    expect(Array.from(root.querySelectorAll("form.questionnaire label"), (l) => l.textContent)).toEqual(["Your order number?"]);
    // The survey comes last; the built-in one without questions.
    const forms = Array.from(root.querySelectorAll(".thread > *"));
    expect(forms[forms.length - 1].matches("form.survey:not(.questions)")).toBe(true);
    expect(root.querySelector(".badge")!.hasAttribute("hidden")).toBe(true);
    expect(preview.current()).not.toBeNull();
    expect(calls).toEqual([]);
  });

  it("draws only what the state has; a new state draws it anew, in its language, with the project's own survey", async () => {
    start();
    post(state());
    await tick();
    const scrolled = shadow().querySelector(".thread")!;
    expect(scrolled.scrollTop).toBe(0); // the sample first
    scrolled.scrollTop = 120;
    post(state({ language: "fr", config: { ...CONFIG, name: "Lumière", email_capture: false, file_types: [] }, questionnaire: [], survey_questions: QUESTIONS }));
    await tick();
    expect(document.querySelectorAll("#pupitre-widget").length).toBe(1);
    const root = shadow();
    expect($(root, ".thread").scrollTop).toBe(120); // drawn anew where the admin was
    expect($(root, "#pw-title").textContent).toBe("Lumière");
    expect($(root, ".row.me .bubble").textContent).toBe("Bonjour, où en est ma commande ?");
    expect($(root, ".row.them .bubble").textContent).toBe("Bonjour ! Elle a quitté notre entrepôt ce matin.");
    expect($(root, ".who p").textContent).toBe("Marie · Votre conseiller");
    expect(root.querySelector("form.email")).toBeNull();
    expect(root.querySelector("form.questionnaire")).toBeNull();
    expect(root.textContent).not.toContain("vous demande un fichier");
    expect(Array.from(root.querySelectorAll("form.questions legend, form.questions .q > label"), (l) => l.textContent)).toEqual([
      "Avez-vous eu votre réponse ? (obligatoire)",
      "Autre chose ?",
    ]);
    post(state({ survey: false, config: { ...CONFIG, max_file_bytes: 0 } }));
    await tick();
    expect(shadow().querySelector("form.survey")).toBeNull();
    expect(shadow().textContent).not.toContain("asks you for a file");
  });

  it("ignores messages from another origin, from another window, of another type, and warns of a wrong shape", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    start();
    post(state());
    await tick();
    const evil = state({ config: { ...CONFIG, name: "Evil" } });
    post(evil, { origin: "https://evil.example" });
    post(evil, { source: null });
    post({ ...evil, type: "something-else" });
    await tick();
    expect($(shadow(), "#pw-title").textContent).toBe("Maison Lumière");
    expect(warn).not.toHaveBeenCalled();
    post(state({ config: { ...CONFIG, name: 42 } }));
    await tick();
    expect(warn).toHaveBeenCalledTimes(1);
    expect($(shadow(), "#pw-title").textContent).toBe("Maison Lumière");
  });

  it("lets the visitor's side be tried, with nothing leaving the page and nothing stored", async () => {
    start();
    post(state({ survey_questions: QUESTIONS }));
    await tick();
    const root = shadow();
    // The composer: the message shows as sent.
    const input = $(root, ".composer textarea") as HTMLTextAreaElement;
    input.value = "Thanks!";
    input.dispatchEvent(new Event("input"));
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
    await tick();
    expect(Array.from(root.querySelectorAll(".row.me .bubble"), (b) => b.textContent)).toEqual(["Hello, where is my order?", "Thanks!"]);
    expect(root.querySelector("[data-client-id]")).toBeNull();
    // The forms: answered at once.
    const email = $(root, "form.email") as HTMLFormElement;
    email.querySelector<HTMLInputElement>("input[type=email]")!.value = "zoe@example.test";
    email.dispatchEvent(new Event("submit", { cancelable: true }));
    await tick();
    expect(root.textContent).toContain("We will send the answer to zoe@example.test");
    $(root, "form.questionnaire .acts .link").click();
    await tick();
    expect(root.querySelector("form.questionnaire")).toBeNull();
    const survey = $(root, "form.questions") as HTMLFormElement;
    const yes = survey.querySelector<HTMLInputElement>("input[type=radio]")!;
    yes.checked = true;
    yes.dispatchEvent(new Event("change"));
    survey.dispatchEvent(new Event("submit", { cancelable: true }));
    await tick();
    expect(root.textContent).toContain("Thank you for your feedback!");
    // A file chosen for Marie's request shows as the visitor's.
    const file = root.querySelector<HTMLInputElement>("input[type=file]")!;
    Object.defineProperty(file, "files", { value: [new File(["%PDF"], "receipt.pdf", { type: "application/pdf" })] });
    file.dispatchEvent(new Event("change"));
    await tick();
    await tick();
    expect($(root, ".row.me .fn").textContent).toBe("receipt.pdf");
    // Closing and opening again.
    $(root, "button.x").click();
    expect($(root, "[role=dialog]").hidden).toBe(true);
    $(root, ".launcher").click();
    expect($(root, "[role=dialog]").hidden).toBe(false);
    await new Promise((r) => setTimeout(r, 400)); // past the widget's delayed save
    expect(calls).toEqual([]);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });
});
