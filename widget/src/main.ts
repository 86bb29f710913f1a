/**
 * Entry point: `<script src="https://HUB/widget.js" data-project="DEMO" async></script>`.
 * The hub is where this script came from; the project is the tag's `data-project`. The
 * project's config (name, colour, font, e-mail capture, file limits) is read before connecting.
 */
import type { WidgetConfig } from "./protocol";
import type { KV } from "./storage";
import { browserStorage, readJson } from "./storage";
import type { Env } from "./widget";
import { Widget } from "./widget";

let widget: Widget | null = null;

/** Opens the chat panel (for a page's own "Chat with us" button). */
export function open(): void {
  widget?.open();
}

export function close(): void {
  widget?.close();
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

async function boot(script: HTMLScriptElement): Promise<void> {
  const project = (script.dataset.project ?? "").trim();
  if (!project) return;
  const hub = new URL(script.src, location.href).origin;
  const storage = browserStorage();
  const config = await loadConfig(hub, project, storage, window.fetch.bind(window));
  if (!config) return;
  if (document.readyState === "loading") {
    await new Promise((r) => document.addEventListener("DOMContentLoaded", r, { once: true }));
  }
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
  widget = new Widget({ hub, project, config, env, language: navigator.language || "en" });
  widget.mount();
  widget.start();
}

const marker = "__pupitreWidget";
const script = findScript();
const w = window as unknown as Record<string, unknown>;
if (script && !w[marker]) {
  w[marker] = true;
  boot(script).catch((e) => console.error("Pupitre widget:", e));
}
