#!/usr/bin/env bash
# What the podman/docker default seccomp profile adds to a rootful `create` (issue 4's budget:
# 0.5 ms, median). As root:
#
#   bash contrib/bench/seccomp-cost.sh [RSRUN_BINARY]
#
# Two bundles of busybox `true` from make-bundle.sh, one with /usr/share/containers/seccomp.json
# turned into the OCI form as podman does (x86_64, the bundle's bounding capabilities). The
# compiled program is cached under the state root after the first create, as in real use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rsrun=$(realpath "${1:-$here/../../.build/release/rsrun}")
runs=${RUNS:-400}
work=$(mktemp -d)
trap '"$rsrun" --root "$work/state" delete -f b1 >/dev/null 2>&1 || true; "$rsrun" --root "$work/state" delete -f b2 >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
RSRUN=$rsrun bash "$here/../make-bundle.sh" "$work/plain" --args true >/dev/null
RSRUN=$rsrun bash "$here/../make-bundle.sh" "$work/seccomp" --args true >/dev/null
python3 - "$work/plain/config.json" "$work/seccomp/config.json" <<'PY'
import json, sys
plain, out = sys.argv[1], sys.argv[2]
config = json.load(open(plain))
config["process"]["terminal"] = False
json.dump(config, open(plain, "w"))
bounding = config["process"]["capabilities"]["bounding"]
profile = json.load(open("/usr/share/containers/seccomp.json"))
oci = {"defaultAction": profile.get("defaultAction", "SCMP_ACT_ERRNO")}
if "defaultErrnoRet" in profile:
    oci["defaultErrnoRet"] = profile["defaultErrnoRet"]
for arch in profile.get("archMap", []):
    if arch["architecture"] == "SCMP_ARCH_X86_64":
        oci["architectures"] = ["SCMP_ARCH_X86_64"] + arch.get("subArchitectures", [])
rules = []
for rule in profile["syscalls"]:
    inc, exc = rule.get("includes", {}), rule.get("excludes", {})
    if "arches" in inc and "amd64" not in inc["arches"]: continue
    if "arches" in exc and "amd64" in exc["arches"]: continue
    if "caps" in inc and not all(c in bounding for c in inc["caps"]): continue
    if "caps" in exc and any(c in bounding for c in exc["caps"]): continue
    entry = {"names": rule["names"], "action": rule["action"]}
    if "errnoRet" in rule: entry["errnoRet"] = rule["errnoRet"]
    if rule.get("args"): entry["args"] = rule["args"]
    rules.append(entry)
oci["syscalls"] = rules
config["linux"]["seccomp"] = oci
json.dump(config, open(out, "w"))
PY
state=$work/state
# A container must exist for the first prepare's delete to succeed.
"$rsrun" --root "$state" create -b "$work/plain" b1 </dev/null >/dev/null
"$rsrun" --root "$state" create -b "$work/seccomp" b2 </dev/null >/dev/null
hyperfine -N -w 30 -r "$runs" --export-json "$work/h.json" \
    --prepare "$rsrun --root $state delete -f b1" "$rsrun --root $state create -b $work/plain b1" \
    --prepare "$rsrun --root $state delete -f b2" "$rsrun --root $state create -b $work/seccomp b2" >/dev/null 2>&1
python3 - "$work/h.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, b = r[0]["median"] * 1000, r[1]["median"] * 1000
print(f"create, no seccomp:              median {a:.3f} ms")
print(f"create, podman default profile:  median {b:.3f} ms  (+{b - a:.3f} ms)")
PY
