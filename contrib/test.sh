#!/usr/bin/env bash
# The whole test run, as CI does it, on a fresh Debian 12 machine as root:
# dependencies, the unprivileged test user, a release build, the shared busybox rootfs,
# then every test (unit and integration) with `swift test`. Exits with swift test's status.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"

if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: must run as root (the tests switch to an unprivileged user themselves)" >&2
    exit 1
fi

step() { echo "==> $*"; }

step "dependencies"
bash contrib/install-deps.sh

step "test user"
test_user=${RSRUN_TEST_USER:-rsrun-test}
test_uid=$(bash contrib/setup-test-user.sh "$test_user")
echo "test user $test_user uid $test_uid"
nosub_user=${RSRUN_TEST_USER_NOSUB:-rsrun-nosub}
nosub_uid=$(bash contrib/setup-test-user.sh "$nosub_user" --no-ranges)
echo "test user without subordinate ranges $nosub_user uid $nosub_uid"

step "release build"
binary=$(bash contrib/build.sh)
echo "binary: $binary"

step "shared test rootfs"
test_dir=/var/tmp/rsrun-test
# The test user must be able to reach the rootfs (make-bundle.sh makes it world-readable).
mkdir -p "$test_dir"
chmod 0755 "$test_dir"
bash contrib/make-bundle.sh "$test_dir" >/dev/null
rootfs=$test_dir/rootfs
ls "$rootfs/bin/busybox" >/dev/null

step "test build"
swift build --build-tests

step "tests"
export RSRUN_BINARY=$binary
export RSRUN_TEST_ROOTFS=$rootfs
export RSRUN_TEST_USER=$test_user
export RSRUN_TEST_USER_NOSUB=$nosub_user
# A hard cap so a hung run can never eat CI's 90 minutes; each subprocess in the
# integration tests has its own, much shorter, timeout as well.
set +e
timeout --kill-after=30 "${RSRUN_TEST_TIMEOUT:-3600}" swift test --disable-xctest
status=$?
set -e
if [[ $status -eq 124 || $status -eq 137 ]]; then
    echo "test.sh: swift test timed out" >&2
fi
echo "test.sh: swift test exited with $status"
exit "$status"
