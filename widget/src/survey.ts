/**
 * The project's own survey as a form (SPEC A5, R9, W4): one field per question, by kind (text,
 * yes/no, a rating from 1 to its max, one or several choices), each question in the visitor's
 * language (`questions.ts`). Required questions say so in their label; one left blank at Send
 * gets a message under it and the focus. The admin's texts go in as text nodes only.
 */
import { h } from "./dom";
import type { T } from "./i18n";
import type { AnswerValue, QuestionnaireQuestion } from "./protocol";
import type { Values } from "./questions";
import { collect, pickText } from "./questions";
import type { Form } from "./render";

let made = 0;

interface Field {
  id: string;
  el: HTMLElement;
  focus(): void;
  problem(text: string): void;
}

function field(t: T, language: string, q: QuestionnaireQuestion, id: string, set: (v: AnswerValue | undefined) => void): Field {
  const err = h("p", { class: "err", id: `${id}-e` });
  const title: (string | HTMLElement)[] = [pickText(q.text, language)];
  if (q.required) title.push(" ", h("span", { class: "req" }, `(${t("required")})`));
  const a = q.answer;
  let controls: HTMLElement[];
  let el: HTMLElement;
  if (a.kind === "text") {
    const area = h("textarea", { id, maxlength: "2000", rows: "2", "aria-describedby": err.id });
    area.addEventListener("input", () => set(area.value));
    controls = [area];
    el = h("div", { class: "q" }, h("label", { for: id }, ...title), area, err);
  } else {
    const multiple = a.kind === "choice" && a.multiple;
    // Each option: what it reads, and the value it gives.
    const options: [string, AnswerValue][] =
      a.kind === "yes_no"
        ? [
            [t("yes"), true],
            [t("no"), false],
          ]
        : a.kind === "rating"
          ? Array.from({ length: a.max }, (_, i) => [String(i + 1), i + 1])
          : a.choices.map((c, i) => [pickText(c, language), [i]]);
    const inputs = options.map(([, value], i) => {
      const input = h("input", { type: multiple ? "checkbox" : "radio", name: id, value: String(i), "aria-describedby": err.id });
      input.addEventListener("change", () => {
        if (!multiple) set(value);
        else set(options.flatMap(([, v], j) => (inputs[j].checked ? (v as number[]) : [])));
      });
      return input;
    });
    const picks = a.kind !== "choice";
    const list = h("div", { class: picks ? "picks" : "opts" });
    if (picks) list.style.setProperty("--n", String(options.length > 6 ? Math.ceil(options.length / 2) : options.length));
    options.forEach(([text], i) => {
      const label = h("label", { class: picks ? "pick" : "opt" }, inputs[i], h("span", null, text));
      if (a.kind === "rating") inputs[i].setAttribute("aria-label", t("score", { n: i + 1, max: a.max }));
      list.appendChild(label);
    });
    controls = inputs;
    el = h("fieldset", { class: "q" }, h("legend", null, ...title), list, err);
  }
  return {
    id: q.id,
    el,
    focus: () => controls[0]?.focus(),
    problem(text) {
      err.textContent = text;
      if (a.kind === "text") {
        if (text) controls[0].setAttribute("aria-invalid", "true");
        else controls[0].removeAttribute("aria-invalid");
      }
    },
  };
}

/** The survey the project chose: the answers go by question id, blank optional ones left out. */
export function questionsForm(
  t: T,
  language: string,
  questions: QuestionnaireQuestion[],
  submit: (answers: { [id: string]: AnswerValue }) => void,
): Form {
  const n = ++made;
  const values: Values = {};
  const err = h("p", { class: "err", role: "alert" });
  const btn = h("button", { type: "submit", class: "btn" }, t("send"));
  const fields = questions.map((q, i) => {
    const f: Field = field(t, language, q, `pw-s${n}-${i}`, (v) => {
      values[q.id] = v;
      if (!collect([q], values).missing.length) f.problem("");
    });
    return f;
  });
  const form = h(
    "form",
    { class: "box survey questions", novalidate: true },
    h("h3", null, t("surveyTitle")),
    ...fields.map((f) => f.el),
    err,
    btn,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const { answers, missing } = collect(questions, values);
    for (const f of fields) f.problem(missing.includes(f.id) ? t("answerMissing") : "");
    err.textContent = "";
    if (missing.length) {
      fields.find((f) => f.id === missing[0])?.focus();
      return;
    }
    if (!Object.keys(answers).length) {
      err.textContent = t("answerOne");
      fields[0]?.focus();
      return;
    }
    btn.disabled = true;
    submit(answers);
  });
  return {
    el: form,
    error(message) {
      btn.disabled = false;
      err.textContent = message;
    },
  };
}
