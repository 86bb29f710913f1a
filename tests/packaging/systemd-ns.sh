#!/bin/bash
# The hub package's service under a real systemd, on a machine that does not run one (a
# container, a CI job in a container). check.sh runs it before its own install of the hub.
#   tests/packaging/systemd-ns.sh DEB    the check (DEB: pupitre-hub_*_amd64.deb; needs root)
#   tests/packaging/systemd-ns.sh down   undo what a run left behind (safe to repeat)
# systemd boots as PID 1 of private PID, mount, UTS, IPC and cgroup namespaces. The network
# is the machine's, so the hub's port must be free. In there the package is installed with
# apt, and its postinst enables and starts pupitre.service with all of the unit's hardening.
# The check then wants:
#   - the service active and enabled, /healthz answering on the packaged hub.toml's address;
#   - seen from the machine, the process that listens is the unit's main process, runs as
#     pupitre, with NoNewPrivs 1, a seccomp filter (Seccomp 2), and CAP_NET_BIND_SERVICE as
#     its only effective and bounding capability;
#   - `systemctl reload` keeps the same process running, `systemctl stop` ends with success.
# On failure it prints the service's journal and exits 1. It exits 77 when it cannot run here
# (not root, a tool missing, no cgroup2, or a machine that runs systemd: check.sh then checks
# the service directly).
# At the end everything is undone (`down`): the service stopped, systemd powered off, its
# cgroup removed, the sysctls it raised put back, the package purged with /var/lib/pupitre.
# The pupitre user stays, as Debian packages leave their system users. It purges any
# pupitre-hub installed on the machine: never run it on a machine that serves.
# Env: KEEP=1 leaves the namespace running; enter it with
#        nsenter -t "$(cat ${TMPDIR:-/tmp}/pupitre-ns/pid1)" -m -p -u -i -C
#      KEEP_PKG=1 leaves the package installed after `down`.
set -euo pipefail
NS=pupitre-ns
STATE=${TMPDIR:-/tmp}/$NS        # the machine's side of the bookkeeping: pids, logs, saved sysctls

skip() { echo "systemd-ns: cannot run here: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
for t in unshare nsenter setsid pgrep ss curl dpkg-deb sysctl; do
  command -v "$t" >/dev/null || skip "no $t"
done

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Run a command in the namespace, as a process of its own PID 1 sees it.
in_ns() { nsenter -t "$(cat "$STATE/pid1")" -m -p -u -i -C "$@"; }
ns_alive() { [ -s "$STATE/pid1" ] && kill -0 "$(cat "$STATE/pid1")" 2>/dev/null; }
# Retry a command every 0.1 s until it succeeds, for at most $1 seconds.
wait_for() {
  local end=$(( $(date +%s) + $1 )); shift
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.1; done
}

down() {
  if ns_alive; then
    local pid1; pid1=$(cat "$STATE/pid1")
    in_ns systemctl stop pupitre.service >/dev/null 2>&1 || true
    # SIGRTMIN+4 asks systemd to power off; in a container that means it exits.
    kill -s SIGRTMIN+4 "$pid1" 2>/dev/null || true
    wait_for 10 eval '! kill -0 "$pid1" 2>/dev/null' || true
    # If it is still there, kill it: the kernel then kills every process of its PID namespace.
    kill -9 "$pid1" 2>/dev/null || true
  fi
  if [ -s "$STATE/unshare" ]; then
    local parent; parent=$(cat "$STATE/unshare")
    kill "$parent" 2>/dev/null || true
    wait_for 5 eval '! kill -0 "$parent" 2>/dev/null' || true
  fi
  # The cgroups that systemd made, deepest first. A cgroup goes only once its processes are
  # gone, and the last of them may take a moment to be reaped: hence the retries.
  if [ -s "$STATE/cgroup" ]; then
    local cg; cg=$(cat "$STATE/cgroup")
    wait_for 5 eval '[ ! -d "$cg" ] || { find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null; [ ! -d "$cg" ]; }' \
      || echo "systemd-ns: could not remove the cgroup $cg" >&2
    [ -d "$cg" ] || rm -f "$STATE/cgroup"
  fi
  rm -f "$STATE/pid1" "$STATE/unshare"
  # PID 1 raises fs.file-max and fs.nr_open, and net.unix.max_dgram_qlen of the network
  # namespace it shares with the machine: put back the values saved before the boot.
  if [ -s "$STATE/sysctl.saved" ]; then
    local line restored=yes
    while IFS= read -r line; do
      [ "$(sysctl -n "${line%%=*}")" = "${line#*=}" ] || sysctl -q -w "$line" || restored=""
    done <"$STATE/sysctl.saved"
    if [ -n "$restored" ]; then rm -f "$STATE/sysctl.saved"
    else echo "systemd-ns: could not restore every sysctl of $STATE/sysctl.saved" >&2; fi
  fi
  if [ -z "${KEEP_PKG:-}" ]; then
    dpkg --purge pupitre-hub >/dev/null 2>&1 || true
    rm -rf /var/lib/pupitre
  fi
  # The folder goes too (its logs were printed on failure), unless something is left to undo.
  if [ ! -e "$STATE/cgroup" ] && [ ! -e "$STATE/sysctl.saved" ]; then rm -rf "$STATE"; fi
}
if [ "${1:-}" = down ]; then down; exit 0; fi

[ $# = 1 ] || { echo "usage: $0 DEB | down" >&2; exit 2; }
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ "$(dpkg-deb -f "$deb" Package 2>/dev/null)" = pupitre-hub ] || { echo "systemd-ns: $1 is not a pupitre-hub package" >&2; exit 2; }
# Under a running systemd, a second one would compete for the machine's cgroups: check.sh
# checks the package's service directly there.
[ ! -d /run/systemd/system ] || skip "this machine runs systemd"
[ -x /lib/systemd/systemd ] || skip "systemd is not installed"
# The namespace's systemd needs cgroup2 (its "unified" mode), either as the whole of
# /sys/fs/cgroup or beside the cgroup1 hierarchies in /sys/fs/cgroup/unified.
cgroot=""
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
  if [ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ]; then cgroot=$d; break; fi
done
[ -n "$cgroot" ] || skip "no cgroup2 hierarchy"
own=$cgroot$(sed -n 's/^0:://p' /proc/self/cgroup)   # this shell's cgroup2
own=${own%/}
[ -w "$own/cgroup.procs" ] || skip "$own is not writable"

# The address the service listens on: the packaged hub.toml's `listen`, or the hub's default
# when the key is left out. The packaged file has no [tls], hence plain HTTP.
listen=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*etc/pupitre/hub.toml' \
  | sed -n 's/^listen *= *"\([^"]*\)".*/\1/p')
