/**
 * Thread items as DOM: messages (text, sentences, offers, files, file requests), pending
 * messages, separators and the small forms (e-mail, survey, waiting questionnaire). All
 * content from the hub or the visitor goes in as text nodes or attribute values checked here
 * (URLs: http/https only for images and offers); never as HTML (DESIGN §8). Names and file
 * names are shown on one line, without bidi or zero-width controls, each in a `<bdi>`; message
 * text keeps its characters in a bubble that isolates it (`dir="auto"`).
 */
import { bdi, h, icon, initials, phrase } from "./dom";
import { oneLine } from "./text";
import type { Lang, T } from "./i18n";
import { formatBytes } from "./i18n";
import { linkify } from "./linkify";
import type { Entry } from "./outbox";
import type { FileInfo, Message, WidgetConfig } from "./protocol";

export interface RenderCtx {
  t: T;
  lang: Lang;
  config: WidgetConfig;
  now(): number;
  /** A blob URL for a stored file (fetched once with the visitor's token). */
  fileUrl(file: FileInfo): Promise<string>;
  /** Uploads a file to a conversation; resolves to an error message, or null when stored. */
  upload(conversation: string, file: File): Promise<string | null>;
  retry(clientId: string): void;
  edit(clientId: string): void;
}

/** Image types previewed inline (never SVG: a document, not a picture). */
const PREVIEW = ["image/png", "image/jpeg", "image/gif", "image/webp"];
/** Largest image fetched for a preview without the visitor asking. */
const PREVIEW_MAX_BYTES = 5 * 1024 * 1024;

