/** The closing questionnaire's pure part (A5, R9): texts by language, the answers collected and
 * checked as the hub checks them, and read back from the thread's lines. */
import { describe, expect, it } from "vitest";
import type { Questionnaire } from "./protocol";
import { agentQuestionnaire, cleanText, collect, latestAnswers, pickText, questionnaireAnswered, readAnswers, valuesFromLines } from "./questions";
import { demoQuestionnaire } from "./demo";
import { REAL_PROFILE_JSON } from "./real-shapes";

const q: Questionnaire = {
  id: "closing",
  name: "Closing",
  questions: [
    { id: "resolved", text: { en: "Resolved?", fr: "Résolu ?" }, answer: { kind: "yes_no" }, required: true },
    { id: "topic", text: { fr: "Sujet", de: "Thema" }, answer: { kind: "choice", choices: [{ en: "Delivery" }, { en: "Product, accessories" }, { en: "Product" }], multiple: true }, required: false },
    { id: "channel", text: { en: "Channel" }, answer: { kind: "choice", choices: [{ en: "Chat" }, { en: "Phone" }], multiple: false }, required: false },
    { id: "score", text: { en: "Score" }, answer: { kind: "rating", max: 5 }, required: false },
    { id: "notes", text: { en: "Notes" }, answer: { kind: "text" }, required: false },
  ],
};

describe("the closing questionnaire's texts and values (A5, R9)", () => {
  it("shows a text in the desk's language, else English, else any (as the widget and the hub)", () => {
    expect(pickText({ en: "Resolved?", fr: "Résolu ?" }, "fr")).toBe("Résolu ?");
    expect(pickText({ en: "Resolved?", fr: "Résolu ?" }, "de-DE")).toBe("Resolved?");
    expect(pickText({ de: "Thema" }, "fr")).toBe("Thema");
    expect(pickText({}, "fr")).toBe("");
    // An inherited key is no text.
    expect(pickText({ en: "Topic" }, "constructor")).toBe("Topic");
  });

  it("reads the profile's questionnaire; a profile from before it (the real capture) has none", () => {
    expect(agentQuestionnaire(JSON.parse(REAL_PROFILE_JSON))).toBeNull();
    expect(agentQuestionnaire(null)).toBeNull();
    expect(agentQuestionnaire({ agent_questionnaire: demoQuestionnaire() })?.questionnaire.id).toBe("closing");
  });

  it("collects the answers by kind, leaves blank ones out, and lists the required ones left blank and texts too long", () => {
    expect(collect(q.questions, {})).toEqual({ answers: {}, problems: [{ id: "resolved", problem: "missing" }] });
    expect(collect(q.questions, { resolved: false, topic: [], notes: " \u200B \n " })).toEqual({ answers: { resolved: false }, problems: [] });
    expect(collect(q.questions, { resolved: true, topic: [0, 2], channel: [1], score: 4, notes: "  Parcel\r\nfound\t\u202Etoday " })).toEqual({
      answers: { resolved: true, topic: [0, 2], channel: [1], score: 4, notes: "Parcel\nfound today" },
      problems: [],
    });
    expect(collect(q.questions, { resolved: true, notes: "x".repeat(2001) }).problems).toEqual([{ id: "notes", problem: "too_long" }]);
    expect(collect(q.questions, { resolved: true, notes: "é".repeat(2000) }).problems).toEqual([]);
    expect(cleanText("a\u0000b\u2066c")).toBe("a bc");
  });

  it("checks the answers as the hub does (the fake hub's validation): known ids, kinds, ranges, choice indexes, required", () => {
    const error = (answers: Record<string, unknown>) => {
      const read = readAnswers(q, answers as never);
      return "error" in read ? read.error : null;
    };
    expect(error({})).toBe("answers.resolved: this question must be answered");
    expect(error({ resolved: true, nope: 1 })).toBe("answers.nope: no such question");
    expect(error({ resolved: "yes" })).toBe("answers.resolved: not the kind of answer this question wants");
    expect(error({ resolved: true, score: 0 })).toBe("answers.score: a score from 1 to 5");
    expect(error({ resolved: true, score: 6 })).toBe("answers.score: a score from 1 to 5");
    expect(error({ resolved: true, score: 2.5 })).toBe("answers.score: a score from 1 to 5");
    expect(error({ resolved: true, score: [3] })).toBe("answers.score: not the kind of answer this question wants");
    expect(error({ resolved: true, topic: [3] })).toBe("answers.topic: no choice 3");
    expect(error({ resolved: true, channel: [0, 1] })).toBe("answers.channel: one choice");
    expect(error({ resolved: true, channel: 1 })).toBe("answers.channel: not the kind of answer this question wants");
    expect(error({ resolved: true, notes: "a\u0007b" })).toBe("answers.notes: text of at most 2000 characters");
    expect(error({ resolved: true, notes: "x".repeat(2001) })).toBe("answers.notes: text of at most 2000 characters");
    expect(error({ resolved: true, notes: true })).toBe("answers.notes: not the kind of answer this question wants");
    // Blank optional answers are no answers.
    expect(readAnswers(q, { resolved: false, notes: "  ", topic: [] })).toEqual({ lines: [{ question: "Resolved?", answer: "No" }] });
    expect(readAnswers(q, { resolved: true, topic: [2, 0, 2], channel: [1], score: 4, notes: "Line 1\nline 2" })).toEqual({
      lines: [
        { question: "Resolved?", answer: "Yes" },
        // No English text: any.
        { question: "Sujet", answer: "Product, Delivery" },
        { question: "Channel", answer: "Phone" },
        { question: "Score", answer: "4/5" },
        { question: "Notes", answer: "Line 1\nline 2" },
      ],
    });
  });

  it("reads the thread's latest answers back into values, to edit them", () => {
    const values = { resolved: true, topic: [1, 0], channel: [0], score: 3, notes: "Called back" };
    const read = readAnswers(q, values);
    if (!("lines" in read)) throw new Error(read.error);
    // "Product, accessories" holds the joiner: still read back as one choice.
    expect(valuesFromLines(q.questions, read.lines, "en")).toEqual(values);
    expect(valuesFromLines(q.questions, [{ question: "Résolu ?", answer: "Non" }, { question: "Score", answer: "9/10" }, { question: "Channel", answer: "Fax" }], "fr")).toEqual({ resolved: false });
    expect(valuesFromLines(q.questions, [{ question: "Sujet", answer: "Product" }], "en")).toEqual({ topic: [2] });
  });

  it("finds whether and how the thread was answered", () => {
    const event = (answers: { question: string; answer: string }[], id: number) => ({
      id,
      conversation: "DEMO-1",
      client_id: null,
      author: { kind: "system" as const },
      body: { kind: "event" as const, event: { kind: "agent_answered" as const, agent: "Camille", answers } },
      at: 0,
    });
    expect(questionnaireAnswered([])).toBe(false);
    expect(latestAnswers([])).toBeNull();
    const thread = [event([{ question: "A", answer: "1" }], 1), event([{ question: "A", answer: "2" }], 2)];
    expect(questionnaireAnswered(thread)).toBe(true);
    expect(latestAnswers(thread)).toEqual([{ question: "A", answer: "2" }]);
  });
});
