/**
 * Entry: inside Tauri (`__TAURI_INTERNALS__`), the real backend; in a plain browser (dev
 * server, screenshots), the FakeBackend with demo data. Demo URL parameters: `?lang=fr|en`,
 * `?panes=1|2|4`, `?dialog=snooze|transfer|close|logout|canned|offer|link`, `?screen=login`,
 * `?offline=1`, `?drawer=snoozed|history|canned`, `?still=1` (no animation), `?long=1` (a
 * fourth conversation, DEMO-9999, with 10,000 messages to scroll, P5), `?history=DEMO-0877`
 * (re-reads a closed conversation); `?dialog=` also takes `offer|link` (composer tools);
 * `?off=canned_responses,send_file,…` switches desk options off (A3, the names of
 * `DeskOptions`); `?survey=1`: Léa (DEMO-1042) was sent the satisfaction survey and answered it
 * (A5, R9); `?cobrowse=1`: Léa shares her page and lets the agent guide (D5, C1), the page being
 * the hostile fixture (src/lib/cobrowse/fixtures) — asking to see the page in any conversation
 * of the demo shows it too. `?page=stats`: the statistics (D15) instead of the conversations;
 * `?role=manager|admin`: Camille manages the Support and Sales groups (or administers the project),
 * so the statistics offer their figures too. `?fail=markImportant:forbidden`: the first call of
 * that `Backend` method is refused with that code (to see how a refusal is said).
 * `?questionnaire=optional|none`: the closing questionnaire (A5, R9) may be left unanswered (and
 * has no Cancel button), or there is none; `?dialog=questionnaire` opens it ("Complete
 * questionnaire"). `?drawer=knowledge|assistant|team` opens a D16 tool's drawer; Print calls
 * the browser's `window.print()`, or with `?print=hold` never ends (the printable layout stays
 * in the page, to look at it with the print media emulated).
 * Supervision (M1–M3): `?manager=1`: Camille manages Support and Sales, available with a free
 * slot, and Sarah asks her for help about DEMO-1051 (the banner; `?drawer=board` opens the team
 * board); `?watch=DEMO-1051` watches a colleague's conversation, `&joined=1` joins its agent
 * (Camille writes to the visitor too), `&cobrowse=1` has Zoé share her page with Sarah (the
 * hostile fixture; "See the page" in the watch pane, view only) instead of Léa with Camille;
 * `?dialog=ask_help` opens "Ask a manager"; asking one, Hugo accepts after 4 s and whispers a tip
 * (`?help=wait|decline`: he never answers, or declines).
 */
import "@fontsource/inter/latin-400.css";
import "@fontsource/inter/latin-500.css";
import "@fontsource/inter/latin-600.css";
import "@fontsource/inter/latin-700.css";
import "@fontsource/inter/latin-400-italic.css";
import "@fontsource/inter/latin-ext-400.css";
import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import type { Backend, DeskError } from "./lib/backend";
import { setLang } from "./lib/i18n/i18n";
import type { Desk, Layout } from "./lib/state/desk.svelte";
import type { Overlay } from "./lib/state/overlay.svelte";

