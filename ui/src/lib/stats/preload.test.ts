import { afterEach, describe, expect, it, vi } from "vitest";
import { preloadWhenIdle } from "./preload";

describe("preloadWhenIdle", () => {
  afterEach(() => vi.useRealTimers());

  it("loads once, after the delay", () => {
    vi.useFakeTimers();
    const load = vi.fn(() => Promise.resolve());
    preloadWhenIdle(load, 2000);
    vi.advanceTimersByTime(1999);
    expect(load).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("never loads once cancelled (the agent logged out first)", () => {
    vi.useFakeTimers();
    const load = vi.fn(() => Promise.resolve());
    preloadWhenIdle(load, 2000)();
    vi.advanceTimersByTime(5000);
    expect(load).not.toHaveBeenCalled();
  });

  it("a failed load is quiet (the view's own import tries again)", async () => {
    vi.useFakeTimers();
    const load = vi.fn(() => Promise.reject(new Error("offline")));
    preloadWhenIdle(load, 10);
    vi.advanceTimersByTime(10);
    await Promise.resolve();
    expect(load).toHaveBeenCalledTimes(1);
  });
});
