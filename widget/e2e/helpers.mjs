// Real parts for the widget's end-to-end tests: a real hub (port 0, its own SQLite file), a
// scripted agent (`pupitre client agent`, JSON lines), a real SMTP sink, and Debian's Chromium
// through playwright-core (no browser download).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { deflateSync } from "node:zlib";
import { SMTPServer } from "smtp-server";

export const WIDGET_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SHOTS = join(WIDGET_DIR, "e2e", "shots");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export const ALICE = { email: "alice@demo.pupitre.test", password: "alice-demo-1" };
export const ADMIN = { email: "admin@demo.pupitre.test", password: "admin-demo-4" };

/** How long a step may take before the test fails with what it was waiting for. */
export const WAIT_MS = Number(process.env.E2E_WAIT_MS ?? 15_000);

export function hubBinary() {
  if (process.env.PUPITRE_BIN) return process.env.PUPITRE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? "/var/tmp/pupitre-target";
  return join(target, "debug", "pupitre");
}

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

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Lines of a child's stdout, kept, with waiters. */
class Lines {
  constructor(stream, parse) {
    this.items = [];
    this.waiters = [];
    createInterface({ input: stream }).on("line", (line) => {
      const item = parse(line);
      if (item === undefined) return;
      this.items.push(item);
      for (const w of [...this.waiters]) w();
    });
  }
  /** The first item from index `from` on matching `pred`, waiting for it. */
  wait(pred, what, from = 0, ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = from; i < this.items.length; i++) {
          if (pred(this.items[i])) {
            cleanup();
            resolve({ item: this.items[i], index: i });
            return true;
          }
        }
        return false;
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; last lines:\n${this.items.slice(-8).map((x) => JSON.stringify(x)).join("\n")}`));
      }, ms);
      if (!check()) this.waiters.push(check);
    });
  }
}

export class Hub {
  /** `logLevel`: the hub's RUST_LOG (default `warn`, or the environment's). Everything the hub
   * writes is kept: `stdout` (its lines) and `stderr`. */
  static async start({ smtpPort, args = [], logLevel } = {}) {
    const bin = hubBinary();
    if (!existsSync(bin)) throw new Error(`no hub binary at ${bin} (set PUPITRE_BIN or build it)`);
    const dir = mkdtempSync(join(tmpdir(), "pupitre-e2e-"));
    const argv = ["serve", "--demo", "--db", join(dir, "hub.db"), "--listen", "127.0.0.1:0", ...args];
    if (smtpPort) argv.push("--smtp", `smtp://127.0.0.1:${smtpPort}`);
    const child = spawn(bin, argv, {
      env: { ...process.env, PUPITRE_WIDGET_DIR: WIDGET_DIR, RUST_LOG: logLevel ?? process.env.RUST_LOG ?? "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const hub = new Hub(bin, dir, child);
    child.stderr.on("data", (d) => (hub.stderr += d));
    const lines = new Lines(child.stdout, (l) => l);
    hub.stdoutLines = lines.items;
    const { item } = await lines
      .wait((l) => /listening on http:\/\/\S+/.test(l), "the hub's address")
      .catch((e) => {
        throw new Error(`${e.message}\nstderr: ${hub.stderr}`);
      });
    hub.url = item.match(/listening on (http:\/\/\S+)/)[1];
    return hub;
  }

  constructor(bin, dir, child) {
    this.bin = bin;
    this.dir = dir;
    this.child = child;
    this.stderr = "";
    this.agents = [];
    this.stdoutLines = [];
    /** The hub's SQLite file (and its `-wal` beside it) while it runs, and after `halt`. */
    this.db = join(dir, "hub.db");
  }

  /** What the hub printed on stdout. */
  get stdout() {
    return this.stdoutLines.join("\n");
  }

  async agent({ email, password } = ALICE, { available = true } = {}) {
    const a = new Agent(this, email, password);
    this.agents.push(a);
    await a.welcome;
    if (available) await a.request({ type: "set_status", channel: "chat", status: { kind: "available" } });
    return a;
  }

  async api(path, { method = "GET", body, token } = {}) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(body ? { "content-type": "application/json" } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return json;
  }

  async adminToken() {
    if (!this.token) this.token = (await this.api("/api/login", { method: "POST", body: ADMIN })).access_token;
    return this.token;
  }

  /** The conversation as the admin API reads it (thread included). */
  async conversation(reference) {
    return this.api(`/api/conversations/${reference}`, { token: await this.adminToken() });
  }

  async settings(change) {
    const token = await this.adminToken();
    const settings = await this.api("/api/admin/projects/DEMO/settings", { token });
    change(settings);
    return this.api("/api/admin/projects/DEMO/settings", { method: "PUT", body: settings, token });
  }

  /** Stops the hub and its agents; its files stay until `stop`. */
  async halt() {
    for (const a of this.agents) a.stop();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    }
  }

  async stop() {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `pupitre client agent`: frames in on stdin, every hub frame out as a JSON line. */
export class Agent {
  constructor(hub, email, password) {
    this.child = spawn(hub.bin, ["client", "agent", "--hub", hub.url, "--email", email, "--password", password], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: "warn" },
    });
    this.stderr = "";
    this.child.stderr.on("data", (d) => (this.stderr += d));
    this.lines = new Lines(this.child.stdout, (l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    });
    this.welcome = this.lines.wait((f) => f.type === "welcome", `${email}'s welcome`).then(({ item }) => item);
  }

  get frames() {
    return this.lines.items;
  }

  send(frame) {
    this.child.stdin.write(`${JSON.stringify(frame)}\n`);
  }

  /** Sends a change with a client id and waits for its ack (throws on the hub's error). */
  async request(frame) {
    const client_id = randomUUID();
    const from = this.frames.length;
    this.send({ ...frame, client_id });
    const { item } = await this.lines.wait(
      (f) => (f.type === "ack" || f.type === "error") && f.client_id === client_id,
      `the answer to ${frame.type}`,
      from,
    );
    if (item.type === "error") throw new Error(`${frame.type} refused: ${item.code} ${item.message}`);
    return item;
  }

  /** The first event of `kind` (matching `pred`) from frame index `from`. */
  async event(kind, pred = () => true, from = 0, ms) {
    const { item, index } = await this.lines.wait(
      (f) => f.type === "event" && f.event?.kind === kind && pred(f.event),
      `agent event ${kind}`,
      from,
      ms,
    );
    return { event: item.event, index };
  }

  async frame(type, pred = () => true, from = 0) {
    return this.lines.wait((f) => f.type === type && pred(f), `agent frame ${type}`, from);
  }

  /** Messages of the visitor with this exact text received so far (as events or in views). */
  visitorTexts(text) {
    let n = 0;
    for (const f of this.frames) {
      if (f.type !== "event") continue;
      const e = f.event;
      if (e.kind === "message" && e.message.author.kind === "visitor" && e.message.body.text === text) n++;
      if (e.kind === "conversation_assigned") {
        n += e.conversation.messages.filter((m) => m.author.kind === "visitor" && m.body.text === text).length;
      }
    }
    return n;
  }

  stop() {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
  }
}

/** A real SMTP server on loopback keeping every mail it receives. */
export async function smtpSink() {
  const mails = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on("data", (c) => chunks.push(c));
      stream.on("end", () => {
        mails.push({ raw: Buffer.concat(chunks).toString("utf8"), to: session.envelope.rcptTo.map((r) => r.address) });
        callback();
      });
    },
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { mails, port: server.server.address().port, close: () => new Promise((r) => server.close(r)) };
}

