import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { DEMO_SETTINGS, fakeHub, json } from "./lib/test-hub";
import { withPath, type ProjectSettings } from "./lib/settings";
import type { Questionnaires } from "./lib/questionnaires";
import type { ConsoleSession } from "./lib/api";

beforeEach(() => setLang("en"));
afterEach(() => setLang("en"));

const AFTER_SALES: Questionnaires = {
  list: [
    {
      id: "after-sales",
      name: "After sales",
      questions: [
        { id: "resolved", text: { en: "Was it solved?", fr: "Est-ce résolu ?" }, answer: { kind: "yes_no" }, required: true },
        { id: "reason", text: { en: "Why?" }, answer: { kind: "choice", choices: [{ en: "Price" }, { en: "Delay", fr: "Délai" }], multiple: false }, required: false },
      ],
    },
  ],
  agent: { questionnaire: "after-sales", complete_button: true, cancel_button: false, closable_without_answer: true },
  visitor: { questionnaire: null, agent_may_send: true },
};

async function page(hash: string, settings?: ProjectSettings, session?: ConsoleSession) {
  history.replaceState(null, "", `/admin/${hash}`);
  const hub = fakeHub({ signedIn: true, settings, session });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await screen.findByRole("heading", { level: 2, name: "Questionnaires" });
  return { hub, user };
}
const sent = (hub: ReturnType<typeof fakeHub>) => (hub.puts().at(-1)!.body as ProjectSettings).questionnaires as Questionnaires;

describe("agent questionnaire", () => {
  it("writes a questionnaire with questions of each kind in both languages, chooses it for agents, and saves exactly that", async () => {
    const { hub, user } = await page("#/agent_questionnaire");
    expect(screen.getByText("No questionnaire yet: add one below.")).toBeInTheDocument();
    expect(screen.getByRole("switch", { name: /Cancel/ })).toBeDisabled();

    await user.type(screen.getByLabelText("New questionnaire"), "Après-vente{Enter}");
    await waitFor(() => expect(screen.getByLabelText("Question 1 in English")).toHaveFocus());
    expect(screen.getByLabelText("Identifier")).toHaveValue("apres-vente");
    await user.type(screen.getByLabelText("Question 1 in English"), "Was it solved?");
    await user.type(screen.getByLabelText("Question 1 in French"), "Est-ce résolu ?");
    await user.selectOptions(screen.getByLabelText("Answer to question 1"), "Yes or no");
    await user.click(screen.getAllByRole("switch", { name: "Required" })[0]);

    await user.click(screen.getByRole("button", { name: "Add a question" }));
    await user.type(screen.getByLabelText("Question 2 in English"), "How easy was it?");
    await user.selectOptions(screen.getByLabelText("Answer to question 2"), "A score");
    await user.clear(screen.getByLabelText("Highest score"));
    await user.type(screen.getByLabelText("Highest score"), "12");

    await user.click(screen.getByRole("button", { name: "Add a question" }));
    await user.type(screen.getByLabelText("Question 3 in French"), "Pourquoi ?");
    await user.selectOptions(screen.getByLabelText("Answer to question 3"), "Choices");
    await user.type(screen.getByLabelText("Choice 1 of question 3 in English"), "Price");
    await user.click(screen.getByRole("switch", { name: "Several choices may be picked" }));

    await user.selectOptions(screen.getByLabelText("Questionnaire the agent fills in"), "Après-vente");
    expect(screen.getByRole("switch", { name: /Cancel/ })).toBeEnabled();
    await user.click(screen.getByRole("switch", { name: /Cancel/ }));

    // Refused here: a scale above 10, a choice written in no language.
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByLabelText("Highest score")).toHaveAccessibleDescription(/^Enter a number from 3 to 10\./);
    expect(screen.getByLabelText("Choice 2 of question 3 in English")).toHaveAccessibleDescription(/^Write this choice in English or in French, or remove it\./);
    const summary = screen.getByRole("alert");
    expect(summary).toHaveTextContent("2 fields to correct");
    expect(hub.puts()).toHaveLength(0);

    await user.clear(screen.getByLabelText("Highest score"));
    await user.type(screen.getByLabelText("Highest score"), "10");
    await user.type(screen.getByLabelText("Choice 2 of question 3 in French"), "Délai");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sent(hub)).toEqual({
      list: [
        {
          id: "apres-vente",
          name: "Après-vente",
          questions: [
            { id: "question-1", text: { en: "Was it solved?", fr: "Est-ce résolu ?" }, answer: { kind: "yes_no" }, required: true },
            { id: "question-2", text: { en: "How easy was it?" }, answer: { kind: "rating", max: 10 }, required: false },
            { id: "question-3", text: { fr: "Pourquoi ?" }, answer: { kind: "choice", choices: [{ en: "Price" }, { fr: "Délai" }], multiple: true }, required: false },
          ],
        },
      ],
      agent: { questionnaire: "apres-vente", complete_button: true, cancel_button: false, closable_without_answer: true },
      visitor: { questionnaire: null, agent_may_send: true },
    });
    expect({ ...(hub.puts()[0].body as ProjectSettings), questionnaires: null }).toEqual({ ...DEMO_SETTINGS, questionnaires: null });
    // Saved: its identifier no longer changes.
    expect(screen.getByLabelText("Identifier")).toHaveAttribute("readonly");
  });

  it("reorders questions with the buttons and Alt+↑ on the answer's kind; the hub's refusal lands on the question it names", async () => {
    const settings = withPath(DEMO_SETTINGS, "questionnaires", AFTER_SALES);
    const { hub, user } = await page("#/agent_questionnaire", settings);
    expect(screen.getByLabelText("Question 1 in English")).toHaveValue("Was it solved?");
    await user.click(screen.getByRole("button", { name: "Move question 1 down" }));
    expect(screen.getByLabelText("Question 1 in English")).toHaveValue("Why?");
    await waitFor(() => expect(screen.getByRole("button", { name: "Move question 2 down" })).toHaveFocus());
    screen.getByLabelText("Answer to question 2").focus();
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    expect(screen.getByLabelText("Question 1 in English")).toHaveValue("Was it solved?");

    hub.on("PUT", hub.settingsPath, () =>
      json(400, { code: "invalid_input", message: "1 setting(s) refused", fields: { "questionnaires.list.0.questions.1.answer.choices.1.fr": "one line of at most 300 characters" } }),
    );
    await user.type(screen.getByLabelText("Question 2 in French"), "Pourquoi ?");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByLabelText("Choice 2 of question 2 in French")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("Choice 2 of question 2 in French")).toHaveAccessibleDescription(/one line of at most 300 characters/);
  });

  it("removing the chosen questionnaire sets the agent's back to none", async () => {
    const settings = withPath(DEMO_SETTINGS, "questionnaires", AFTER_SALES);
    const { hub, user } = await page("#/agent_questionnaire", settings);
    expect(screen.getByText("Filled in by agents")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Remove After sales" }));
    expect(screen.getByLabelText("Questionnaire the agent fills in")).toHaveDisplayValue("None");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sent(hub).list).toEqual([]);
    expect(sent(hub).agent.questionnaire).toBeNull();
  });
});

