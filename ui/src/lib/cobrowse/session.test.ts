/** D5, C1: fitting the page, pointing in the page's pixels, where guiding may go, the replay's clock. */
import { describe, expect, it } from "vitest";
import { checkGuideUrl, endNote, fitPage, guideDefault, guideOrigins, toPagePoint } from "./session";
import { Pacer } from "./pacer";

describe("fitPage", () => {
  it("fits the visitor's viewport in the panel, never enlarged, centred", () => {
    expect(fitPage({ width: 1024, height: 640 }, { width: 640, height: 600 })).toEqual({ scale: 0.625, left: 0, top: 100, width: 640, height: 400 });
    expect(fitPage({ width: 1000, height: 1000 }, { width: 800, height: 400 })).toEqual({ scale: 0.4, left: 200, top: 0, width: 400, height: 400 });
    expect(fitPage({ width: 400, height: 300 }, { width: 800, height: 600 })).toEqual({ scale: 1, left: 200, top: 150, width: 400, height: 300 });
  });

  it("draws nothing before sizes are known", () => {
    expect(fitPage({ width: 0, height: 0 }, { width: 800, height: 600 }).width).toBe(0);
    expect(fitPage({ width: 1024, height: 640 }, { width: 0, height: 0 }).width).toBe(0);
  });
});

describe("toPagePoint (C1: point, in the page's CSS pixels)", () => {
  it("unscales the click and adds the visitor's scroll", () => {
    expect(toPagePoint({ x: 100, y: 50 }, 0.5, { x: 0, y: 0 })).toEqual({ x: 200, y: 100 });
    expect(toPagePoint({ x: 100, y: 50 }, 0.5, { x: 0, y: 1200 })).toEqual({ x: 200, y: 1300 });
    expect(toPagePoint({ x: 63, y: 31.4 }, 0.625, { x: 10, y: 0 })).toEqual({ x: 111, y: 50 });
  });

  it("is the inverse of fitting: a click on the drawn page's far corner is the viewport's far corner", () => {
    const page = { width: 1280, height: 800 };
    const fit = fitPage(page, { width: 700, height: 900 });
    expect(toPagePoint({ x: fit.width, y: fit.height }, fit.scale, { x: 0, y: 0 })).toEqual({ x: 1280, y: 800 });
    expect(toPagePoint({ x: fit.width / 2, y: fit.height / 2 }, fit.scale, { x: 0, y: 400 })).toEqual({ x: 640, y: 800 });
  });

  it("never gives negative pixels, and survives a zero scale", () => {
    expect(toPagePoint({ x: -5, y: -5 }, 1, { x: 0, y: 0 })).toEqual({ x: 0, y: 0 });
    expect(toPagePoint({ x: 10, y: 10 }, 0, { x: 0, y: 0 })).toEqual({ x: 10, y: 10 });
  });
});