/** Splits a MIME message into its leaf parts, decoded (quoted-printable, base64). */
export function mimeParts(raw) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join("\r\n\r\n");
  const headers = parseHeaders(head);
  const type = headers["content-type"] ?? "text/plain";
  const boundary = type.match(/boundary="?([^";]+)"?/i)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const pieces = body.split(`--${boundary}`).slice(1);
    return pieces.filter((p) => !p.startsWith("--")).flatMap((p) => mimeParts(p.replace(/^\r?\n/, "")));
  }
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  let text = body;
  if (encoding === "base64") text = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") {
    const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h) => `%${h}`);
    text = decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, "%25"));
  }
  return [{ type: type.split(";")[0].trim().toLowerCase(), headers, text }];
}

function parseHeaders(head) {
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** `=?utf-8?b?…?=` / `=?utf-8?q?…?=` words of a header, decoded. */
export function decodeHeader(value = "") {
  return value.replace(/=\?([^?]+)\?([bq])\?([^?]*)\?=\s*/gi, (_, _cs, enc, data) =>
    enc.toLowerCase() === "b"
      ? Buffer.from(data, "base64").toString("utf8")
      : decodeURIComponent(data.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, "%$1")),
  );
}

export async function browser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu", "--no-first-run"],
  });
}

/** A visitor's browser profile: English, desktop unless told. */
export async function visitorContext(b, options = {}) {
  return b.newContext({ locale: "en-GB", viewport: { width: 1280, height: 800 }, ...options });
}

