#!/usr/bin/env bash
# What one idmapped bind mount costs on `run /bin/true` (create, start, wait, delete), as root:
# a plain bind of a directory against the same bind idmapped ({1000 -> 0}), without and with a
# user namespace (0 -> 100000, bare `idmap`, which takes those maps), interleaved by paired.py:
#
#   bash contrib/bench/idmapped-mount-cost.sh RSRUN
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rsrun=$1
runs=${RUNS:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RSRUN=$rsrun bash "$here/../make-bundle.sh" "$work/base" --args true >/dev/null 2>&1 || { echo "contrib/make-bundle.sh failed"; exit 1; }
mkdir "$work/data" && chown 1000:1000 "$work/data"
python3 - "$work" <<'PY'
import json, os, sys, copy
work = sys.argv[1]
base = json.load(open(f"{work}/base/config.json"))
base["process"]["args"] = ["true"]; base["process"]["terminal"] = False
base["root"]["path"] = os.path.realpath(f"{work}/base/rootfs")
one = [{"containerID": 1000, "hostID": 0, "size": 1}]
bind = {"destination": "/mnt", "type": "bind", "source": f"{work}/data", "options": ["bind"]}
def write(name, mount=None, userns=False):
    c = copy.deepcopy(base)
    if mount: c["mounts"].append(mount)
    if userns:
        c["linux"]["namespaces"].append({"type": "user"})
        c["linux"]["uidMappings"] = c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    os.makedirs(f"{work}/{name}")
    json.dump(c, open(f"{work}/{name}/config.json", "w"))
write("bind", bind)
write("idmap", dict(bind, options=["bind", "idmap"], uidMappings=one, gidMappings=one))
write("bind-userns", bind, True)
write("idmap-userns", dict(bind, options=["bind", "idmap"]), True)
PY
[ -d "$work/base/rootfs/mnt" ] || mkdir "$work/base/rootfs/mnt"
run="$rsrun --root $work/s run -b"
python3 "$here/paired.py" "$runs" "$run $work/bind b1" "$run $work/idmap b2"
python3 "$here/paired.py" "$runs" "$run $work/bind-userns b3" "$run $work/idmap-userns b4"