export function httpUrl(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  try {
    const u = new URL(raw);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

export function formatTime(at: number, lang: Lang, now: number): string {
  const d = new Date(at);
  if (!Number.isFinite(d.getTime())) return "";
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const opts: Intl.DateTimeFormatOptions = sameDay
    ? { hour: "numeric", minute: "2-digit" }
    : { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" };
  try {
    return new Intl.DateTimeFormat(lang, opts).format(d);
  } catch {
    return d.toISOString().slice(0, 16).replace("T", " ");
  }
}

export interface Position {
  first: boolean;
  last: boolean;
}

/** One row of the thread: avatar column, name, bubble(s), time. */
function row(
  mine: boolean,
  author: string | null,
  pos: Position,
  content: Node,
  foot: Node | null,
  extraClass = "",
): HTMLElement {
  const col = h(
    "div",
    { class: "col" },
    !mine && pos.first && author ? h("div", { class: "name" }, bdi(author)) : null,
    content,
    foot,
  );
  const side = mine
    ? null
    : pos.first && author
      ? h("div", { class: "mini", "aria-hidden": "true" }, initials(author))
      : h("div", { class: "gap" });
  return h(
    "div",
    { class: `row ${mine ? "me" : "them"}${pos.first ? " first" : ""} ${extraClass}`.trim() },
    side,
    col,
  );
}

export function authorName(m: Message, t: T): string {
  const a = m.author;
  if (a?.kind === "visitor") return t("you");
  if (a?.kind === "agent") return oneLine(a.name);
  return "";
}

/** `uploadable`: a file request still waiting for the visitor's file in an open conversation. */
export function renderMessage(m: Message, pos: Position, ctx: RenderCtx, uploadable: boolean): HTMLElement | null {
  const mine = m.author?.kind === "visitor";
  const name = mine ? null : authorName(m, ctx.t) || ctx.config.name;
  const time = pos.last ? h("div", { class: "time" }, formatTime(m.at, ctx.lang, ctx.now())) : null;
  const b = m.body;
  switch (b?.kind) {
    case "text":
      return row(mine, name, pos, h("div", { class: "bubble", dir: "auto" }, ...linkify(String(b.text))), time);
    case "sentence":
      return h("div", { class: "sys", dir: "auto", "data-sentence": String(b.sentence) }, ...linkify(String(b.text)));
    case "offer":
      return row(mine, name, pos, offerCard(b.offer, ctx), time);
    case "file":
      return row(mine, name, pos, fileBubble(b.file, ctx), time);
    case "event":
      if (b.event?.kind === "file_requested") {
        return fileRequest(m, String(b.event.agent ?? ""), ctx, uploadable);
      }
      // M3: a manager joined (or left) the adviser: said in a system line, as text.
      if (b.event?.kind === "manager_joined") {
        const key = b.event.joined ? "managerJoined" : "managerLeft";
        return h("div", { class: "sys", dir: "auto", "data-event": "manager_joined" }, ctx.t(key, { agent: oneLine(b.event.agent) }));
      }
      return null;
    default:
      return null;
  }
}

function offerCard(offer: unknown, ctx: RenderCtx): HTMLElement {
  const o = (offer ?? {}) as Record<string, unknown>;
  const image = httpUrl(o.image);
  const link = httpUrl(o.link);
  const card = h("div", { class: "card" });
  if (image) {
    const img = h("img", { alt: "", loading: "lazy", referrerpolicy: "no-referrer" });
    img.src = image;
    img.addEventListener("error", () => img.remove());
    card.appendChild(img);
  }
  card.appendChild(
    h(
      "div",
      { class: "in" },
      h("h3", { dir: "auto" }, oneLine(o.title)),
      o.text ? h("p", { dir: "auto" }, ...linkify(String(o.text))) : null,
      link
        ? h("a", { class: "btn", href: link, target: "_blank", rel: "noopener noreferrer" }, ctx.t("offer"))
        : null,
    ),
  );
  return card;
}

function fileBubble(file: FileInfo, ctx: RenderCtx): HTMLElement {
  // On one line: `invoice‮gpj.exe` reads (and downloads as) "invoicegpj.exe", not "invoiceexe.jpg".
  const name = oneLine(file?.name) || "file";
  const size = Number(file?.size) || 0;
  const bubble = h("div", { class: "bubble" });
  const dl = h("button", { type: "button", class: "dl" }, ctx.t("download"));
  bubble.appendChild(
    h(
      "div",
      { class: "file" },
      icon("file", 22),
      h("div", { class: "meta" }, h("bdi", { class: "fn", title: name }, name), h("span", { class: "fs" }, formatBytes(size, ctx.lang))),
      dl,
    ),
  );
  dl.addEventListener("click", () => {
    ctx.fileUrl(file).then(
      (url) => {
        const a = h("a", { href: url, download: name, rel: "noopener" });
        a.click();
      },
      () => {
        dl.textContent = ctx.t("error");
      },
    );
  });
  if (PREVIEW.includes(String(file?.mime)) && size <= PREVIEW_MAX_BYTES) {
    ctx.fileUrl(file).then(
      (url) => {
        const img = h("img", { class: "preview", alt: name });
        img.src = url;
        bubble.appendChild(img);
      },
      () => {},
    );
  }
  return bubble;
}

/** Accepted by the project's list (`image/*` patterns allowed; an empty list takes any). */
export function typeAccepted(mime: string, types: string[]): boolean {
  if (!types.length) return true;
  return types.some((t) => t === mime || (t.endsWith("/*") && mime.startsWith(t.slice(0, -1))));
}

/** W4: checks a chosen file against the project's limits; the message to show, or null. */
export function checkFile(file: { size: number; type: string }, config: WidgetConfig, t: T, lang: Lang): string | null {
  if (config.max_file_bytes > 0 && file.size > config.max_file_bytes) {
    return t("tooBig", { max: formatBytes(config.max_file_bytes, lang) });
  }
  if (!typeAccepted(file.type, config.file_types ?? [])) {
    return t("badType", { types: (config.file_types ?? []).join(", ") });
  }
  return null;
}

function fileRequest(m: Message, agent: string, ctx: RenderCtx, open: boolean): HTMLElement {
  const { t } = ctx;
  const box = h("div", { class: "box" }, h("h3", null, ...phrase(t, "fileAsked", { agent: oneLine(agent) || ctx.config.name })));
  if (!open) return box;
  const input = h("input", { type: "file", class: "sr", tabindex: "-1", "aria-hidden": "true" });
  if (ctx.config.file_types?.length) input.accept = ctx.config.file_types.join(",");
  const choose = h("button", { type: "button", class: "btn ghost" }, icon("clip", 18), t("choose"));
  const note = h("p", { class: "err", role: "status" });
  choose.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    const problem = checkFile(file, ctx.config, t, ctx.lang);
    note.className = "err";
    if (problem) {
      note.textContent = problem;
      return;
    }
    note.className = "time";
    note.replaceChildren(...phrase(t, "uploading", { name: file.name }));
    choose.disabled = true;
    ctx.upload(m.conversation, file).then((error) => {
      choose.disabled = false;
      note.className = error ? "err" : "time";
      note.textContent = error ? t("uploadFailed", { message: error }) : "";
    });
  });
  box.append(choose, input, note);
  return box;
}

/** A message the hub has not acknowledged yet (R12), or refused: its text stays. */
export function renderPending(e: Entry, pos: Position, ctx: RenderCtx, online: boolean): HTMLElement {
  const { t } = ctx;
  const text = e.frame.type === "send_message" ? e.frame.text : "";
  const id = e.frame.client_id;
  let note: HTMLElement;
  if (e.state === "failed") {
    const retry = h("button", { type: "button", class: "link" }, t("retry"));
    const edit = h("button", { type: "button", class: "link" }, t("edit"));
    retry.addEventListener("click", () => ctx.retry(id));
    edit.addEventListener("click", () => ctx.edit(id));
    note = h("div", { class: "note bad", role: "alert" }, icon("alert", 14), `${t("failed")}: ${e.error?.message ?? ""}`, retry, edit);
  } else if (e.state === "acked") {
    note = h("div", { class: "time" }, formatTime(e.at, ctx.lang, ctx.now()));
  } else {
    note = h("div", { class: "note" }, icon("clock", 14), online ? t("sending") : t("queued"));
  }
  const el = row(true, null, pos, h("div", { class: "bubble", dir: "auto" }, ...linkify(text)), note, e.state === "failed" ? "failed" : e.state === "acked" ? "" : "pending");
  el.dataset.clientId = id;
  el.dataset.state = e.state;
  return el;
}

export function separator(text: string): HTMLElement {
  return h("div", { class: "sep", role: "separator" }, text);
}

// ---- forms ----

export interface Form {
  el: HTMLElement;
  /** The hub refused it: show why, and let the visitor try again (what they typed stays). */
  error(message: string): void;
}

/** Send, and "Not now" when the visitor may put the form off. */
function actions(t: T, btn: HTMLButtonElement, dismiss?: () => void): HTMLElement {
  const later = dismiss ? h("button", { type: "button", class: "link" }, t("notNow")) : null;
  later?.addEventListener("click", dismiss!);
  return h("div", { class: "acts" }, btn, later);
}

/** R8: name (optional) and e-mail, for the answer by e-mail; "Not now" puts it off. */
export function emailForm(t: T, submit: (name: string | null, email: string) => void, dismiss?: () => void): Form {
  const name = h("input", { type: "text", name: "name", autocomplete: "name", maxlength: "200" });
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, maxlength: "320", "aria-describedby": "pw-email-err" });
  const err = h("p", { class: "err", role: "alert", id: "pw-email-err" });
  const problem = (text: string) => {
    err.textContent = text;
    if (text) email.setAttribute("aria-invalid", "true");
    else email.removeAttribute("aria-invalid");
  };
  const btn = h("button", { type: "submit", class: "btn" }, t("send"));
  const form = h(
    "form",
    { class: "box email", novalidate: true },
    h("h3", null, t("emailTitle")),
    h("div", { class: "two" }, h("label", null, t("name"), name), h("label", null, t("email"), email)),
    err,
    actions(t, btn, dismiss),
  );
  email.addEventListener("input", () => problem(""));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const address = email.value.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
      problem(t("emailInvalid"));
      email.focus();
      return;
    }
    problem("");
    btn.disabled = true;
    submit(name.value.trim() || null, address);
  });
  return {
    el: form,
    error(message) {
      btn.disabled = false;
      problem(message);
    },
  };
}

