#!/bin/bash
# P5: the desk's cold start and memory. Run inside tests/desktop/session.sh (Xvfb + D-Bus), with
# BIN pointing at release binaries and OUT at a scratch folder; prints one line per figure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
port=${PORT:-8493}
db="$OUT/bench-desk.db"; rm -f "$db"*
"$BIN/pupitre" admin --db "$db" project-create DEMO "Demo shop" >/dev/null
"$BIN/pupitre" admin --db "$db" group-create --project DEMO Sales >/dev/null
PUPITRE_PASSWORD=bench-password "$BIN/pupitre" admin --db "$db" agent-create --project DEMO \
  --email bench@demo.test --name "Bench Agent" --group Sales --slots 4 >/dev/null
"$BIN/pupitre" serve --db "$db" --listen 127.0.0.1:$port > "$OUT/bench-hub.log" 2>&1 & hub=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
# As installed: the app chooses its WebKit renderer itself (src-tauri/src/main.rs), nothing set here.
unset WEBKIT_DISABLE_DMABUF_RENDERER
# An agent's everyday start: logged in once with "remember me" (the session goes to the
# keyring), then started again: the measured start restores it from the keyring.
PUPITRE_HUB=http://127.0.0.1:$port PUPITRE_EMAIL=bench@demo.test PUPITRE_PASSWORD=bench-password PUPITRE_REMEMBER=1 \
  RUST_LOG=info "$BIN/pupitre-desk" > "$OUT/bench-desk-first.log" 2>&1 & first=$!
for _ in $(seq 200); do grep -q "desk ready" "$OUT/bench-desk-first.log" && break; sleep 0.1; done
sleep 2; kill $first 2>/dev/null; wait $first 2>/dev/null; sleep 1
RUST_LOG=info "$BIN/pupitre-desk" > "$OUT/bench-desk.log" 2>&1 & desk=$!
for _ in $(seq 200); do grep -q "desk ready" "$OUT/bench-desk.log" && break; sleep 0.1; done
ready=$(sed 's/\x1b\[[0-9;]*m//g' "$OUT/bench-desk.log" | grep -o 'elapsed_ms=[0-9]*' | head -1 | cut -d= -f2)
sleep 2
/usr/bin/python3 "$here/tray_click.py" "$OUT/sni.jsonl" "Chat: available" > /dev/null 2>&1
sleep 1
for i in 1 2 3 4; do
  ( echo "{\"type\":\"send_message\",\"text\":\"Visitor $i: where is my order?\"}"; sleep 20 ) | \
    "$BIN/pupitre" client visitor --hub http://127.0.0.1:$port --project DEMO > /dev/null 2>&1 &
done
sleep 8
# PSS of the desk and every process it started (WebKit's web and network processes).
tree() { echo "$1"; for c in $(cat /proc/*/stat 2>/dev/null | awk -v p="$1" '$4 == p {print $1}'); do tree "$c"; done; }
pss=0; procs=0
for p in $(tree $desk | sort -u); do
  kb=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null); [ -n "$kb" ] && pss=$((pss + kb)) && procs=$((procs + 1))
done
on_desk=$(grep -c "conversation_assigned" "$OUT/bench-desk.log" 2>/dev/null || true)
echo "P5 cold_start_ms=${ready:-?} (goal <=500; process start to the UI asking for its desk, session restored from the keyring, debug=$([ "${BIN##*/}" = debug ] && echo yes || echo no))"
echo "P5 pss_mb=$((pss / 1024)) (goal <=250) processes=$procs conversations_sent=4 (after 8 s)"
kill $desk $hub 2>/dev/null; wait $desk $hub 2>/dev/null
pkill -f "client visitor --hub http://127.0.0.1:$port" 2>/dev/null
# The growth after scrolling a 10,000-message history, in the app driven through tauri-driver.
PORT=$((port + 1)) /usr/bin/python3 "$here/bench_scroll.py" 2> "$OUT/bench-scroll.err" | grep '^P5' || echo "P5 scroll_growth: failed (see $OUT/bench-scroll.err)"
# The statistics view over P10's store of 1,000,000 conversations (kept by `pupitre bench`).
if [ -f "${STATS_DB:-}" ]; then
  PORT=$((port + 2)) /usr/bin/python3 "$here/bench_stats.py" 2> "$OUT/bench-stats.err" | grep '^P10' || echo "P10 desk_stats_view: failed (see $OUT/bench-stats.err)"
fi
exit 0
