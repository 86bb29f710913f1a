/** The project's own survey (A5, R9, W4): questions checked, shown by kind in the visitor's
 * language, required ones checked before Send, the frame sent, kept across a reload. */
import { beforeEach, describe, expect, it } from "vitest";
import { Model } from "../src/model";
import type { QuestionnaireQuestion } from "../src/protocol";
import { collect, pickText, readQuestion, readQuestions } from "../src/questions";
import { $, memoryKV, message, setup, tick } from "./harness";

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  location.hash = "";
});

const QUESTIONS: QuestionnaireQuestion[] = [
  { id: "resolved", text: { en: "Was your question answered?", fr: "Avez-vous eu votre réponse ?" }, answer: { kind: "yes_no" }, required: true },
  { id: "score", text: { en: "How likely are you to recommend us?", fr: "Nous recommanderiez-vous ?" }, answer: { kind: "rating", max: 10 }, required: true },
  {
    id: "topics",
    text: { en: "What was it about?", fr: "C'était à propos de quoi ?" },
    answer: { kind: "choice", choices: [{ en: "Delivery", fr: "Livraison" }, { en: "Product", fr: "Produit" }, { en: "Price", fr: "Prix" }], multiple: true },
    required: false,
  },
  { id: "channel", text: { en: "Where did you hear of us?" }, answer: { kind: "choice", choices: [{ en: "A friend" }, { en: "An ad" }], multiple: false }, required: false },
  { id: "comment", text: { en: "Anything else?", fr: "Autre chose ?" }, answer: { kind: "text" }, required: false },
];

describe("survey questions (pure)", () => {
  it("picks the visitor's language by its first two letters, else English, else any (as the hub)", () => {
    const text = { en: "Hello", fr: "Bonjour" };
    expect(pickText(text, "fr-CA")).toBe("Bonjour");
    expect(pickText(text, "FR")).toBe("Bonjour");
    expect(pickText(text, "de-DE")).toBe("Hello");
    expect(pickText(text, "")).toBe("Hello");
    expect(pickText({ de: "Hallo", it: "Ciao" }, "fr")).toBe("Hallo");
    expect(pickText({ constructor: "x" } as Record<string, string>, "co")).toBe("x");
  });

  it("takes the hub's questions of every kind, and refuses what is not one", () => {
    expect(readQuestions(QUESTIONS)).toEqual(QUESTIONS);
    // Missing `required` and `multiple` are false (the hub's defaults).
    expect(readQuestion({ id: "a", text: { en: "A?" }, answer: { kind: "choice", choices: [{ en: "x" }] } })).toEqual({
      id: "a",
      text: { en: "A?" },
      answer: { kind: "choice", choices: [{ en: "x" }], multiple: false },
      required: false,
    });
    const bad = [
      null,
      "question",
      { id: "a", text: { en: "A?" } },
      { id: "A b", text: { en: "A?" }, answer: { kind: "text" } },
      { id: "__proto__", text: { en: "A?" }, answer: { kind: "text" } },
      { id: "a", text: "A?", answer: { kind: "text" } },
      { id: "a", text: {}, answer: { kind: "text" } },
      { id: "a", text: { en: 1 }, answer: { kind: "text" } },
      { id: "a", text: { en: "A?" }, answer: { kind: "slider" } },
      { id: "a", text: { en: "A?" }, answer: { kind: "rating", max: 2 } },
      { id: "a", text: { en: "A?" }, answer: { kind: "rating", max: 11 } },
      { id: "a", text: { en: "A?" }, answer: { kind: "rating", max: 4.5 } },
      { id: "a", text: { en: "A?" }, answer: { kind: "rating", max: "5" } },
      { id: "a", text: { en: "A?" }, answer: { kind: "choice", choices: [] } },
      { id: "a", text: { en: "A?" }, answer: { kind: "choice", choices: ["x"] } },
      { id: "a", text: { en: "A?" }, answer: { kind: "choice", choices: [{ en: "x" }], multiple: "yes" } },
      { id: "a", text: { en: "A?" }, answer: { kind: "text" }, required: 1 },
    ];
    for (const q of bad) expect(readQuestion(q), JSON.stringify(q)).toBeNull();
    expect(readQuestions([QUESTIONS[0], bad[3]])).toBeNull();
    expect(readQuestions({ 0: QUESTIONS[0] })).toBeNull();
  });

  it("sends what was answered, trimmed, and names the required questions left blank", () => {
    expect(collect(QUESTIONS, { resolved: false, topics: [], comment: "  ", channel: [1] })).toEqual({
      answers: { resolved: false, channel: [1] },
      missing: ["score"],
    });
    expect(collect(QUESTIONS, { resolved: true, score: 9, comment: " Thanks " })).toEqual({
      answers: { resolved: true, score: 9, comment: "Thanks" },
      missing: [],
    });
  });
});

