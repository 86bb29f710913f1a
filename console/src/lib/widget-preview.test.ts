import { describe, expect, it } from "vitest";
import type * as Hub from "./hub";
import { PREVIEW_READY, isPreviewReady, previewMessage, surveyQuestions, type PreviewLook } from "./widget-preview";

const LOOK: PreviewLook = {
  color: "#0a7d3b",
  font: "Georgia, serif",
  emailCapture: true,
  survey: true,
  questions: [{ en: "Your order number?", fr: "Votre numéro de commande ?" }, "Plain for all", { en: "English only" }, { fr: " " }],
  maxFileBytes: 2_621_440,
  types: ["image/png", "application/pdf"],
};

const SURVEY: Hub.QuestionnaireQuestion[] = [
  { id: "score", text: { en: "How was it?", fr: "Comment était-ce ?" }, answer: { kind: "rating", max: 5 }, required: true },
];

function questionnaires(chosen: string | null): Hub.Questionnaires {
  return {
    list: [
      { id: "after-chat", name: "After the chat", questions: SURVEY },
      { id: "other", name: "Other", questions: [] },
    ],
    agent: { questionnaire: null, complete_button: true, cancel_button: true, closable_without_answer: true },
    visitor: { questionnaire: chosen, agent_may_send: true },
  };
}

describe("the preview's message to the real widget", () => {
  it("carries the unsaved look as the widget's config, the project's name, and the questions in the preview's language", () => {
    const m = previewMessage(LOOK, { code: "DEMO", name: "Maison Lumière" }, "fr", questionnaires(null));
    expect(m).toEqual({
      type: "pupitre-preview",
      language: "fr",
      config: {
        project: "DEMO",
        name: "Maison Lumière",
        color: "#0a7d3b",
        font: "Georgia, serif",
        email_capture: true,
        max_file_bytes: 2_621_440,
        file_types: ["image/png", "application/pdf"],
      },
      survey: true,
      // French, else English, else any; a question with no text left out.
      questionnaire: ["Votre numéro de commande ?", "Plain for all", "English only"],
    });
    expect("survey_questions" in m).toBe(false);
    expect(previewMessage(LOOK, { code: "DEMO", name: "x" }, "en").questionnaire).toEqual(["Your order number?", "Plain for all", "English only"]);
  });

  it("adds the visitor survey chosen in the settings, as plain data", () => {
    const m = previewMessage(LOOK, { code: "DEMO", name: "x" }, "en", questionnaires("after-chat"));
    expect(m.survey_questions).toEqual(SURVEY);
    expect(m.survey_questions).not.toBe(SURVEY);
    expect(() => structuredClone(m)).not.toThrow();
    // Chosen but gone from the list: none.
    expect(surveyQuestions(questionnaires("deleted"))).toBeNull();
    expect(surveyQuestions(undefined)).toBeNull();
  });

  it("listens to its own frame only, on this origin", () => {
    const frame = {} as Window;
    const other = {} as Window;
    const ready = { type: PREVIEW_READY };
    const origin = "http://127.0.0.1:8080";
    expect(isPreviewReady({ origin, source: frame, data: ready }, frame, origin)).toBe(true);
    expect(isPreviewReady({ origin: "https://evil.test", source: frame, data: ready }, frame, origin)).toBe(false);
    expect(isPreviewReady({ origin, source: other, data: ready }, frame, origin)).toBe(false);
    expect(isPreviewReady({ origin, source: frame, data: "pupitre-preview-ready" }, frame, origin)).toBe(false);
    expect(isPreviewReady({ origin, source: frame, data: { type: "pupitre-preview" } }, frame, origin)).toBe(false);
    expect(isPreviewReady({ origin, source: null, data: ready }, null, origin)).toBe(false);
  });
});
