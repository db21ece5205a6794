#!/bin/sh
# Issue 6's checks that need a full cgroup v2 host with systemd, run inside the VM lab guest by
# contrib/vmlab/cgroups.sh. Usage: cgroups-guest.sh RSRUN DRIVER, DRIVER one of
#   cgroupfs  (as root: rsrun makes the cgroups itself)
#   systemd   (as root: --systemd-cgroup, scopes over the system bus)
#   rootless  (as the session user: scopes from the user's systemd over the user bus)
# Prints one line per check (PASS/FAIL) and exits non-zero if any failed.
set -u
rsrun=$1
driver=$2
configs=$(dirname "$0")/configs
work=$(mktemp -d /tmp/rsrun-cg.XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
pass() { echo "PASS [$driver] $*"; }
fail() { echo "FAIL [$driver] $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
    what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

flags=""
[ "$driver" = systemd ] && flags="--systemd-cgroup"
rs() { "$rsrun" $flags "$@"; }

# A busybox-static rootfs.
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for tool in sh cat dd sleep seq head wc grep echo true ls; do ln -s busybox "$work/rootfs/bin/$tool"; done

# bundle NAME: the config cgroups.sh wrote on the host for this driver (the guest has no python).
bundle() {
    mkdir -p "$work/$1"
    ln -sfn "$work/rootfs" "$work/$1/rootfs"
    cp "$configs/$driver-$1.json" "$work/$1/config.json"
}

id=cg-$driver-$$
if [ "$driver" = rootless ]; then stateroot=$XDG_RUNTIME_DIR/rsrun; else stateroot=/run/rsrun; fi
# The cgroup directory state.json records for a container.
cgpath() { sed -n 's/.*"cgroup":{"driver":"[a-z]*","path":"\([^"]*\)".*/\1/p' "$stateroot/$1/state.json"; }

# 1. A 32 MiB memory limit (no swap) OOM-kills a 64 MiB allocation; events reports the OOM.
bundle oom
rs run -d -b "$work/oom" "$id-oom" </dev/null >"$work/oom.out" 2>&1 || fail "run with a memory limit: $(cat "$work/oom.out")"
check "memory.max is 32 MiB" [ "$(cat "$(cgpath "$id-oom")/memory.max")" = 33554432 ]
"$rsrun" events --interval 200ms "$id-oom" >"$work/events.out" 2>&1 &
events=$!
sleep 4
kill $events 2>/dev/null; wait $events 2>/dev/null
check "the 64 MiB allocation was OOM-killed and events reported it ($(grep -c "\"type\":\"oom\"" "$work/events.out") oom events)" grep -q '"type":"oom"' "$work/events.out"
rs delete -f "$id-oom" >/dev/null 2>&1

# 2. pids.limit 20 stops a fork bomb: the bomb's shell dies on its first failed fork, the
#    container stays (exec sleep), and the host sees the limit hit in pids.events.
bundle pids
rs run -d -b "$work/pids" "$id-pids" </dev/null >"$work/pids.out" 2>&1 || fail "run with a pids limit: $(cat "$work/pids.out")"
sleep 3
pdir=$(cgpath "$id-pids")
current=$(cat "$pdir/pids.current"); hits=$(sed -n 's/^max //p' "$pdir/pids.events")
check "pids.limit 20 stops a fork bomb (pids.current $current, pids.events max $hits)" [ "$current" -le 20 -a "$hits" -gt 0 ]
rs delete -f "$id-pids" >/dev/null 2>&1

# 3. cpu.max is visible inside (cgroup namespace, /sys/fs/cgroup mounted).
bundle cpu
rs run -b "$work/cpu" "$id-cpu" >"$work/cpu.out" 2>&1 </dev/null
out=$(cat "$work/cpu.out")
check "cpu.max inside is \"50000 100000\" (got: $out)" [ "$out" = "50000 100000" ]
rs delete -f "$id-cpu" >/dev/null 2>&1

# 4. update raises the memory limit of a running container.
bundle upd
rs run -d -b "$work/upd" "$id-upd" </dev/null >"$work/upd.out" 2>&1
before=$(rs exec "$id-upd" cat /sys/fs/cgroup/memory.max 2>&1)
rs update --memory 64m "$id-upd" 2>"$work/upd.err"
after=$(rs exec "$id-upd" cat /sys/fs/cgroup/memory.max 2>&1)
check "update raises memory.max from $before to $after" [ "$before" = 33554432 -a "$after" = 67108864 ]

# 5. The scope (systemd drivers) or cgroup is named after the container, and gone after delete.
cgdir=$(cgpath "$id-upd")
case $driver in
    cgroupfs) check "cgroup $cgdir is named after the container" sh -c "echo $cgdir | grep -q '/$id-upd\$'" ;;
    systemd) check "rsrun-$id-upd.scope is listed by systemctl" sh -c "systemctl list-units --type scope | grep -q 'rsrun-$id-upd.scope'" ;;
    rootless) check "rsrun-$id-upd.scope is listed by systemctl --user" sh -c "systemctl --user list-units --type scope | grep -q 'rsrun-$id-upd.scope'" ;;
esac
rs delete -f "$id-upd"
check "the cgroup $cgdir is gone after delete" [ ! -e "$cgdir" ]
case $driver in
    systemd) check "the scope is gone after delete" sh -c "! systemctl list-units --all --type scope | grep -q 'rsrun-$id-upd.scope'" ;;
    rootless) check "the scope is gone after delete" sh -c "! systemctl --user list-units --all --type scope | grep -q 'rsrun-$id-upd.scope'" ;;
esac

# 6. Bad input: a malformed slice:prefix:name fails in one line and leaves nothing.
if [ "$driver" != cgroupfs ]; then
    bundle bad
    # To a file: a created init would hold a command substitution's pipe open.
    rs create -b "$work/bad" "$id-bad" >"$work/bad.out" 2>&1 </dev/null
    err=$(cat "$work/bad.out")
    check "a malformed slice:prefix:name fails in one line ($err)" sh -c "[ \$(echo '$err' | wc -l) = 1 ] && echo '$err' | grep -q slice:prefix:name"
    check "nothing is left of it" [ ! -e "$stateroot/$id-bad" ]
fi

echo "$driver: $fails failed"
[ "$fails" = 0 ]
