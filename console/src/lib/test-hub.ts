/**
 * A fake hub behind a fake `fetch`, speaking the console API as issue 10 and
 * crates/server/src/api/console.rs define it: cookie session (here: a flag), the
 * `pupitre_csrf` cookie, CSRF checked on every changing request, settings from the demo
 * fixture. `on` overrides one route; `calls` records every request.
 */
import fixture from "../fixtures/settings.demo.json";
import { createApi, type AuditEntry, type Change, type ConsoleSession, type Group, type ImportReport } from "./api";
import { hoursProblems, type WeeklyHours } from "./hours";
import type { ProjectSettings } from "./settings";

export const DEMO_SETTINGS = fixture as unknown as ProjectSettings;

export const ADMIN: ConsoleSession = { agent_id: 4, name: "Camille Martin", role: "admin", project: "DEMO" };

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

type Handler = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The demo's groups: always open (crates/server/src/demo.rs). */
export const DEMO_GROUPS: Group[] = [
  { id: 1, name: "Sales", hours: null },
  { id: 2, name: "Support", hours: null },
];

/** Every path whose value differs, objects walked into, lists whole (crates/server/src/audit.rs). */
export function diff(before: unknown, after: unknown, path = ""): Change[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const join = (key: string) => (path ? `${path}.${key}` : key);
    const keys = [...Object.keys(before).sort(), ...Object.keys(after).filter((k) => !(k in before))];
    return keys.flatMap((k) => diff(before[k] ?? null, after[k] ?? null, join(k)));
  }
  return [{ path, before: before ?? null, after: after ?? null }];
}

