#!/usr/bin/env bash
# docker driver: rsrun as a runtime of docker (Debian's docker.io 20.10), rootful.
#
# It starts its own dockerd, never the system one: own socket, --data-root, --exec-root, pid
# file, daemon.json, and the containerd that dockerd starts and manages under the exec root.
# rsrun is the "rsrun" entry of daemon.json's "runtimes" and the default runtime; every case
# also names it with --runtime rsrun. containerd-shim-runc-v2 drives rsrun exactly as it
# drives runc (its BinaryName option).
#
# cgroups: on a hybrid host dockerd believes it is on cgroup v1 with the cgroupfs driver and
# gives each container cgroupsPath "<cgroup-parent>/<id>". rsrun places that in the unified
# (v2) tree, so the parent is a name of our own (removed at the end), and neither dockerd nor
# its containerd creates anything under the v1 controllers: the driver checks that the v1
# trees are the same before, during and after.
#
# Other paths dockerd 20.10 and containerd 1.6 use whatever their options say, which the driver
# removes when it made them and they are empty: /run/docker/plugins (plugin exec root,
# hard-coded), /run/containerd/s (shim sockets, hard-coded in containerd 1.6), /opt/containerd
# (the managed containerd's opt plugin).
#
# Environment (besides lib.sh's): DOCKERD (default /usr/sbin/dockerd), DOCKER (the client,
# default /usr/bin/docker: /usr/local/bin/docker may be an unrelated newer client),
# DOCKER_STORAGE_DRIVER (default overlay2; vfs is the fallback when overlay2 cannot start).

driver=docker
source "$(dirname "$0")/lib.sh"
require_binary

RSRUN_BINARY=$(readlink -f "$RSRUN_BINARY") # daemon.json wants an absolute path
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
DOCKER=${DOCKER:-/usr/bin/docker}
started_at=$SECONDS

[[ $(id -u) -eq 0 ]] || skip "dockerd needs root here; rootless docker needs rootlesskit (see docs/docker.md)"
[[ -x $DOCKERD ]] || skip "$DOCKERD not found (Debian package docker.io)"
[[ -x $DOCKER ]] || skip "$DOCKER not found (Debian package docker.io)"
for tool in containerd containerd-shim-runc-v2 script; do
    command -v "$tool" >/dev/null || skip "$tool not found in PATH (Debian packages containerd, util-linux)"
done
[[ -d /sys/fs/cgroup/unified || $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]] || skip "no cgroup v2 hierarchy mounted"

work=$(mktemp -d /tmp/rsrun-docker.XXXXXX)
tag=$(basename "$work" | tr . -)
cgroup_parent=/$tag
if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then unified=/sys/fs/cgroup; else unified=/sys/fs/cgroup/unified; fi
image=rsrun-busybox:docker
export DOCKER_HOST=unix://$work/docker.sock
export DOCKER_CONFIG=$work/client # the client's own config, not ~/.docker

# The client by full path, so that the commands read "docker ..." in the output.
docker() { "$DOCKER" "$@"; }

# --- what the host looks like before -------------------------------------------------------

