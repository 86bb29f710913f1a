#!/bin/bash
# Issue 13: the two packages as a user gets them (`make package-test`, run by CI).
#   tests/packaging/check.sh DIR   (DIR holds pupitre-hub_*_amd64.deb and pupitre-desk_*_amd64.deb)
# Their files and dependencies (dpkg-deb), lintian without errors. Then, on a machine that
# does not run systemd (a container), the hub package's service under a real systemd booted in
# private namespaces (systemd-ns.sh, as root): /healthz answers, the process runs as pupitre
# with the unit's hardening, a reload keeps it, a stop succeeds; that copy is purged. (Without
# root or unshare it is skipped, with the reason; PUPITRE_REQUIRE_SYSTEMD_NS=1 makes that a
# failure.) Then the hub package is installed on this machine (apt), its unit verified
# (systemd-analyze), the installed binary started with the installed configuration as the
# service user: /healthz answers, /metrics is described, a backup is taken; then the desk
# package is installed and its binary, started as its menu entry starts it, logs in to that
# hub under Xvfb. Both are purged at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(cd "$1" && pwd)
hub=$(ls "$dir"/pupitre-hub_*_amd64.deb); desk=$(ls "$dir"/pupitre-desk_*_amd64.deb)
work=$(mktemp -d)
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
fail() { echo "package check FAILED: $*" >&2; exit 1; }
ok() { echo "package check: $*"; }
hub_pid=""
cleanup() {
  [ -n "$hub_pid" ] && $sudo kill "$hub_pid" 2>/dev/null || true
  $sudo dpkg --purge pupitre-desk pupitre-hub >/dev/null 2>&1 || true
  $sudo rm -rf /var/lib/pupitre
  rm -rf "$work"
}
trap cleanup EXIT

# 1. What each package holds and needs.
# (Paths as the archives list them, with or without a leading "./".)
has() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./||' | grep -qx "$2" || fail "$(basename "$1") lacks $2"; }
unit=/usr/lib/systemd/system/pupitre.service
for f in usr/bin/pupitre etc/pupitre/hub.toml "${unit#/}" \
         usr/share/doc/pupitre-hub/operations.md usr/share/doc/pupitre-hub/grafana-dashboard.json \
         usr/share/doc/pupitre-hub/copyright; do has "$hub" "$f"; done
control() { dpkg-deb -f "$1" "$2"; }
[ "$(control "$hub" Package)" = pupitre-hub ] || fail "hub package name"
control "$hub" Depends | grep -q adduser || fail "hub: no adduser dependency"
control "$hub" Depends | grep -q libc6 || fail "hub: no libc6 dependency"
dpkg-deb --ctrl-tarfile "$hub" | tar -xO ./conffiles | grep -qx /etc/pupitre/hub.toml || fail "hub.toml is not a conffile"
for f in usr/bin/pupitre-desk usr/share/applications/pupitre-desk.desktop \
         usr/share/icons/hicolor/128x128/apps/pupitre-desk.png; do has "$desk" "$f"; done
[ "$(control "$desk" Package)" = pupitre-desk ] || fail "desk package name: $(control "$desk" Package)"
for d in libwebkit2gtk-4.1-0 libayatana-appindicator3-1 libgtk-3-0; do
  control "$desk" Depends | grep -q "$d" || fail "desk: no $d dependency ($(control "$desk" Depends))"
done
control "$desk" Recommends | grep -q gnome-keyring || fail "desk: no Secret Service provider recommended"
dpkg-deb --fsys-tarfile "$desk" | tar -xO --wildcards '*usr/share/applications/pupitre-desk.desktop' > "$work/desk.desktop"
grep -qx "Name=Pupitre" "$work/desk.desktop" || fail "the menu entry is not named Pupitre"
grep -qx "Exec=pupitre-desk" "$work/desk.desktop" || fail "the menu entry's command: $(grep ^Exec "$work/desk.desktop")"
ok "contents and dependencies as expected"

# 2. lintian: no errors (warnings are printed).
lintian --fail-on error --no-tag-display-limit "$hub" "$desk" | tee "$work/lintian.txt" || fail "lintian reports errors (above)"
ok "lintian: $(grep -c '^E:' "$work/lintian.txt" || true) errors, $(grep -c '^W:' "$work/lintian.txt" || true) warnings"

