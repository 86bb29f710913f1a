#!/usr/bin/python3
"""P10, the desk's half (issue 12's "P8": the statistics view interactive <= 300 ms after
opening). Run inside tests/desktop/session.sh (Xvfb + D-Bus) with BIN (release binaries), OUT
and STATS_DB: the store P10 measured (`pupitre bench --p10-keep-db`: 1,000,000 closed
conversations over two years, 50 agents). The real app, driven through tauri-driver, logs in as
one of those agents and opens the statistics view: from the click to the week's figures shown
and its charts drawn (uPlot's canvases), timed in the page. The first opening loads the charts'
code and asks the hub; the next ones are timed too (the hub is asked again each time).
"""
import os, subprocess, sys, time, urllib.request

from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions

OUT = os.environ["OUT"]
BIN = os.environ["BIN"]
DB = os.environ["STATS_DB"]
PORT = int(os.environ.get("PORT", "8495"))
HUB = f"http://127.0.0.1:{PORT}"
ROUNDS = int(os.environ.get("ROUNDS", "10"))
procs = []

# Clicks the rail's button named `label`, then waits (animation frame by animation frame) for
# the statistics view to show a figure and three charts; answers the milliseconds it took.
TIMED_OPEN = """
const [label, done] = [arguments[0], arguments[arguments.length - 1]];
const button = [...document.querySelectorAll('.rail button')]
  .find((b) => (b.getAttribute('aria-label') || b.textContent).trim().startsWith(label));
if (!button) { done(-1); return; }
const t0 = performance.now();
button.click();
const ready = () => {
  const v = document.querySelector('[data-figure=conversations] .value');
  return v && /\\d/.test(v.textContent) && document.querySelectorAll('canvas').length >= 3;
};
const tick = () => {
  if (ready()) { done(performance.now() - t0); return; }
  if (performance.now() - t0 > 20000) { done(-2); return; }
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
"""


def wait(what, fn, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if fn():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for: {what}")


def main():
    hub = subprocess.Popen([f"{BIN}/pupitre", "serve", "--db", DB, "--listen", f"127.0.0.1:{PORT}"],
                           stdout=open(os.path.join(OUT, "stats-hub.log"), "a"), stderr=subprocess.STDOUT)
    procs.append(hub)
    wait("the hub", lambda: urllib.request.urlopen(f"{HUB}/healthz").status == 200)
    os.environ.update(PUPITRE_HUB=HUB, PUPITRE_EMAIL="agent0@bench.invalid", PUPITRE_PASSWORD="bench-password",
                      WEBKIT_DISABLE_DMABUF_RENDERER="1")
    td = subprocess.Popen(["tauri-driver", "--port", "4449", "--native-port", "4450"],
                          stdout=open(os.path.join(OUT, "stats-driver.log"), "w"), stderr=subprocess.STDOUT)
    procs.append(td)
    time.sleep(1.0)
    opts = ArgOptions()
    opts.set_capability("browserName", "wry")
    opts.set_capability("tauri:options", {"application": f"{BIN}/pupitre-desk"})
    d = webdriver.Remote(command_executor="http://127.0.0.1:4449", options=opts)
    d.set_script_timeout(30)
    try:
        wait("the desk", lambda: d.execute_script("return !!document.querySelector('.rail')"))
        time.sleep(2)
        first = d.execute_async_script(TIMED_OPEN, "Statistics")
        assert first >= 0, f"the statistics view did not open ({first})"
        # The screen is taken once the frame is painted (rAF runs before paint; under Xvfb the
        # window shows it a little later), and the figures must still be there then.
        time.sleep(1.0)
        assert d.execute_script("return document.querySelectorAll('[data-figure]').length") >= 6, \
            "the figures went away after the view opened"
        subprocess.run(["import", "-window", "root", os.path.join(OUT, "stats-view.png")], check=False)
        again = []
        for _ in range(ROUNDS):
            d.execute_script("[...document.querySelectorAll('.rail button')].find((b) => "
                             "(b.getAttribute('aria-label') || b.textContent).trim().startsWith('In progress'))?.click()")
            time.sleep(0.5)
            took = d.execute_async_script(TIMED_OPEN, "Statistics")
            assert took >= 0, f"the statistics view did not open again ({took})"
            again.append(took)
        again.sort()
        p50, worst = again[len(again) // 2], again[-1]
        verdict = "OK" if max(first, worst) <= 300 else "OVER"
        print(f"P10 desk_stats_view_ms first={first:.0f} again_p50={p50:.0f} again_max={worst:.0f} "
              f"(goal <=300; click to figures and charts drawn, one agent's week, store of 1,000,000) {verdict}",
              flush=True)
    finally:
        d.quit()


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