/** W4, R9: score 1–5 and an optional comment. */
export function surveyForm(t: T, submit: (score: number, comment: string | null) => void): Form {
  let score = 0;
  const err = h("p", { class: "err", role: "alert" });
  const btn = h("button", { type: "submit", class: "btn", disabled: true }, t("send"));
  const scores = h("div", { class: "scores", role: "group", "aria-label": t("surveyTitle") });
  const buttons = [1, 2, 3, 4, 5].map((n) => {
    const b = h("button", { type: "button", "aria-pressed": "false", "aria-label": t("score", { n, max: 5 }) }, String(n));
    b.addEventListener("click", () => {
      score = n;
      buttons.forEach((x, i) => x.setAttribute("aria-pressed", String(i + 1 === n)));
      btn.disabled = false;
    });
    scores.appendChild(b);
    return b;
  });
  const comment = h("textarea", { name: "comment", maxlength: "2000", rows: "2" });
  const form = h(
    "form",
    { class: "box survey" },
    h("h3", null, t("surveyTitle")),
    scores,
    h("label", null, t("comment"), comment),
    err,
    btn,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!score) return;
    btn.disabled = true;
    err.textContent = "";
    submit(score, comment.value.trim() || null);
  });
  return {
    el: form,
    error(message) {
      btn.disabled = false;
      err.textContent = message;
    },
  };
}

/** R10, W4: the waiting questionnaire, one answer per question in order. */
export function questionnaireForm(t: T, questions: string[], submit: (answers: string[]) => void, dismiss?: () => void): Form {
  const err = h("p", { class: "err", role: "alert" });
  const btn = h("button", { type: "submit", class: "btn" }, t("send"));
  const inputs = questions.map(() => h("input", { type: "text", maxlength: "2000", placeholder: t("answer") }));
  const form = h(
    "form",
    { class: "box questionnaire" },
    h("h3", null, t("waitTitle")),
    ...questions.map((q, i) => h("label", null, String(q), inputs[i])),
    err,
    actions(t, btn, dismiss),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const answers = inputs.map((i) => i.value.trim());
    if (answers.every((a) => !a)) {
      inputs[0]?.focus();
      return;
    }
    btn.disabled = true;
    err.textContent = "";
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

export function thanks(text: string): HTMLElement {
  return h("div", { class: "box", role: "status" }, h("p", { class: "ok" }, text));
}
