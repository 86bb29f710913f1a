/**
 * A fake hub behind a fake `fetch`, speaking the console API as issue 10 and
 * crates/server/src/api/console.rs define it: cookie session (here: a flag), the
 * `pupitre_csrf` cookie, CSRF checked on every changing request, settings from the demo
 * fixture. `on` overrides one route; `calls` records every request.
 */
import fixture from "../fixtures/settings.demo.json";
import {
  createApi,
  type Agent,
  type AuditEntry,
  type CannedInput,
  type CannedResponse,
  type Change,
  type ConsoleSession,
  type Group,
  type ImportReport,
} from "./api";
import { hoursProblems, type WeeklyHours } from "./hours";
import type { KnowledgeArticle, KnowledgeInput } from "./knowledge";
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

/** The demo's agents (crates/server/src/demo.rs), ids as the hub gives them. */
export const DEMO_AGENTS: Agent[] = [
  { id: 1, email: "alice@demo.pupitre.test", name: "Alice Martin", role: "agent", slot_max: 3, groups: [1, 2], active: true, channels: ["chat"] },
  { id: 2, email: "bruno@demo.pupitre.test", name: "Bruno Petit", role: "agent", slot_max: 3, groups: [1], active: true, channels: ["chat"] },
  { id: 3, email: "chloe@demo.pupitre.test", name: "Chloé Durand", role: "manager", slot_max: 3, groups: [2, 1], active: true, channels: ["chat"] },
  { id: 4, email: "admin@demo.pupitre.test", name: "Camille Martin", role: "admin", slot_max: 3, groups: [2], active: true, channels: ["chat"] },
];

/** Knowledge articles, newest first as the hub answers them. */
export const DEMO_KNOWLEDGE: KnowledgeArticle[] = [
  { id: 2, title: "Délais de livraison", body: "Livraison en 2 à 4 jours ouvrés en France métropolitaine.", tags: ["livraison"], language: "fr", updated_at: 1_765_000_000_000 },
  { id: 1, title: "Returns within 30 days", body: "Items can be returned within 30 days.\nUse the prepaid label in the parcel.", tags: ["returns", "refund"], language: "en", updated_at: 1_764_000_000_000 },
];