/** `visitorContext`'s options for a phone: the widget's panel goes full screen. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Fails the test on a dialog or an uncaught page error. */
export function guard(page, problems) {
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource|WebSocket|ERR_INTERNET_DISCONNECTED/.test(m.text())) {
      problems.push(`console error: ${m.text()}`);
    }
  });
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** axe-core's source, evaluated in the page (through the DevTools protocol: the page's CSP,
 * `script-src 'self'`, does not apply to it). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/**
 * Runs axe-core on the whole page (the widget's open shadow root included) and fails with
 * every WCAG A/AA violation, each with its elements and axe's summary. `what` names the state.
 * With `into` (an array), the report goes there instead, and the test goes on to the next state.
 */
export async function axe(page, what, into) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  // Colours are measured as painted: the panel's entrance (a fade) must be over.
  await page.evaluate(async () => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const roots = [document, ...Array.from(document.querySelectorAll("*"), (el) => el.shadowRoot).filter(Boolean)];
    await Promise.all(
      roots
        .flatMap((r) => r.getAnimations())
        .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => {})),
    );
  });
  const violations = await page.evaluate(
    async (tags) =>
      (await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })).violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.flat().join(" >>> "), summary: n.failureSummary })),
      })),
    WCAG_TAGS,
  );
  if (violations.length) {
    const text = violations
      .map((v) => `- ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target}\n      ${(n.summary ?? "").replace(/\n/g, "\n      ")}`).join("\n")}`)
      .join("\n");
    const report = `axe: ${violations.length} WCAG A/AA violation(s) on ${what}:\n${text}`;
    if (!into) throw new Error(report);
    into.push(report);
  }
}

/** The widget's parts (Playwright's CSS engine goes through its open shadow root). */
export const W = {
  launcher: "#pupitre-widget .launcher",
  panel: "#pupitre-widget [role=dialog]",
  input: "#pupitre-widget .composer textarea",
  thread: "#pupitre-widget .thread",
};

/** A small real PNG (a warm gradient), made here: no fixture file. */
export function gradientPng(width = 240, height = 160) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = 200 + Math.round((55 * x) / width);
      row[2 + x * 3] = 120 + Math.round((90 * y) / height);
      row[3 + x * 3] = 60;
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** After a failure: every open page as a picture, and what the hub and the agents said. */
export async function failed(context, hub) {
  mkdirSync(SHOTS, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  let i = 0;
  for (const page of context.pages()) {
    await page.screenshot({ path: join(SHOTS, `FAILED-${stamp}-${i++}.png`) }).catch(() => {});
  }
  const lines = [`hub ${hub.url}`, `hub stderr:\n${hub.stderr.slice(-4000)}`];
  for (const a of hub.agents) {
    lines.push(`agent stderr:\n${a.stderr.slice(-2000)}`, "agent frames (last 40):", ...a.frames.slice(-40).map((f) => JSON.stringify(f)));
  }
  writeFileSync(join(SHOTS, `FAILED-${stamp}.log`), lines.join("\n"));
  console.error(`e2e: failure pictures and logs in ${SHOTS} (FAILED-${stamp}*)`);
}

/**
 * One test's life, around `body`: a real SMTP sink first when `smtp` is set (its port given to
 * the hub), a hub of its own (`hub`: `Hub.start`'s options), and a visitor's browser context on
 * `b` (`context`: `visitorContext`'s options). `body` gets `{ hub, context, problems, open, smtp }`;
 * `open(ctx = context)` opens a page of `ctx` guarded into `problems` (see `guard`). The test
 * fails if `problems` is not empty once `body` is done; after any failure `failed` keeps the
 * pictures and the logs. Then the context, the hub and the sink are closed, in that order.
 * `options` may be left out.
 */
export async function scenario(b, options, body) {
  if (typeof options === "function") [options, body] = [{}, options];
  const smtp = options.smtp ? await smtpSink() : undefined;
  try {
    const hub = await Hub.start({ ...options.hub, ...(smtp ? { smtpPort: smtp.port } : {}) });
    const problems = [];
    let context;
    let ok = false;
    try {
      context = await visitorContext(b, options.context);
      const open = async (ctx = context) => {
        const page = await ctx.newPage();
        guard(page, problems);
        return page;
      };
      await body({ hub, context, problems, open, smtp });
      assert.deepEqual(problems, []);
      ok = true;
    } finally {
      if (context) {
        if (!ok) await failed(context, hub);
        await context.close();
      }
      await hub.stop();
    }
  } finally {
    await smtp?.close();
  }
}
