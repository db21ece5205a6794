#!/usr/bin/env bash
# podman with rsrun as its OCI runtime (`podman --runtime rsrun`), rootless as the test user
# and rootful, the way users meet it. Every podman state dir is private to this run, so the
# machine's own podman set-up is never touched.
#
#   contrib/integration/podman.sh [rootless|rootful|all]     (as root; default all)
#   contrib/integration/podman.sh session                     (as an ordinary user in a login
#       session with systemd: podman's own defaults, systemd cgroups; the VM lab runs this)
#
# Exit 0 when every case passes, 77 when podman cannot run here (the reason is printed),
# 1 when a case fails. See lib.sh for the environment it reads.
driver=podman
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_binary

modes=${1:-all}
[[ $modes == all ]] && modes="rootless rootful"
[[ $modes == session || $(id -u) -eq 0 ]] || { say "must run as root (the rootless mode switches to $RSRUN_TEST_USER itself)"; exit 1; }
command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
command -v conmon >/dev/null || skip "conmon is not installed (apt-get install conmon)"
command -v script >/dev/null || skip "script (util-linux) is needed for the pty case"
say "$(podman --version), conmon $(conmon --version | sed -n 's/^conmon version //p'), rsrun at $RSRUN_BINARY"

work=$(mktemp -d /var/tmp/rsrun-podman.XXXXXX)
chmod 0755 "$work"
on_exit "rm -rf '$work'"
image=localhost/rsrun-busybox
# The engine config a user would install (contrib/engines/containers.conf), naming the binary
# under test: podman then finds rsrun by name and passes it `--log FILE --log-format=json`.
sed -e "s|\"/usr/local/bin/rsrun\",|\"$RSRUN_BINARY\",|" -e 's|^#runtime = "rsrun"|runtime = "rsrun"|' \
    "$(dirname "${BASH_SOURCE[0]}")/../engines/containers.conf" > "$work/containers.conf"
chmod 0644 "$work/containers.conf"
export CONTAINERS_CONF=$work/containers.conf
tar -C "$RSRUN_TEST_ROOTFS" -cf "$work/busybox.tar" .
chmod 0644 "$work/busybox.tar"

# Where this host's cgroup v2 lives and which controllers it offers: on a hybrid host (v1
# controllers, v2 at /sys/fs/cgroup/unified) podman believes it is on cgroup v1.
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    v2=/sys/fs/cgroup
else
    v2=/sys/fs/cgroup/unified
fi
controllers=$(cat "$v2/cgroup.controllers" 2>/dev/null || true)
has_controller() { [[ " $controllers " == *" $1 "* ]]; }

# Without CAP_SYS_RESOURCE (a sandboxed root) no runtime can raise an rlimit above what
# podman itself has, and podman asks for nofile=1048576 when rootful; crun fails the same way.
cap_sys_resource() { (( (0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24) & 1 )); }

# The cases both modes share. $1: the mode name, then the podman command line as an array
# in P, and any extra `run` options in RUN_OPTS.
common_cases() {
    local mode=$1
    expect_output "$mode: run + echo" "hello from rsrun" "${P[@]}" run --rm "${RUN_OPTS[@]}" $image echo hello from rsrun
    expect_output "$mode: exit status" "3" bash -c "$(printf '%q ' "${P[@]}") run --rm $(printf '%q ' "${RUN_OPTS[@]}") $image sh -c 'exit 3'; echo \$?"
    expect_error "$mode: a missing command fails with rsrun's reason" "rsrun: create" \
        "${P[@]}" run --rm "${RUN_OPTS[@]}" $image /no/such/cmd
    check "$mode: run -d" "${P[@]}" run -d --name "d-$mode" "${RUN_OPTS[@]}" $image sh -c 'echo started; trap "exit 0" TERM; while :; do sleep 0.2; done'
    expect_output "$mode: exec" "exec ok" "${P[@]}" exec "d-$mode" echo exec ok
    expect_output "$mode: exec -it through a pty" "/dev/pts/0" \
        script -qec "$(printf '%q ' "${P[@]}") exec -it d-$mode tty" /dev/null
    expect_output "$mode: logs" "started" "${P[@]}" logs "d-$mode"
    check "$mode: stop" "${P[@]}" stop -t 10 "d-$mode"
    expect_output "$mode: stopped by SIGTERM, exit 0" "0" "${P[@]}" inspect --format '{{.State.ExitCode}}' "d-$mode"
    check "$mode: rm" "${P[@]}" rm "d-$mode"
    expect_output "$mode: run -it through a pty (console socket)" "$(printf '/dev/pts/0\nstdin is a tty')" \
        script -qec "$(printf '%q ' "${P[@]}") run --rm -it $(printf '%q ' "${RUN_OPTS[@]}") $image sh -c 'tty; [ -t 0 ] && echo stdin is a tty'" /dev/null
    expect_output "$mode: --read-only" "write refused" \
        "${P[@]}" run --rm --read-only "${RUN_OPTS[@]}" $image sh -c 'touch /x 2>/dev/null && echo wrote || echo write refused'
    expect_output "$mode: kill" "137" bash -c "$(printf '%q ' "${P[@]}") run -d --name k-$mode $(printf '%q ' "${RUN_OPTS[@]}") $image sleep 1000 >/dev/null &&
        $(printf '%q ' "${P[@]}") kill k-$mode >/dev/null && $(printf '%q ' "${P[@]}") wait k-$mode; $(printf '%q ' "${P[@]}") rm -f k-$mode >/dev/null"
}

