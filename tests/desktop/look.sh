#!/bin/bash
# A scripted look at the real desk: a demo hub, the desk logged in as Alice, a tray click to
# become available, a visitor who writes. Screenshots and logs go to $OUT.
# Run: OUT=/tmp/look xvfb-run -a -s "-screen 0 1440x900x24" dbus-run-session -- tests/desktop/session.sh tests/desktop/look.sh
set -u
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/debug
port=${PORT:-8475}
rm -f "$OUT/demo.db"*
"$bin/pupitre" serve --demo --db "$OUT/demo.db" --listen 127.0.0.1:$port > "$OUT/hub.log" 2>&1 & hub=$!
sleep 1.5
export WEBKIT_DISABLE_DMABUF_RENDERER=1 PUPITRE_HUB=http://127.0.0.1:$port PUPITRE_EMAIL=alice@demo.pupitre.test PUPITRE_PASSWORD=alice-demo-1
"$bin/pupitre-desk" > "$OUT/desk.log" 2>&1 & desk=$!
sleep 8
import -window root "$OUT/1-logged-in.png"
/usr/bin/python3 "$here/tray_click.py" "$OUT/sni.jsonl" "Chat: available" > "$OUT/tray.txt" 2>&1
sleep 1.5
( echo '{"type":"send_message","text":"Bonjour, ma commande 4521 n est pas arrivée <b>urgent</b>"}'; sleep 4 ) | "$bin/pupitre" client visitor --hub http://127.0.0.1:$port --project DEMO > "$OUT/visitor.jsonl" 2>&1
sleep 2
import -window root "$OUT/2-assigned.png"
sleep 31
import -window root "$OUT/3-waiting.png"
/usr/bin/python3 "$here/tray_click.py" "$OUT/sni.jsonl" >> "$OUT/tray.txt" 2>&1
kill $desk $hub 2>/dev/null; wait 2>/dev/null
exit 0