describe("the survey in the widget (A5, R9, W4)", () => {
  function ask(s: ReturnType<typeof setup>, questions?: QuestionnaireQuestion[]) {
    const ws = s.connect();
    s.widget.open();
    ws.push({ type: "event", seq: 11, event: { kind: "message", message: message({ id: 1, author: { kind: "visitor" }, text: "Hi" }) } });
    ws.push({ type: "event", seq: 12, event: { kind: "agent_joined", conversation: "DEMO-1", agent: { name: "Alice Martin" } } });
    ws.push({ type: "event", seq: 13, event: { kind: "message", message: message({ id: 2, text: "Hello! How can I help?" }) } });
    ws.push({ type: "event", seq: 14, event: { kind: "survey_requested", conversation: "DEMO-1", ...(questions ? { questions } : {}) } });
    return ws;
  }

  it("shows the built-in survey during a live conversation when the agent sends it", async () => {
    const s = setup();
    ask(s);
    await tick();
    expect(s.widget.model.open()?.reference).toBe("DEMO-1");
    expect(s.shadow.querySelectorAll("form.survey .scores button").length).toBe(5);
    expect(s.shadow.querySelector("form.questions")).toBeNull();
  });

  it("renders each kind: a textarea, Yes/No, a rating 1..max, checkboxes or radios; in the visitor's language", async () => {
    const s = setup({ language: "fr-FR" });
    ask(s, QUESTIONS);
    await tick();
    const form = $(s.shadow, "form.survey.questions");
    const qs = Array.from(form.querySelectorAll(".q"));
    expect(qs.map((q) => q.tagName)).toEqual(["FIELDSET", "FIELDSET", "FIELDSET", "FIELDSET", "DIV"]);
    // The titles, in French where the admin wrote it (else English); required ones say so.
    expect(qs.map((q) => q.querySelector("legend, label")!.textContent)).toEqual([
      "Avez-vous eu votre réponse ? (obligatoire)",
      "Nous recommanderiez-vous ? (obligatoire)",
      "C'était à propos de quoi ?",
      "Where did you hear of us?",
      "Autre chose ?",
    ]);
    const radios = (q: Element) => Array.from(q.querySelectorAll<HTMLInputElement>("input"));
    expect(radios(qs[0]).map((i) => i.type)).toEqual(["radio", "radio"]);
    expect(Array.from(qs[0].querySelectorAll(".pick span"), (x) => x.textContent)).toEqual(["Oui", "Non"]);
    expect(radios(qs[1]).map((i) => i.getAttribute("aria-label"))).toEqual(Array.from({ length: 10 }, (_, i) => `${i + 1} sur 10`));
    expect(radios(qs[1]).every((i) => i.type === "radio" && i.name === radios(qs[1])[0].name)).toBe(true);
    expect(radios(qs[2]).map((i) => i.type)).toEqual(["checkbox", "checkbox", "checkbox"]);
    expect(Array.from(qs[2].querySelectorAll(".opt span"), (x) => x.textContent)).toEqual(["Livraison", "Produit", "Prix"]);
    expect(radios(qs[3]).map((i) => i.type)).toEqual(["radio", "radio"]);
    const area = qs[4].querySelector("textarea")!;
    expect(area.maxLength).toBe(2000);
    expect(qs[4].querySelector("label")!.htmlFor).toBe(area.id);
    // Admin text is text, and every id is unique in the shadow root.
    const ids = Array.from(s.shadow.querySelectorAll("[id]"), (e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("checks the required questions before Send, then sends the answers by id, blank optional ones left out", async () => {
    const s = setup();
    const ws = ask(s, QUESTIONS);
    await tick();
    const form = $(s.shadow, "form.questions") as HTMLFormElement;
    const qs = Array.from(form.querySelectorAll(".q"));
    const inputs = (i: number) => Array.from(qs[i].querySelectorAll<HTMLInputElement>("input"));
    const pick = (input: HTMLInputElement) => {
      input.checked = true;
      input.dispatchEvent(new Event("change"));
    };
    const submit = () => form.dispatchEvent(new Event("submit", { cancelable: true }));

    pick(inputs(0)[1]); // No
    submit();
    expect(ws.of("answer_survey")).toEqual([]);
    const err = qs[1].querySelector(".err")!;
    expect(err.textContent).toBe("Please answer this question.");
    expect(qs[0].querySelector(".err")!.textContent).toBe("");
    // The first question left blank gets the focus, and its message describes it.
    expect(s.shadow.activeElement).toBe(inputs(1)[0]);
    expect(inputs(1)[0].getAttribute("aria-describedby")).toBe(err.id);

    pick(inputs(1)[8]); // 9 out of 10
    expect(err.textContent).toBe(""); // answered: the message goes
    pick(inputs(2)[0]);
    pick(inputs(2)[2]);
    const area = qs[4].querySelector("textarea")!;
    area.value = "  Quick and clear.  ";
    area.dispatchEvent(new Event("input"));
    submit();
    const [frame] = ws.of("answer_survey");
    expect(frame).toEqual({
      type: "answer_survey",
      client_id: frame.client_id,
      conversation: "DEMO-1",
      score: null,
      comment: null,
      answers: { resolved: false, score: 9, topics: [0, 2], comment: "Quick and clear." },
    });
    expect(frame.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled).toBe(true);

    // The hub refuses: its message shows in the form, which can be sent again.
    ws.push({ type: "error", code: "invalid_input", message: "answers.score: a score from 1 to 10", client_id: frame.client_id });
    await tick();
    expect(form.querySelector("[role=alert]")!.textContent).toBe("answers.score: a score from 1 to 10");
    expect(form.querySelector<HTMLButtonElement>("button[type=submit]")!.disabled).toBe(false);
    submit();
    const again = ws.of("answer_survey")[1];
    ws.push({ type: "ack", client_id: again.client_id });
    await tick();
    expect(s.shadow.querySelector("form.survey")).toBeNull();
    expect(s.shadow.textContent).toContain("Thank you for your feedback!");
    expect(s.widget.model.survey).toBeNull();

    // The hub asks again at close: the visitor answered already, so nothing shows.
    ws.push({ type: "event", seq: 15, event: { kind: "conversation_closed", conversation: "DEMO-1" } });
    ws.push({ type: "event", seq: 16, event: { kind: "survey_requested", conversation: "DEMO-1", questions: QUESTIONS } });
    await tick();
    expect(s.shadow.querySelector("form.survey")).toBeNull();
    expect(s.shadow.textContent).toContain("Thank you for your feedback!");
  });

  it("asks for one answer at least when every question is optional", async () => {
    const s = setup();
    const ws = ask(s, [QUESTIONS[4]]);
    await tick();
    const form = $(s.shadow, "form.questions") as HTMLFormElement;
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(ws.of("answer_survey")).toEqual([]);
    expect(form.querySelector("[role=alert]")!.textContent).toBe("Please answer at least one question.");
    expect(s.shadow.activeElement).toBe(form.querySelector("textarea"));
  });

  it("keeps the questions across a reload: the next page shows the same form", async () => {
    const kv = memoryKV();
    const s = setup({ kv });
    ask(s, QUESTIONS);
    await tick();
    s.widget.saveNow();
    const next = setup({ kv });
    next.widget.open();
    await tick();
    expect(next.widget.model.survey).toBe("DEMO-1");
    expect(next.widget.model.surveyQuestions).toEqual(QUESTIONS);
    expect(next.shadow.querySelectorAll("form.questions .q").length).toBe(5);
  });
});

describe("the survey in the model (persistence)", () => {
  it("keeps the survey's questions and the answered conversations in its snapshot", () => {
    const m = new Model();
    m.apply({ kind: "survey_requested", conversation: "DEMO-1", questions: QUESTIONS });
    expect(m.surveyQuestions).toEqual(QUESTIONS);
    const back = Model.from(JSON.parse(JSON.stringify(m.snapshot())));
    expect(back.survey).toBe("DEMO-1");
    expect(back.surveyQuestions).toEqual(QUESTIONS);
    back.apply({ kind: "survey_answered", conversation: "DEMO-1" });
    expect(back.survey).toBeNull();
    expect(back.surveyQuestions).toBeNull();
    const later = Model.from(JSON.parse(JSON.stringify(back.snapshot())));
    expect(later.surveyed).toEqual(["DEMO-1"]);
    later.apply({ kind: "survey_requested", conversation: "DEMO-1" });
    expect(later.survey).toBeNull(); // answered already
    later.apply({ kind: "survey_requested", conversation: "DEMO-2" });
    expect(later.survey).toBe("DEMO-2");
    expect(later.surveyQuestions).toBeNull(); // the built-in survey
  });

  it("leaves out stored or sent questions it cannot show, and reads an older snapshot", () => {
    const m = new Model();
    m.apply({ kind: "survey_requested", conversation: "DEMO-1", questions: [QUESTIONS[0], { id: "x", text: { en: "?" }, answer: { kind: "slider" } }] as never });
    expect(m.surveyQuestions).toEqual([QUESTIONS[0]]);
    const snap = { ...m.snapshot(), surveyQuestions: [{ id: "x", text: "<img src=x>" }] };
    expect(Model.from(JSON.parse(JSON.stringify(snap))).surveyQuestions).toBeNull();
    const { surveyQuestions: _q, surveyed: _s, ...older } = m.snapshot();
    const old = Model.from(JSON.parse(JSON.stringify(older)));
    expect(old.survey).toBe("DEMO-1");
    expect(old.surveyQuestions).toBeNull();
    expect(old.surveyed).toEqual([]);
  });
});