# Limits through podman: only where cgroup v2 offers the controller; otherwise the reason.
limit_cases() {
    local mode=$1
    if [[ $mode != rootful && $v2 != /sys/fs/cgroup ]]; then
        say "SKIP $mode: --memory/--pids-limit: podman ignores limits when rootless on a cgroup v1 host (this one is hybrid); the VM lab runs them"
        return
    fi
    if has_controller memory; then
        expect_output "$mode: --memory" "67108864" "${P[@]}" run --rm --memory 64m "${RUN_OPTS[@]}" $image cat /sys/fs/cgroup/memory.max
    else
        say "SKIP $mode: --memory: cgroup v2 at $v2 has no memory controller (it has: ${controllers:-none}); rsrun refuses a memory limit there:"
        expect_error "$mode: --memory is refused with the reason" "linux.resources.memory.limit: needs the memory controller" \
            "${P[@]}" run --rm --memory 64m "${RUN_OPTS[@]}" $image true
    fi
    if has_controller pids; then
        expect_output "$mode: --pids-limit" "10" "${P[@]}" run --rm --pids-limit 10 "${RUN_OPTS[@]}" $image cat /sys/fs/cgroup/pids.max
    else
        say "SKIP $mode: --pids-limit: cgroup v2 at $v2 has no pids controller (it has: ${controllers:-none})"
    fi
}

rootful() {
    local dir=$work/rootful
    mkdir -p "$dir"
    # A cgroup parent of our own in the v2 tree, so nothing lands in podman's shared
    # libpod_parent and the driver can remove what it made.
    local parent=/rsrun-podman-$$
    if [[ -d /run/systemd/system && $v2 == /sys/fs/cgroup ]]; then
        # systemd and cgroup v2: podman's defaults, scopes made by rsrun's systemd driver.
        P=(timeout --foreground 120 podman --root "$dir/storage" --runroot "$dir/run" --tmpdir "$dir/tmp"
           --events-backend file --runtime rsrun)
        RUN_OPTS=(--network none)
    else
        on_exit "rmdir '$v2$parent' 2>/dev/null"
        P=(timeout --foreground 120 podman --root "$dir/storage" --runroot "$dir/run" --tmpdir "$dir/tmp" --cgroup-manager cgroupfs
           --events-backend file --runtime rsrun)
        # --cgroups=no-conmon: podman moves conmon into a cgroup of every v1 controller on a
        # host it takes for v1; rsrun itself puts the container in cgroup v2.
        RUN_OPTS=(--network none --cgroups=no-conmon --cgroup-parent "$parent")
    fi
    if ! has_controller pids; then
        say "note: podman's default --pids-limit 2048 needs the pids controller, absent from $v2: passing --pids-limit 0"
        RUN_OPTS+=(--pids-limit 0)
    fi
    if ! cap_sys_resource; then
        say "note: this root lacks CAP_SYS_RESOURCE: passing --ulimit nofile=$(ulimit -Hn) (podman asks for 1048576, which needs it)"
        RUN_OPTS+=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=32768:32768")
    fi
    on_exit "$(printf '%q ' "${P[@]}") rm -af -t 0; $(printf '%q ' "${P[@]}") system reset -f; umount -R '$dir' 2>/dev/null"
    check "rootful: import the busybox image" "${P[@]}" import -q "$work/busybox.tar" $image || return
    common_cases rootful
    # The v2 freezer (cgroup.freeze, kernel 5.2) is in every non-root cgroup v2.
    if [[ -f $v2/cgroup.controllers ]]; then
        check "rootful: run -d for pause" "${P[@]}" run -d --name p-rootful "${RUN_OPTS[@]}" $image sleep 1000
        check "rootful: pause" "${P[@]}" pause p-rootful
        expect_output "rootful: paused" "paused" "${P[@]}" inspect --format '{{.State.Status}}' p-rootful
        check "rootful: unpause" "${P[@]}" unpause p-rootful
        expect_output "rootful: running" "running" "${P[@]}" inspect --format '{{.State.Status}}' p-rootful
        check "rootful: rm -f" "${P[@]}" rm -f -t 0 p-rootful
    fi
    limit_cases rootful
}

