#!/usr/bin/env bash
# containerd driver: rsrun as the runc binary of containerd's runc shim (io.containerd.runc.v2),
# the path Kubernetes nodes take, driven with ctr against a locally imported busybox image.
#
# It starts its own containerd (config, root, state, sockets and runc root in a temp dir, CRI
# off, its own containerd namespace) and stops it at the end; nothing it uses is a system
# default. Cases: run + echo, exit status, run -d + exec + ps + pause/resume + metrics + kill +
# delete + rm, a missing program (rsrun's error read back by the shim from --log, json), an
# exec of a missing program, a tty through `script`, --runc-systemd-cgroup; then rootless
# containerd under rootlesskit as $RSRUN_TEST_USER (when rootlesskit is installed); and at the
# end that nothing is left (processes, mounts, cgroups, state, shim sockets).
#
# Cgroups: ctr puts a container at cgroupsPath /<namespace>/<id>; rsrun makes it in cgroup v2.
# On a hybrid host (v1 controllers, v2 at /sys/fs/cgroup/unified) the shim would take the
# host for cgroup v1 and register its OOM eventfd on, and report stats from, the v1 memory
# cgroup the container merely inherited: not the container's, and not ours to touch. So on
# such a host containerd runs in a private mount namespace where /sys/fs/cgroup is the v2
# hierarchy: the shim sees what rsrun drives and never opens a v1 controller; rsrun, the
# shims and the containers' rootfs mounts live in that namespace too, so no mount reaches
# the host. The driver checks that no /sys/fs/cgroup/<v1 controller>/<namespace> appears.
#
# Exit: 0 passed, 77 skipped (why on the line before), 1 failed. Needs root.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
started_at=$(date +%s.%N)

