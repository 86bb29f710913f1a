/**
 * The one module that talks to the hub (issue 10's console API). Everything else goes through
 * `Api`, so adjusting a path or a header happens here only.
 *
 * - The session is the hub's HttpOnly `pupitre_console` cookie: no token is ever stored here or
 *   in localStorage; every request says `credentials: "same-origin"`.
 * - Every request that is not GET carries `X-Pupitre-CSRF` = the `pupitre_csrf` cookie (signed
 *   double submit); the hub refuses a changing request without it (`forbidden`).
 * - Failures are `ApiError`s with the hub's stable `code` (`{code, message, fields?}`), plus
 *   `network` when the hub cannot be reached; the UI maps codes to sentences (errors.ts) and
 *   never shows `message` except as a detail.
 */
import type * as Hub from "./hub";
import type { WeeklyHours } from "./hours";
import type { KnowledgeArticle, KnowledgeInput } from "./knowledge";
import type { ProjectSettings } from "./settings";

export type Role = Hub.Role;
/** A way of talking an agent works on (A8): chat, call, video, messaging. */
export type Channel = Hub.Channel;

/** `GET`/`POST /api/console/session`. */
export interface ConsoleSession {
  agent_id: number;
  name: string;
  role: Role;
  project: string;
}

/** A group of the project (`GET …/groups`), with its opening hours (`null`: always open). */
export type Group = Hub.GroupSummary;

/** An agent of the project (`GET …/agents`); `groups` are group ids; `active` false once deactivated. */
export type Agent = Hub.AgentSummary;

/** A project as the hub names it (`GET /api/admin/projects`): its code never changes, its name does. */
export interface ProjectSummary {
  id: number;
  code: string;
  name: string;
}

/** `POST …/agents`: the admin gives the first password to the person. */
export interface NewAgent {
  email: string;
  name: string;
  password: string;
  role: Role;
  slot_max?: number;
  /** Group ids, as strings (the hub takes names or ids). */
  groups: string[];
}

/** `PATCH …/agents/{id}`: only what changes. */
export interface AgentChanges {
  name?: string;
  role?: Role;
  slot_max?: number;
  groups?: string[];
  active?: boolean;
  /** The agent's whole list: at least one, each once. */
  channels?: Channel[];
}

/** A shared canned response (`GET …/canned-responses`): the project's (`group_id` null) or a group's. */
export type CannedResponse = Hub.CannedResponse;

/** `POST`/`PUT …/canned-responses`; `group` null: the whole project. */
export interface CannedInput {
  theme: string;
  title: string;
  body: string;
  shortcut: string | null;
  language: string;
  group: number | null;
}

/** One value that changed, at a dotted path; `null` when it did not exist (or no longer does). */
export type Change = Hub.AuditChange;

/** An entry of the audit log (A10); `actor_id` null: the hub's operator (`pupitre admin`). */
export type AuditEntry = Hub.AuditEntry;

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next page; `null` on the last one. */
  next_before: number | null;
}

export interface AuditQuery {
  action?: string;
  text?: string;
  before?: number;
  since?: number;
  until?: number;
  limit?: number;
}

/** What an import did, or (dry run) would do. */
export type ImportReport = Hub.ImportReport;

/** A downloaded file: its text and the name the hub gives it. */
export interface Download {
  text: string;
  filename: string | null;
}

/** The file name of a `Content-Disposition` header (`attachment; filename="x.json"`), or `null`. */
export function dispositionFilename(header: string | null): string | null {
  if (!header) return null;
  let name: string | null = null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      name = decodeURIComponent(star[1].trim());
    } catch {
      // Fall back to the plain parameter.
    }
  }
  if (name === null) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(header);
    if (plain) name = (plain[1] ?? plain[2]).replace(/\\(.)/g, "$1");
  }
  // Only a name, never a path.
  const base = name?.replace(/^.*[\\/]/, "").trim() ?? "";
  return base === "" ? null : base;
}

export const CSRF_COOKIE = "pupitre_csrf";
export const CSRF_HEADER = "X-Pupitre-CSRF";

