#!/usr/bin/env bash
# Creates the unprivileged user the rootless tests run as (default name rsrun-test, or $1),
# gives it the subordinate id range 200000:65536 in /etc/subuid and /etc/subgid, and makes
# /run/user/<uid> (owner the user, mode 0700) the way logind would. Prints the uid.
# With --no-ranges (second argument), the user gets no subordinate ranges at all: the tests
# of the "no /etc/subuid entry" diagnosis run as such a user (rsrun-nosub).
# Idempotent: re-running changes nothing that is already right.
set -euo pipefail

user=${1:-${RSRUN_TEST_USER:-rsrun-test}}
ranges=yes
if [[ ${2:-} == --no-ranges ]]; then ranges=no; fi
range_start=200000
range_size=65536

if [[ $(id -u) -ne 0 ]]; then
    echo "setup-test-user.sh: must run as root" >&2
    exit 1
fi

if ! getent passwd "$user" >/dev/null; then
    useradd --create-home --shell /bin/sh --user-group "$user"
fi
uid=$(id -u "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)
if [[ ! -d $home ]]; then
    install -d -m 0755 -o "$uid" -g "$gid" "$home"
fi

# Exactly one range per file for this user (useradd may have added another of its own),
# or none at all with --no-ranges.
for file in /etc/subuid /etc/subgid; do
    line="$user:$range_start:$range_size"
    touch "$file"
    if [[ $ranges == yes ]]; then
        [[ $(grep -c "^$user:" "$file" || true) == 1 ]] && grep -qx "$line" "$file" && continue
    else
        grep -q "^$user:" "$file" || continue
    fi
    tmp=$(mktemp "$file.XXXXXX")
    grep -v "^$user:" "$file" > "$tmp" || true
    if [[ $ranges == yes ]]; then echo "$line" >> "$tmp"; fi
    chmod 0644 "$tmp"
    mv "$tmp" "$file"
done

install -d -m 0755 /run/user
install -d -m 0700 -o "$uid" -g "$gid" "/run/user/$uid"
chown "$uid:$gid" "/run/user/$uid"
chmod 0700 "/run/user/$uid"

echo "$uid"
