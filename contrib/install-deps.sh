#!/usr/bin/env bash
# Installs the Debian 12 packages rsrun's build, demo, benchmarks and tests need.
# Idempotent: when every package is already installed it does not touch apt at all
# (set RSRUN_APT_UPDATE=1 to force an update and install anyway).
set -euo pipefail

packages=(
    uidmap          # newuidmap/newgidmap for rootless ranges from /etc/subuid
    busybox-static  # the static userland of every test bundle
    libseccomp-dev  # seccomp filters
    libcap-dev      # capability headers
    hyperfine       # benchmarks
    util-linux      # setpriv, unshare, nsenter
    procps          # ps, pgrep for inspecting leftovers
    passwd          # useradd for the test user
    coreutils
    jq              # editing generated config.json files in the scripts
    golang-github-containers-common  # /usr/share/containers/seccomp.json, the default profile the tests load
    make            # make install (the Makefile at the root)
    man-db          # man -l of the installed rsrun.1
    # The engines the contrib/integration drivers run rsrun under:
    podman conmon catatonit   # podman, rootless and rootful
    containerd      # containerd, ctr and containerd-shim-runc-v2
    docker.io       # dockerd and its client
    rootlesskit     # rootless containerd in the containerd driver
)

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps.sh: must run as root" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 && "${RSRUN_APT_UPDATE:-0}" != 1 ]]; then
    echo "install-deps.sh: all packages present"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps.sh: installing ${missing[*]:-${packages[*]}}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps.sh: done"
