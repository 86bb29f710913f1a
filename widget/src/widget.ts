/**
 * The chatbox: wires the model (what we know), the outbox (what we sent), the connection and
 * the view. Map of the widget's modules:
 *
 * - `main.ts`: finds its own script tag, fetches the project's config, starts a `Widget`.
 * - `widget.ts` (here): frames in, frames out, and the panel (launcher, header, thread,
 *   composer, badge, focus trap, live region).
 * - `model.ts`: conversations, resume point, seen mark, survey and questionnaire on offer.
 * - `outbox.ts`: frames with a client id, kept until acknowledged (R12).
 * - `connection.ts`: the socket, backoff and liveness.
 * - `render.ts`, `linkify.ts`, `dom.ts`: DOM made from text nodes only (DESIGN §8).
 * - `throttle.ts`: typing drafts (W3). `i18n.ts`: strings. `storage.ts`: localStorage.
 * - `fields.ts`: the site's custom fields for the visitor card (A7, `Pupitre.set`).
 * - `sales.ts`: sales the site reports (D15, `Pupitre.sale`), kept until acknowledged.
 * - `questions.ts`, `survey.ts`: the project's own survey (A5).
 * - `preview.ts`: the console's live preview (a sample conversation, nothing leaves).
 * - `cobrowse.ts`: co-browsing consent (C1); the recorder is `cobrowse.js`, loaded from the
 *   hub only once the visitor accepted (`src/recorder/`).
 */
import type { ConnState, ConnectionDeps } from "./connection";
import { Connection } from "./connection";
import { brandColors, parseColor } from "./contrast";
import type { Rgb } from "./contrast";
import { bdi, h, icon, initials, phrase } from "./dom";
import { FieldSync } from "./fields";
import { SalesSync } from "./sales";
import { oneLine } from "./text";
import type { Lang, T } from "./i18n";
import { pickLang, translator } from "./i18n";
import type { Prompt } from "./cobrowse";
import { Consent } from "./cobrowse";
import type { Conversation, Snapshot } from "./model";
import { ASYNC_SENTENCES, Model, isShown } from "./model";
import { ADOPT_GRACE_MS, Outbox } from "./outbox";
import type { ChangeFrame } from "./outbox";
import type { AnswerValue, Body, FileInfo, Guide, Message, Page, VisitorClientFrame, VisitorServerFrame, WidgetConfig } from "./protocol";
import type { RecorderApi, Recording } from "./recorder/api";
import { RECORDER_GLOBAL } from "./recorder/api";
import type { Form, Position, RenderCtx } from "./render";
import {
  authorName,
  emailForm,
  questionnaireForm,
  renderMessage,
  renderPending,
  separator,
  surveyForm,
  thanks,
} from "./render";
import type { KV } from "./storage";
import { readJson } from "./storage";
import { CSS } from "./styles";
import { questionsForm } from "./survey";
import { DraftThrottle } from "./throttle";
import { uuidv7 } from "./uuid";

export const PROTOCOL_VERSION = 1;
/** A cached history larger than this is not kept: the next visit asks the hub for it. */
const MAX_SNAPSHOT_CHARS = 1_000_000;
/** A refused-for-rate frame goes again after this. */
const RATE_RETRY_MS = 2_000;
/** The hub refuses longer page URLs and titles (its MAX_FIELD_CHARS; titles are clipped). */
const MAX_URL_CHARS = 2_000;
const MAX_TITLE_CHARS = 500;
/** How close to the bottom counts as "reading the latest" (then new messages scroll in). */
const STICKY_PX = 80;

