// Real parts for the console's end-to-end tests: a real hub (`pupitre serve --demo`, port 0,
// its own SQLite file, the console built into it), Debian's Chromium through playwright-core
// (no browser download), a bearer client to read back what the hub stored, scripted desks and
// widgets over the hub's WebSockets (`ws`: Node 20 has no WebSocket client), and an "evil"
// web server on another origin for the cross-site tests.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";
import WebSocket from "ws";

export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SHOTS = join(CONSOLE_DIR, "e2e", "shots");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** The demo accounts (crates/server/src/demo.rs). */
export const ADMIN = { email: "admin@demo.pupitre.test", password: "admin-demo-4", name: "Admin Pupitre" };
export const MANAGER = { email: "chloe@demo.pupitre.test", password: "chloe-demo-3", name: "Chloé Durand" };
export const ALICE = { email: "alice@demo.pupitre.test", password: "alice-demo-1", name: "Alice Martin" };

export const SETTINGS_PATH = "/api/admin/projects/DEMO/settings";

/** How long a step may take before the test fails with what it was waiting for. */
export const WAIT_MS = Number(process.env.E2E_WAIT_MS ?? 15_000);

export function hubBinary() {
  if (process.env.PUPITRE_BIN) return process.env.PUPITRE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? "/var/tmp/pupitre-target";
  return join(target, "debug", "pupitre");
}

/** crates/protocol's PROTOCOL_VERSION. */
export const PROTOCOL_VERSION = 1;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `f` until it returns a truthy value (returned), or throws after `ms`. */
export async function eventually(f, what, ms = WAIT_MS) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await sleep(100);
  }
}

/** An HTTP answer, read whole: status, headers, text, JSON when it is. */
async function answer(res) {
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, json };
}