describe("visitor survey", () => {
  it("chooses a questionnaire of the list or the built-in survey, and whether the agent may send it", async () => {
    const settings = withPath(DEMO_SETTINGS, "questionnaires", AFTER_SALES);
    const { hub, user } = await page("#/visitor_survey", settings);
    expect(screen.getByRole("heading", { level: 1, name: "Visitor survey" })).toBeInTheDocument();
    const choice = screen.getByLabelText("Survey sent at close");
    expect(choice).toHaveDisplayValue("Built-in satisfaction survey (a score from 1 to 5 and a comment)");
    await user.selectOptions(choice, "After sales");
    await user.click(screen.getByRole("switch", { name: "The agent may send the survey during the conversation" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(hub.puts()).toHaveLength(1));
    expect(sent(hub).visitor).toEqual({ questionnaire: "after-sales", agent_may_send: false });
    expect(sent(hub).agent).toEqual(AFTER_SALES.agent);
    expect(screen.getByText("Sent to visitors")).toBeInTheDocument();
  });

  it("is read only for a manager", async () => {
    const settings = withPath(DEMO_SETTINGS, "questionnaires", AFTER_SALES);
    await page("#/visitor_survey", settings, { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" });
    expect(screen.getByLabelText("Survey sent at close")).toBeDisabled();
    expect(screen.getByLabelText("Question 1 in English")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
    expect(within(screen.getByRole("main")).queryByRole("button", { name: /^Remove/ })).not.toBeInTheDocument();
  });
});
