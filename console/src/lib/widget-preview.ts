/**
 * The Widget page's preview is the real widget (A8, W1): the hub serves it in preview mode at
 * `/admin/widget-preview` (same origin, framed by the console only, connected to nothing). The
 * frame tells its parent it is ready (`{type: "pupitre-preview-ready"}`); the page then posts
 * the look to show (`{type: "pupitre-preview", …}`, below), and again at every change of the
 * form, with the unsaved values. Both ways, only this origin's messages count. Pure.
 */
import type * as Hub from "./hub";
import { questionText, type Question } from "./widget-look";

export const PREVIEW_PATH = "/admin/widget-preview";
export const PREVIEW_READY = "pupitre-preview-ready";
export const PREVIEW_MESSAGE = "pupitre-preview";
/** How long the page waits after a change before posting (typing posts once it pauses). */
export const PREVIEW_DEBOUNCE_MS = 150;

export type PreviewLanguage = "en" | "fr";

/** What the widget reads from `GET /api/widget/config` (the hub's `WidgetConfig`). */
export interface PreviewConfig {
  project: string;
  /** The project's name, in the panel's header. */
  name: string;
  color: string;
  font: string;
  email_capture: boolean;
  max_file_bytes: number;
  file_types: string[];
}

/** The message the frame takes. Plain data (it goes through `postMessage`). */
export interface PreviewMessage {
  type: typeof PREVIEW_MESSAGE;
  language: PreviewLanguage;
  config: PreviewConfig;
  /** The satisfaction survey at close. */
  survey: boolean;
  /** The waiting questionnaire's questions in `language`. */
  questionnaire: string[];
  /** The visitor survey chosen in the settings (`questionnaires.visitor`), when there is one. */
  survey_questions?: Hub.QuestionnaireQuestion[];
}

/** The form's unsaved look (`WidgetForm.preview()`). */
export interface PreviewLook {
  color: string;
  font: string;
  emailCapture: boolean;
  survey: boolean;
  questions: Question[];
  maxFileBytes: number;
  types: string[];
}

/** The questions of the visitor survey the settings choose, or `null` (none chosen, or not in the list). */
export function surveyQuestions(questionnaires: Hub.Questionnaires | null | undefined): Hub.QuestionnaireQuestion[] | null {
  const id = questionnaires?.visitor?.questionnaire;
  if (!id) return null;
  const chosen = questionnaires?.list?.find((q) => q.id === id);
  // A copy: the settings may be a reactive proxy, which postMessage cannot clone.
  return chosen ? (JSON.parse(JSON.stringify(chosen.questions)) as Hub.QuestionnaireQuestion[]) : null;
}

/** What to post to the frame for the form's `look`, the project, the preview's language and the settings' questionnaires. */
export function previewMessage(
  look: PreviewLook,
  project: { code: string; name: string },
  language: PreviewLanguage,
  questionnaires?: Hub.Questionnaires | null,
): PreviewMessage {
  const message: PreviewMessage = {
    type: PREVIEW_MESSAGE,
    language,
    config: {
      project: project.code,
      name: project.name,
      color: look.color,
      font: look.font,
      email_capture: look.emailCapture,
      max_file_bytes: look.maxFileBytes,
      file_types: [...look.types],
    },
    survey: look.survey,
    questionnaire: look.questions.map((q) => questionText(q, language).trim()).filter((text) => text !== ""),
  };
  const survey = surveyQuestions(questionnaires);
  if (survey) message.survey_questions = survey;
  return message;
}

/** Whether `event` is the frame saying it is ready: this origin, that frame's window, that type. */
export function isPreviewReady(event: Pick<MessageEvent, "origin" | "source" | "data">, frame: Window | null | undefined, origin: string): boolean {
  return (
    frame != null &&
    event.origin === origin &&
    event.source === frame &&
    typeof event.data === "object" &&
    event.data !== null &&
    (event.data as { type?: unknown }).type === PREVIEW_READY
  );
}