export function fakeHub(options: { signedIn?: boolean; session?: ConsoleSession; settings?: ProjectSettings; groups?: Group[]; audit?: AuditEntry[] } = {}) {
  const state = {
    groups: structuredClone(options.groups ?? DEMO_GROUPS),
    /** Newest first, as the hub answers. */
    audit: structuredClone(options.audit ?? []) as AuditEntry[],
    signedIn: options.signedIn ?? false,
    session: options.session ?? ADMIN,
    settings: structuredClone(options.settings ?? DEMO_SETTINGS),
    cookie: options.signedIn ? "theme=dark; pupitre_csrf=csrf-1" : "theme=dark",
    csrf: options.signedIn ? "csrf-1" : null as string | null,
  };
  const calls: Call[] = [];
  const overrides = new Map<string, Handler[]>();

  const projectPath = `/api/admin/projects/${state.session.project}`;
  const settingsPath = `${projectPath}/settings`;
  let nextAudit = 100;

  function audit(action: string, target: string, changes: Change[]) {
    if (changes.length === 0) return;
    const actor = `${state.session.name} <admin@demo.pupitre.test>`;
    state.audit.unshift({ id: nextAudit++, at: Date.now(), actor_id: state.session.agent_id, actor, action, target, changes });
  }

  /** The admin routes beyond the settings: groups, hours, the audit log, the configuration. */
  function admin(call: Call, url: URL): Response | null {
    const path = url.pathname;
    if (call.method === "GET" && path === `${projectPath}/groups`) return json(200, state.groups);
    const hours = new RegExp(`^${projectPath}/groups/(\\d+)/hours$`).exec(path);
    if (call.method === "PUT" && hours) {
      const group = state.groups.find((g) => g.id === Number(hours[1]));
      if (!group) return json(404, { code: "not_found", message: `group ${hours[1]}` });
      const body = call.body as WeeklyHours | null;
      if (body) {
        const problems = hoursProblems(body);
        if (Object.keys(problems).length > 0) {
          const fields = Object.fromEntries(Object.entries(problems).map(([p, v]) => [`hours.${p}`, v.key]));
          return json(400, { code: "invalid_input", message: `${Object.keys(fields).length} setting(s) refused`, fields });
        }
      }
      audit("group.hours", group.name, diff({ hours: group.hours }, { hours: body }));
      group.hours = body;
      return json(200, group);
    }
    if (call.method === "GET" && path === `${projectPath}/audit`) {
      const q = url.searchParams;
      const limit = Math.min(Number(q.get("limit") ?? 50), 200);
      const text = q.get("text")?.toLowerCase();
      const found = state.audit.filter(
        (e) =>
          (!q.get("action") || e.action.startsWith(q.get("action")!)) &&
          (!q.get("before") || e.id < Number(q.get("before"))) &&
          (!q.get("since") || e.at >= Number(q.get("since"))) &&
          (!q.get("until") || e.at < Number(q.get("until"))) &&
          (!text || `${e.actor} ${e.target} ${JSON.stringify(e.changes)}`.toLowerCase().includes(text)),
      );
      const entries = found.slice(0, limit);
      return json(200, { entries, next_before: entries.length === limit ? entries[entries.length - 1].id : null });
    }
    if (call.method === "GET" && path === `${projectPath}/configuration`) {
      const file = {
        format: "pupitre-configuration",
        version: 1,
        project: state.session.project,
        settings: state.settings,
        groups: state.groups.map((g) => ({ name: g.name, hours: g.hours })),
        canned_responses: [],
      };
      return json(200, file, { "content-disposition": `attachment; filename="pupitre-${state.session.project}-configuration.json"` });
    }
    if (call.method === "POST" && path === `${projectPath}/configuration`) {
      const file = call.body as { format?: string; version?: number; project?: string; settings?: ProjectSettings; groups?: { name: string; hours: WeeklyHours | null }[] };
      if (file?.format !== "pupitre-configuration" || file.version !== 1) {
        return json(400, { code: "invalid_input", message: "this is not a configuration file this hub reads" });
      }
      if (!file.settings) return json(422, { code: "invalid_input", message: "missing field `settings`" });
      const report: ImportReport = { settings: diff(state.settings, file.settings), groups_created: [], groups_with_new_hours: [], canned_added: [], canned_kept: [] };
      for (const entry of file.groups ?? []) {
        const group = state.groups.find((g) => g.name === entry.name);
        if (!group) report.groups_created.push(entry.name);
        else if (JSON.stringify(group.hours) !== JSON.stringify(entry.hours)) report.groups_with_new_hours.push(entry.name);
      }
      if (url.searchParams.get("dry_run") !== "true") {
        state.settings = structuredClone(file.settings);
        for (const entry of file.groups ?? []) {
          const group = state.groups.find((g) => g.name === entry.name);
          if (group) group.hours = entry.hours;
          else state.groups.push({ id: state.groups.length + 1, name: entry.name, hours: entry.hours });
        }
        audit("config.import", file.project ?? "a file", report.settings.map((c) => ({ ...c, path: `settings.${c.path}` })));
      }
      return json(200, report);
    }
    return null;
  }

  function defaults(call: Call): Response {
    const url = new URL(call.url, "http://hub.test");
    const route = `${call.method} ${call.url}`;
    if (call.method !== "GET" && call.url !== "/api/console/session" && call.headers["x-pupitre-csrf"] !== state.csrf) {
      return json(403, { code: "forbidden", message: "this request did not come from the console's own page" });
    }
    switch (route) {
      case "GET /api/console/session":
        return state.signedIn ? json(200, state.session) : json(401, { code: "unauthorized", message: "no console session" });
      case "POST /api/console/session": {
        const { email, password } = call.body as { email: string; password: string };
        if (email !== "admin@demo.pupitre.test" || password !== "admin-demo-4") {
          return json(401, { code: "unauthorized", message: "wrong e-mail or password" });
        }
        state.signedIn = true;
        state.csrf = "csrf-2";
        state.cookie = "theme=dark; pupitre_csrf=csrf-2";
        return json(200, state.session);
      }
      case "DELETE /api/console/session":
        state.signedIn = false;
        state.cookie = "theme=dark";
        return new Response(null, { status: 204 });
      case `GET ${settingsPath}`:
        return state.signedIn ? json(200, state.settings) : json(401, { code: "unauthorized", message: "no session" });
      case `PUT ${settingsPath}`:
        if (!state.signedIn) return json(401, { code: "unauthorized", message: "no session" });
        audit("settings.update", "settings", diff(state.settings, call.body));
        state.settings = structuredClone(call.body as ProjectSettings);
        return json(200, state.settings);
      default: {
        if (url.pathname.startsWith(projectPath)) {
          if (!state.signedIn) return json(401, { code: "unauthorized", message: "no session" });
          const answer = admin(call, url);
          if (answer) return answer;
        }
        return json(404, { code: "not_found", message: `no route ${route}` });
      }
    }
  }

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[name.toLowerCase()] = value;
    const call: Call = {
      method: init.method ?? "GET",
      url: String(input),
      headers,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    calls.push(call);
    const queue = overrides.get(`${call.method} ${call.url}`) ?? overrides.get(`${call.method} ${call.url.split("?")[0]}`);
    const handler = queue?.shift();
    return handler ? handler(call) : defaults(call);
  };

  return {
    state,
    calls,
    settingsPath,
    projectPath,
    api: createApi({ fetch: fetch as typeof globalThis.fetch, cookies: () => state.cookie }),
    /** The next request to `method path` answers with `handler` (once per call of `on`). */
    on(method: string, path: string, handler: Handler) {
      const key = `${method} ${path}`;
      overrides.set(key, [...(overrides.get(key) ?? []), handler]);
    },
    puts: () => calls.filter((c) => c.method === "PUT"),
  };
}
