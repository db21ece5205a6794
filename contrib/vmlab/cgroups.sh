#!/usr/bin/env bash
# Runs issue 6's full-cgroup-v2 checks in the VM lab (../shared/vmlab: systemd, cgroup v2 with
# every controller, a logged-in user with delegation), for the three drivers:
#
#   bash contrib/vmlab/cgroups.sh [RSRUN_BINARY]     (as root on the host)
#
# The binary is the host's build; the guest runs it from the shared directory.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rsrun=${1:-$here/../../.build/release/rsrun}
lab=${VMLAB:-$here/../../../shared/vmlab}
share=${VMLAB_DIR:-/var/tmp/vmlab}/share/rsrun-cgroups
[ -x "$lab/run-in-vm.sh" ] || { echo "no VM lab at $lab (set VMLAB)"; exit 2; }
mkdir -p "$share"
cp "$rsrun" "$share/rsrun"
cp "$here/cgroups-guest.sh" "$share/"
# The bundles' configs, made here (the guest has no python): rootful from `rsrun spec`, rootless
# for the guest's user dev (uid and gid 1000).
mkdir -p "$share/configs"
python3 - "$rsrun" "$share/configs" <<'PY'
import json, subprocess, sys, tempfile, os
rsrun, out = sys.argv[1], sys.argv[2]
checks = {
    "oom": (["sh", "-c", "sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1; echo survived"],
            {"memory": {"limit": 33554432, "swap": 33554432}}),
    "pids": (["sh", "-c", "(for i in $(seq 1 60); do sleep 30 & done) 2>/dev/null; exec sleep 60"],
             {"pids": {"limit": 20}}),
    "cpu": (["cat", "/sys/fs/cgroup/cpu.max"], {"cpu": {"quota": 50000, "period": 100000}}),
    "upd": (["sleep", "100"], {"memory": {"limit": 33554432}}),
    "bad": (["true"], {}),
}
for driver in ["cgroupfs", "systemd", "rootless"]:
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([rsrun, "spec"] + (["--rootless"] if driver == "rootless" else []), cwd=d, check=True)
        base = json.load(open(os.path.join(d, "config.json")))
    if driver == "rootless":
        base["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
        base["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
        # The rootless template binds the host's /sys; the container's own cgroup goes over it.
        base["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                               "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
    for name, (args, resources) in checks.items():
        c = json.loads(json.dumps(base))
        c["process"]["terminal"] = False
        c["process"]["args"] = args
        c["root"]["readonly"] = False
        c["linux"]["resources"] = resources
        if name == "bad":
            c["linux"]["cgroupsPath"] = "a:b"
        json.dump(c, open(os.path.join(out, f"{driver}-{name}.json"), "w"))
PY
chmod -R a+rX "$share"
rc=0
"$lab/run-in-vm.sh" -u root -- sh /mnt/host/rsrun-cgroups/cgroups-guest.sh /mnt/host/rsrun-cgroups/rsrun cgroupfs || rc=1
"$lab/run-in-vm.sh" -u root -- sh /mnt/host/rsrun-cgroups/cgroups-guest.sh /mnt/host/rsrun-cgroups/rsrun systemd || rc=1
"$lab/run-in-vm.sh" -u dev -- sh /mnt/host/rsrun-cgroups/cgroups-guest.sh /mnt/host/rsrun-cgroups/rsrun rootless || rc=1
exit $rc