require_binary
[[ $(id -u) -eq 0 ]] || skip "needs root: rootless containerd needs rootlesskit and its own setup (docs/containerd.md)"
missing=()
for tool in containerd ctr containerd-shim-runc-v2; do command -v "$tool" >/dev/null || missing+=("$tool"); done
((${#missing[@]} == 0)) || skip "not installed: ${missing[*]} (Debian package containerd)"
for tool in jq unshare sha256sum; do command -v "$tool" >/dev/null || skip "$tool is not installed (needed to build and check the image)"; done

rsrun=$(readlink -f "$RSRUN_BINARY")
if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
    view=unified cgv2=/sys/fs/cgroup
elif [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
    view=hybrid cgv2=/sys/fs/cgroup/unified
else
    skip "no cgroup v2 at /sys/fs/cgroup or /sys/fs/cgroup/unified: rsrun drives only cgroup v2"
fi

tmp=$(mktemp -d /tmp/rsrun-ctrd.XXXXXX)
ns=rsrun-ctrd-${tmp##*.}
sock=$tmp/containerd.sock
image=localhost/rsrun-busybox:latest
ids=(c-echo c-exit c-long c-fail c-tty c-systemd)
had_run_containerd=0
other_shims=0
[[ -e /run/containerd ]] && had_run_containerd=1
ctrd_pid=

# ctr against our containerd, in our namespace.
c() { ctr --address "$sock" --namespace "$ns" "$@"; }

run_flags=(--fifo-dir "$tmp/fifo" --runc-binary "$rsrun" --runc-root "$tmp/runc")
# ctr always asks for cpu.shares 1024; rsrun refuses a limit its cgroup v2 cannot enforce.
if ! grep -qw cpu "$cgv2/cgroup.controllers"; then run_flags+=(--cpu-shares 0); fi
snapshotter=()
# overlayfs cannot stack on overlayfs (a driver run inside a container).
if [[ $(stat -f -c %T /tmp) == overlayfs ]]; then snapshotter=(--snapshotter native); fi
ctr_run() { c run "${run_flags[@]}" "${snapshotter[@]}" "$@"; }



task_field() { c tasks ls 2>/dev/null | awk -v id="$1" -v f="$2" '$1 == id { print $f }'; }
task_status() { task_field "$1" 3; }

# wait_status ID WANT SECONDS: prints the status once it is WANT, or the last one seen.
wait_status() {
    local deadline=$((SECONDS + $3)) status
    while :; do
        status=$(task_status "$1")
        [[ $status == "$2" || $SECONDS -ge $deadline ]] && break
        sleep 0.1
    done
    echo "$status"
}

exit_status() {
    "$@" >/dev/null 2>&1
    echo $?
}

# The v2 line of /proc/PID/cgroup, as seen from here.
cgroup_of() { grep '^0::' "/proc/$1/cgroup"; }

# No v1 controller has a cgroup for our namespace (the runc v1 layout would be
# /sys/fs/cgroup/<controller>/<namespace>/<id>).
no_v1_cgroups() {
    local dir found=0
    for dir in /sys/fs/cgroup/*/; do
        [[ ${dir%/} == "$cgv2" ]] && continue
        if [[ -e $dir$ns ]]; then echo "made: $dir$ns"; found=1; fi
    done
    echo "checked: $(cd /sys/fs/cgroup && ls -d -- */ | grep -vx unified/ | tr -d / | tr '\n' ' ')"
    return $found
}

frozen() { grep -x "frozen $2" "$cgv2/$ns/$1/cgroup.events"; }

# ps as the shim asks rsrun for it (ps --format json), through ctr.
ps_lists() {
    local out
    out=$(c tasks ps "$1") || return 1
    echo "$out"
    awk 'NR > 1 { print $1 }' <<<"$out" | grep -qx "$2"
}

# The shim's socket: /run/containerd/s/sha256(<containerd address>/<namespace>/<id>).
shim_socket() { echo "/run/containerd/s/$(printf '%s' "$sock/$ns/$1" | sha256sum | cut -d' ' -f1)"; }

# The sleep: once the task exits, ctr and the shim stop relaying the console, and output not
# yet relayed is lost (seen once in ~15 runs, with `ctr run -t` only).
tty_run() {
    local cmd
    cmd=$(printf '%q ' ctr --address "$sock" --namespace "$ns" run -t --rm "${run_flags[@]}" "${snapshotter[@]}" \
        "$image" c-tty sh -c 'tty; test -t 0 && test -t 1 && echo is-a-tty; sleep 0.5')
    timeout 60 script -qec "$cmd" /dev/null </dev/null
}

start_containerd() {
    mkdir -p "$tmp/fifo"
    cat >"$tmp/config.toml" <<EOF
version = 2
root = "$tmp/root"
state = "$tmp/state"
# The tasks service still needs io.containerd.runtime.v1.linux loaded; nothing here uses it.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.monitor.v1.cgroups",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$sock"

[ttrpc]
  address = "$sock.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$tmp/opt"
EOF
    say "containerd $(containerd --version | awk '{print $3}'), config $tmp/config.toml, namespace $ns, cgroup view: $view"
    if [[ $view == hybrid ]]; then
        unshare --mount --propagation private -- /bin/sh -c \
            'mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup && exec containerd --config "$1"' sh "$tmp/config.toml" \
            >"$tmp/containerd.log" 2>&1 &
    else
        containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
    fi
    ctrd_pid=$!
    local deadline=$((SECONDS + 30))
    until c version >/dev/null 2>&1; do
        if ! kill -0 "$ctrd_pid" 2>/dev/null || [[ $SECONDS -ge $deadline ]]; then
            say "containerd did not come up; its log:"
            sed "s/^/[$driver]   /" "$tmp/containerd.log" | tail -20
            return 1
        fi
        sleep 0.1
    done
}

# Everything this driver started or made, whatever state the run left it in. Idempotent; runs
# in the driver's own shell only (a command substitution killed by a signal runs the EXIT trap
# too), and a second signal does not cut it short.
main_shell=$BASHPID
teardown() {
    [[ $BASHPID == "$main_shell" ]] || return 0
    trap '' TERM INT HUP
    local id pid dir m
    rootless_teardown
    if [[ -n $ctrd_pid ]] && kill -0 "$ctrd_pid" 2>/dev/null; then
        for id in $(c containers ls -q 2>/dev/null); do
            c tasks kill -s SIGKILL "$id" >/dev/null 2>&1
            c tasks delete --force "$id" >/dev/null 2>&1
            c containers rm "$id" >/dev/null 2>&1
        done
        kill -TERM "$ctrd_pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$ctrd_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$ctrd_pid" 2>/dev/null
        wait "$ctrd_pid" 2>/dev/null
    fi
    # Shims outlive containerd; ours are the ones given our socket.
    for pid in $(pgrep -f -- "-address $sock( |$)"); do kill -KILL "$pid" 2>/dev/null; done
    # Container processes a dead shim left behind: they sit in our namespace's cgroups.
    if [[ -d $cgv2/$ns ]]; then
        for dir in "$cgv2/$ns"/*/; do
            [[ -d $dir ]] || continue
            echo 1 >"$dir/cgroup.kill" 2>/dev/null
            for _ in $(seq 50); do grep -qx 'populated 0' "$dir/cgroup.events" && break; sleep 0.1; done
            rmdir "$dir" 2>/dev/null
        done
        rmdir "$cgv2/$ns" 2>/dev/null
    fi
    while read -r m; do umount -l "$m" 2>/dev/null; done < <(awk -v t="$tmp" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    for id in "${ids[@]}"; do rm -f "$(shim_socket "$id")"; done
    # Made by our shims: removed when empty, and only while no other shim runs (one could be
    # between making /run/containerd/s and binding its socket in it).
    if [[ $had_run_containerd -eq 0 ]]; then
        # Live shims only: ours, once gone, may stay zombies until init reaps them.
        if ps -eo stat=,comm= | awk '$1 !~ /^Z/ && $2 == "containerd-shim" { found = 1 } END { exit !found }'; then
            other_shims=1
        else
            rmdir /run/containerd/s /run/containerd 2>/dev/null
        fi
    fi
    rm -rf "$tmp"
}
on_exit teardown
# A signal ends the driver through its EXIT trap (the cleanup), with the usual status.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- rootless containerd (rootlesskit), as the test user --------------------------------------
# rootlesskit makes a user namespace (newuidmap, the user's subuids) and a mount namespace with
# a writable copy of /run (the shims' sockets go to /run/containerd/s); containerd runs in it
# as uid 0 of that namespace, and so do the shims and rsrun. ctr must run in it too (it mounts
# the image's rootfs to read the user database): nsenter into rootlesskit's child. No cgroup
# is delegated to the user here, so the containers run without one (`--cgroup ""`).
rl=$tmp/rootless
rl_sock=$rl/containerd.sock
rootlesskit_pid=
rl_job=

as_user() { runuser -u "$RSRUN_TEST_USER" -- env -i PATH="$PATH" HOME="$rl" XDG_RUNTIME_DIR="$rl/xdg" "$@"; }
rc() { as_user nsenter -U --preserve-credentials -m -t "$(cat "$rl/rk/child_pid")" ctr --address "$rl_sock" --namespace "$ns" "$@"; }
rc_run() { rc run --fifo-dir "$rl/fifo" --runc-binary "$rsrun" --runc-root "$rl/runc" "${snapshotter[@]}" --cpu-shares 0 "$@"; }

start_rootless_containerd() {
    mkdir -p "$rl/xdg" "$rl/fifo"
    sed -e "s|$tmp/|$rl/|g" "$tmp/config.toml" >"$rl/config.toml"
    chmod 711 "$tmp"
    chown -R "$RSRUN_TEST_USER:" "$rl"
    say "rootless containerd as $RSRUN_TEST_USER: rootlesskit $(rootlesskit --version | awk '{print $3}'), config $rl/config.toml"
    # In the copy of /run, host entries are symlinks: the host's /run/containerd (root's) is
    # replaced by the namespace's own, as containerd-rootless.sh does.
    as_user rootlesskit --state-dir="$rl/rk" --net=host --copy-up=/run \
        sh -c 'rm -f /run/containerd && exec containerd --config "$1"' sh "$rl/config.toml" \
        >"$rl/containerd.log" 2>&1 &
    rl_job=$!
    local deadline=$((SECONDS + 30))
    until [[ -s $rl/rk/child_pid ]] && as_user ctr --address "$rl_sock" version >/dev/null 2>&1; do
        if ! kill -0 "$rl_job" 2>/dev/null || [[ $SECONDS -ge $deadline ]]; then
            say "rootless containerd did not come up; its log:"
            sed "s/^/[$driver]   /" "$rl/containerd.log" | tail -20
            return 1
        fi
        sleep 0.1
    done
    rootlesskit_pid=$(pgrep -f -- "^rootlesskit --state-dir=$rl/rk ")
}

rootless_teardown() {
    local id dir
    [[ -d $rl ]] || return 0
    if [[ -s $rl/rk/child_pid ]] && kill -0 "$(cat "$rl/rk/child_pid")" 2>/dev/null; then
        for id in $(rc containers ls -q 2>/dev/null); do
            rc tasks kill -s SIGKILL "$id" >/dev/null 2>&1
            rc tasks delete --force "$id" >/dev/null 2>&1
            rc containers rm "$id" >/dev/null 2>&1
        done
    fi
    [[ -n $rootlesskit_pid ]] || rootlesskit_pid=$(pgrep -f -- "^rootlesskit --state-dir=$rl/rk ")
    if [[ -n $rootlesskit_pid ]]; then
        kill -TERM "$rootlesskit_pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$rootlesskit_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$rootlesskit_pid" 2>/dev/null
    fi
    for pid in $(pgrep -f -- "-address $rl_sock( |$)"); do kill -KILL "$pid" 2>/dev/null; done
    # A container whose shim died: rsrun itself kills it by its recorded pid (pidfd, start time checked).
    for dir in "$rl/runc/$ns"/*/; do
        [[ -d $dir ]] && "$rsrun" --root "$rl/runc/$ns" delete --force "$(basename "$dir")" >/dev/null 2>&1
    done
    [[ -n $rl_job ]] && wait "$rl_job" 2>/dev/null
}

rootless_cases() {
    if ! command -v rootlesskit >/dev/null; then
        say "SKIP case rootless containerd: rootlesskit is not installed (Debian package rootlesskit)"
        return
    fi
    if ! command -v newuidmap >/dev/null || ! command -v nsenter >/dev/null; then
        say "SKIP case rootless containerd: rootlesskit needs newuidmap (package uidmap), ctr needs nsenter (util-linux)"
        return
    fi
    if ! id "$RSRUN_TEST_USER" >/dev/null 2>&1 || ! grep -q "^$RSRUN_TEST_USER:" /etc/subuid; then
        say "SKIP case rootless containerd: no user $RSRUN_TEST_USER with an /etc/subuid range (contrib/setup-test-user.sh)"
        return
    fi
    if ! runuser -u "$RSRUN_TEST_USER" -- test -x "$rsrun"; then
        say "SKIP case rootless containerd: $RSRUN_TEST_USER cannot execute $rsrun"
        return
    fi
    start_rootless_containerd || { failed=$((failed + 1)); return; }
    check "rootless: ctr images import" rc images import "${snapshotter[@]}" "$tmp/image/busybox-oci.tar" || return
    expect_match "rootless: run, uid 0 inside is the user outside" "hello from rootless.*0 +$(id -u "$RSRUN_TEST_USER") +1" \
        rc_run --rm --cgroup "" "$image" r-echo sh -c 'echo hello from rootless; head -n 1 /proc/self/uid_map'
    expect_error_match "rootless: ctr's default /<namespace>/<id> cgroup fails, saying why" \
        "OCI runtime create failed: create r-cgroup: linux.cgroupsPath: .*not writable" \
        rc_run --rm "$image" r-cgroup true
    if check "rootless: run -d" rc_run -d --cgroup "" "$image" r-long sleep 1000; then
        expect_output "rootless: exec" "exec-ok uid=0" rc tasks exec --fifo-dir "$rl/fifo" --exec-id x1 r-long sh -c 'echo exec-ok uid=$(id -u)'
        check "rootless: kill" rc tasks kill -s SIGKILL r-long
        expect_output "rootless: task is STOPPED" STOPPED rl_wait_stopped r-long
        check "rootless: tasks delete" rc tasks delete r-long
        check "rootless: containers rm" rc containers rm r-long
        check "rootless: rsrun state gone" test ! -e "$rl/runc/$ns/r-long"
    fi
}

rl_wait_stopped() {
    local deadline=$((SECONDS + 10)) status
    while :; do
        status=$(rc tasks ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }')
        [[ $status == STOPPED || $SECONDS -ge $deadline ]] && break
        sleep 0.1
    done
    echo "$status"
}

# What must be gone once teardown ran.
nothing_left() {
    local left=0 id dir
    if pgrep -af -- "$tmp|$sock"; then echo "processes left"; left=1; fi
    if grep -F "$tmp" /proc/self/mountinfo; then echo "mounts left"; left=1; fi
    for dir in /sys/fs/cgroup/*/; do
        [[ -e $dir$ns ]] && { echo "cgroup left: $dir$ns"; left=1; }
    done
    [[ -e $tmp ]] && { echo "temp dir left: $tmp"; left=1; }
    for id in "${ids[@]}"; do
        [[ -e $(shim_socket "$id") ]] && { echo "shim socket left: $(shim_socket "$id")"; left=1; }
        [[ -e /run/rsrun/$id ]] && { echo "state in rsrun's default root: /run/rsrun/$id"; left=1; }
    done
    if [[ $had_run_containerd -eq 0 && -e /run/containerd ]]; then
        if [[ $other_shims -eq 1 ]]; then
            echo "note: /run/containerd kept, another engine's shim runs (it may be using it)"
        else
            echo "/run/containerd left: $(ls -A /run/containerd)"
            left=1
        fi
    fi
    [[ $left -eq 0 ]] && echo "no process, mount, cgroup, state, shim socket or temp file left"
    return $left
}

# --- the cases ---------------------------------------------------------------------------
say "rsrun: $rsrun ($("$rsrun" --version | head -1))"
check "image: an OCI archive from the busybox rootfs" "$here/make-image.sh" "$tmp/image" "$RSRUN_TEST_ROOTFS" || { finish; exit 1; }
start_containerd || { failed=$((failed + 1)); finish; exit 1; }
check "ctr images import" c images import "${snapshotter[@]}" "$tmp/image/busybox-oci.tar" || { finish; exit 1; }

expect_output "run: echo" "hello from rsrun" ctr_run --rm "$image" c-echo echo hello from rsrun
expect_output "run: the exit status comes back" 7 exit_status ctr_run --rm "$image" c-exit sh -c 'exit 7'

if check "run -d" ctr_run -d "$image" c-long sleep 1000; then
    expect_output "task is RUNNING" RUNNING task_status c-long
    pid=$(task_field c-long 2)
    expect_output "its cgroup is /<namespace>/<id> in cgroup v2" "0::/$ns/c-long" cgroup_of "$pid"
    check "no cgroup under a v1 controller" no_v1_cgroups
    check "the shim's socket is where we look for it" test -S "$(shim_socket c-long)"
    expect_output "exec" "exec-ok uid=0" c tasks exec --fifo-dir "$tmp/fifo" --exec-id x1 c-long sh -c 'echo exec-ok uid=$(id -u)'
    expect_error_match "exec of a missing program: rsrun's error reaches ctr" \
        "OCI runtime exec failed: exec c-long: .*no/such/program" \
        c tasks exec --fifo-dir "$tmp/fifo" --exec-id x2 c-long /no/such/program
    check "ps lists the init (rsrun ps --format json)" ps_lists c-long "$pid"
    check "pause" c tasks pause c-long
    expect_output "task is PAUSED" PAUSED task_status c-long
    check "the cgroup is frozen" frozen c-long 1
    check "resume" c tasks resume c-long
    expect_output "task is RUNNING again" RUNNING task_status c-long
    check "the cgroup is thawed" frozen c-long 0
    # cgroup v1 would print memory.usage_in_bytes, cpuacct.usage: these are v2's names.
    expect_match "metrics: the shim reads the container's cgroup v2" 'cpu\.usage_usec.*memory\.usage' c tasks metrics c-long
    check "kill -s SIGKILL" c tasks kill -s SIGKILL c-long
    expect_output "task is STOPPED" STOPPED wait_status c-long STOPPED 10
    check "tasks delete" c tasks delete c-long
    check "containers rm" c containers rm c-long
    check "cgroup gone, /<namespace> parent included" test ! -e "$cgv2/$ns"
    check "rsrun state gone" test ! -e "$tmp/runc/$ns/c-long"
    check "the shim is gone with its socket" test ! -e "$(shim_socket c-long)"
fi

expect_error_match "missing program: rsrun's one-line error, from --log (json), reaches ctr" \
    "OCI runtime create failed: create c-fail: .*no/such/program" ctr_run --rm "$image" c-fail /no/such/program
check "a failed create leaves no container, cgroup or state" \
    sh -c '! ctr --address "$1" -n "$2" containers ls -q | grep -qx c-fail && test ! -e "$3/$2" && test ! -e "$4/runc/$2/c-fail"' \
    sh "$sock" "$ns" "$cgv2" "$tmp"

if command -v script >/dev/null; then
    expect_match "run -t: a pty through the shim's console socket" '/dev/pts/.*is-a-tty' tty_run
else
    say "SKIP case run -t: script (util-linux) is not installed, so there is no pty to run ctr -t in"
fi

if [[ -d /run/systemd/system ]]; then
    expect_output "--runc-systemd-cgroup: a systemd scope" "hello from a scope" \
        ctr_run --rm --runtime io.containerd.runc.v2 --runc-systemd-cgroup --cgroup "system.slice:rsrun:$ns-c-systemd" \
        "$image" c-systemd echo hello from a scope
else
    expect_error_match "--runc-systemd-cgroup without systemd fails in one line" \
        "OCI runtime create failed: create c-systemd: .*systemd" \
        ctr_run --rm --runtime io.containerd.runc.v2 --runc-systemd-cgroup --cgroup "system.slice:rsrun:$ns-c-systemd" \
        "$image" c-systemd true
fi
check "no cgroup under a v1 controller at the end" no_v1_cgroups

rootless_cases

say "+ teardown: stop containerd, its shims; remove $tmp"
teardown
check "nothing left" nothing_left
say "took $(awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')"
finish
