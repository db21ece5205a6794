#!/usr/bin/env bash
# What each CVE-2019-5736 protection costs where it is applied (see exe-protection.c), as root:
#
#   bash contrib/bench/exe-protection.sh [RSRUN_BINARY]
#
# The runc-style candidates re-execute the runtime binary (rsrun never does), so each is timed
# executing `rsrun --version`, against a direct execve of the same; the trampoline is timed
# executing /bin/true, against a direct execve of /bin/true. Medians from hyperfine -N.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rsrun=${1:-$here/../../.build/release/rsrun}
runs=${RUNS:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/exe-protection" "$here/exe-protection.c"
sh "$here/../trampoline/generate.sh" --image "$work/trampoline"
cp "$rsrun" "$work/rsrun"
d=$work/exe-protection
echo "rsrun binary: $(stat -c %s "$work/rsrun") bytes"
hyperfine -N -w 50 -r "$runs" --export-json "$work/h.json" \
    "$d direct /bin/true" "$d trampoline $work/trampoline /bin/true" \
    "$d direct $work/rsrun --version" "$d memfd $work/rsrun --version" \
    "$d robind $work/rsrun --version" "$d opath-ro $work/rsrun --version" >/dev/null 2>&1
python3 - "$work/h.json" "$work/" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
print("| command | median | mean |")
print("|---|---|---|")
for r in results:
    name = r["command"].replace(sys.argv[2], "")
    print(f"| `{name}` | {r['median']*1000:.3f} ms | {r['mean']*1000:.3f} ms |")
PY