listen=${listen%%$'\n'*}
listen=${listen:-127.0.0.1:8470}          # config::DEFAULT_LISTEN
port=${listen##*:}; host=${listen%:*}
case $host in 0.0.0.0|"[::]") host=127.0.0.1 ;; esac
url=http://$host:$port

down                                       # what an earlier run left, if anything
mkdir -p "$STATE"
trap 'exit 130' INT; trap 'exit 143' TERM  # so that the EXIT trap runs on ^C or kill too
[ -n "${KEEP:-}" ] || trap down EXIT

# Another process on that port would answer /healthz in place of the service.
if [ -n "$(ss -ltnH "sport = :$port")" ]; then
  echo "systemd-ns FAILED: port $port is already in use (the packaged hub.toml's listen = \"$listen\"):" >&2
  ss -ltnpH "sport = :$port" >&2
  exit 1
fi

fail() {
  echo "systemd-ns FAILED: $*" >&2
  if ns_alive; then
    in_ns systemctl status pupitre.service --no-pager -n 0 >&2 || true
    in_ns journalctl -u pupitre.service --no-pager -n 60 -o short-monotonic >&2 || true
    echo "--- warnings of the namespace's boot:" >&2
    in_ns journalctl -b --no-pager -n 40 -p warning >&2 || true
  fi
  exit 1
}

