#!/usr/bin/env bash
# On a fresh Debian 12 machine as root: installs what is needed, builds rsrun, creates the
# unprivileged user rsrun-test and runs `echo hello from rsrun` in a rootless container as
# that user.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"

if [[ $(id -u) -ne 0 ]]; then
    echo "demo.sh: must run as root (it installs packages and creates a user)" >&2
    exit 1
fi

bash contrib/install-deps.sh
binary=$(bash contrib/build.sh)
user=${RSRUN_TEST_USER:-rsrun-test}
uid=$(bash contrib/setup-test-user.sh "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)

# The repository may sit where the user cannot go: give it its own copies.
work=$(mktemp -d /tmp/rsrun-demo.XXXXXX)
chmod 0755 "$work"
install -m 0755 "$binary" "$work/rsrun"
install -m 0755 contrib/make-bundle.sh "$work/make-bundle.sh"
chown "$uid:$gid" "$work"

as_user() {
    setpriv --reuid="$uid" --regid="$gid" --init-groups \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME="$home" USER="$user" XDG_RUNTIME_DIR="/run/user/$uid" "$@"
}

as_user env RSRUN="$work/rsrun" bash "$work/make-bundle.sh" "$work/bundle" --rootless \
    --args 'echo hello from rsrun' >/dev/null

id=demo-$$
echo "\$ rsrun run -b $work/bundle $id    # as $user (uid $uid)"
set +e
# A demo must never hang: give up after a minute.
as_user timeout --kill-after=5 60 "$work/rsrun" run -b "$work/bundle" "$id"
status=$?
set -e
if [[ $status -eq 0 ]]; then
    rm -rf "$work"
else
    [[ $status -ne 124 && $status -ne 137 ]] || echo "demo.sh: rsrun did not finish within 60 s" >&2
    as_user timeout --kill-after=5 10 "$work/rsrun" delete --force "$id" >/dev/null 2>&1 || true
    echo "demo.sh: rsrun exited with $status (bundle kept in $work)" >&2
fi
exit "$status"