# 3. The hub installed as an operator installs it.
# On a machine that does not run systemd (a container), first the package's service under a
# real systemd booted in private namespaces (systemd-ns.sh): installed there, started by its
# postinst with all of the unit's hardening, reloaded and stopped. That script purges its copy
# of the package when it ends, so the install on this machine below starts from nothing.
# (Where systemd runs, the package's own start of the service is checked below instead.)
if [ ! -d /run/systemd/system ]; then
  step="the service under a real systemd (private namespaces)"
  why=""
  [ "$(id -u)" = 0 ] || why="not root"
  command -v unshare > /dev/null || why="${why:+$why, }no unshare"
  command -v nsenter > /dev/null || why="${why:+$why, }no nsenter"
  if [ -z "$why" ]; then
    rc=0; "$here/systemd-ns.sh" "$hub" || rc=$?
    # 77: the script found it cannot run here (no cgroup2, no systemd…); it said why.
    if [ "$rc" = 77 ]; then why="systemd-ns.sh cannot run here (above)"
    elif [ "$rc" != 0 ]; then fail "$step"
    else ok "$step: active, hardened, reloaded and stopped"; fi
  fi
  if [ -n "$why" ]; then
    [ "${PUPITRE_REQUIRE_SYSTEMD_NS:-}" != 1 ] || fail "$step: cannot run ($why) and PUPITRE_REQUIRE_SYSTEMD_NS=1"
    ok "$step: skipped: $why"
  fi
fi
$sudo apt-get install -y -qq "$hub" > "$work/apt-hub.log" 2>&1 || { cat "$work/apt-hub.log"; fail "installing the hub package"; }
getent passwd pupitre > /dev/null || fail "no pupitre user"
[ "$(stat -c %U:%G /var/lib/pupitre)" = pupitre:pupitre ] || fail "/var/lib/pupitre is not the service's"
[ "$(stat -c %a:%G /etc/pupitre/hub.toml)" = 640:pupitre ] || fail "hub.toml mode $(stat -c %a:%G /etc/pupitre/hub.toml)"
systemd-analyze verify "$unit" || fail "systemd-analyze verify"
for k in "User=pupitre" "StateDirectory=pupitre" "ProtectSystem=strict" "NoNewPrivileges=yes" \
         "ExecStart=/usr/bin/pupitre serve --config /etc/pupitre/hub.toml"; do
  grep -qx "$k" "$unit" || fail "the unit lacks $k"
done
/usr/bin/pupitre config check /etc/pupitre/hub.toml > /dev/null || fail "the installed configuration does not check"
# Under a running systemd (a real machine) the package started the service: it must be up;
# it is stopped so that the checks below run their own instance on the same database.
if [ -d /run/systemd/system ]; then
  for _ in $(seq 50); do systemctl is-active --quiet pupitre && break; sleep 0.2; done
  systemctl is-active --quiet pupitre || { journalctl -u pupitre -n 30 --no-pager; fail "the pupitre service is not running"; }
  $sudo systemctl stop pupitre
  ok "the pupitre service started from the package (systemd)"
fi
ok "installed: user, state folder, conffile, unit verified"

# The installed binary, as the service user, with the installed configuration (the port moved
# by the environment, which overrides the file, as `systemctl edit pupitre` would).
port=$((30000 + RANDOM % 20000))
as_service() { $sudo runuser -u pupitre -- "$@"; }
as_service /usr/bin/pupitre admin --db /var/lib/pupitre/pupitre.db project-create PKG "Package check" > /dev/null
as_service /usr/bin/pupitre admin --db /var/lib/pupitre/pupitre.db group-create --project PKG Sales > /dev/null
as_service env PUPITRE_PASSWORD=package-check-1 /usr/bin/pupitre admin --db /var/lib/pupitre/pupitre.db \
  agent-create --project PKG --email agent@pkg.invalid --name "Package Agent" --group Sales > /dev/null
$sudo runuser -u pupitre -- env PUPITRE_LISTEN=127.0.0.1:$port /usr/bin/pupitre serve --config /etc/pupitre/hub.toml \
  > "$work/hub.log" 2>&1 & hub_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
[ "$(curl -sf "http://127.0.0.1:$port/healthz")" = ok ] || { cat "$work/hub.log"; fail "/healthz"; }
curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^# HELP pupitre_messages_total' || fail "/metrics not described"
as_service /usr/bin/pupitre backup --config /etc/pupitre/hub.toml --to /var/lib/pupitre/check-backup.db | grep -q "backed up" \
  || fail "a backup of the running hub"
ok "the installed hub runs as pupitre: /healthz ok, /metrics described, backup taken"

# 4. The desk installed, started as its menu entry starts it (no environment of ours: the app
# chooses its renderer itself), logging in to that hub under Xvfb.
$sudo apt-get install -y -qq "$desk" > "$work/apt-desk.log" 2>&1 || { cat "$work/apt-desk.log"; fail "installing the desk package"; }
[ -x /usr/bin/pupitre-desk ] || fail "no /usr/bin/pupitre-desk"
mkdir -p "$work/home"
HOME="$work/home" XDG_DATA_HOME="$work/home/data" XDG_CONFIG_HOME="$work/home/config" OUT="$work/desk" \
  PORT=$port EXEC="$(sed -n 's/^Exec=//p' "$work/desk.desktop")" \
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$here/../desktop/session.sh" "$here/desk_start.sh" \
  || { cat "$work/desk/desk.log" 2>/dev/null | tail -20; fail "the installed desk did not start and log in"; }
ok "the installed desk started from its menu command and logged in ($(cat "$work/desk/summary"))"
