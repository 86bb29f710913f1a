/**
 * The statistics view's code (its component and uPlot, chunks of their own so the desk's first
 * paint does not carry them) fetched once the desk is idle after login: the first opening of
 * the view then waits only for the hub's figures (issue 12: interactive ≤ 300 ms after opening;
 * measured 326 ms before, the chunks being parsed on the click).
 *
 * WebKitGTK has no `requestIdleCallback`: a timer stands in for it there.
 */
export function preloadWhenIdle(load: () => Promise<unknown>, delayMs = 2000): () => void {
  let cancelled = false;
  const run = () => {
    if (!cancelled) load().catch(() => {}); // a failure is retried by the view's own import
  };
  const idle = (globalThis as { requestIdleCallback?: (f: () => void, o?: { timeout: number }) => number })
    .requestIdleCallback;
  const timer = setTimeout(() => (idle ? idle(run, { timeout: delayMs }) : run()), delayMs);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