export class Hub {
  static async start() {
    const bin = hubBinary();
    if (!existsSync(bin)) throw new Error(`no hub binary at ${bin} (set PUPITRE_BIN or build it)`);
    const dir = mkdtempSync(join(tmpdir(), "pupitre-console-e2e-"));
    const child = spawn(bin, ["serve", "--demo", "--db", join(dir, "hub.db"), "--listen", "127.0.0.1:0"], {
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const hub = new Hub(bin, dir, child);
    child.stderr.on("data", (d) => (hub.stderr += d));
    hub.url = await new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      const timer = setTimeout(() => reject(new Error(`timed out waiting for the hub's address\nstderr: ${hub.stderr}`)), WAIT_MS);
      lines.on("line", (line) => {
        hub.stdout += `${line}\n`;
        const m = line.match(/listening on (http:\/\/\S+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the hub exited (${code}) before listening\nstderr: ${hub.stderr}`));
      });
    });
    try {
      await hub.checkConsole();
    } catch (e) {
      await hub.stop();
      throw e;
    }
    return hub;
  }

  /**
   * The hub embeds console/dist when it is compiled: one built before the console's last
   * `npm run build` serves an older console, and the tests would fail far from the cause.
   */
  async checkConsole() {
    const built = join(CONSOLE_DIR, "dist", "index.html");
    if (!existsSync(built)) return;
    const served = await this.request("/admin/");
    if (served.text !== readFileSync(built, "utf8")) {
      throw new Error(
        `the hub ${this.bin} serves another console than console/dist (its assets: ${served.text.match(/assets\/index-[\w-]+\.js/)?.[0]}): ` +
          "rebuild the hub after `npm run build` (`make console-e2e` does both)",
      );
    }
  }

  constructor(bin, dir, child) {
    this.bin = bin;
    this.dir = dir;
    this.child = child;
    this.stderr = "";
    this.stdout = "";
    this.tokens = new Map();
  }

  /** A raw request to the hub: never throws on an HTTP status. */
  async request(path, { method = "GET", body, token, headers = {}, raw } = {}) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      redirect: "manual",
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
    return answer(res);
  }

  /** A bearer access token for `who` (POST /api/login, as the desk signs in). */
  async token(who = ADMIN) {
    if (!this.tokens.has(who.email)) {
      const r = await this.request("/api/login", { method: "POST", body: { email: who.email, password: who.password } });
      if (r.status !== 200) throw new Error(`POST /api/login as ${who.email} → ${r.status} ${r.text}`);
      this.tokens.set(who.email, r.json.access_token);
    }
    return this.tokens.get(who.email);
  }

  /** The DEMO project's settings as the hub stores them, read by the admin over HTTP. */
  async settings() {
    const r = await this.request(SETTINGS_PATH, { token: await this.token(ADMIN) });
    if (r.status !== 200) throw new Error(`GET ${SETTINGS_PATH} → ${r.status} ${r.text}`);
    return r.json;
  }

  /** `pupitre_console_csrf_refused_total` from /metrics (0 before the first refusal). */
  async csrfRefusals() {
    const r = await this.request("/metrics");
    const m = r.text.match(/^pupitre_console_csrf_refused_total(?:\{[^}]*\})? (\d+)/m);
    return m ? Number(m[1]) : 0;
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (this.child.exitCode === null) this.child.kill("SIGKILL");
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A scripted WebSocket client of the hub: every frame it receives is kept, in order, in
 * `frames`; `next` waits for one that matches (past or future, each frame answered once).
 */
export class Socket {
  static async open(url) {
    const ws = new WebSocket(url);
    const socket = new Socket(ws);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return socket;
  }

  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.taken = new Set();
    this.closed = null;
    ws.on("message", (data) => this.frames.push(JSON.parse(String(data))));
    ws.on("close", (code, reason) => (this.closed = { code, reason: String(reason) }));
  }

  send(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame not yet taken for which `match` is true; throws after `ms`. */
  async next(match, what, ms = WAIT_MS) {
    return eventually(() => {
      const i = this.frames.findIndex((f, i) => !this.taken.has(i) && match(f));
      if (i < 0) {
        if (this.closed) throw new Error(`the socket closed (${this.closed.code} ${this.closed.reason})`);
        return null;
      }
      this.taken.add(i);
      return this.frames[i];
    }, what, ms);
  }

  /** Sends a frame with a fresh `client_id`; answers its `ack` or its `error`, whichever comes. */
  async change(frame, what = frame.type) {
    const client_id = randomUUID();
    this.send({ ...frame, client_id });
    return this.next((f) => (f.type === "ack" || f.type === "error") && f.client_id === client_id, `the answer to ${what}`);
  }

  close() {
    this.ws.close();
  }
}

const wsUrl = (hub, path) => `${hub.url.replace(/^http/, "ws")}${path}`;

/** A desk signed in as `who` (POST /api/login, then `hello` on /ws/agent); `welcome` is its first answer. */
export async function desk(hub, who) {
  const socket = await Socket.open(wsUrl(hub, "/ws/agent"));
  socket.send({ type: "hello", version: PROTOCOL_VERSION, token: await hub.token(who), last_seq: null });
  const welcome = await socket.next((f) => f.type === "welcome" || f.type === "error", `${who.email}'s welcome`);
  if (welcome.type !== "welcome") throw new Error(`hello refused: ${JSON.stringify(welcome)}`);
  socket.welcome = welcome;
  return socket;
}

/** A new visitor of DEMO's widget (`hello` without a token on /ws/visitor). */
export async function widget(hub) {
  const socket = await Socket.open(wsUrl(hub, "/ws/visitor"));
  socket.send({
    type: "hello",
    version: PROTOCOL_VERSION,
    project: "DEMO",
    token: null,
    last_seq: null,
    language: "en",
    page: { url: "https://shop.example/lamps", title: "Lamps" },
  });
  const welcome = await socket.next((f) => f.type === "welcome" || f.type === "error", "the visitor's welcome");
  if (welcome.type !== "welcome") throw new Error(`visitor hello refused: ${JSON.stringify(welcome)}`);
  socket.welcome = welcome;
  return socket;
}

export async function browser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu", "--no-first-run"],
  });
}

/** An English desktop browser profile (the console follows `navigator.languages`). */
export async function consoleContext(b, options = {}) {
  const context = await b.newContext({
    locale: "en-GB",
    viewport: { width: 1440, height: 860 },
    reducedMotion: "reduce",
    ...options,
  });
  context.setDefaultTimeout(WAIT_MS);
  return context;
}

/**
 * Watches a console page: any uncaught error, console error, dialog or CSP violation is a
 * problem. A failed resource (the browser's "Failed to load resource: … status of 4xx") is
 * kept apart in `page.refusals` as "STATUS /path", for the test to compare with what it
 * expected (the hub answering 401 to a signed-out page, 403 to an agent's sign-in).
 */
export async function guard(page, problems) {
  page.refusals = [];
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const status = m.text().match(/^Failed to load resource: the server responded with a status of (\d{3})/);
    if (status) {
      const url = m.location()?.url ?? "";
      page.refusals.push(`${status[1]} ${url.startsWith("http") ? new URL(url).pathname : url}`);
      return;
    }
    problems.push(`console error: ${m.text()}`);
  });
  // Reported to the console as an error, so the listener above records it as a problem.
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`),
    );
  });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** WCAG 2.2 A and AA (axe tags each success criterion with the version that introduced it). */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
/** axe's best-practice findings: reported, not failing (see the test's final summary). */
export const advice = [];

/** axe-core on the page as it is: each WCAG 2.2 A/AA violation is a problem. */
export async function axe(page, name, problems) {
  // Evaluated over CDP, which the page's CSP does not govern (an injected <script> would be refused).
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate((tags) =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: [...tags, "best-practice"] }, resultTypes: ["violations"] }),
  WCAG_TAGS);
  for (const v of result.violations) {
    const line = `[${name}] axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`;
    if (v.tags.some((t) => WCAG_TAGS.includes(t))) problems.push(line);
    else advice.push(line);
  }
  return result.violations.length;
}

/** Every page the tests stop on: fonts loaded, axe run, a screenshot in e2e/shots/. */
export const pagesChecked = [];
export async function look(page, name, problems) {
  await page.evaluate(() => document.fonts.ready);
  await axe(page, name, problems);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  pagesChecked.push(name);
}

/** Fills the sign-in form and sends it (waiting for nothing). */
export async function submitSignIn(page, who) {
  await page.locator("#login-email").fill(who.email);
  await page.locator("#login-password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in from the sign-in page and waits for the console's first settings page. */
export async function signIn(page, who = ADMIN) {
  await page.locator("#login-email").waitFor();
  await submitSignIn(page, who);
  await page.locator("[data-testid=person]", { hasText: who.name }).waitFor();
}

/** The settings input for a dotted path (Field.svelte's `field-{path}` ids). */
export function field(page, path) {
  return page.locator(`[id="field-${path}"]`);
}

/** Every request the page sends with `method` to a path matching `re`. */
export function recordRequests(page, method, re) {
  const seen = [];
  page.on("request", (r) => {
    if (r.method() === method && re.test(new URL(r.url()).pathname)) seen.push(r.url());
  });
  return seen;
}

/** The context's cookies for the hub as one `Cookie` header, and the CSRF cookie's value. */
export async function consoleCookies(context, hub) {
  const cookies = await context.cookies(hub.url);
  return {
    header: cookies.map((c) => `${c.name}=${c.value}`).join("; "),
    session: cookies.find((c) => c.name === "pupitre_console")?.value ?? null,
    csrf: cookies.find((c) => c.name === "pupitre_csrf")?.value ?? null,
  };
}

/**
 * A web server on another origin, serving one page whose script forges requests to the hub:
 * `GET /evil` answers `html` (the test builds it); `POST /report` keeps what the page's
 * script saw (in `reports`), since its form submission then navigates the page away. Listens
 * on 127.0.0.1: reach it as http://127.0.0.1:PORT (same site as the hub, another origin: the
 * browser sends SameSite=Strict cookies) or as http://localhost:PORT (another site).
 */
export async function evilServer(html) {
  const hits = [];
  const reports = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    if (req.method === "POST" && req.url === "/report") {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        try {
          reports.push(JSON.parse(body));
        } catch {
          reports.push({ unreadable: body });
        }
        res.writeHead(204);
        res.end();
      });
      return;
    }
    if (req.url.startsWith("/evil")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(html);
    } else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { port: server.address().port, hits, reports, close: () => new Promise((r) => server.close(r)) };
}

/** After a failure: every open page as a picture, and what the hub said. */
export async function failed(context, hub, label = "test") {
  mkdirSync(SHOTS, { recursive: true });
  const stamp = `${label.replace(/\W+/g, "-").slice(0, 40)}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  let i = 0;
  for (const page of context?.pages() ?? []) {
    await page.screenshot({ path: join(SHOTS, `FAILED-${stamp}-${i++}.png`) }).catch(() => {});
  }
  writeFileSync(join(SHOTS, `FAILED-${stamp}.log`), [`hub ${hub?.url}`, `hub stderr:\n${(hub?.stderr ?? "").slice(-4000)}`].join("\n"));
  console.error(`e2e: failure pictures and logs in ${SHOTS} (FAILED-${stamp}*)`);
}