async function main() {
  const target = document.getElementById("app")!;
  if ("__TAURI_INTERNALS__" in window) {
    const { TauriBackend } = await import("./lib/tauri-backend");
    mount(App, { target, props: { backend: new TauriBackend() } });
    return;
  }

  const params = new URLSearchParams(location.search);
  const langParam = params.get("lang");
  if (langParam === "fr" || langParam === "en") setLang(langParam);
  const [{ FakeBackend }, { demoData, animateDemo, longConversation, drawDemoPhoto, withSurvey, withManager, DEMO_PHOTO }] = await Promise.all([
    import("./lib/fake-backend"),
    import("./lib/demo"),
  ]);
  const data = demoData(Date.now());
  const photo = await drawDemoPhoto().catch(() => null);
  if (photo) data.files = { ...data.files, [DEMO_PHOTO.id]: { info: { ...DEMO_PHOTO, size: photo.length }, bytes: photo } };
  for (const name of (params.get("off") ?? "").split(",")) {
    if (name in data.profile.options) data.profile.options[name as keyof typeof data.profile.options] = false;
  }
  if (params.get("survey") === "1") withSurvey(data, Date.now());
  const questionnaire = params.get("questionnaire");
  if (questionnaire === "none") data.profile.agent_questionnaire = null;
  else if (questionnaire === "optional" && data.profile.agent_questionnaire) {
    data.profile.agent_questionnaire.closable_without_answer = true;
    data.profile.agent_questionnaire.cancel_button = false;
  }
  const role = params.get("role");
  if (role === "manager" || role === "admin") {
    data.profile.role = role;
    data.profile.groups = [
      { id: 1, name: "Support" },
      { id: 2, name: "Sales" },
    ];
  }
  if (params.get("manager") === "1") withManager(data, Date.now());
  const long = params.get("long") === "1";
  if (long) data.conversations.push(longConversation(Date.now()));
  const backend = new FakeBackend(data, {
    latency: 120,
    loggedIn: params.get("screen") !== "login",
    openInBrowser: true,
    // D5: what a visitor's page sends when the agent views it (its own chunk, loaded then).
    cobrowsePage: () => import("./lib/cobrowse/fixtures/hostile-page.json").then((m) => m.default as unknown[]),
    // D16: the browser's print dialog stands for the system's.
    print: params.get("print") === "hold" ? () => new Promise<void>(() => {}) : () => window.print(),
    // M2: the manager asked answers after 4 s, then whispers a tip.
    help: {
      answer: params.get("help") === "wait" ? "wait" : params.get("help") === "decline" ? "decline" : "accept",
      whisper: "I'm watching with you. If they push back, you can offer the 2-year extension: I'll approve it.",
    },
  });
  const [failing, code] = (params.get("fail") ?? "").split(":");
  if (failing && code && typeof (backend as unknown as Record<string, unknown>)[failing] === "function") {
    backend.failNext(failing as keyof Backend, { code: code as DeskError["code"], message: "demo" });
  }
  const ready = ({ desk, overlay }: { desk: Desk; overlay: Overlay }) => {
    const panes = Number(params.get("panes"));
    if (panes === 2 || panes === 4) desk.setLayout(panes as Layout);
    if (long) desk.open("DEMO-9999");
    const watch = params.get("watch");
    if (params.get("cobrowse") === "1" && watch) {
      // M3, D5: Zoé shares her page with Sarah; the watch (below) is told of it.
      backend.startCobrowse(watch, "allowed");
    } else if (params.get("cobrowse") === "1") {
      backend.startCobrowse("DEMO-1042", "allowed");
      desk.open("DEMO-1042");
    }
    // R10: the anonymous visitor went quiet after Camille's answer; the hub warns before closing.
    backend.emit({ kind: "timeout_reminder", conversation: "DEMO-1039", closes_at: Date.now() + 3 * 60_000 + 42_000 });
    const history = params.get("history");
    if (history) overlay.show({ kind: "history", reference: history });

    if (params.get("offline") === "1") {
      backend.setConnection({ state: "offline", retry_at: Date.now() + 5000, reason: "demo" });
      const text = "Hello Tom, I'm looking at order 55120 right now.";
      backend.sendMessage("DEMO-1044", text).then((localId) =>
        desk.queued({ local_id: localId, conversation: "DEMO-1044", text, queued_at: Date.now(), state: "pending", error: null }),
      );
    }
    if (params.get("page") === "stats") overlay.showPage("stats");
    const drawer = params.get("drawer");
    if (drawer === "snoozed" || drawer === "history" || drawer === "canned" || drawer === "knowledge" || drawer === "assistant" || drawer === "team" || drawer === "board") overlay.drawer = drawer;
    if (watch)
      backend
        .watch(watch, true)
        .then(() => (params.get("joined") === "1" ? backend.join(watch, true) : undefined))
        .catch(() => {});
    const dialog = params.get("dialog");
    const ref = desk.conversations.find((c) => c.waiting_since !== null)?.reference ?? desk.focused;
    if ((dialog === "snooze" || dialog === "transfer" || dialog === "close" || dialog === "offer" || dialog === "link" || dialog === "questionnaire" || dialog === "ask_help") && ref) {
      desk.open(ref);
      overlay.show({ kind: dialog, reference: ref });
    } else if (dialog === "logout" || dialog === "canned") overlay.show({ kind: dialog });
    if (params.get("still") !== "1") animateDemo(backend);
    else backend.emit({ kind: "visitor_draft", conversation: "DEMO-1042", text: "Et si je commande aujourd'hui, je peux l'avoir avant sam…" });
  };
  mount(App, { target, props: { backend: backend as Backend, ready } });
}

main();
