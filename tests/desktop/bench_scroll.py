#!/usr/bin/python3
"""P5, the third figure: memory growth of the desk after scrolling a 10,000-message history.

Run inside tests/desktop/session.sh (Xvfb + D-Bus) with BIN (release binaries) and OUT. A
conversation gets 10,000 messages (written into the hub's database while it is stopped: the
widget's rate limit would make that take half an hour), then the real app, driven through
tauri-driver, opens it and scrolls to its very beginning, page by page from the desk's cache.
Prints the process tree's PSS before and after.
"""
import json, os, sqlite3, subprocess, sys, time, urllib.request

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions

OUT = os.environ["OUT"]
BIN = os.environ["BIN"]
PORT = int(os.environ.get("PORT", "8494"))
HUB = f"http://127.0.0.1:{PORT}"
MESSAGES = int(os.environ.get("MESSAGES", "10000"))
procs = []


def wait(what, fn, timeout=30.0, every=0.2):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = fn()
            if value:
                return value
        except Exception:
            pass
        time.sleep(every)
    raise AssertionError(f"timed out waiting for: {what}")


def hub(db):
    p = subprocess.Popen([f"{BIN}/pupitre", "serve", "--db", db, "--listen", f"127.0.0.1:{PORT}"],
                         stdout=open(os.path.join(OUT, "scroll-hub.log"), "a"), stderr=subprocess.STDOUT)
    procs.append(p)
    wait("the hub", lambda: urllib.request.urlopen(f"{HUB}/healthz").status == 200)
    return p


def stop(p):
    p.terminate()
    p.wait(timeout=20)


def client(kind, *args, lines=()):
    p = subprocess.Popen([f"{BIN}/pupitre", "client", kind, "--hub", HUB, *args],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    procs.append(p)
    for line in lines:
        p.stdin.write(json.dumps(line) + "\n")
        p.stdin.flush()
    return p


def pss_mb(root):
    """PSS of `root` and every process under it, in MB."""
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, ValueError, IndexError):
            pass
    total, todo, parts = 0, [root], []
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        kb = int(line.split()[1])
                        total += kb
                        parts.append(f"{name}={kb // 1024}")
        except OSError:
            pass
    print("pss by process: " + " ".join(parts), file=sys.stderr, flush=True)
    return total / 1024


def desk_pid():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip().startswith("pupitre-desk"):
                        return int(pid)
            except OSError:
                pass
    return None


def main():
    db = os.path.join(OUT, "scroll.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    admin = lambda *a: subprocess.run([f"{BIN}/pupitre", "admin", "--db", db, *a], check=True,
                                      stdout=subprocess.DEVNULL, env={**os.environ, "PUPITRE_PASSWORD": "bench-password"})
    admin("project-create", "DEMO", "Demo shop")
    admin("group-create", "--project", "DEMO", "Sales")
    admin("agent-create", "--project", "DEMO", "--email", "bench@demo.test", "--name", "Bench Agent",
          "--group", "Sales", "--slots", "4")

    # A conversation on the agent's desk, through the wire.
    h = hub(db)
    agent = client("agent", "--email", "bench@demo.test", "--password", "bench-password",
                   lines=[{"type": "set_status", "channel": "chat", "status": {"kind": "available"}}])
    time.sleep(1.5)
    visitor = client("visitor", "--project", "DEMO", lines=[{"type": "send_message", "text": "Hello"}])
    def assigned():
        con = sqlite3.connect(db)
        try:
            return con.execute("SELECT agent_id FROM conversations WHERE agent_id IS NOT NULL").fetchone()
        finally:
            con.close()
    wait("the conversation on the desk", assigned)
    for p in (visitor, agent):
        p.terminate()
    stop(h)

    # Its history: MESSAGES messages of varied length, visitor and agent in turn.
    con = sqlite3.connect(db)
    (project_id,) = con.execute("SELECT id FROM projects WHERE code = 'DEMO'").fetchone()
    (last_id,) = con.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()
    (agent_id,) = con.execute("SELECT id FROM agents").fetchone()
    start = int(time.time() * 1000) - MESSAGES * 60_000
    words = "lamp order parcel delivery invoice colour linen brass shade bulb warranty return".split()
    rows = []
    for i in range(MESSAGES):
        visitor_turn = i % 2 == 0
        text = f"{i}: " + " ".join(words[(i * 7 + k) % len(words)] for k in range(3 + (i * 13) % 40))
        author = {"kind": "visitor"} if visitor_turn else {"kind": "agent", "id": agent_id, "name": "Bench Agent"}
        rows.append((project_id, last_id + 1 + i, 1, None, json.dumps(author),
                     json.dumps({"kind": "text", "text": text}), 1, start + i * 60_000))
    con.executemany("INSERT INTO messages (project_id, id, conversation, client_id, author, body, for_visitor, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()

    hub(db)
    os.environ.update(PUPITRE_HUB=HUB, PUPITRE_EMAIL="bench@demo.test", PUPITRE_PASSWORD="bench-password",
                      WEBKIT_DISABLE_DMABUF_RENDERER="1")
    td = subprocess.Popen(["tauri-driver", "--port", "4447", "--native-port", "4448"],
                          stdout=open(os.path.join(OUT, "scroll-driver.log"), "w"), stderr=subprocess.STDOUT)
    procs.append(td)
    time.sleep(1.0)
    opts = ArgOptions()
    opts.set_capability("browserName", "wry")
    opts.set_capability("tauri:options", {"application": f"{BIN}/pupitre-desk"})
    d = webdriver.Remote(command_executor="http://127.0.0.1:4447", options=opts)
    try:
        box = wait("the conversation's box", lambda: d.find_elements(By.CSS_SELECTOR, "button.box"), timeout=60)[0]
        box.click()
        wait("its thread", lambda: d.find_elements(By.CSS_SELECTOR, ".thread"))
        time.sleep(3)
        pid = desk_pid()
        before = pss_mb(pid)
        started = time.time()
        pages = 0
        while not d.find_elements(By.CSS_SELECTOR, ".thread .start") and time.time() - started < 600:
            d.execute_script("const t = document.querySelector('.thread'); if (t) t.scrollTop = 0;")
            pages += 1
            time.sleep(0.15)
        reached = bool(d.find_elements(By.CSS_SELECTOR, ".thread .start"))
        rendered = len(d.find_elements(By.CSS_SELECTOR, ".thread .row"))
        # Let the page settle (its garbage collector runs on idle), then take the steadiest of
        # a few samples.
        samples = []
        for _ in range(int(os.environ.get("SETTLE_SAMPLES", "5"))):
            time.sleep(3)
            samples.append(pss_mb(pid))
        print(f"scroll samples: {[round(x) for x in samples]}", file=sys.stderr, flush=True)
        after = samples[-1]
        subprocess.run(["import", "-window", "root", os.path.join(OUT, "scrolled-to-start.png")], check=False)
        growth = after - before
        print(f"P5 scroll_growth_mb={growth:.0f} (goal <=50) before_mb={before:.0f} after_mb={after:.0f} "
              f"messages={MESSAGES} reached_start={'yes' if reached else 'NO'} scroll_steps={pages} "
              f"rows_in_dom={rendered} seconds={time.time() - started:.0f}", flush=True)
    finally:
        d.quit()


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