v1_tree() {
    local dir
    for dir in /sys/fs/cgroup/*/; do
        dir=${dir%/}
        [[ $dir == "$unified" ]] && continue
        [[ $(stat -fc %T "$dir") == cgroupfs ]] || continue
        find "$dir" -type d 2>/dev/null
    done | sort
}
v1_before=$(v1_tree)
ip_forward_before=$(cat /proc/sys/net/ipv4/ip_forward)
# Host paths dockerd/containerd make whatever their options say; removed at the end only when
# we made them (and they are empty).
host_dirs=(/run/docker/plugins /run/docker /run/containerd/s /run/containerd /opt/containerd/bin /opt/containerd/lib /opt/containerd)
made_dirs=()
for d in "${host_dirs[@]}"; do [[ -e $d ]] || made_dirs+=("$d"); done
key_json_existed=0
[[ -e /etc/docker/key.json ]] && key_json_existed=1
rsrun_state_before=$(ls /run/rsrun 2>/dev/null | sort)

# --- teardown (also the EXIT trap, so it runs on failure too) -------------------------------

# Processes started from our directory: dockerd, its containerd, the shims.
our_pids() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$work/" && echo "${p#/proc/}"
    done
}

wait_gone() { # wait_gone PID SECONDS
    local i
    for ((i = 0; i < $2 * 10; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    return 1
}

teardown() {
    [[ -d $work ]] || return 0
    local pid mp d
    if [[ -S $work/docker.sock ]]; then
        local ids
        ids=$(docker ps -aq 2>/dev/null)
        [[ -n $ids ]] && docker rm -f $ids >/dev/null 2>&1
    fi
    # dockerd stops its containers and its containerd on SIGTERM.
    pid=$(cat "$work/dockerd.pid" 2>/dev/null || echo "${dockerd_pid:-}")
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait_gone "$pid" 30 || kill -KILL "$pid"
        wait_gone "$pid" 5
    fi
    # Whatever is left of ours (a containerd or shim that outlived dockerd), by pid.
    for pid in $(our_pids); do kill -KILL "$pid" 2>/dev/null; done
    for pid in $(our_pids); do wait_gone "$pid" 5; done
    # Mounts under our directory, deepest first (overlay2 layers, the data-root bind, netns).
    for mp in $(awk -v w="$work/" 'index($5, w) == 1 || $5 == substr(w, 1, length(w) - 1) { print $5 }' /proc/self/mountinfo | sort -r); do
        umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null
    done
    rm -rf "$work"
    # The cgroup parent rsrun made in the unified tree (containers' cgroups are gone with them).
    if [[ -d $unified$cgroup_parent ]]; then
        find "$unified$cgroup_parent" -depth -type d -exec rmdir {} + 2>/dev/null
    fi
    for d in "${made_dirs[@]}"; do rmdir "$d" 2>/dev/null; done
    [[ $key_json_existed -eq 0 ]] && rm -f /etc/docker/key.json
    return 0
}
on_exit teardown

# --- start dockerd ---------------------------------------------------------------------------

# deprecated-key-path (daemon.json only): 20.10 would otherwise write /etc/docker/key.json.
cat >"$work/daemon.json" <<EOF
{
  "runtimes": { "rsrun": { "path": "$RSRUN_BINARY" } },
  "default-runtime": "rsrun",
  "default-cgroupns-mode": "private",
  "deprecated-key-path": "$work/key.json"
}
EOF

start_dockerd() { # start_dockerd STORAGE_DRIVER: 0 when the API answers
    say "+ dockerd --storage-driver $1 (log: $work/dockerd.log)"
    # --iptables/--ip6tables/--ip-forward/--ip-masq=false and --bridge=none: dockerd leaves the
    # host's firewall, sysctls and links alone; containers run with --network none.
    # --oom-score-adjust=0: not touching its own and containerd's oom_score_adj.
    "$DOCKERD" --config-file "$work/daemon.json" \
        --data-root "$work/root" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" \
        -H "$DOCKER_HOST" --storage-driver "$1" --cgroup-parent "$cgroup_parent" \
        --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
        --oom-score-adjust=0 \
        >>"$work/dockerd.log" 2>&1 </dev/null &
    dockerd_pid=$!
    local i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$dockerd_pid" 2>/dev/null || return 1
        docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# The line of dockerd's log that says why it stopped.
dockerd_failure() {
    grep -E 'level=(fatal|error)|^failed to start daemon|^Status: ' "$work/dockerd.log" | tail -1
}

# What a failure line of dockerd means, for the SKIP line.
meaning() {
    case $1 in
    *"error initializing graphdriver"*) echo " -- the storage driver cannot work on the filesystem under $work (try DOCKER_STORAGE_DRIVER=vfs)" ;;
    *containerd*) echo " -- the containerd dockerd starts did not come up (its lines are in the log above)" ;;
    *"Devices cgroup isn't mounted"*) echo " -- dockerd 20.10 needs the v1 devices controller mounted when it sees cgroup v1" ;;
    *"operation not permitted"* | *"permission denied"*) echo " -- dockerd lacks a privilege here (a container without CAP_SYS_ADMIN, or a user namespace)" ;;
    *"address already in use"*) echo " -- another daemon holds the socket" ;;
    esac
}

storage=${DOCKER_STORAGE_DRIVER:-overlay2}
if ! start_dockerd "$storage"; then
    reason=$(dockerd_failure)
    say "dockerd did not start with $storage: ${reason:-no error in its log}"
    teardown_dockerd_only() {
        kill -TERM "$dockerd_pid" 2>/dev/null && wait_gone "$dockerd_pid" 30
        local pid
        for pid in $(our_pids); do kill -KILL "$pid" 2>/dev/null; done
    }
    if [[ $storage == overlay2 ]] && grep -q overlay <<<"$reason"; then
        teardown_dockerd_only
        storage=vfs
        start_dockerd vfs || skip "dockerd cannot run here: $(dockerd_failure)$(meaning "$(dockerd_failure)")"
    else
        grep -E 'level=(warning|error|fatal)|^failed|^Status' "$work/dockerd.log" | tail -10 | sed "s/^/[$driver]   /"
        skip "dockerd cannot run here: ${reason:-it exited without an error line}$(meaning "$reason")"
    fi
fi

expect_output "dockerd: default runtime rsrun, $storage, cgroupfs driver" "rsrun $storage cgroupfs" \
    docker info --format '{{.DefaultRuntime}} {{.Driver}} {{.CgroupDriver}}'

# --- image -----------------------------------------------------------------------------------

# make-image.sh's plain tarball when it is there (device nodes left out, deterministic), else
# a tar of the rootfs as it is.
import_image() {
    local here
    here=$(dirname "$0")
    if [[ -x $here/make-image.sh ]] && "$here/make-image.sh" "$work/image" >/dev/null 2>&1; then
        echo "from make-image.sh's busybox-rootfs.tar"
        docker import "$work/image/busybox-rootfs.tar" "$image" >/dev/null
    else
        echo "from tar -C $RSRUN_TEST_ROOTFS -c ."
        tar -C "$RSRUN_TEST_ROOTFS" -c . | docker import - "$image" >/dev/null
    fi
}
check "import a busybox rootfs tarball as $image" import_image || {
    finish
    exit 1
}

run() { docker run --runtime rsrun --network none "$@"; }

# --- cases -----------------------------------------------------------------------------------



# Through a pty: script(1) gives docker's client a terminal, as a user's shell would.
in_pty() { script -qec "$*" /dev/null </dev/null; }

expect_output "run --rm: echo" "hello from rsrun" run --rm "$image" echo hello from rsrun
expect_output "run --rm: the exit status comes back" "" sh -c "$DOCKER run --runtime rsrun --network none --rm $image sh -c 'exit 3'; test \$? -eq 3"
expect_output "--network none: only lo" "lo" run --rm "$image" ls /sys/class/net
expect_output "own cgroup namespace: the container sees itself at the root" "0::/" run --rm "$image" grep ^0:: /proc/self/cgroup
expect_output "--user 1000: id -u" "1000" run --rm --user 1000 "$image" id -u
expect_error "--read-only: a write fails" "Read-only file system" run --rm --read-only "$image" touch /probe
expect_output "--read-only: /tmp stays writable with --tmpfs" "ok" run --rm --read-only --tmpfs /tmp "$image" sh -c 'touch /tmp/probe && echo ok'
expect_match "run -it through a pty: tty is a pts, stdin a terminal" '^/dev/pts/[0-9]+'$'\n''stdin is a tty$' \
    in_pty "$DOCKER run --runtime rsrun --network none --rm -it $image sh -c 'tty; [ -t 0 ] && echo stdin is a tty'"
expect_error "a missing command: rsrun's one-line error reaches docker" "process.args[0]: /nonexistent" \
    run --rm "$image" /nonexistent
expect_output "-e, -w, --hostname" "bar /tmp box" run --rm -e FOO=bar -w /tmp --hostname box "$image" sh -c 'echo $FOO $(pwd) $(hostname)'
expect_output "--ulimit nofile" "2048 4096" run --rm --ulimit nofile=2048:4096 "$image" sh -c 'echo $(ulimit -n) $(ulimit -Hn)'
expect_output "--init: docker-init is PID 1" "ok" run --rm --init "$image" sh -c 'grep -q docker-init /proc/1/cmdline && echo ok'
# A limit needs its controller in the unified tree; a hybrid host usually keeps memory in v1.
if grep -qw memory "$unified/cgroup.controllers"; then
    expect_output "--memory 64m: memory.max" "67108864" run --rm --memory 64m "$image" cat /sys/fs/cgroup/memory.max
else
    expect_error "--memory without a v2 memory controller: rsrun says why, naming the field" \
        "linux.resources.memory.limit: needs the memory controller" run --rm --memory 64m "$image" true
fi

# A long-running container: exec, logs, top, pause/unpause, stop, rm.
name=$tag-d
check "run -d" run -d --name "$name" "$image" sh -c 'echo started; trap "echo stopping; exit 0" TERM; while :; do sleep 1; done'
id=$(docker inspect -f '{{.Id}}' "$name" 2>/dev/null)
expect_output "inspect: the runtime is rsrun" "rsrun running" docker inspect -f '{{.HostConfig.Runtime}} {{.State.Status}}' "$name"
runtime_root=$work/exec/runtime-runc/moby # docker's runtime root for every runc-compatible runtime
expect_match "rsrun's own state knows the container (--root $runtime_root)" '"status": *"running"' \
    "$RSRUN_BINARY" --root "$runtime_root" state "$id"
pid=$(docker inspect -f '{{.State.Pid}}' "$name" 2>/dev/null)
expect_output "the container's cgroup is $cgroup_parent/<id> in the unified tree" "0::$cgroup_parent/$id" \
    sh -c "grep '^0::' /proc/$pid/cgroup"
expect_output "exec: output" "in exec" docker exec "$name" echo in exec
expect_output "exec --user 1000" "1000" docker exec --user 1000 "$name" id -u
expect_output "exec: the exit status comes back" "" sh -c "$DOCKER exec $name sh -c 'exit 4'; test \$? -eq 4"
expect_match "exec -it through a pty" '^/dev/pts/[0-9]+$' in_pty "$DOCKER exec -it $name tty"
expect_match "top (rsrun ps)" 'sleep 1' docker top "$name"
expect_output "logs" "started" docker logs "$name"
if [[ -e $unified$cgroup_parent/$id/cgroup.freeze ]]; then
    check "pause" docker pause "$name"
    expect_output "paused: docker's status and the v2 freezer agree" "paused frozen 1" \
        sh -c "echo \$($DOCKER inspect -f '{{.State.Status}}' $name) \$(grep frozen $unified$cgroup_parent/$id/cgroup.events)"
    check "unpause" docker unpause "$name"
    expect_output "after unpause: exec works" "awake" docker exec "$name" echo awake
else
    say "pause/unpause not run: no cgroup.freeze in $unified$cgroup_parent/$id (no v2 freezer)"
fi
check "stop (SIGTERM reaches the container)" docker stop -t 10 "$name"
expect_output "stopped: exit 0 and the trap's output in the logs" "exited 0 started stopping" \
    sh -c "echo \$($DOCKER inspect -f '{{.State.Status}} {{.State.ExitCode}}' $name) \$($DOCKER logs $name)"
check "rm" docker rm "$name"
expect_output "rm: rsrun's state and the cgroup are gone" "gone" \
    sh -c "test ! -e $runtime_root/$id && test ! -e $unified$cgroup_parent/$id && echo gone"

name=$tag-k
check "run -d (to kill)" run -d --name "$name" "$image" sleep 1000
check "kill" docker kill "$name"
expect_output "killed: exit 137" "exited 137" docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name"
check "rm the killed container" docker rm "$name"

expect_output "restart: a stopped container starts again" "again" sh -c \
    "$DOCKER run --runtime rsrun --network none --name $tag-r $image echo again >/dev/null && $DOCKER start -a $tag-r | tail -1 && $DOCKER rm $tag-r >/dev/null"

v1_changes() { diff <(printf '%s\n' "$v1_before") <(v1_tree); }
expect_none "v1 cgroup controllers unchanged while dockerd runs" v1_changes
expect_none "the shims' cleanup (delete --force of deleted containers) met no rsrun error" \
    grep -F 'rsrun: delete' "$work/dockerd.log"

# --- stop dockerd and check that nothing is left ---------------------------------------------

say "+ stopping dockerd (pid $dockerd_pid), its containerd and shims; removing $work"
teardown_started=$SECONDS
teardown
say "  teardown took $((SECONDS - teardown_started)) s"
mounts_left() { grep -F "$work" /proc/self/mountinfo; }
paths_left() {
    local p
    for p in "$work" "$unified$cgroup_parent"; do [[ -e $p ]] && echo "$p"; done
    # A host dir we made that is not empty now is another daemon's (a concurrent containerd's shim).
    for p in "${made_dirs[@]}"; do [[ -d $p && -z $(ls -A "$p") ]] && echo "$p"; done
    [[ $key_json_existed -eq 0 && -e /etc/docker/key.json ]] && echo /etc/docker/key.json
}
new_rsrun_state() { comm -13 <(printf '%s\n' "$rsrun_state_before") <(ls /run/rsrun 2>/dev/null | sort) | grep -E '^[0-9a-f]{64}$'; }
ip_forward_changed() { [[ $(cat /proc/sys/net/ipv4/ip_forward) == "$ip_forward_before" ]] || echo "now $(cat /proc/sys/net/ipv4/ip_forward), was $ip_forward_before"; }
expect_none "no process of ours is left" our_pids
expect_none "no mount under $work is left" mounts_left
expect_none "$work, the cgroup $unified$cgroup_parent and the host paths dockerd made are removed" paths_left
expect_none "v1 cgroup controllers unchanged" v1_changes
expect_none "no docker container left in /run/rsrun" new_rsrun_state
expect_none "net.ipv4.ip_forward unchanged" ip_forward_changed
say "took $((SECONDS - started_at)) s"
finish
