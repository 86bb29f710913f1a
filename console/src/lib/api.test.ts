import { describe, expect, it } from "vitest";
import { ApiError, createApi, readCookie, retryAfterSeconds } from "./api";
import { DEMO_SETTINGS, fakeHub, json } from "./test-hub";

describe("the fetch layer", () => {
  it("sends the CSRF cookie's value on PUT and not on GET, always with same-origin credentials", async () => {
    const hub = fakeHub({ signedIn: true });
    const settings = await hub.api.settings("DEMO");
    await hub.api.saveSettings("DEMO", settings);

    const [get, put] = hub.calls;
    expect(get).toMatchObject({ method: "GET", url: "/api/admin/projects/DEMO/settings", credentials: "same-origin" });
    expect(get.headers).not.toHaveProperty("x-pupitre-csrf");
    expect(put).toMatchObject({ method: "PUT", url: "/api/admin/projects/DEMO/settings", credentials: "same-origin" });
    expect(put.headers["x-pupitre-csrf"]).toBe("csrf-1");
    expect(put.headers["content-type"]).toBe("application/json");
    expect(put.body).toEqual(DEMO_SETTINGS);
  });

  it("sends the CSRF header on sign-in and sign-out too, once the cookie exists", async () => {
    const hub = fakeHub();
    await hub.api.signIn("admin@demo.pupitre.test", "admin-demo-4");
    expect(hub.calls[0].headers).not.toHaveProperty("x-pupitre-csrf");
    expect(hub.calls[0].body).toEqual({ email: "admin@demo.pupitre.test", password: "admin-demo-4" });
    await hub.api.signOut();
    expect(hub.calls[1]).toMatchObject({ method: "DELETE", url: "/api/console/session" });
    expect(hub.calls[1].headers["x-pupitre-csrf"]).toBe("csrf-2");
    await expect(hub.api.session()).rejects.toMatchObject({ code: "unauthorized", status: 401 });
  });

  it("reads the hub's error body: code, message, fields, Retry-After", async () => {
    const hub = fakeHub({ signedIn: true });
    hub.on("PUT", hub.settingsPath, () =>
      json(400, { code: "invalid_input", message: "1 setting(s) refused", fields: { default_slot_max: "between 1 and 50" } }),
    );
    hub.on("POST", "/api/console/session", () => json(429, { code: "rate_limited", message: "slow down" }, { "retry-after": "42" }));

    const refused = await hub.api.saveSettings("DEMO", DEMO_SETTINGS).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "invalid_input", status: 400, fields: { default_slot_max: "between 1 and 50" } });

    const limited = await hub.api.signIn("a@b.c", "x").catch((e) => e);
    expect(limited).toMatchObject({ code: "rate_limited", retryAfter: 42, message: "slow down" });
  });

  it("names a failure without a JSON body by its status, and an unreachable hub `network`", async () => {
    const api = createApi({
      fetch: (async () => new Response("<html>Bad gateway</html>", { status: 502 })) as typeof fetch,
      cookies: () => "",
    });
    await expect(api.session()).rejects.toMatchObject({ code: "unavailable", status: 502 });

    const offline = createApi({
      fetch: (async () => {
        throw new TypeError("Failed to fetch");
      }) as typeof fetch,
      cookies: () => "",
    });
    await expect(offline.session()).rejects.toMatchObject({ code: "network" });
  });

  it("finds a cookie among others and parses Retry-After in both forms", () => {
    expect(readCookie("pupitre_csrf", "a=1; pupitre_csrf=abc%3D; pupitre_csrf_x=2")).toBe("abc=");
    expect(readCookie("pupitre_csrf", "pupitre_csrf_x=2")).toBeNull();
    expect(retryAfterSeconds("30")).toBe(30);
    expect(retryAfterSeconds(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds("soon")).toBeNull();
  });
});

describe("the admin routes beyond the settings", () => {
  it("groups, hours (null for always open), the audit log's query, the configuration and its file name", async () => {
    const hub = fakeHub({ signedIn: true });
    expect((await hub.api.groups("DEMO")).map((g) => g.name)).toEqual(["Sales", "Support"]);
    await hub.api.saveGroupHours("DEMO", 2, null);
    expect(hub.calls.at(-1)).toMatchObject({ method: "PUT", url: "/api/admin/projects/DEMO/groups/2/hours", body: null });
    expect(hub.calls.at(-1)!.headers["content-type"]).toBe("application/json");
    await hub.api.audit("DEMO", { action: "group.", text: "a b&c", before: 12, since: undefined, limit: 50 });
    expect(hub.calls.at(-1)!.url).toBe("/api/admin/projects/DEMO/audit?action=group.&text=a+b%26c&before=12&limit=50");
    const exported = await hub.api.exportConfiguration("DEMO");
    expect(exported.filename).toBe("pupitre-DEMO-configuration.json");
    expect(JSON.parse(exported.text).format).toBe("pupitre-configuration");
    await hub.api.importConfiguration("DEMO", JSON.parse(exported.text), true);
    expect(hub.calls.at(-1)).toMatchObject({ method: "POST", url: "/api/admin/projects/DEMO/configuration?dry_run=true" });
    expect(hub.calls.at(-1)!.headers["x-pupitre-csrf"]).toBe("csrf-1");
  });

  it("reads a file name from Content-Disposition, never a path", async () => {
    const { dispositionFilename } = await import("./api");
    expect(dispositionFilename('attachment; filename="pupitre-DEMO-configuration.json"')).toBe("pupitre-DEMO-configuration.json");
    expect(dispositionFilename("attachment; filename=plain.json")).toBe("plain.json");
    expect(dispositionFilename("attachment; filename*=UTF-8''caf%C3%A9.json; filename=\"cafe.json\"")).toBe("café.json");
    expect(dispositionFilename('attachment; filename="../../etc/passwd"')).toBe("passwd");
    expect(dispositionFilename("attachment")).toBeNull();
    expect(dispositionFilename(null)).toBeNull();
  });
});