describe("guiding: where the visitor may be sent (C1)", () => {
  const SITE = ["https://shop.example.com", "https://help.example.com/"];

  it("only to the brand's site origins", () => {
    expect(checkGuideUrl(" https://shop.example.com/produits/x200?c=1 ", SITE, null)).toEqual({ ok: true, url: "https://shop.example.com/produits/x200?c=1" });
    expect(checkGuideUrl("https://help.example.com/faq", SITE, null)).toMatchObject({ ok: true });
    for (const url of ["https://evil.test/", "https://shop.example.com.evil.test/", "http://shop.example.com/", "https://shop.example.com:8443/", "https://user@shop.example.com/"]) {
      expect(checkGuideUrl(url, SITE, "https://shop.example.com/"), url).toEqual({ ok: false, reason: "elsewhere", origins: ["https://shop.example.com", "https://help.example.com"] });
    }
    for (const url of ["javascript:alert(1)", "shop.example.com/x", "", "data:text/html,x", "ftp://shop.example.com/"]) {
      expect(checkGuideUrl(url, SITE, null), url).toMatchObject({ ok: false, reason: "not_a_url" });
    }
  });

  it("when the admin listed none: the visitor's own page's origin", () => {
    expect(guideOrigins([], "https://www.brand.test/a/b")).toEqual(["https://www.brand.test"]);
    expect(checkGuideUrl("https://www.brand.test/contact", [], "https://www.brand.test/a")).toMatchObject({ ok: true });
    expect(checkGuideUrl("https://evil.test/", [], "https://www.brand.test/a")).toEqual({ ok: false, reason: "elsewhere", origins: ["https://www.brand.test"] });
    expect(checkGuideUrl("https://www.brand.test/", [], null)).toEqual({ ok: false, reason: "elsewhere", origins: [] });
  });

  it("starts from the visitor's page's origin", () => {
    expect(guideDefault("https://shop.example.com/produits/x200?ref=1", SITE)).toBe("https://shop.example.com/");
    expect(guideDefault(null, SITE)).toBe("https://shop.example.com/");
    expect(guideDefault(null, [])).toBe("https://");
  });

  it("tells the agent of a refusal, the visitor's Stop, the admin's switch and a page too large; not of their own Stop", () => {
    expect(["declined", "stopped_by_visitor", "switched_off", "too_large"].map((e) => endNote(e as never))).toEqual(["declined", "stopped_by_visitor", "switched_off", "too_large"]);
    expect(endNote("stopped_by_agent")).toBeNull();
    expect(endNote("conversation_moved")).toBeNull();
    expect(endNote(null)).toBeNull();
  });
});

describe("the replay's clock (Pacer)", () => {
  it("starts a buffer before the first event, whatever the visitor's clock says", () => {
    let now = 5_000;
    const pacer = new Pacer(300, () => now);
    // The visitor's clock is two hours ahead of the agent's: it does not matter.
    const skewed = 7_200_000 + 1_000_000;
    const batch = [{ timestamp: skewed }, { timestamp: skewed + 5 }];
    expect(pacer.begin(batch)).toBe(skewed - 300);
    pacer.pace(batch);
    expect(batch.map((e) => e.timestamp)).toEqual([skewed - 5, skewed]);
    // Live batches that come on time are not moved.
    now += 1000;
    const next = [{ timestamp: skewed + 900 }, { timestamp: skewed + 1000 }];
    pacer.pace(next);
    expect(next.map((e) => e.timestamp)).toEqual([skewed + 895, skewed + 995]);
  });

  it("catches up with a backlog (a late view started from an older snapshot) instead of lagging for ever", () => {
    let now = 0;
    const pacer = new Pacer(300, () => now);
    const full = [{ timestamp: 0 }];
    const baseline = pacer.begin(full);
    pacer.pace(full);
    // Five minutes of changes since that snapshot arrive at once: they play now, in order.
    const backlog = Array.from({ length: 5 }, (_, i) => ({ timestamp: (i + 1) * 60_000 }));
    pacer.pace(backlog);
    const playsAt = (t: number) => t - baseline - now;
    expect(playsAt(backlog.at(-1)!.timestamp)).toBeLessThanOrEqual(300);
    const times = backlog.map((e) => e.timestamp);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // And what comes next follows at the visitor's pace.
    now += 500;
    const live = [{ timestamp: 300_500 }];
    pacer.pace(live);
    expect(playsAt(live[0].timestamp)).toBeLessThanOrEqual(300);
    expect(live[0].timestamp).toBeGreaterThanOrEqual(times.at(-1)!);
  });

  it("never moves time backwards (later events never play before earlier ones)", () => {
    let now = 0;
    const pacer = new Pacer(300, () => now);
    const first = [{ timestamp: 1000 }, { timestamp: 1400 }];
    pacer.begin(first);
    pacer.pace(first);
    now = 10;
    const burst = [{ timestamp: 20_000 }, { timestamp: 1500 }];
    pacer.pace(burst);
    const all = [...first, ...burst].map((e) => e.timestamp);
    for (let i = 1; i < all.length; i++) expect(all[i]).toBeGreaterThanOrEqual(all[i - 1]);
  });
});
