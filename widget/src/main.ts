/**
 * Entry point: `<script src="https://HUB/widget.js" data-project="DEMO" async></script>`.
 * The hub is where this script came from; the project is the tag's `data-project`. The
 * project's config (name, colour, font, e-mail capture, file limits) is read before connecting.
 *
 * The page's API is `window.Pupitre` (this module's exports: `set`, `sale`, `visitor`, `open`,
 * `close`).
 * A page may call it before this script has loaded through the loader snippet's queue,
 * `window.Pupitre = window.Pupitre || {q: [], set: function (f) { Pupitre.q.push(["set", f]); }}`
 * (or `Pupitre.q.push(["sale", {…}])`): the calls queued in `q` are played here, before the
 * build's `var Pupitre = …` replaces the stub with the real API.
 *
 * With `data-preview` (the console's `/admin/widget-preview` page), the widget is the console's
 * live preview instead (`preview.ts`): no config to fetch, no connection, no storage.
 */
import type { Fields } from "./fields";
import { checkFields } from "./fields";
import type { WidgetConfig } from "./protocol";
import { previewEnv, startPreview } from "./preview";
import { addPending, checkSale } from "./sales";
import type { KV } from "./storage";
import { browserStorage, readJson } from "./storage";
import { uuidv7 } from "./uuid";
import type { Env } from "./widget";
import { Widget } from "./widget";

let widget: Widget | null = null;
/** Before the widget is up: the fields set so far, and whether the page asked to open it. */
const early: Fields = {};
let openEarly = false;
/** Where a sale reported before the widget is up is kept (set before the config is fetched). */
let salesAt: { kv: KV; key: string } | null = null;

interface Api {
  set(fields: unknown): void;
  sale(sale: unknown): void;
  visitor(): string | null;
  open(): void;
  close(): void;
}

const api: Api = {
  set(fields) {
    const good = checkFields(fields);
    if (widget) widget.fields.set(good);
    else Object.assign(early, good);
  },
  sale(input) {
    const good = checkSale(input);
    if (!good) return;
    // Stored at once: the visitor may leave the page before the widget is up.
    if (widget) widget.sales.add(good);
    else if (salesAt) addPending(salesAt.kv, salesAt.key, good, uuidv7(), Date.now());
  },
  visitor() {
    return widget?.model.visitorId ?? null;
  },
  open() {
    if (widget) widget.open();
    else openEarly = true;
  },
  close() {
    if (widget) widget.close();
    else openEarly = false;
  },
};

const marker = "__pupitreWidget";
const w = window as unknown as Record<string, unknown>;
/** The API of the copy of this script that runs the widget (a page may load it twice). */
const live = (): Api => (typeof w[marker] === "object" ? (w[marker] as Api) : api);

/**
 * A7: custom fields for the agent's visitor card, merged with those set before:
 * `Pupitre.set({cart: "129,90 €", items: 3, member: true})`; `null` removes one. Names are 1 to
 * 40 lowercase letters, digits or `_` (a letter first); values one line of at most 500
 * characters; at most 30 fields. A bad one is left out with a console warning.
 */
export function set(fields: unknown): void {
  live().set(fields);
}

/**
 * D15: a sale, from the order-confirmation page, for the agent of the visitor's latest
 * conversation: `Pupitre.sale({amount: 129.9, currency: "EUR", order: "A-1042"})`. `amount` in
 * major units (a number or a string such as "129.90"), `currency` ISO 4217, `order` the site's
 * reference (one per order is counted). Kept until the hub has it, across pages; a bad one is
 * left out with a console warning.
 */
export function sale(input: unknown): void {
  live().sale(input);
}

/**
 * D15: this visitor's id at the hub, once the widget has connected (else `null`): a site whose
 * server reports sales itself (`POST /api/sales` with the project's sales key) sends it along
 * with the order.
 */
export function visitor(): string | null {
  return live().visitor();
}

/** Opens the chat panel (for a page's own "Chat with us" button). */
export function open(): void {
  live().open();
}

export function close(): void {
  live().close();
}

export function defaultConfig(project: string): WidgetConfig {
  return {
    project,
    name: project,
    color: "#4f46e5",
    font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    email_capture: false,
    max_file_bytes: 0,
    file_types: [],
  };
}

/**
 * The project's config; when the hub cannot be reached, the one from the last visit (or
 * defaults) so that the visitor can still write (the outbox waits for the hub). `null` when
 * the hub says no such project: the widget then stays away.
 */
export async function loadConfig(hub: string, project: string, kv: KV, fetcher: typeof fetch): Promise<WidgetConfig | null> {
  const key = `pupitre:${project}:config`;
  try {
    const res = await fetcher(`${hub}/api/widget/config?project=${encodeURIComponent(project)}`);
    if (res.ok) {
      const config = { ...defaultConfig(project), ...((await res.json()) as Partial<WidgetConfig>) };
      kv.set(key, JSON.stringify(config));
      return config;
    }
    if (res.status >= 400 && res.status < 500) {
      console.warn(`Pupitre: the hub has no project ${project} (${res.status})`);
      return null;
    }
  } catch {
    /* unreachable: below */
  }
  return readJson<WidgetConfig>(kv, key) ?? defaultConfig(project);
}

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.project) return current;
  return document.querySelector<HTMLScriptElement>("script[data-project][src]");
}

const domReady = () =>
  document.readyState === "loading"
    ? new Promise((r) => document.addEventListener("DOMContentLoaded", r, { once: true }))
    : null;

async function boot(script: HTMLScriptElement): Promise<void> {
  const project = (script.dataset.project ?? "").trim();
  if (!project) return;
  if ("preview" in script.dataset) {
    await domReady();
    startPreview(previewEnv(window));
    return;
  }
  const hub = new URL(script.src, location.href).origin;
  const storage = browserStorage();
  salesAt = { kv: storage, key: `pupitre:${project}:sales` };
  const config = await loadConfig(hub, project, storage, window.fetch.bind(window));
  if (!config) return;
  await domReady();
  const env: Env = {
    window,
    document,
    fetch: window.fetch.bind(window),
    WebSocket: window.WebSocket,
    storage,
    now: () => Date.now(),
    random: Math.random,
    setTimeout: (f, ms) => window.setTimeout(f, ms),
    clearTimeout: (t) => window.clearTimeout(t as number),
  };
  const wd = new Widget({ hub, project, config, env, language: navigator.language || "en" });
  wd.fields.set(early);
  wd.mount();
  if (openEarly) wd.open();
  widget = wd;
  wd.start();
}

const script = findScript();
if (script && !w[marker]) {
  w[marker] = api;
  boot(script).catch((e) => console.error("Pupitre widget:", e));
}
// Calls the page queued before this script ran (the loader snippet): `[method, ...args]`.
const stub = w.Pupitre as { q?: unknown } | undefined;
if (stub && Array.isArray(stub.q)) {
  for (const call of stub.q) {
    if (Array.isArray(call) && ["set", "sale", "open", "close"].includes(call[0])) {
      (live()[call[0] as keyof Api] as (f?: unknown) => void)(call[1]);
    }
  }
}