/** Codes the console knows; any other string the hub sends is kept as it is. */
export type ErrorCode =
  | "unauthorized"
  | "rate_limited"
  | "forbidden"
  | "invalid_input"
  | "not_found"
  | "internal"
  | "unavailable"
  | "network"
  | (string & {});

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** `fields` of an `invalid_input`: dotted settings path → the hub's message. */
  readonly fields: Readonly<Record<string, string>>;
  /** From `Retry-After`, in whole seconds, when the hub says when to come back. */
  readonly retryAfter: number | null;

  constructor(code: ErrorCode, message: string, status = 0, fields: Record<string, string> = {}, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("internal", error instanceof Error ? error.message : String(error));
}

/** The value of cookie `name` in a `document.cookie` string, or `null`. */
export function readCookie(name: string, cookies: string): string | null {
  for (const pair of cookies.split(";")) {
    const at = pair.indexOf("=");
    if (at < 0) continue;
    if (pair.slice(0, at).trim() === name) {
      const value = pair.slice(at + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return null;
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date (RFC 9110). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** A code for a failure whose body is not the hub's JSON (a proxy's HTML page, say). */
function codeForStatus(status: number): ErrorCode {
  if (status === 400) return "invalid_input";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 502 || status === 503 || status === 504) return "unavailable";
  return "internal";
}

async function failure(response: Response): Promise<ApiError> {
  const retryAfter = retryAfterSeconds(response.headers.get("retry-after"));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the status says enough.
  }
  if (body && typeof body === "object" && typeof (body as { code?: unknown }).code === "string") {
    const { code, message, fields } = body as { code: string; message?: unknown; fields?: unknown };
    const byPath: Record<string, string> = {};
    if (fields && typeof fields === "object") {
      for (const [path, text] of Object.entries(fields as Record<string, unknown>)) byPath[path] = String(text);
    }
    return new ApiError(code, typeof message === "string" ? message : "", response.status, byPath, retryAfter);
  }
  return new ApiError(codeForStatus(response.status), `HTTP ${response.status}`, response.status, {}, retryAfter);
}

export interface ApiOptions {
  /** `fetch` (tests pass a fake one). */
  fetch?: typeof fetch;
  /** The page's cookies (`document.cookie`), read at each request. */
  cookies?: () => string;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export function createApi(options: ApiOptions = {}) {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const cookies = options.cookies ?? (() => (typeof document === "undefined" ? "" : document.cookie));

  async function send(method: Method, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (method !== "GET") {
      const csrf = readCookie(CSRF_COOKIE, cookies());
      if (csrf !== null) headers[CSRF_HEADER] = csrf;
    }
    let response: Response;
    try {
      response = await doFetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError("network", e instanceof Error ? e.message : String(e));
    }
    if (!response.ok) throw await failure(response);
    return response;
  }

  async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const response = await send(method, path, body);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === "") return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError("internal", "the hub answered something that is not JSON", response.status);
    }
  }

  const projectPath = (project: string) => `/api/admin/projects/${encodeURIComponent(project)}`;
  const settingsPath = (project: string) => `${projectPath(project)}/settings`;

  function auditPath(project: string, query: AuditQuery): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") params.set(name, String(value));
    }
    const text = params.toString();
    return `${projectPath(project)}/audit${text ? `?${text}` : ""}`;
  }

  return {
    /** Who is signed in; `unauthorized` when nobody is. */
    session: () => request<ConsoleSession>("GET", "/api/console/session"),
    signIn: (email: string, password: string) => request<ConsoleSession>("POST", "/api/console/session", { email, password }),
    signOut: () => request<void>("DELETE", "/api/console/session"),
    /** The projects the signed-in admin administers (theirs): code and name. */
    projects: () => request<ProjectSummary[]>("GET", "/api/admin/projects"),
    /** A new name for the project (its code stays); answers the project as stored. */
    renameProject: (project: string, name: string) => request<ProjectSummary>("PATCH", projectPath(project), { name }),
    /** What the widget reads on a brand's page (public): the project's name, among others. */
    widgetConfig: (project: string) => request<{ project: string; name: string }>("GET", `/api/widget/config?project=${encodeURIComponent(project)}`),
    settings: (project: string) => request<ProjectSettings>("GET", settingsPath(project)),
    /** Stores the whole settings object; answers the stored settings. */
    saveSettings: (project: string, settings: ProjectSettings) => request<ProjectSettings>("PUT", settingsPath(project), settings),
    groups: (project: string) => request<Group[]>("GET", `${projectPath(project)}/groups`),
    /** A group's opening hours (`null`: always open); answers the group as stored. */
    saveGroupHours: (project: string, group: number, hours: WeeklyHours | null) =>
      request<Group>("PUT", `${projectPath(project)}/groups/${encodeURIComponent(String(group))}/hours`, hours),
    agents: (project: string) => request<Agent[]>("GET", `${projectPath(project)}/agents`),
    createAgent: (project: string, agent: NewAgent) => request<Agent>("POST", `${projectPath(project)}/agents`, agent),
    updateAgent: (project: string, id: number, changes: AgentChanges) =>
      request<Agent>("PATCH", `${projectPath(project)}/agents/${encodeURIComponent(String(id))}`, changes),
    /** A new password for agent `id`: every session of theirs ends. */
    setPassword: (project: string, id: number, password: string) =>
      request<Agent>("PUT", `${projectPath(project)}/agents/${encodeURIComponent(String(id))}/password`, { password }),
    createGroup: (project: string, name: string) => request<Group>("POST", `${projectPath(project)}/groups`, { name }),
    renameGroup: (project: string, id: number, name: string) =>
      request<Group>("PATCH", `${projectPath(project)}/groups/${encodeURIComponent(String(id))}`, { name }),
    canned: (project: string) => request<CannedResponse[]>("GET", `${projectPath(project)}/canned-responses`),
    createCanned: (project: string, canned: CannedInput) => request<CannedResponse>("POST", `${projectPath(project)}/canned-responses`, canned),
    updateCanned: (project: string, id: number, canned: CannedInput) =>
      request<CannedResponse>("PUT", `${projectPath(project)}/canned-responses/${encodeURIComponent(String(id))}`, canned),
    deleteCanned: (project: string, id: number) =>
      request<void>("DELETE", `${projectPath(project)}/canned-responses/${encodeURIComponent(String(id))}`),
    /** Knowledge articles, newest first; `q` searches title, body and tags. */
    knowledge: (project: string, query: { q?: string; language?: string } = {}) => {
      const params = new URLSearchParams();
      if (query.q) params.set("q", query.q);
      if (query.language) params.set("language", query.language);
      const text = params.toString();
      return request<KnowledgeArticle[]>("GET", `${projectPath(project)}/knowledge${text ? `?${text}` : ""}`);
    },
    createArticle: (project: string, article: KnowledgeInput) => request<KnowledgeArticle>("POST", `${projectPath(project)}/knowledge`, article),
    updateArticle: (project: string, id: number, article: KnowledgeInput) =>
      request<KnowledgeArticle>("PUT", `${projectPath(project)}/knowledge/${encodeURIComponent(String(id))}`, article),
    deleteArticle: (project: string, id: number) => request<void>("DELETE", `${projectPath(project)}/knowledge/${encodeURIComponent(String(id))}`),
    audit: (project: string, query: AuditQuery = {}) => request<AuditPage>("GET", auditPath(project, query)),
    /** The configuration file as the hub writes it, with the name it gives it. */
    async exportConfiguration(project: string): Promise<Download> {
      const response = await send("GET", `${projectPath(project)}/configuration`);
      return { text: await response.text(), filename: dispositionFilename(response.headers.get("content-disposition")) };
    },
    /** Imports a configuration file (parsed JSON); with `dryRun`, only says what it would change. */
    importConfiguration: (project: string, file: unknown, dryRun: boolean) =>
      request<ImportReport>("POST", `${projectPath(project)}/configuration${dryRun ? "?dry_run=true" : ""}`, file),
  };
}

export type Api = ReturnType<typeof createApi>;
