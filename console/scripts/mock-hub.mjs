// A tiny stand-in for the hub, for screenshots and browser checks without building Rust:
// serves console/dist under /admin/ with the hub's CSP, and the console API (issue 10) from
// memory: cookie session (HttpOnly `pupitre_console` + readable `pupitre_csrf`), CSRF checked on
// every changing request, settings from src/fixtures/settings.demo.json.
// `POST /__mock/next` {method, path, status, body, headers} makes the next such request answer
// that (one shot), to show refusals. Run alone: `node scripts/mock-hub.mjs [port]`.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".svg": "image/svg+xml",
};

const ACCOUNTS = {
  "admin@demo.pupitre.test": { password: "admin-demo-4", session: { agent_id: 4, name: "Camille Martin", role: "admin", project: "DEMO" } },
  "manager@demo.pupitre.test": { password: "manager-demo-3", session: { agent_id: 3, name: "Léa Bernard", role: "manager", project: "DEMO" } },
};

export async function startMockHub(port = 0) {
  let settings = JSON.parse(await readFile(join(root, "src/fixtures/settings.demo.json"), "utf8"));
  const sessions = new Map(); // session cookie → {session, csrf}
  const next = [];
  const log = [];

  const cookies = (req) =>
    Object.fromEntries(
      (req.headers.cookie ?? "")
        .split(";")
        .map((p) => p.trim().split("="))
        .filter((p) => p.length === 2),
    );

  function send(res, status, body, headers = {}) {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  async function readBody(req) {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString("utf8");
    return text ? JSON.parse(text) : undefined;
  }

  async function api(req, res, path) {
    const body = await readBody(req);
    log.push({ method: req.method, path, csrf: req.headers["x-pupitre-csrf"] ?? null, body });
    const queued = next.findIndex((n) => n.method === req.method && n.path === path);
    if (queued >= 0) {
      const [n] = next.splice(queued, 1);
      return send(res, n.status, n.body, n.headers);
    }
    const jar = cookies(req);
    const current = sessions.get(jar.pupitre_console);
    if (req.method !== "GET" && current && req.headers["x-pupitre-csrf"] !== current.csrf && path !== "/api/console/session") {
      return send(res, 403, { code: "forbidden", message: "missing or wrong X-Pupitre-CSRF" });
    }
    if (path === "/api/console/session") {
      if (req.method === "GET") return current ? send(res, 200, current.session) : send(res, 401, { code: "unauthorized", message: "no console session" });
      if (req.method === "DELETE") {
        sessions.delete(jar.pupitre_console);
        return send(res, 204, undefined, {
          "set-cookie": ["pupitre_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", "pupitre_csrf=; Path=/; SameSite=Strict; Max-Age=0"],
        });
      }
      if (req.method === "POST") {
        const account = ACCOUNTS[body?.email];
        if (!account || account.password !== body?.password) return send(res, 401, { code: "unauthorized", message: "wrong e-mail or password" });
        const sid = randomBytes(12).toString("hex");
        const csrf = randomBytes(12).toString("hex");
        sessions.set(sid, { session: account.session, csrf });
        return send(res, 200, account.session, {
          "set-cookie": [`pupitre_console=${sid}; Path=/; HttpOnly; SameSite=Strict`, `pupitre_csrf=${csrf}; Path=/; SameSite=Strict`],
        });
      }
    }
    // The project's name, for the console's header (an admin's list; what the widget reads otherwise).
    if (path === "/api/admin/projects" && req.method === "GET") {
      if (!current) return send(res, 401, { code: "unauthorized", message: "no console session" });
      return send(res, 200, [{ id: 1, code: current.session.project, name: "Maison Lumière" }]);
    }
    if (path === "/api/widget/config" && req.method === "GET") return send(res, 200, { project: "DEMO", name: "Maison Lumière", ...settings.widget });
    const match = /^\/api\/admin\/projects\/([^/]+)\/settings$/.exec(path);
    if (match) {
      if (!current) return send(res, 401, { code: "unauthorized", message: "no console session" });
      if (match[1] !== current.session.project) return send(res, 403, { code: "forbidden", message: "not your project" });
      if (req.method === "GET") return send(res, 200, settings);
      if (req.method === "PUT") {
        settings = body;
        return send(res, 200, settings);
      }
    }
    return send(res, 404, { code: "not_found", message: `no route ${req.method} ${path}` });
  }

  async function file(res, path) {
    const relative = path === "/admin" || path === "/admin/" ? "index.html" : path.replace(/^\/admin\//, "");
    const full = normalize(join(dist, relative));
    if (!full.startsWith(dist)) return send(res, 404, { code: "not_found", message: "" });
    try {
      const bytes = await readFile(full);
      res.writeHead(200, {
        "content-type": TYPES[extname(full)] ?? "application/octet-stream",
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
      });
      res.end(bytes);
    } catch {
      send(res, 404, { code: "not_found", message: `no file ${path}` });
    }
  }

  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    try {
      if (path === "/__mock/next" && req.method === "POST") {
        next.push(await readBody(req));
        return send(res, 204);
      }
      if (path.startsWith("/api/")) return await api(req, res, path);
      if (path === "/admin" || path.startsWith("/admin/")) return await file(res, path);
      send(res, 404, { code: "not_found", message: "" });
    } catch (e) {
      send(res, 500, { code: "internal", message: String(e) });
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}`,
    log,
    settings: () => settings,
    queue: (answer) => next.push(answer),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const hub = await startMockHub(Number(process.argv[2] ?? 4180));
  console.log(`mock hub: ${hub.url}/admin/ (admin@demo.pupitre.test / admin-demo-4)`);
}
