#!/usr/bin/env bash
# What the cgroup layer costs on `run /bin/true` (create, start, wait, delete), as root, on this
# host's cgroup v2 (the dev machine: hybrid, v2 with hugetlb only):
#
#   bash contrib/bench/cgroup-cost.sh RSRUN [RSRUN_BEFORE] [RSRUN_PROCS]
#
# RSRUN_BEFORE: a build without cgroups (before issue 6); RSRUN_PROCS: a build placing the init
# by writing cgroup.procs after clone3 instead of CLONE_INTO_CGROUP. A limit is the hugetlb one:
# the only controller this host's v2 has; a memory limit costs the same one write where it exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rsrun=$1 before=${2:-} procs=${3:-}
runs=${RUNS:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RSRUN=$rsrun bash "$here/../make-bundle.sh" "$work/plain" --args true >/dev/null 2>&1 || { echo "contrib/make-bundle.sh failed"; exit 1; }
python3 - "$work/plain/config.json" "$work/limit" <<'PY'
import json, os, sys, shutil
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["true"]; c["process"]["terminal"] = False
json.dump(c, open(sys.argv[1], "w"))
os.makedirs(sys.argv[2], exist_ok=True)
os.symlink(os.path.realpath(os.path.join(os.path.dirname(sys.argv[1]), "rootfs")), os.path.join(sys.argv[2], "rootfs"))
c.setdefault("linux", {}).setdefault("resources", {})["hugepageLimits"] = [{"pageSize": "2MB", "limit": 4194304}]
json.dump(c, open(os.path.join(sys.argv[2], "config.json"), "w"))
PY
cmds=("$rsrun --root $work/s run -b $work/plain bench" "$rsrun --root $work/s run -b $work/limit bench")
[ -n "$before" ] && cmds+=("$before --root $work/s run -b $work/plain bench")
[ -n "$procs" ] && cmds+=("$procs --root $work/s run -b $work/plain bench")
hyperfine -N -w 30 -r "$runs" --export-json "$work/h.json" "${cmds[@]}" >/dev/null 2>&1
python3 - "$work/h.json" "$work" <<'PY'
import json, sys
print("| command | median | mean |")
print("|---|---|---|")
for r in json.load(open(sys.argv[1]))["results"]:
    name = r["command"].replace(sys.argv[2] + "/", "")
    print(f"| `{name}` | {r['median']*1000:.3f} ms | {r['mean']*1000:.3f} ms |")
PY