export const DEMO_CANNED: CannedResponse[] = [
  { id: 1, agent_id: null, group_id: null, theme: "Greetings", shortcut: "/hello", language: "en", title: "Hello", body: "Hello, how can I help you?" },
  { id: 2, agent_id: null, group_id: null, theme: "Salutations", shortcut: "/bonjour", language: "fr", title: "Bonjour", body: "Bonjour, que puis-je pour vous ?" },
  { id: 3, agent_id: null, group_id: 2, theme: "Delivery", shortcut: null, language: "en", title: "Tracking", body: "Your parcel's tracking number is in your confirmation e-mail." },
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

/**
 * The hub's refusals of a settings document, by dotted path, in its words
 * (crates/server/src/settings_rules.rs): only the rules the console's tests lean on.
 */
export function settingsProblems(settings: ProjectSettings): Record<string, string> {
  const fields: Record<string, string> = {};
  // Missing, the hub reads its default (`#[serde(default)]`): 7 days.
  const days = settings.sales?.attribution_days ?? 7;
  if (!Number.isInteger(days) || days < 1 || days > 90) fields["sales.attribution_days"] = "from 1 to 90 days";
  return fields;
}

export function fakeHub(
  options: {
    signedIn?: boolean;
    session?: ConsoleSession;
    settings?: ProjectSettings;
    groups?: Group[];
    audit?: AuditEntry[];
    agents?: Agent[];
    canned?: CannedResponse[];
    knowledge?: KnowledgeArticle[];
    projectName?: string;
  } = {},
) {
  const state = {
    groups: structuredClone(options.groups ?? DEMO_GROUPS),
    agents: structuredClone(options.agents ?? DEMO_AGENTS),
    canned: structuredClone(options.canned ?? DEMO_CANNED),
    knowledge: structuredClone(options.knowledge ?? DEMO_KNOWLEDGE),
    /** Passwords set through the API, by agent id. */
    passwords: new Map<number, string>(),
    /** Newest first, as the hub answers. */
    audit: structuredClone(options.audit ?? []) as AuditEntry[],
    signedIn: options.signedIn ?? false,
    session: options.session ?? ADMIN,
    /** The project's name (its code is the session's). */
    projectName: options.projectName ?? "Maison Lumière",
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

  const forbidden = () => json(403, { code: "forbidden", message: "this is the admin role's" });
  const invalid = (message: string) => json(400, { code: "invalid_input", message });
  const isAdmin = () => state.session.role === "admin";
  /** A manager's groups: those the fake hub's agent of the session belongs to. */
  const myGroups = () => state.agents.find((a) => a.id === state.session.agent_id)?.groups ?? [];
  const covers = (group: number | null) => isAdmin() || (group !== null && myGroups().includes(group));
  const resolve = (names: string[]): number[] | null => {
    const ids: number[] = [];
    for (const n of names) {
      const g = state.groups.find((row) => row.name === n || String(row.id) === n);
      if (!g) return null;
      if (!ids.includes(g.id)) ids.push(g.id);
    }
    return ids;
  };

  /** Groups, agents and canned responses (crates/server/src/api/people.rs). */
  function people(call: Call, path: string): Response | null {
    const p = projectPath;
    if (call.method === "GET" && path === `${p}/groups`) return json(200, state.groups.filter((g) => covers(g.id)));
    if (call.method === "POST" && path === `${p}/groups`) {
      if (!isAdmin()) return forbidden();
      const { name } = call.body as { name: string };
      if (!name?.trim()) return invalid("the group name must be 1 to 200 characters");
      if (state.groups.some((g) => g.name === name)) return json(409, { code: "conflict", message: `group ${name} already exists` });
      const group: Group = { id: Math.max(0, ...state.groups.map((g) => g.id)) + 1, name, hours: null };
      state.groups.push(group);
      audit("group.create", name, [{ path: "name", before: null, after: name }]);
      return json(201, group);
    }
    const groupId = new RegExp(`^${p}/groups/(\\d+)$`).exec(path);
    if (call.method === "PATCH" && groupId) {
      if (!isAdmin()) return forbidden();
      const group = state.groups.find((g) => g.id === Number(groupId[1]));
      if (!group) return json(404, { code: "not_found", message: "group not found" });
      const { name } = call.body as { name: string };
      if (state.groups.some((g) => g.name === name && g.id !== group.id)) return json(409, { code: "conflict", message: `group ${name} already exists` });
      audit("group.rename", group.name, [{ path: "name", before: group.name, after: name }]);
      group.name = name;
      return json(200, group);
    }
    if (call.method === "GET" && path === `${p}/agents`) {
      return json(200, state.agents.filter((a) => isAdmin() || a.groups.some((g) => covers(g))));
    }
    if (call.method === "POST" && path === `${p}/agents`) {
      if (!isAdmin()) return forbidden();
      const body = call.body as { email: string; name: string; password: string; role?: Agent["role"]; slot_max?: number; groups?: string[] };
      if (!body.email.includes("@")) return invalid("the e-mail address is not valid");
      if (!body.name.trim()) return invalid("the agent name must be 1 to 200 characters");
      if ([...body.password].length < 8) return invalid("a password has at least 8 characters");
      if (state.agents.some((a) => a.email === body.email.trim())) return json(409, { code: "conflict", message: `agent ${body.email} already exists` });
      const groups = resolve(body.groups ?? []);
      if (!groups) return invalid("no group in this project");
      const agent: Agent = {
        id: Math.max(0, ...state.agents.map((a) => a.id)) + 1,
        email: body.email.trim(),
        name: body.name,
        role: body.role ?? "agent",
        slot_max: body.slot_max ?? state.settings.default_slot_max,
        groups,
        active: true,
        channels: ["chat"],
      };
      state.agents.push(agent);
      state.passwords.set(agent.id, body.password);
      audit("agent.create", `${agent.name} <${agent.email}>`, [{ path: "role", before: null, after: agent.role }]);
      return json(201, agent);
    }
    const agentId = new RegExp(`^${p}/agents/(\\d+)(/password)?$`).exec(path);
    if (agentId) {
      if (!isAdmin()) return forbidden();
      const agent = state.agents.find((a) => a.id === Number(agentId[1]));
      if (!agent) return json(404, { code: "not_found", message: "agent not found" });
      if (call.method === "PUT" && agentId[2]) {
        const { password } = call.body as { password: string };
        if ([...password].length < 8) return invalid("a password has at least 8 characters");
        state.passwords.set(agent.id, password);
        audit("agent.password", agent.name, [{ path: "password", before: "…", after: "…" }]);
        return json(200, agent);
      }
      if (call.method === "PATCH" && !agentId[2]) {
        const changes = call.body as { name?: string; role?: Agent["role"]; slot_max?: number; groups?: string[]; active?: boolean; channels?: Agent["channels"] };
        if (changes.slot_max !== undefined && (changes.slot_max < 1 || changes.slot_max > 50)) return invalid("the slot maximum is between 1 and 50");
        const losesAdmin = agent.role === "admin" && agent.active && ((changes.role ?? "admin") !== "admin" || changes.active === false);
        if (losesAdmin && agent.id === state.session.agent_id) return invalid("you cannot deactivate your own account or give up your own admin role");
        const next = { ...agent };
        if (changes.name !== undefined) next.name = changes.name;
        if (changes.role !== undefined) next.role = changes.role;
        if (changes.slot_max !== undefined) next.slot_max = changes.slot_max;
        if (changes.active !== undefined) next.active = changes.active;
        if (changes.channels !== undefined) {
          if (changes.channels.length === 0) return json(400, { code: "invalid_input", message: "an agent works on at least one channel", fields: { channels: "an agent works on at least one channel" } });
          next.channels = [...new Set(changes.channels)];
        }
        if (changes.groups !== undefined) {
          const ids = resolve(changes.groups);
          if (!ids) return invalid("no group in this project");
          next.groups = ids;
        }
        audit("agent.update", next.name, diff(agent, next));
        Object.assign(agent, next);
        return json(200, agent);
      }
    }
    if (call.method === "GET" && path === `${p}/canned-responses`) return json(200, state.canned.filter((c) => covers(c.group_id)));
    const cannedId = new RegExp(`^${p}/canned-responses(?:/(\\d+))?$`).exec(path);
    if (cannedId && (call.method === "POST" || call.method === "PUT" || call.method === "DELETE")) {
      const existing = cannedId[1] ? state.canned.find((c) => c.id === Number(cannedId[1])) : undefined;
      if (cannedId[1] && !existing) return json(404, { code: "not_found", message: "no canned response" });
      if (existing && !covers(existing.group_id)) return forbidden();
      if (call.method === "DELETE" && existing) {
        state.canned = state.canned.filter((c) => c !== existing);
        audit("canned.delete", `${existing.theme} / ${existing.title}`, []);
        return new Response(null, { status: 204 });
      }
      const body = call.body as CannedInput;
      if (!covers(body.group)) return forbidden();
      if (body.shortcut !== null && (!body.shortcut.startsWith("/") || /\s/.test(body.shortcut))) return invalid("a shortcut starts with / and has no spaces, e.g. /hello");
      const fields = { theme: body.theme, title: body.title, body: body.body, shortcut: body.shortcut, language: body.language, group_id: body.group };
      if (existing) {
        Object.assign(existing, fields);
        audit("canned.update", `${existing.theme} / ${existing.title}`, []);
        return json(200, existing);
      }
      const created: CannedResponse = { id: Math.max(0, ...state.canned.map((c) => c.id)) + 1, agent_id: null, ...fields };
      state.canned.push(created);
      audit("canned.create", `${created.theme} / ${created.title}`, []);
      return json(201, created);
    }
    return null;
  }

  /** Knowledge articles (the hub's …/knowledge): searched, written by admins only, audited. */
  function knowledge(call: Call, url: URL): Response | null {
    const base = `${projectPath}/knowledge`;
    const m = new RegExp(`^${base}(?:/(\\d+))?$`).exec(url.pathname);
    if (!m) return null;
    if (call.method === "GET" && !m[1]) {
      const q = (url.searchParams.get("q") ?? "").trim().toLowerCase();
      const language = url.searchParams.get("language") ?? "";
      const found = state.knowledge
        .filter((a) => language === "" || a.language === language)
        .filter((a) => q === "" || [a.title, a.body, ...a.tags].some((x) => x.toLowerCase().includes(q)))
        .sort((a, b) => b.updated_at - a.updated_at);
      return json(200, found);
    }
    if (!isAdmin()) return forbidden();
    const existing = m[1] ? state.knowledge.find((a) => a.id === Number(m[1])) : undefined;
    if (m[1] && !existing) return json(404, { code: "not_found", message: "no article" });
    if (call.method === "DELETE" && existing) {
      state.knowledge = state.knowledge.filter((a) => a !== existing);
      audit("knowledge.delete", existing.title, [{ path: "title", before: existing.title, after: null }]);
      return new Response(null, { status: 204 });
    }
    if ((call.method === "POST" && !m[1]) || (call.method === "PUT" && existing)) {
      const body = call.body as KnowledgeInput;
      const fields: Record<string, string> = {};
      if (!body.title?.trim() || body.title.length > 200 || /[\n\r]/.test(body.title)) fields.title = "1 to 200 characters on one line";
      if (!body.body?.trim() || body.body.length > 20_000) fields.body = "1 to 20000 characters";
      const tags = (body.tags ?? []).map((x) => x.trim().toLowerCase());
      tags.forEach((tag, i) => {
        if (!/^[a-z0-9_-]{1,40}$/.test(tag)) fields[`tags.${i}`] = "lowercase letters, digits, - and _ (1 to 40)";
      });
      if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(body.language ?? "")) fields.language = "a language code such as en, fr or pt-BR";
      if (Object.keys(fields).length > 0) return json(400, { code: "invalid_input", message: "the article is not valid", fields });
      const updated_at = Math.max(Date.now(), ...state.knowledge.map((a) => a.updated_at + 1));
      if (existing) {
        audit("knowledge.update", body.title, [{ path: "title", before: existing.title, after: body.title }]);
        Object.assign(existing, { title: body.title.trim(), body: body.body, tags, language: body.language, updated_at });
        return json(200, existing);
      }
      const created: KnowledgeArticle = { id: Math.max(0, ...state.knowledge.map((a) => a.id)) + 1, title: body.title.trim(), body: body.body, tags, language: body.language, updated_at };
      state.knowledge.unshift(created);
      audit("knowledge.create", created.title, [{ path: "title", before: null, after: created.title }]);
      return json(201, created);
    }
    return json(405, { code: "method_not_allowed", message: "no such method" });
  }

  /** The admin routes beyond the settings: groups, hours, the audit log, the configuration. */
  function admin(call: Call, url: URL): Response | null {
    const path = url.pathname;
    const found = people(call, path) ?? knowledge(call, url);
    if (found) return found;
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
      const report: ImportReport = { settings: diff(state.settings, file.settings), groups_created: [], groups_with_new_hours: [], canned_added: [], canned_kept: [], articles_added: [], articles_kept: [] };
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
    if (call.method === "GET" && url.pathname === "/api/widget/config") {
      return url.searchParams.get("project") === state.session.project
        ? json(200, { project: state.session.project, name: state.projectName, ...state.settings.widget })
        : json(404, { code: "not_found", message: "no project" });
    }
    switch (route) {
      case "GET /api/admin/projects":
        if (!state.signedIn) return json(401, { code: "unauthorized", message: "no session" });
        return isAdmin() ? json(200, [{ id: 1, code: state.session.project, name: state.projectName }]) : forbidden();
      case `PATCH ${projectPath}`: {
        if (!state.signedIn) return json(401, { code: "unauthorized", message: "no session" });
        if (!isAdmin()) return forbidden();
        const { name } = call.body as { name: string };
        if (!name?.trim() || [...name].length > 200) {
          return json(400, { code: "invalid_input", message: "the project name must be 1 to 200 characters", fields: { name: "the project name must be 1 to 200 characters" } });
        }
        audit("project.rename", state.session.project, [{ path: "name", before: state.projectName, after: name.trim() }]);
        state.projectName = name.trim();
        return json(200, { id: 1, code: state.session.project, name: state.projectName });
      }
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
      case `PUT ${settingsPath}`: {
        if (!state.signedIn) return json(401, { code: "unauthorized", message: "no session" });
        const fields = settingsProblems(call.body as ProjectSettings);
        const refused = Object.entries(fields);
        if (refused.length > 0) {
          const [path, message] = refused[0];
          return json(400, { code: "invalid_input", message: `${refused.length} value(s) refused; first, ${path}: ${message}`, fields });
        }
        audit("settings.update", "settings", diff(state.settings, call.body));
        state.settings = structuredClone(call.body as ProjectSettings);
        return json(200, state.settings);
      }
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
