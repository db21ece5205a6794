#!/usr/bin/env bash
# Makes an OCI bundle whose userland is busybox-static:
#
#   make-bundle.sh DIR [--rootless] [--args 'echo hello'] [--uid U --gid G]
#
# DIR/rootfs gets /bin/busybox, one relative symlink per applet in /bin, the usual empty
# directories and a minimal /etc/passwd and /etc/group. DIR/config.json comes from
# `$RSRUN spec [--rootless] -b DIR` when RSRUN names an executable, else from the fallback
# below (a runc-style default). --args replaces process.args (split on whitespace).
# --uid/--gid set the host ids of the fallback rootless mapping (default: `id -u`/`id -g`).
# Re-running refreshes the rootfs and rewrites config.json. Everything is world-readable.
set -euo pipefail
umask 022

usage() { echo "usage: make-bundle.sh DIR [--rootless] [--args 'CMD ARG...'] [--uid U] [--gid G]" >&2; exit 2; }

[[ $# -ge 1 ]] || usage
dir=$1; shift
rootless=0
args_text=""
map_uid=$(id -u)
map_gid=$(id -g)
while [[ $# -gt 0 ]]; do
    case $1 in
        --rootless) rootless=1 ;;
        --args) [[ $# -ge 2 ]] || usage; args_text=$2; shift ;;
        --uid) [[ $# -ge 2 ]] || usage; map_uid=$2; shift ;;
        --gid) [[ $# -ge 2 ]] || usage; map_gid=$2; shift ;;
        *) usage ;;
    esac
    shift
done

busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
    if [[ -x $candidate ]]; then busybox=$candidate; break; fi
done
if [[ -z $busybox ]]; then
    echo "make-bundle.sh: no busybox: run contrib/install-deps.sh (busybox-static)" >&2
    exit 1
fi
if command -v ldd >/dev/null && ldd "$busybox" >/dev/null 2>&1; then
    echo "make-bundle.sh: $busybox is dynamically linked: install busybox-static" >&2
    exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
rootfs=$dir/rootfs

# --- rootfs -----------------------------------------------------------------------------
mkdir -p "$rootfs"
for d in bin proc sys dev dev/pts dev/shm dev/mqueue run etc root home var; do
    mkdir -p "$rootfs/$d"
done
mkdir -p "$rootfs/tmp" "$rootfs/var/tmp"
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
chmod 0755 "$dir" "$rootfs"
chmod 0755 "$rootfs/root"  # world-readable: a rootless container maps its root elsewhere

install -m 0755 "$busybox" "$rootfs/bin/busybox"
# One relative symlink per applet, all in /bin (PATH covers it).
while IFS= read -r applet; do
    [[ -n $applet && $applet != busybox ]] || continue
    ln -sfn busybox "$rootfs/bin/$applet"
done < <("$busybox" --list)
# Some programs look for /usr/bin and /sbin; point them at /bin.
for link in usr/bin usr/sbin sbin; do
    if [[ ! -e $rootfs/$link && ! -L $rootfs/$link ]]; then
        mkdir -p "$(dirname "$rootfs/$link")"
        case $link in
            usr/*) ln -s ../bin "$rootfs/$link" ;;
            *) ln -s bin "$rootfs/$link" ;;
        esac
    fi
done

# Replaced, not written into: a shared rootfs a container once wrote a device node or a link
# over (its root is not read-only) would otherwise keep it.
rm -f "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf" "$rootfs/etc/hosts"
cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
GROUP
echo rsrun > "$rootfs/etc/hostname"
: > "$rootfs/etc/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' > "$rootfs/etc/hosts"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/hostname" \
    "$rootfs/etc/resolv.conf" "$rootfs/etc/hosts"

# --- config.json ------------------------------------------------------------------------
json_args() {
    # Prints a JSON array of the whitespace-separated words of $1.
    local -a words
    read -r -a words <<< "$1"
    local out="" w
    for w in "${words[@]}"; do
        w=${w//\\/\\\\}; w=${w//\"/\\\"}
        out+="${out:+, }\"$w\""
    done
    printf '[%s]' "$out"
}

fallback_config() {
    local args='["sh"]'
    [[ -z $args_text ]] || args=$(json_args "$args_text")
    local devpts_opts='"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"'
    local user_ns="" resources=""
    if [[ $rootless == 1 ]]; then
        # With a single mapped id, gid 5 does not exist in the container.
        devpts_opts='"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"'
        user_ns=',
            { "type": "user" }'
    else
        resources='
        "resources": { "devices": [ { "allow": false, "access": "rwm" } ] },'
    fi
    cat <<JSON
{
    "ociVersion": "1.0.2",
    "process": {
        "terminal": false,
        "user": { "uid": 0, "gid": 0 },
        "args": $args,
        "env": [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "TERM=xterm"
        ],
        "cwd": "/",
        "capabilities": {
            "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
            "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
            "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
        },
        "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
        "noNewPrivileges": true
    },
    "root": { "path": "rootfs", "readonly": true },
    "hostname": "rsrun",
    "mounts": [
        { "destination": "/proc", "type": "proc", "source": "proc" },
        { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
          "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
        { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
          "options": [ $devpts_opts ] },
        { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
          "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
        { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
          "options": [ "nosuid", "noexec", "nodev" ] },
        { "destination": "/sys", "type": "sysfs", "source": "sysfs",
          "options": [ "nosuid", "noexec", "nodev", "ro" ] }
    ],
    "linux": {$resources
        "namespaces": [
            { "type": "pid" },
            { "type": "network" },
            { "type": "ipc" },
            { "type": "uts" },
            { "type": "mount" }$user_ns
        ],$( [[ $rootless == 1 ]] && printf '
        "uidMappings": [ { "containerID": 0, "hostID": %s, "size": 1 } ],
        "gidMappings": [ { "containerID": 0, "hostID": %s, "size": 1 } ],' "$map_uid" "$map_gid" )
        "maskedPaths": [
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap"
        ],
        "readonlyPaths": [
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
        ]
    }
}
JSON
}

config=$dir/config.json
rm -f "$config"
made_by_rsrun=0
if [[ -n ${RSRUN:-} ]]; then
    if [[ -x $RSRUN ]]; then
        spec_flags=()
        [[ $rootless == 0 ]] || spec_flags+=(--rootless)
        if "$RSRUN" spec "${spec_flags[@]}" -b "$dir" && [[ -s $config ]]; then
            made_by_rsrun=1
        else
            echo "make-bundle.sh: '$RSRUN spec' failed; writing the fallback config" >&2
            rm -f "$config"
        fi
    else
        echo "make-bundle.sh: RSRUN=$RSRUN is not executable; writing the fallback config" >&2
    fi
fi

if [[ $made_by_rsrun == 1 ]]; then
    if [[ -n $args_text ]]; then
        if ! command -v jq >/dev/null; then
            echo "make-bundle.sh: --args with an rsrun-made config needs jq (contrib/install-deps.sh)" >&2
            exit 1
        fi
        tmp=$(mktemp "$dir/.config.XXXXXX")
        jq --argjson args "$(json_args "$args_text")" '.process.args = $args | .process.terminal = false' \
            "$config" > "$tmp"
        mv "$tmp" "$config"
    fi
else
    fallback_config > "$config"
fi
chmod 0644 "$config"
echo "$dir"
