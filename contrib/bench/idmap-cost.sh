#!/usr/bin/env bash
# What the subordinate ranges cost a rootless container: create + start + delete with only
# the user's own id mapped (written by rsrun itself) against the whole /etc/subuid range,
# in a namespace the user namespace pool made ahead ("wide") and with the pool turned off, so
# that newuidmap/newgidmap run for each container ("wide-helpers"). Run as the test user,
# medians from hyperfine -N; each line also gives the difference to "single".
# Run as root after contrib/test.sh's set-up (test user, rootfs, release build).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
binary=${RSRUN_BINARY:-$repo/.build/release/rsrun}
user=${RSRUN_TEST_USER:-rsrun-test}
rootfs=${RSRUN_TEST_ROOTFS:-/var/tmp/rsrun-test/rootfs}
runs=${RUNS:-300}

uid=$(id -u "$user"); gid=$(id -g "$user")
read -r start count < <(awk -F: -v u="$user" '$1 == u { print $2, $3; exit }' /etc/subuid)
work=$(mktemp -d /tmp/rsrun-bench-idmap.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
install -m 0755 "$binary" "$work/rsrun"

for kind in single wide; do
    mkdir "$work/$kind"
    if [[ $kind == single ]]; then
        maps="[{\"containerID\":0,\"hostID\":$uid,\"size\":1}]"; gmaps="[{\"containerID\":0,\"hostID\":$gid,\"size\":1}]"
    else
        maps="[{\"containerID\":0,\"hostID\":$uid,\"size\":1},{\"containerID\":1,\"hostID\":$start,\"size\":$count}]"
        gmaps="[{\"containerID\":0,\"hostID\":$gid,\"size\":1},{\"containerID\":1,\"hostID\":$start,\"size\":$count}]"
    fi
    (cd "$work/$kind" && "$work/rsrun" spec --rootless 2>/dev/null)
    jq --arg r "$rootfs" --argjson u "$maps" --argjson g "$gmaps" \
        '.root.path = $r | .process.args = ["true"] | .linux.uidMappings = $u | .linux.gidMappings = $g' \
        "$work/$kind/config.json" > "$work/$kind/c" && mv "$work/$kind/c" "$work/$kind/config.json"
done
cp -r "$work/wide" "$work/wide-helpers"
cat > "$work/cycle.sh" <<SH
#!/bin/sh
[ "\$1" = wide-helpers ] && export RSRUN_USERNS_POOL=off
"$work/rsrun" --root "$work/state" create -b "$work/\$1" c\$\$ && "$work/rsrun" --root "$work/state" start c\$\$ && exec "$work/rsrun" --root "$work/state" delete -f c\$\$
SH
chown -R "$uid:$gid" "$work"

setpriv --reuid="$uid" --regid="$gid" --init-groups env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$uid" \
    hyperfine -N --warmup 20 -r "$runs" "sh $work/cycle.sh single" "sh $work/cycle.sh wide" "sh $work/cycle.sh wide-helpers" \
    --export-json "$work/h.json" >&2
jq -r '.results[0].median as $base | .results[] | "\(.command | split(" ") | last): median \(.median * 1000 | . * 100 | round / 100) ms (\((.median - $base) * 1000 | . * 100 | round / 100 | if . >= 0 then "+\(.)" else "\(.)" end) ms), mean \(.mean * 1000 | . * 100 | round / 100) ms"' "$work/h.json"