# 1. The namespace's first process: it makes its private mounts, then becomes systemd.
cat >"$STATE/init.sh" <<'EOF'
#!/bin/bash
set -e
# A private /run first: systemd, the journal and mount(8) all write there.
mount -n -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
# cgroup2 only (systemd's "unified" mode), its root being the cgroup namespace's.
umount -n -R /sys/fs/cgroup
mount -n -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
# A private /dev, as container managers make it, so that journald's /dev/log and the like
# stay in here.
mount -n -t tmpfs -o mode=755,nosuid,exec tmpfs /dev
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name maj min <<<"$n"; mknod -m 666 "/dev/$name" c "$maj" "$min"
done
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -n -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts /dev/pts
ln -s pts/ptmx /dev/ptmx
mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
# systemd's console: a file of the bookkeeping folder (bound before /tmp is hidden below).
touch /dev/console; mount -n --bind "$STATE/console.log" /dev/console
# A private /tmp: tmpfiles' "D /tmp" and the unit's PrivateTmp= never touch the machine's.
mount -n -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
# Container images often carry a policy-rc.d that forbids starting services (exit 101). It is
# replaced in here only, so that the postinst enables and starts the service as on a machine.
if [ -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 0\n' > /run/policy-rc.d; chmod 755 /run/policy-rc.d
  mount -n --bind /run/policy-rc.d /usr/sbin/policy-rc.d
fi
# An empty /etc/systemd/system: only the units of /usr/lib, less those masked here because
# they would change the machine (sysctls, modules, clock, devices, network, logins) or are
# not wanted in a test (the machine's own services). Masking a unit that is not installed is
# harmless. journald and the targets up to basic.target stay.
mount -n -t tmpfs -o mode=755 tmpfs /etc/systemd/system
cd /etc/systemd/system
for u in \
  systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.timer \
  systemd-sysctl.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
  systemd-modules-load.service kmod-static-nodes.service systemd-random-seed.service \
  systemd-machine-id-commit.service systemd-firstboot.service systemd-sysusers.service \
  systemd-update-utmp.service systemd-update-utmp-runlevel.service systemd-journal-flush.service \
  systemd-pcrphase.service systemd-pcrphase-sysinit.service systemd-repart.service \
  systemd-ask-password-console.path systemd-ask-password-wall.path \
  dev-hugepages.mount dev-mqueue.mount sys-fs-fuse-connections.mount sys-kernel-config.mount \
  sys-kernel-debug.mount sys-kernel-tracing.mount \
  systemd-journald-audit.socket systemd-initctl.socket dbus.socket dbus.service \
  systemd-remount-fs.service systemd-fsck-root.service systemd-udevd.service \
  systemd-udev-trigger.service systemd-udev-settle.service systemd-timesyncd.service \
  systemd-networkd.service systemd-networkd-wait-online.service systemd-resolved.service \
  systemd-logind.service getty.target console-getty.service getty-static.service \
  postgresql.service postgresql@.service ssh.service cron.service e2scrub_reap.service \
  systemd-hwdb-update.service ldconfig.service systemd-boot-update.service \
  systemd-boot-system-token.service systemd-hostnamed.service systemd-quotacheck.service \
  multi-user.target graphical.target; do
  ln -s /dev/null "$u"
done
# The target systemd boots to: basic.target and nothing of multi-user.target.
cat > pupitre-ns.target <<'T'
[Unit]
Description=Pupitre test namespace
Requires=basic.target
After=basic.target
AllowIsolate=yes
T
# $container tells systemd it runs in a container: it then leaves the kernel's settings alone.
export container=pupitre-ns
exec /lib/systemd/systemd --system --unit=pupitre-ns.target --log-color=no --show-status=no
EOF
chmod +x "$STATE/init.sh"

# 2. The boot. The process that calls unshare moves into a new cgroup first, so that this
# cgroup becomes the root of the namespace's cgroup tree; it moves back once PID 1 exists.
cg=$own/$NS
mkdir "$cg"; echo "$cg" >"$STATE/cgroup"
: >"$STATE/console.log"
[ -s "$STATE/sysctl.saved" ] || for k in fs.file-max fs.nr_open net.unix.max_dgram_qlen kernel.core_pattern; do
  echo "$k=$(sysctl -n "$k")"
done >"$STATE/sysctl.saved"
t0=$(now_ms)
STATE=$STATE setsid bash -c '
  echo $$ > "$1/cgroup.procs"
  exec unshare --pid --fork --mount --uts --ipc --cgroup --propagation private --mount-proc "$STATE/init.sh"
' _ "$cg" </dev/null >"$STATE/boot.log" 2>&1 &
echo $! >"$STATE/unshare"
find_pid1() { pid1=$(pgrep -P "$(cat "$STATE/unshare")" 2>/dev/null) && [ -n "$pid1" ]; }
wait_for 10 find_pid1 || { cat "$STATE/boot.log" >&2; fail "no PID 1 in the namespace"; }
echo "$pid1" >"$STATE/pid1"
echo "$(cat "$STATE/unshare")" >"$own/cgroup.procs"
booted() { st=$(in_ns systemctl is-system-running 2>/dev/null || true); [ "$st" = running ] || [ "$st" = degraded ]; }
if ! wait_for 60 booted; then
  cat "$STATE/boot.log" "$STATE/console.log" >&2
  in_ns systemctl list-jobs --no-pager >&2 || true
  fail "the namespace's systemd did not finish booting (state: ${st:-none})"
fi
t1=$(now_ms)
echo "systemd-ns: systemd booted ($st) in $((t1 - t0)) ms, PID $pid1 on this machine"
[ "$st" = running ] || in_ns systemctl --failed --no-pager || true

# 3. The package, installed under that systemd: its postinst enables and starts the service.
# The .deb is copied into the namespace's /run, because a file under the machine's /tmp is
# hidden in there.
in_ns sh -c 'cat > /run/pupitre-hub.deb' <"$deb"
in_ns apt-get install -y -qq /run/pupitre-hub.deb >"$STATE/apt.log" 2>&1 \
  || { cat "$STATE/apt.log" >&2; fail "installing the package"; }
t2=$(now_ms)
echo "systemd-ns: package installed in $((t2 - t1)) ms"
[ "$(in_ns systemctl is-enabled pupitre.service || true)" = enabled ] || fail "the postinst did not enable the service"
is_active() { [ "$(in_ns systemctl is-active pupitre.service || true)" = active ]; }
wait_for 10 is_active || fail "the postinst did not start the service"
healthy() { [ "$(curl -sf "$url/healthz")" = ok ]; }
wait_for 30 healthy || fail "$url/healthz does not answer ok"
t3=$(now_ms)
echo "systemd-ns: pupitre.service active and enabled, $url/healthz ok $((t3 - t2)) ms after the install"

# 4. The hardening, seen from the machine's /proc (the unit's ProtectProc= hides nothing
# there). The process that listens on the port must be the unit's main process: its PID in
# the namespace (the last of NSpid) is systemd's MainPID.
main=$(in_ns systemctl show -p MainPID --value pupitre.service)
pid=$(ss -ltnpH "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
[ -n "$pid" ] || fail "no process found listening on port $port"
status=/proc/$pid/status
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$status"; }
[ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$pid1/ns/pid")" ] \
  || fail "the process on port $port (PID $pid) is not in the namespace"
[ "$(field NSpid | awk '{print $NF}')" = "$main" ] \
  || fail "the process on port $port (NSpid $(field NSpid)) is not the unit's main process ($main)"
uid=$(id -u pupitre)
[ "$(field Uid)" = "$uid $uid $uid $uid" ] \
  || fail "the service runs as uids $(field Uid), not pupitre ($uid)"
[ "$(field NoNewPrivs)" = 1 ] || fail "NoNewPrivs: $(field NoNewPrivs) (the unit has NoNewPrivileges=yes)"
[ "$(field Seccomp)" = 2 ] || fail "Seccomp: $(field Seccomp), not 2 (the unit has SystemCallFilter=)"
# 0x400 is bit 10, CAP_NET_BIND_SERVICE, and nothing else.
[ "$(field CapEff)" = 0000000000000400 ] || fail "CapEff: $(field CapEff), not CAP_NET_BIND_SERVICE only (0000000000000400)"
[ "$(field CapBnd)" = 0000000000000400 ] || fail "CapBnd: $(field CapBnd), not CAP_NET_BIND_SERVICE only (0000000000000400)"
echo "systemd-ns: the service (PID $pid here, $main in the namespace) runs as $(ps -o user= -p "$pid"):" \
  "NoNewPrivs $(field NoNewPrivs), Seccomp $(field Seccomp), CapEff and CapBnd $(field CapEff)"

# 5. A reload (SIGHUP: the TLS files read again) keeps the same process, not a restart.
in_ns systemctl reload pupitre.service || fail "systemctl reload pupitre"
sleep 0.5                                  # time for a process that SIGHUP kills to die
is_active || fail "the service is not active after a reload"
[ "$(in_ns systemctl show -p MainPID --value pupitre.service)" = "$main" ] \
  || fail "the reload restarted the service (MainPID $main became $(in_ns systemctl show -p MainPID --value pupitre.service))"
[ "$(in_ns systemctl show -p NRestarts --value pupitre.service)" = 0 ] || fail "the service restarted"
healthy || fail "/healthz after a reload"
echo "systemd-ns: systemctl reload pupitre: still active, same process, /healthz ok"

# 6. A stop (SIGTERM: connections closed, pending writes committed) ends cleanly.
t4=$(now_ms)
in_ns systemctl stop pupitre.service || fail "systemctl stop pupitre"
t5=$(now_ms)
result=$(in_ns systemctl show -p Result --value pupitre.service)
[ "$result" = success ] || fail "systemctl stop pupitre: Result=$result"
! kill -0 "$pid" 2>/dev/null || fail "the process $pid is still there after the stop"
echo "systemd-ns: systemctl stop pupitre: Result=$result in $((t5 - t4)) ms"
echo "systemd-ns: passed in $(( $(now_ms) - t0 )) ms"