export interface Env {
  window: Window;
  document: Document;
  fetch: typeof fetch;
  WebSocket: typeof WebSocket;
  storage: KV;
  now(): number;
  random(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export interface Options {
  hub: string;
  project: string;
  config: WidgetConfig;
  env: Env;
  /** The browser's language (hello, sentences, e-mail); the UI speaks fr or en. */
  language: string;
  /** The console's preview (`preview.ts`): mounted open, no listeners, no session, and nothing
   * leaves: a message is shown as sent, a form as answered. */
  preview?: boolean;
}

interface Item {
  key: string;
  sig: string;
  make(): HTMLElement;
}

const DEFAULT_COLOR = "#4f46e5";

/** `ws(s)://host/ws/visitor` from the hub's `http(s)://` origin. */
export function socketUrl(hub: string): string {
  return `${hub.replace(/^http/i, "ws").replace(/\/+$/, "")}/ws/visitor`;
}

export class Widget {
  readonly lang: Lang;
  readonly t: T;
  readonly model: Model;
  readonly outbox: Outbox;
  readonly conn: Connection;
  /** A7: the site's custom fields for the visitor card (`Pupitre.set`). */
  readonly fields: FieldSync;
  /** D15: the sales the site reports (`Pupitre.sale`). */
  readonly sales: SalesSync;
  /** C1: co-browsing consent; the recorder once this tab records. */
  readonly cobrowse: Consent;
  private recorder: Recording | null = null;
  private recorderLoad: Promise<RecorderApi> | null = null;
  private drafts: DraftThrottle;
  private key: string;
  private env: Env;
  private config: WidgetConfig;

  // The view.
  host!: HTMLElement;
  root!: ShadowRoot;
  private box!: HTMLElement;
  private launcher!: HTMLButtonElement;
  private badge!: HTMLElement;
  private panel!: HTMLElement;
  private avatar!: HTMLElement;
  private subtitle!: HTMLElement;
  private status!: HTMLElement;
  private thread!: HTMLElement;
  private input!: HTMLTextAreaElement;
  private sendButton!: HTMLButtonElement;
  private live!: HTMLElement;
  /** Co-browsing: the prompt's place (above the composer), the banner. */
  private cbSlot!: HTMLElement;
  private cbShown = "";
  private cbBanner = "";
  private banner!: HTMLElement;
  private bannerText!: HTMLElement;

  private isOpen = false;
  private welcomed = false;
  private everWelcomed = false;
  private navigated = false;
  private rendered = new Map<string, { sig: string; el: HTMLElement }>();
  private forms = new Map<string, Form>();
  /** Which form a change frame came from, to show its answer there. */
  private formOf = new Map<string, string>();
  /** Thanks for an answered form, shown after the message that was last when it was answered
   * (later messages go below it, not above). */
  private thanked = new Map<string, { text: string; after: number }>();
  private files = new Map<string, Promise<string>>();
  private renderQueued = false;
  private saveTimer: unknown = null;
  private questionnaireTimer: unknown = null;
  private armedUntil: number | null = null;
  private rateTimer: unknown = null;
  private adoptTimer: unknown = null;
  private stickToBottom = true;
  /** Scroll to the end at the next render even if nothing new came (the panel opened). */
  private scrollWanted = true;
  /** Where the widget itself last scrolled the thread (that still counts as following it). */
  private autoTop = -1;
  private threadHeight = 0;
  /** The item the thread must not scroll past: the automatic reply a form hangs under. */
  private anchorKey: string | null = null;

  constructor(private opts: Options) {
    this.env = opts.env;
    this.config = opts.config;
    this.lang = pickLang(opts.language);
    this.t = translator(this.lang);
    this.key = `pupitre:${opts.project}`;
    this.model = Model.from(readJson<Snapshot>(this.env.storage, this.key));
    this.outbox = new Outbox(this.env.storage, `${this.key}:outbox`, () => this.env.now());
    const deps: ConnectionDeps = {
      WebSocket: this.env.WebSocket,
      random: this.env.random,
      setTimeout: this.env.setTimeout,
      clearTimeout: this.env.clearTimeout,
      online: () => this.env.window.navigator.onLine !== false,
    };
    this.conn = new Connection(
      socketUrl(opts.hub),
      () => this.hello(),
      (f) => this.onFrame(f),
      (s) => this.onConnState(s),
      deps,
    );
    this.fields = new FieldSync({
      kv: this.env.storage,
      key: `${this.key}:fields`,
      send: (f) => this.conn.send(f),
      id: uuidv7,
      setTimeout: this.env.setTimeout,
    });
    this.sales = new SalesSync({
      kv: this.env.storage,
      key: `${this.key}:sales`,
      ready: () => this.welcomed && this.model.conversations.length > 0,
      none: () => this.welcomed && this.model.conversations.length === 0,
      send: (f) => this.conn.send(f),
      id: uuidv7,
      now: () => this.env.now(),
      setTimeout: this.env.setTimeout,
    });
    this.cobrowse = new Consent(
      {
        get: () => this.session("cobrowse"),
        set: (relay) => void this.session("cobrowse", relay),
        remove: () => void this.session("cobrowse", null),
      },
      {
        record: (relay) => this.record(relay),
        stop: () => {
          this.recorder?.stop();
          this.recorder = null;
        },
        send: (conversation, action) => this.conn.send({ type: "cobrowse", conversation, action }),
      },
    );
    this.drafts = new DraftThrottle(
      (text) => {
        if (this.model.open()) this.conn.send({ type: "draft", text });
      },
      this.env,
    );
  }

  // ---- lifecycle ----

  mount(): void {
    const doc = this.env.document;
    this.host = doc.createElement("div");
    this.host.id = "pupitre-widget";
    this.root = this.host.attachShadow({ mode: "open" });
    this.buildView();
    doc.body.appendChild(this.host);
    this.applyConfig();
    if (this.opts.preview) {
      this.panel.classList.add("still");
      this.open(false);
      // The sample conversation in view first; the forms follow below it.
      this.thread.scrollTop = 0;
      this.stickToBottom = false;
      return;
    }
    const win = this.env.window;
    win.addEventListener("online", () => this.conn.wakeUp());
    win.addEventListener("offline", () => this.conn.wentOffline());
    win.addEventListener("pageshow", () => {
      this.syncOutbox();
      this.conn.wakeUp();
    });
    // R12: the outbox is shared with the site's other tabs.
    win.addEventListener("storage", (ev) => {
      if (ev.key === null || ev.key === `${this.key}:outbox`) this.syncOutbox();
    });
    win.addEventListener("pagehide", () => this.saveNow());
    win.addEventListener("hashchange", () => this.openFromHash());
    doc.addEventListener("visibilitychange", () => {
      if (doc.visibilityState === "visible") this.conn.wakeUp();
      this.markSeen();
      this.renderNow();
    });
    this.renderNow();
    if (!this.openFromHash() && this.session("open") === "1") {
      this.panel.classList.add("still"); // open from the previous page: no entrance animation
      this.open(false);
    }
  }

  start(): void {
    this.conn.start();
  }

  stop(): void {
    this.conn.stop();
  }

  private hello(): VisitorClientFrame {
    return {
      type: "hello",
      version: PROTOCOL_VERSION,
      project: this.opts.project,
      token: this.model.token,
      last_seq: this.model.token ? this.model.seq : null,
      language: this.opts.language || null,
      page: this.page(),
    };
  }

  /** This page, within the hub's limits for a URL and a title. */
  private page(): Page {
    const title = this.env.document.title.trim();
    return {
      url: this.env.window.location.href.slice(0, MAX_URL_CHARS),
      title: title ? title.slice(0, MAX_TITLE_CHARS) : null,
    };
  }

  // ---- frames from the hub ----

  onFrame(f: VisitorServerFrame): void {
    switch (f.type) {
      case "welcome": {
        const hubSeen = typeof f.seen === "number" ? f.seen : 0;
        this.model.welcome(f);
        this.forgetDelivered();
        this.welcomed = this.everWelcomed = true;
        this.conn.welcomed();
        // The site's fields first: a conversation the queued message starts has them on its card.
        this.fields.welcome(f.token);
        if (this.model.seen > hubSeen) this.conn.send({ type: "seen", up_to: this.model.seen });
        if (!this.navigated) {
          this.navigated = true;
          const open = this.model.open();
          if (open && open.messages.length) {
            this.change({ type: "navigate", client_id: uuidv7(), page: this.page() });
          }
        }
        this.flush();
        this.sales.dropUnattributable();
        this.sales.flush();
        break;
      }
      case "event": {
        if (typeof f.seq !== "number" || !f.event) return;
        const none = !this.model.conversations.length;
        if (!this.model.event(f.seq, f.event)) return;
        if (f.event.kind === "message") this.received(f.event.message);
        // The visitor's first conversation: the sales waiting for one go.
        if (none) this.sales.flush();
        break;
      }
      case "ack": {
        if (this.fields.answer(f.client_id) || this.sales.answer(f.client_id)) return;
        const e = this.outbox.ack(f.client_id);
        if (e) this.answered(e.frame, null);
        this.forgetDelivered();
        break;
      }
      case "error": {
        if (f.client_id) {
          if (this.fields.answer(f.client_id, f) || this.sales.answer(f.client_id, f)) return;
          const e = this.outbox.fail(f.client_id, f.code, f.message);
          if (!e) break;
          if (f.code === "rate_limited") this.retrySoon();
          else if (e.frame.type !== "send_message") {
            this.outbox.drop(f.client_id);
            this.answered(e.frame, f.message);
          }
        } else if (!this.welcomed && f.code === "unauthorized") {
          // Our token is not (or no longer) valid here: start as a new visitor. What the
          // visitor wrote and did not get acknowledged stays in the outbox.
          this.model.token = null;
          this.model.seq = null;
          this.model.conversations = [];
          this.saveNow();
        }
        break;
      }
      case "cobrowse":
        this.cobrowse.update(f);
        break;
      case "cobrowse_guide":
        if (this.cobrowse.recording && this.cobrowse.state?.conversation === f.conversation) this.guide(f.guide);
        return;
      default:
        return; // pong, or a frame this version does not know
    }
    this.changed();
  }

  /** Outbox messages the thread already holds (a history fetched after they were applied, or
   * an ack for a resend whose echo came earlier) are delivered: never shown twice. */
  private forgetDelivered(): void {
    const known = new Set<string>();
    for (const c of this.model.conversations) for (const m of c.messages) if (m.client_id) known.add(m.client_id);
    for (const e of this.outbox.messages()) if (known.has(e.frame.client_id)) this.outbox.drop(e.frame.client_id);
  }

  /** A new message: merge our own echo, announce the others. */
  private received(m: Message): void {
    if (m.client_id) this.outbox.drop(m.client_id);
    if (!isShown(m) || m.author?.kind === "visitor") return;
    const b = m.body;
    const who = authorName(m, this.t) || oneLine(this.config.name);
    const what =
      b.kind === "text" || b.kind === "sentence"
        ? b.text
        : b.kind === "offer"
          ? b.offer?.title
          : b.kind === "file"
            ? oneLine(b.file?.name)
            : b.kind === "event" && b.event.kind === "file_requested"
              ? this.t("fileAsked", { agent: oneLine(b.event.agent) })
              : b.kind === "event" && b.event.kind === "manager_joined"
                ? this.t(b.event.joined ? "managerJoined" : "managerLeft", { agent: oneLine(b.event.agent) })
                : "";
    this.live.textContent = b.kind === "sentence" ? String(what) : `${who}: ${what ?? ""}`;
  }

  /** The hub answered a change frame (ack: `error` null). */
  private answered(frame: ChangeFrame, error: string | null): void {
    const formKey = this.formOf.get(frame.client_id);
    this.formOf.delete(frame.client_id);
    if (error !== null) {
      if (formKey) this.forms.get(formKey)?.error(error);
      return;
    }
    switch (frame.type) {
      case "set_profile":
        this.model.emailLeft = frame.email;
        if (formKey) this.thank(formKey, this.t("emailThanks", { email: frame.email ?? "" }));
        break;
      case "answer_survey":
        this.model.surveyDone(frame.conversation);
        this.thank(`survey:${frame.conversation}`, this.t("surveyThanks"));
        break;
      case "answer_questionnaire":
        if (this.model.questionnaire) {
          this.thank(`q:${this.model.questionnaire.conversation}`, this.t("waitThanks"));
        }
        this.model.questionnaire = null;
        break;
      default:
        break;
    }
  }

  /** The thanks go after the conversation's last message; a closed one's survey thanks, after
   * the "closed" line. */
  private thank(key: string, text: string): void {
    const ref = key.slice(key.indexOf(":") + 1);
    const c = this.model.conversations.find((x) => x.reference === ref);
    const shown = c?.messages.filter(isShown) ?? [];
    const closedSurvey = key.startsWith("survey:") && c?.state === "closed";
    this.thanked.set(key, { text, after: closedSurvey ? -1 : (shown[shown.length - 1]?.id ?? -1) });
  }

  private onConnState(s: ConnState): void {
    if (s !== "open") {
      this.welcomed = false;
      this.outbox.disconnected();
      this.fields.down();
      this.sales.down();
    }
    this.renderNow();
  }

  // ---- frames to the hub ----

  /** Queues a change (R12) and writes it now if the connection is up. */
  change(frame: ChangeFrame, form?: string): void {
    if (form) this.formOf.set(frame.client_id, form);
    if (this.opts.preview) {
      if (frame.type === "send_message") this.echo({ kind: "text", text: frame.text });
      else this.answered(frame, null);
      this.changed();
      return;
    }
    this.outbox.add(frame, this.env.now());
    this.flush();
  }

  flush(): void {
    if (!this.welcomed) return;
    for (const e of this.outbox.toSend(this.env.now())) {
      if (!this.conn.send(e.frame)) break;
      this.outbox.markSent(e);
    }
  }

  /** Another tab changed the outbox: show its messages; send what it has not settled soon. */
  private syncOutbox(): void {
    if (!this.outbox.sync()) return;
    this.changed();
    if (this.adoptTimer !== null) this.env.clearTimeout(this.adoptTimer);
    this.adoptTimer = this.env.setTimeout(() => {
      this.adoptTimer = null;
      this.flush();
      this.changed();
    }, ADOPT_GRACE_MS + 100);
  }

  private retrySoon(): void {
    if (this.rateTimer !== null) return;
    this.rateTimer = this.env.setTimeout(() => {
      this.rateTimer = null;
      this.flush();
      this.changed();
    }, RATE_RETRY_MS);
  }

  /** Preview: the visitor's message as if the hub had it. */
  private echo(body: Body): void {
    const c = this.model.open();
    if (!c) return;
    let id = 0;
    for (const m of this.model.visible()) id = Math.max(id, m.id);
    this.model.addMessage({ id: id + 1, conversation: c.reference, client_id: null, author: { kind: "visitor" }, body, at: this.env.now() });
  }

  send(text: string): boolean {
    const body = text.trim();
    if (!body) return false;
    this.change({ type: "send_message", client_id: uuidv7(), text: body });
    this.drafts.sent();
    this.stickToBottom = true;
    this.changed();
    return true;
  }

  // ---- the panel ----

  open(focus = true): void {
    this.isOpen = true;
    this.panel.hidden = false;
    this.box.classList.add("open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", this.t("close"));
    this.launcher.replaceChildren(icon("down", 28), this.badge);
    this.session("open", "1");
    this.stickToBottom = this.scrollWanted = true;
    this.renderNow();
    if (focus) this.input.focus();
    this.markSeen();
  }

  close(): void {
    this.isOpen = false;
    this.panel.classList.remove("still");
    this.panel.hidden = true;
    this.box.classList.remove("open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", this.t("open"));
    this.launcher.replaceChildren(icon("chat", 28), this.badge);
    this.session("open", "0");
    this.renderNow();
    this.launcher.focus();
  }

  /** `#pupitre-open` (the answer-by-e-mail link, or a page's own link) opens the panel; the
   * hash is then taken off so that the same link works again and a reload does not reopen. */
  private openFromHash(): boolean {
    const win = this.env.window;
    if (win.location.hash !== "#pupitre-open") return false;
    if (!this.isOpen) this.open();
    try {
      win.history.replaceState(win.history.state, "", win.location.pathname + win.location.search);
    } catch {
      /* a sandboxed page: the hash stays */
    }
    return true;
  }

  private buildView(): void {
    const { t } = this;
    const doc = this.env.document;
    const sheet = doc.createElement("style");
    sheet.textContent = CSS;
    this.root.appendChild(sheet);

    this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
    this.launcher = h(
      "button",
      { type: "button", class: "launcher", "aria-label": t("open"), "aria-expanded": "false", "aria-controls": "pw-panel" },
      icon("chat", 28),
      this.badge,
    );
    this.avatar = h("div", { class: "avatar", "aria-hidden": "true" });
    this.subtitle = h("p", null);
    const closeButton = h("button", { type: "button", class: "x", "aria-label": t("closeShort") }, icon("close", 22));
    this.status = h("div", { class: "status", role: "status", hidden: true });
    this.thread = h("div", { class: "thread", role: "region", tabindex: "0", "aria-label": t("messages") });
    this.input = h("textarea", { rows: "1", "aria-label": t("placeholder"), maxlength: "10000", enterkeyhint: "send" });
    this.sendButton = h("button", { type: "submit", class: "sendb", "aria-label": t("send"), disabled: true }, icon("send", 20));
    const composer = h("form", { class: "composer" }, this.input, this.sendButton);
    this.live = h("div", { class: "sr", "aria-live": "polite", "aria-atomic": "true" });
    this.cbSlot = h("div", { class: "cbs" });
    this.bannerText = h("span", null);
    const stop = h("button", { type: "button", "aria-label": t("cbStopLabel") }, t("cbStop"));
    this.banner = h(
      "div",
      { class: "cbb", hidden: true },
      h("span", { class: "dot", "aria-hidden": "true" }),
      this.bannerText,
      h("span", { "aria-hidden": "true" }, "·"),
      stop,
    );
    stop.addEventListener("click", () => {
      this.cobrowse.stop();
      this.changed();
    });
    this.banner.addEventListener("keydown", (ev) => this.isOpen && this.onPanelKey(ev));
    this.panel = h(
      "div",
      { class: "panel", id: "pw-panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "pw-title", hidden: true },
      h("header", null, this.avatar, h("div", { class: "who" }, h("h2", { id: "pw-title" }, bdi(this.config.name)), this.subtitle), closeButton),
      this.status,
      this.thread,
      this.cbSlot,
      composer,
    );
    this.box = h("div", { class: "pw", lang: this.lang }, this.banner, this.panel, this.launcher, this.live);
    this.root.appendChild(this.box);

    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    closeButton.addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (ev) => this.onPanelKey(ev));
    composer.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submitComposer();
    });
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submitComposer();
      }
    });
    this.input.addEventListener("input", () => {
      this.sendButton.disabled = !this.input.value.trim();
      this.autosize();
      this.drafts.input(this.input.value);
    });
    this.thread.addEventListener("scroll", () => {
      const th = this.thread;
      this.stickToBottom =
        th.scrollHeight - th.scrollTop - th.clientHeight < STICKY_PX || Math.abs(th.scrollTop - this.autoTop) < 2;
    });
  }

  private submitComposer(): void {
    if (this.send(this.input.value)) {
      this.input.value = "";
      this.sendButton.disabled = true;
      this.autosize();
    }
  }

  private autosize(): void {
    this.input.style.height = "auto";
    if (this.input.scrollHeight) this.input.style.height = `${Math.min(this.input.scrollHeight, 140)}px`;
    this.follow(false);
  }

  /** Escape closes; Tab stays inside the open panel (focus trap). */
  private onPanelKey(ev: KeyboardEvent): void {
    if (ev.key === "Escape") {
      ev.preventDefault();
      this.close();
      return;
    }
    if (ev.key !== "Tab") return;
    // The co-browsing banner's Stop (above the panel) is in the loop too.
    const focusable = Array.from(
      this.box.querySelectorAll<HTMLElement>(
        '.cbb button,.panel :is(button:not([disabled]),a[href],input:not([type=file]):not([disabled]),textarea:not([disabled]),[tabindex="0"])',
      ),
    ).filter((el) => !el.closest("[hidden]"));
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = this.root.activeElement;
    const outside = !focusable.includes(active as HTMLElement);
    if (ev.shiftKey && (active === first || outside)) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && (active === last || outside)) {
      ev.preventDefault();
      first.focus();
    }
  }

  private applyConfig(): void {
    const c = this.config;
    const style = this.box.style;
    let color = this.cssColor(c.color) ?? DEFAULT_COLOR;
    let rgb = this.measure(color);
    // A colour that cannot be measured cannot be given readable text: the default one instead.
    if (!rgb) rgb = parseColor((color = DEFAULT_COLOR))!;
    const derived = brandColors(rgb);
    style.setProperty("--c", color);
    style.setProperty("--on", derived.on);
    style.setProperty("--on-soft", derived.onSoft);
    style.setProperty("--avatar", derived.avatar);
    style.setProperty("--c-ink", derived.ink);
    if (typeof c.font === "string" && /^[\w\s,"'.-]{1,200}$/.test(c.font)) style.setProperty("--f", c.font);
    this.panel.setAttribute("aria-label", this.t("dialog", { name: oneLine(c.name) }));
  }

  /** The colour if the browser reads it as one (no `url()`, no other property smuggled in). */
  private cssColor(value: unknown): string | null {
    if (typeof value !== "string" || !value || /[;{}\\]|url\(/i.test(value)) return null;
    const css = (this.env.window as unknown as { CSS?: { supports?(p: string, v: string): boolean } }).CSS;
    if (css?.supports && !css.supports("color", value)) return null;
    return value;
  }

  /** The colour's sRGB as the browser paints it: its computed value, else (a syntax the
   * computed value keeps, such as `oklch()`) one pixel of a canvas; null when neither says. */
  private measure(color: string): Rgb | null {
    const probe = this.env.document.createElement("span");
    probe.style.color = color;
    this.root.appendChild(probe);
    const computed = this.env.window.getComputedStyle(probe).color;
    probe.remove();
    const rgb = parseColor(computed);
    if (rgb) return rgb;
    try {
      const ctx = this.env.document.createElement("canvas").getContext("2d", { willReadFrequently: true });
      if (!ctx) return null;
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
      return parseColor(`rgba(${r}, ${g}, ${b}, ${a / 255})`);
    } catch {
      return null;
    }
  }

  // ---- rendering ----

  /** Something changed: save (soon) and draw (this frame). */
  private changed(): void {
    this.scheduleSave();
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.renderNow();
    });
  }

  renderNow(): void {
    if (!this.thread) return;
    const { t, model } = this;
    const open = model.open();
    const agent = open?.agent ?? null;
    // The agent's name on one line, isolated from "· Your adviser" (DESIGN §8).
    const agentName = oneLine(agent?.name);
    this.avatar.textContent = initials(agentName || this.config.name);
    if (agentName) this.subtitle.replaceChildren(bdi(agentName), ` · ${t("adviser")}`);
    else this.subtitle.textContent = t("tagline");

    const state = this.conn.state;
    const down = state === "offline" || (!this.welcomed && (this.everWelcomed || state === "waiting"));
    this.status.hidden = !down;
    this.status.textContent = state === "offline" ? t("offline") : t("reconnecting");

    this.input.placeholder = !open && model.conversations.length ? t("placeholderNew") : t("placeholder");

    const unread = model.unread();
    const showBadge = unread > 0 && (!this.isOpen || this.env.document.visibilityState === "hidden");
    this.badge.hidden = !showBadge;
    this.badge.textContent = unread > 9 ? "9+" : String(unread);
    this.launcher.title = showBadge ? t("unread", { n: unread }) : "";
    this.launcher.setAttribute(
      "aria-label",
      (this.isOpen ? t("close") : t("open")) + (showBadge ? ` (${t("unread", { n: unread })})` : ""),
    );

    this.renderCobrowse();
    const made = this.reconcile(this.items());
    this.follow(made || this.scrollWanted);
    if (this.isOpen) this.scrollWanted = false;
    this.armQuestionnaire();
    this.markSeen();
  }

  /** Keeps the end of the thread in view while the visitor follows it: when something was
   * drawn (`changed`), or when the thread got shorter or taller (the offline banner, a growing
   * composer). A render that changed nothing leaves the scroll alone. */
  private follow(changed: boolean): void {
    const height = this.thread.clientHeight;
    if (this.stickToBottom && (changed || height !== this.threadHeight)) this.scrollDown();
    this.threadHeight = height;
  }

  /** To the end of the thread, but never past the top of the anchor (the automatic reply the
   * e-mail offer or the questionnaire hangs under stays in view, R8). */
  private scrollDown(): void {
    const th = this.thread;
    let top = th.scrollHeight - th.clientHeight;
    const anchor = this.anchorKey ? this.rendered.get(this.anchorKey)?.el : null;
    if (anchor) {
      top = Math.min(top, anchor.getBoundingClientRect().top - th.getBoundingClientRect().top + th.scrollTop - 8);
    }
    th.scrollTop = Math.max(0, top);
    this.autoTop = th.scrollTop;
  }

  private ctx(): RenderCtx {
    return {
      t: this.t,
      lang: this.lang,
      config: this.config,
      now: () => this.env.now(),
      fileUrl: (f) => this.fileUrl(f),
      upload: (c, f) => this.upload(c, f),
      retry: (id) => {
        this.outbox.retry(id);
        this.flush();
        this.changed();
      },
      edit: (id) => {
        const e = this.outbox.drop(id);
        if (e?.frame.type === "send_message") {
          this.input.value = this.input.value ? `${e.frame.text}\n${this.input.value}` : e.frame.text;
          this.sendButton.disabled = false;
          this.autosize();
          this.input.focus();
        }
        this.changed();
      },
    };
  }

  /** The thread, as keyed items: unchanged ones keep their element (and focus, and forms). */
  private items(): Item[] {
    const { model, t } = this;
    const ctx = this.ctx();
    const items: Item[] = [];
    const now = this.env.now();
    // One form at a time: the e-mail offer (R8) first, then the waiting questionnaire (R10).
    // The preview shows each form the project has, under its sample conversation.
    const preview = this.opts.preview;
    const openConv = model.open();
    const email = !this.config.email_capture
      ? null
      : !preview
        ? model.emailOffer()
        : openConv && !model.emailLeft && model.emailDismissed !== openConv.reference
          ? { conversation: openConv.reference }
          : null;
    const questionnaire = preview ? model.questionnaire : model.questionnaireShown(now, email !== null);
    const pending = this.outbox.messages();
    const online = this.conn.state === "open";
    this.anchorKey = null;

    if (!model.conversations.some((c) => c.messages.some(isShown)) && !pending.length) {
      items.push({
        key: "hello",
        sig: "",
        make: () => h("div", { class: "hello" }, h("b", null, t("helloTitle")), t("helloText")),
      });
    }
    const authorKey = (m: Message) =>
      m.author?.kind === "agent" ? `a${m.author.id}` : m.author?.kind === "visitor" ? "v" : "s";
    const grouped = (m: Message) => m.body.kind !== "sentence" && m.body.kind !== "event";

    model.conversations.forEach((c: Conversation) => {
      const shown = c.messages.filter(isShown);
      const isOpenConv = c.state !== "closed";
      shown.forEach((m, i) => {
        const prev = shown[i - 1];
        const next = shown[i + 1];
        const pos: Position = {
          first: !prev || !grouped(prev) || authorKey(prev) !== authorKey(m),
          last: !next || !grouped(next) || authorKey(next) !== authorKey(m),
        };
        // A file request is answered by the visitor's next file: its button goes.
        const asking =
          isOpenConv &&
          !shown.slice(i + 1).some((x) => x.author?.kind === "visitor" && x.body.kind === "file");
        items.push({
          key: `m${m.id}`,
          sig: `${pos.first}${pos.last}${asking}${JSON.stringify(m.body).length}`,
          make: () => renderMessage(m, pos, ctx, asking) ?? h("div", { hidden: true }),
        });
        for (const key of [`email:${c.reference}`, `q:${c.reference}`, `survey:${c.reference}`, `cb:${c.reference}`]) {
          if (this.thanked.get(key)?.after === m.id) this.thanksItem(items, key);
        }
      });
      const hasEmail = email?.conversation === c.reference;
      const hasQuestionnaire = questionnaire?.conversation === c.reference;
      const last = shown[shown.length - 1];
      if (
        (hasEmail || hasQuestionnaire) &&
        !pending.length &&
        last?.body.kind === "sentence" &&
        ASYNC_SENTENCES.includes(last.body.sentence)
      ) {
        this.anchorKey = `m${last.id}`;
      }
      if (hasEmail) {
        const key = `email:${c.reference}`;
        items.push(this.formItem(key, () =>
          emailForm(
            t,
            (name, address) => this.change({ type: "set_profile", client_id: uuidv7(), name, email: address }, key),
            () => {
              model.emailDismissed = c.reference;
              this.changed();
            },
          ),
        ));
      }
      this.thanksItem(items, `email:${c.reference}`, shown);
      if (hasQuestionnaire) {
        const key = `q:${c.reference}`;
        items.push(this.formItem(key, () =>
          questionnaireForm(
            t,
            questionnaire.questions,
            (answers) => this.change({ type: "answer_questionnaire", client_id: uuidv7(), answers }, key),
            () => {
              model.questionnaire = null;
              this.changed();
            },
          ),
        ));
      }
      this.thanksItem(items, `q:${c.reference}`, shown);
      if (!isOpenConv && shown.length) {
        items.push({ key: `sep:${c.reference}`, sig: "", make: () => separator(t("closed")) });
      }
      // The survey: at close, or during the conversation when the agent sent it (A5).
      if (model.survey === c.reference) {
        const key = `survey:${c.reference}`;
        const questions = model.surveyQuestions;
        const answer = (score: number | null, comment: string | null, answers?: Record<string, AnswerValue>) =>
          this.change({ type: "answer_survey", client_id: uuidv7(), conversation: c.reference, score, comment, answers }, key);
        items.push(this.formItem(key, () =>
          questions
            ? questionsForm(t, this.opts.language, questions, (answers) => answer(null, null, answers))
            : surveyForm(t, (score, comment) => answer(score, comment)),
        ));
      }
      this.thanksItem(items, `survey:${c.reference}`, shown);
      this.thanksItem(items, `cb:${c.reference}`, shown);
    });

    const lastShown = [...model.visible()].pop();
    pending.forEach((e, i) => {
      const pos: Position = {
        first: i === 0 && !(lastShown?.author?.kind === "visitor" && lastShown.body.kind === "text"),
        last: i === pending.length - 1,
      };
      items.push({
        key: `p${e.frame.client_id}`,
        sig: `${pos.first}${pos.last}${e.state}${online}${e.error?.message ?? ""}`,
        make: () => renderPending(e, pos, ctx, online),
      });
    });
    return items;
  }

  private formItem(key: string, make: () => Form): Item {
    return {
      key,
      sig: "",
      make: () => {
        let form = this.forms.get(key);
        if (!form) {
          form = make();
          this.forms.set(key, form);
        }
        return form.el;
      },
    };
  }

  /** `shown`: the conversation's messages; thanks placed after one of them are already in. */
  private thanksItem(items: Item[], key: string, shown?: Message[]): void {
    const th = this.thanked.get(key);
    if (!th || shown?.some((m) => m.id === th.after)) return;
    // A co-browsing note is the widget's own line, not a form's thanks.
    const note = key.startsWith("cb:");
    items.push({ key: `ok:${key}`, sig: th.text, make: () => (note ? h("p", { class: "sys", role: "status" }, th.text) : thanks(th.text)) });
  }

  /** Returns whether any element was made (something new or changed to show). */
  private reconcile(items: Item[]): boolean {
    const th = this.thread;
    const next = new Map<string, { sig: string; el: HTMLElement }>();
    let made = false;
    for (const item of items) {
      const had = this.rendered.get(item.key);
      if (had && had.sig === item.sig) next.set(item.key, had);
      else {
        next.set(item.key, { sig: item.sig, el: item.make() });
        made = true;
      }
    }
    const keep = new Set(Array.from(next.values(), (r) => r.el));
    // Remove what goes first, so what stays never moves (a moved node loses focus).
    const active = this.root.activeElement;
    let lostFocus = false;
    for (const node of Array.from(th.childNodes)) {
      if (keep.has(node as HTMLElement)) continue;
      if (active && node.contains(active)) lostFocus = true;
      node.remove();
    }
    let cursor = th.firstChild;
    for (const { el } of next.values()) {
      if (cursor === el) cursor = cursor.nextSibling;
      else th.insertBefore(el, cursor);
    }
    this.rendered = next;
    for (const key of this.forms.keys()) if (!next.has(key)) this.forms.delete(key);
    // A form answered or put off goes: the focus goes to the composer, not to the page.
    if (lostFocus && this.isOpen) this.input.focus();
    return made;
  }

  // ---- co-browsing (C1, W3) ----

  /** The prompt above the composer, the banner at the top of the page, the notes. */
  private renderCobrowse(): void {
    const cb = this.cobrowse;
    const { t } = this;
    if (cb.note) {
      this.thank(`cb:${cb.note.conversation}`, t(cb.note.kind === "tooLarge" ? "cbTooLarge" : "cbStopped"));
      cb.note = null;
    }
    const agent = oneLine(cb.agent());
    const prompt = cb.prompt();
    const key = prompt ? `${prompt}:${cb.state?.conversation}:${agent}` : "";
    if (key !== this.cbShown) {
      this.cbShown = key;
      const hadFocus = this.cbSlot.contains(this.root.activeElement);
      this.cbSlot.replaceChildren();
      if (prompt) {
        const card = this.promptCard(prompt, agent);
        this.cbSlot.appendChild(card);
        this.live.textContent = card.firstChild?.textContent ?? "";
        if (!this.isOpen) this.open(false);
        // Never in the middle of what the visitor is typing (an Enter would answer).
        if (!(this.root.activeElement === this.input && this.input.value)) card.focus();
      } else if (hadFocus && this.isOpen) this.input.focus();
    }
    const banner = cb.recording ? `:${agent}` : "";
    if (banner !== this.cbBanner) {
      this.cbBanner = banner;
      this.banner.hidden = !banner;
      this.box.classList.toggle("cb", !!banner);
      this.bannerText.replaceChildren(...phrase(t, "cbSees", { agent }));
      if (banner) this.live.textContent = this.bannerText.textContent;
    }
  }

  /** C1: "Alice would like to see this page with you" (or to guide): yes or no. */
  private promptCard(prompt: Prompt, agent: string): HTMLElement {
    const { t } = this;
    const share = prompt === "share";
    const yes = h("button", { type: "button", class: "btn" }, t(share ? "cbShare" : "cbAllow"));
    const no = h("button", { type: "button", class: "link" }, t(share ? "cbNo" : "no"));
    for (const [b, v] of [[yes, true], [no, false]] as const) {
      b.addEventListener("click", () => {
        this.cobrowse.answer(v);
        this.changed();
      });
    }
    return h(
      "div",
      { class: "box cbp", role: "group", tabindex: "-1", "aria-labelledby": "pw-cb-t" },
      h("h3", { id: "pw-cb-t" }, ...phrase(t, share ? "cbAsk" : "cbGuide", { agent })),
      // Truthful: fields the admin shows as typed are not hidden.
      share && h("p", { class: "hint" }, t(this.config.cobrowse?.unmask?.length ? "cbHintSome" : "cbHint")),
      h("div", { class: "acts" }, yes, no),
    );
  }

  /** Loads the recorder (once) and records to `relay`, if this tab still should. */
  private record(relay: string): void {
    if (this.opts.preview) return;
    this.loadRecorder()
      .then((api) => {
        if (this.cobrowse.recording !== relay || this.recorder) return;
        const c = this.config.cobrowse;
        this.recorder = api.start({
          hub: this.opts.hub,
          relay,
          unmask: c?.unmask ?? [],
          mask: c?.mask ?? [],
          host: `#${this.host.id}`,
          onEnd: (why) => {
            this.recorder = null;
            this.cobrowse.recorderEnded(why);
            this.changed();
          },
        });
      })
      .catch((e) => {
        console.warn("Pupitre: no co-browsing recorder", e);
        this.cobrowse.stop();
        this.changed();
      });
  }

  /** `${hub}/cobrowse.js`, injected once; it sets `window.__pupitreCobrowse`. */
  private loadRecorder(): Promise<RecorderApi> {
    const win = this.env.window as unknown as Record<string, RecorderApi | undefined>;
    const doc = this.env.document;
    this.recorderLoad ||= new Promise<RecorderApi>((resolve, reject) => {
      const done = () => {
        const api = win[RECORDER_GLOBAL];
        if (api?.version === 1) resolve(api);
        else reject(new Error(script.src));
      };
      const script = doc.createElement("script");
      if (win[RECORDER_GLOBAL]) return done();
      script.src = `${this.opts.hub}/cobrowse.js`;
      script.onload = done;
      script.onerror = done;
      doc.head.appendChild(script);
    }).catch((e) => {
      this.recorderLoad = null;
      throw e;
    });
    return this.recorderLoad;
  }

  /** The agent guides (after the second consent): a page of this site, or a point on this one
   * (drawn by the recorder, in the widget's shadow root). */
  private guide(g: Guide): void {
    const win = this.env.window;
    if (g.kind === "navigate") {
      let url: URL | null = null;
      try {
        url = new URL(g.url);
      } catch {
        /* below */
      }
      // The hub checks the admin's site origins; the widget never leaves its own.
      if (url && url.origin === win.location.origin) win.location.assign(url.href);
      else console.warn("Pupitre: not this site, not opened:", g.url);
    } else if (g.kind === "point") {
      this.recorder?.point(g.x, g.y, this.box);
    }
  }

  // ---- seen, files, persistence ----

  /** The panel is open and the page visible: what is shown is seen (badge, e-mails R8). */
  private markSeen(): void {
    if (!this.isOpen || this.env.document.visibilityState === "hidden") return;
    const last = this.model.lastShownId();
    if (last <= this.model.seen) return;
    this.model.seen = last;
    if (this.welcomed) this.conn.send({ type: "seen", up_to: last });
    this.scheduleSave();
    this.badge.hidden = true;
  }

  /** The questionnaire on screen goes at the end of its display time (R10). */
  private armQuestionnaire(): void {
    const until = this.model.questionnaire?.until ?? null;
    if (until === this.armedUntil) return;
    if (this.questionnaireTimer !== null) this.env.clearTimeout(this.questionnaireTimer);
    this.questionnaireTimer = null;
    this.armedUntil = until;
    if (until === null) return;
    this.scheduleSave(); // its display time started: a reload does not start it again
    this.questionnaireTimer = this.env.setTimeout(() => {
      this.questionnaireTimer = null;
      this.renderNow();
    }, Math.max(0, until - this.env.now()) + 50);
  }

  private headers(extra?: Record<string, string>): Record<string, string> {
    return { "X-Pupitre-Visitor": this.model.token ?? "", ...extra };
  }

  fileUrl(file: FileInfo): Promise<string> {
    if (this.opts.preview) return Promise.reject(new Error("preview"));
    let p = this.files.get(file.id);
    if (!p) {
      p = this.env
        .fetch(`${this.opts.hub}/api/files/${encodeURIComponent(file.id)}`, { headers: this.headers() })
        .then((res) => {
          if (!res.ok) throw new Error(String(res.status));
          return res.blob();
        })
        .then((blob) => URL.createObjectURL(blob));
      p.catch(() => this.files.delete(file.id));
      this.files.set(file.id, p);
    }
    return p;
  }

  async upload(conversation: string, file: File): Promise<string | null> {
    if (this.opts.preview) {
      this.echo({ kind: "file", file: { id: "preview", name: file.name, size: file.size, mime: file.type } });
      this.changed();
      return null;
    }
    const url =
      `${this.opts.hub}/api/visitor/files?conversation=${encodeURIComponent(conversation)}` +
      `&name=${encodeURIComponent(file.name)}`;
    try {
      const res = await this.env.fetch(url, {
        method: "POST",
        headers: this.headers({ "Content-Type": file.type || "application/octet-stream" }),
        body: file,
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) return typeof body?.message === "string" ? body.message : this.t("error");
      if (body && typeof body.id === "number" && this.model.addMessage(body as Message)) this.changed();
      return null;
    } catch {
      return this.t("error");
    }
  }

  private scheduleSave(): void {
    if (this.saveTimer !== null) return;
    this.saveTimer = this.env.setTimeout(() => {
      this.saveTimer = null;
      this.saveNow();
    }, 250);
  }

  saveNow(): void {
    if (this.saveTimer !== null) this.env.clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const snap = this.model.snapshot();
    let text = JSON.stringify(snap);
    if (text.length > MAX_SNAPSHOT_CHARS) {
      // Too much to keep: keep who the visitor is; the next visit asks for the history.
      text = JSON.stringify({ ...snap, seq: null, conversations: [] });
    }
    this.env.storage.set(this.key, text);
  }

  /** Per-tab memory (the panel stays open from page to page; the co-browsing relay this tab
   * records). `null` forgets. */
  private session(name: string, value?: string | null): string | null {
    if (this.opts.preview) return null;
    try {
      const s = this.env.window.sessionStorage;
      if (value === undefined) return s.getItem(`${this.key}:${name}`);
      if (value === null) s.removeItem(`${this.key}:${name}`);
      else s.setItem(`${this.key}:${name}`, value);
    } catch {
      /* no session storage: the panel starts closed */
    }
    return null;
  }
}
