#!/bin/bash
# Run by check.sh inside tests/desktop/session.sh: the installed desk, started with its menu
# entry's command, logs in to the hub on PORT; its memory is measured as installed.
set -u
unset WEBKIT_DISABLE_DMABUF_RENDERER
PUPITRE_HUB=http://127.0.0.1:$PORT PUPITRE_EMAIL=agent@pkg.invalid PUPITRE_PASSWORD=package-check-1 \
  RUST_LOG=info $EXEC > "$OUT/desk.log" 2>&1 & desk=$!
for _ in $(seq 300); do grep -q "desk ready" "$OUT/desk.log" && break; sleep 0.1; done
grep -q "desk ready" "$OUT/desk.log" || { kill $desk; exit 1; }
sleep 3
tree() { echo "$1"; for c in $(cat /proc/*/stat 2>/dev/null | awk -v p="$1" '$4 == p {print $1}'); do tree "$c"; done; }
pss=0
for p in $(tree $desk | sort -u); do
  kb=$(awk '/^Pss:/ {print $2}' /proc/$p/smaps_rollup 2>/dev/null); [ -n "$kb" ] && pss=$((pss + kb))
done
import -window root "$OUT/installed-desk.png" 2>/dev/null || true
echo "desk ready, $((pss / 1024)) MB PSS logged in" > "$OUT/summary"
kill $desk; wait $desk 2>/dev/null
exit 0