rootless() {
    local user=$RSRUN_TEST_USER uid
    uid=$(id -u "$user" 2>/dev/null) || skip "test user $user does not exist (contrib/setup-test-user.sh makes it)"
    grep -q "^$user:" /etc/subuid || skip "$user has no /etc/subuid range (contrib/setup-test-user.sh adds one)"
    command -v newuidmap >/dev/null || skip "newuidmap is not installed (apt-get install uidmap)"
    local dir=$work/rootless
    mkdir -p "$dir/xdg" "$dir/home"
    chmod 0700 "$dir/xdg"
    chown -R "$user:" "$dir"
    # podman keeps a pause process holding its user namespace; the driver ends it.
    on_exit "pkill -KILL -U $uid -f '^catatonit -P' ; pkill -KILL -U $uid -f 'conmon.*$dir'"
    P=(timeout --foreground 120 runuser -u "$user" -- env "XDG_RUNTIME_DIR=$dir/xdg" "HOME=$dir/home" "CONTAINERS_CONF=$CONTAINERS_CONF"
       podman --root "$dir/storage" --runroot "$dir/run" --tmpdir "$dir/tmp" --cgroup-manager cgroupfs
       --events-backend file --runtime rsrun)
    RUN_OPTS=(--network none)
    on_exit "$(printf '%q ' "${P[@]}") rm -af -t 0"
    check "rootless: import the busybox image" "${P[@]}" import -q "$work/busybox.tar" $image || return
    # uid 0 in the container is the user on the host; --userns=keep-id maps the user to itself.
    expect_output "rootless: uid 0 inside" "0" "${P[@]}" run --rm "${RUN_OPTS[@]}" $image id -u
    expect_output "rootless: --userns=keep-id keeps the host uid" "$uid" "${P[@]}" run --rm --userns=keep-id "${RUN_OPTS[@]}" $image id -u
    expect_output "rootless: a subordinate uid inside" "1000" "${P[@]}" run --rm --user 1000 "${RUN_OPTS[@]}" $image id -u
    common_cases rootless
    limit_cases rootless
    # podman rootless on a cgroup v1 host cannot pause (no freezer for the user); nothing to test.
}

# The invoking ordinary user, in their own login session (XDG_RUNTIME_DIR, a user systemd
# with delegation): podman as that user would run it, with private storage.
session() {
    [[ -n ${XDG_RUNTIME_DIR:-} ]] || skip "session mode needs XDG_RUNTIME_DIR (a login session)"
    local dir=$work/session
    mkdir -p "$dir"
    P=(timeout --foreground 120 podman --root "$dir/storage" --runroot "$dir/run" --tmpdir "$dir/tmp"
       --events-backend file --runtime rsrun)
    RUN_OPTS=(--network none)
    on_exit "$(printf '%q ' "${P[@]}") rm -af -t 0; $(printf '%q ' "${P[@]}") unshare rm -rf '$dir'"
    check "session: import the busybox image" "${P[@]}" import -q "$work/busybox.tar" $image || return
    say "cgroup manager: $("${P[@]}" info --format '{{.Host.CgroupManager}} {{.Host.CgroupsVersion}}')"
    expect_output "session: --userns=keep-id keeps the host uid" "$(id -u)" "${P[@]}" run --rm --userns=keep-id "${RUN_OPTS[@]}" $image id -u
    common_cases session
    limit_cases session
    if has_controller cpu; then
        expect_output "session: --cpus" "50000 100000" "${P[@]}" run --rm --cpus 0.5 "${RUN_OPTS[@]}" $image cat /sys/fs/cgroup/cpu.max
    fi
}

if [[ $modes == session ]]; then
    [[ $(id -u) -ne 0 ]] || { say "session mode runs as an ordinary user"; exit 1; }
    session
    finish
    exit
fi

for mode in $modes; do
    case $mode in
        rootful) rootful ;;
        rootless) rootless ;;
        *) say "unknown mode $mode (rootless, rootful or all)"; exit 1 ;;
    esac
done
# Nothing of rsrun's may remain: no state dirs of these containers, no processes.
leftover=$(ps -eo args | grep -c "^$RSRUN_BINARY" || true)
[[ $leftover -eq 0 ]] || { say "FAIL: $leftover rsrun processes left"; failed=$((failed + 1)); }
finish
