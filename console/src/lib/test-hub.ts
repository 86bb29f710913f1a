/**
 * A fake hub behind a fake `fetch`, speaking the console API as issue 10 and
 * crates/server/src/api/console.rs define it: cookie session (here: a flag), the
 * `pupitre_csrf` cookie, CSRF checked on every changing request, settings from the demo
 * fixture. `on` overrides one route; `calls` records every request.
 */
import fixture from "../fixtures/settings.demo.json";
import { createApi, type ConsoleSession } from "./api";
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

export function fakeHub(options: { signedIn?: boolean; session?: ConsoleSession; settings?: ProjectSettings } = {}) {
  const state = {
    signedIn: options.signedIn ?? false,
    session: options.session ?? ADMIN,
    settings: structuredClone(options.settings ?? DEMO_SETTINGS),
    cookie: options.signedIn ? "theme=dark; pupitre_csrf=csrf-1" : "theme=dark",
    csrf: options.signedIn ? "csrf-1" : null as string | null,
  };
  const calls: Call[] = [];
  const overrides = new Map<string, Handler[]>();

  const settingsPath = `/api/admin/projects/${state.session.project}/settings`;

  function defaults(call: Call): Response {
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
        state.settings = structuredClone(call.body as ProjectSettings);
        return json(200, state.settings);
      default:
        return json(404, { code: "not_found", message: `no route ${route}` });
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
    const queue = overrides.get(`${call.method} ${call.url}`);
    const handler = queue?.shift();
    return handler ? handler(call) : defaults(call);
  };

  return {
    state,
    calls,
    settingsPath,
    api: createApi({ fetch: fetch as typeof globalThis.fetch, cookies: () => state.cookie }),
    /** The next request to `method path` answers with `handler` (once per call of `on`). */
    on(method: string, path: string, handler: Handler) {
      const key = `${method} ${path}`;
      overrides.set(key, [...(overrides.get(key) ?? []), handler]);
    },
    puts: () => calls.filter((c) => c.method === "PUT"),
  };
}
