/**
 * The console's live preview of the real widget (A8, W1): `/admin/widget-preview` loads this
 * script with `data-preview`. The widget then never fetches, never opens a WebSocket and keeps
 * nothing in the browser's storage. It tells its parent it is ready
 * (`{type: "pupitre-preview-ready"}`), and draws, for each message its parent (same origin
 * only) posts, `{type: "pupitre-preview", language, config, survey, questionnaire,
 * survey_questions?}`, a sample conversation with that look, in that language, open: a visitor's
 * question, Marie's answer, and the forms the project has (e-mail offer, waiting questionnaire,
 * a file request, the survey). The visitor's side works but nothing leaves the page.
 */
import type { Body, Message, QuestionnaireQuestion, WidgetConfig } from "./protocol";
import type { Lang } from "./i18n";
import { readQuestions } from "./questions";
import { memoryStorage } from "./storage";
import type { Env } from "./widget";
import { Widget } from "./widget";

export interface PreviewState {
  language: Lang;
  config: WidgetConfig;
  survey: boolean;
  questionnaire: string[];
  /** The project's own survey; null: the built-in one. */
  survey_questions: QuestionnaireQuestion[] | null;
}

const SAMPLE = {
  en: ["Hello, where is my order?", "Hello! It left our warehouse this morning."],
  fr: ["Bonjour, où en est ma commande ?", "Bonjour ! Elle a quitté notre entrepôt ce matin."],
};
const AGENT = "Marie";
const REF = "PREVIEW-1";

const isString = (x: unknown): x is string => typeof x === "string";
const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every(isString);

/** A `pupitre-preview` message, checked field by field; null when any is of the wrong type. */
export function readPreview(data: unknown): PreviewState | null {
  const d = (data ?? {}) as Record<string, unknown>;
  const c = d.config as Record<string, unknown> | null;
  if (d.type !== "pupitre-preview" || (d.language !== "en" && d.language !== "fr")) return null;
  if (!c || typeof c !== "object" || ![c.project, c.name, c.color, c.font].every(isString)) return null;
  const bytes = c.max_file_bytes as number;
  if (typeof c.email_capture !== "boolean" || !Number.isFinite(bytes) || bytes < 0 || !strings(c.file_types)) return null;
  if (typeof d.survey !== "boolean" || !strings(d.questionnaire)) return null;
  let own: QuestionnaireQuestion[] | null = null;
  if (d.survey_questions !== undefined && d.survey_questions !== null) {
    own = readQuestions(d.survey_questions);
    if (!own) return null;
  }
  return {
    language: d.language,
    config: {
      project: c.project as string,
      name: c.name as string,
      color: c.color as string,
      font: c.font as string,
      email_capture: c.email_capture,
      max_file_bytes: bytes,
      file_types: [...c.file_types],
    },
    survey: d.survey,
    questionnaire: [...d.questionnaire],
    survey_questions: own?.length ? own : null,
  };
}

/** The widget with the sample conversation and the state's forms, mounted open. */
export function showPreview(state: PreviewState, env: Env): Widget {
  const { config, language } = state;
  const w = new Widget({ hub: env.window.location.origin, project: config.project, config, env, language, preview: true });
  const m = w.model;
  const bodies: Body[] = SAMPLE[language].map((text) => ({ kind: "text", text }));
  if (config.file_types.length && config.max_file_bytes > 0) {
    bodies.push({ kind: "event", event: { kind: "file_requested", agent: AGENT } });
  }
  const at = env.now();
  const messages = bodies.map(
    (body, i): Message => ({
      id: i + 1,
      conversation: REF,
      client_id: null,
      author: i ? { kind: "agent", id: 1, name: AGENT } : { kind: "visitor" },
      body,
      at,
    }),
  );
  m.conversations = [{ reference: REF, state: "assigned", agent: { name: AGENT }, messages }];
  m.seen = messages.length;
  if (state.questionnaire.length) m.questionnaire = { conversation: REF, questions: state.questionnaire, until: null };
  if (state.survey) {
    m.survey = REF;
    m.surveyQuestions = state.survey_questions;
  }
  w.mount();
  return w;
}

const never = () => {
  throw new Error("Pupitre: the preview never connects");
};

/** What the preview runs on: no network, storage in memory only. */
export function previewEnv(win: Window): Env {
  return {
    window: win,
    document: win.document,
    fetch: never as unknown as typeof fetch,
    WebSocket: never as unknown as typeof WebSocket,
    storage: memoryStorage(),
    now: () => Date.now(),
    random: Math.random,
    setTimeout: (f, ms) => win.setTimeout(f, ms),
    clearTimeout: (t) => win.clearTimeout(t as number),
  };
}

/** Listens to the parent page (same origin, the parent window only), then says it is ready.
 * Each valid message draws the preview anew (at the same scroll); one of the wrong shape is left
 * with a warning. */
export function startPreview(env: Env): { current(): Widget | null; stop(): void } {
  const win = env.window;
  let widget: Widget | null = null;
  const listen = (ev: MessageEvent) => {
    if (ev.origin !== win.location.origin || ev.source !== win.parent) return;
    if ((ev.data as { type?: unknown } | null)?.type !== "pupitre-preview") return;
    const state = readPreview(ev.data);
    if (!state) {
      console.warn("Pupitre preview: a message of the wrong shape was ignored", ev.data);
      return;
    }
    // Drawn anew where the admin had scrolled to (the form posts at each change).
    const top = widget?.root.querySelector(".thread")?.scrollTop ?? 0;
    widget?.host.remove();
    widget = showPreview(state, env);
    const thread = widget.root.querySelector(".thread");
    if (thread) thread.scrollTop = top;
  };
  win.addEventListener("message", listen);
  try {
    win.parent.postMessage({ type: "pupitre-preview-ready" }, win.location.origin);
  } catch {
    /* an opaque origin: nobody to tell */
  }
  return {
    current: () => widget,
    stop() {
      win.removeEventListener("message", listen);
      widget?.host.remove();
    },
  };
}
