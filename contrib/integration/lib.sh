# Shared by the engine drivers in contrib/integration (sourced, not run).
#
# A driver prints every command it runs and how it ended, and exits:
#   0   every case passed
#   77  the engine cannot run on this machine; the line before says exactly why ("SKIP: ...")
#   1   a case failed (the failing command's output is printed)
#
# Environment every driver reads:
#   RSRUN_BINARY       the rsrun binary under test (required)
#   RSRUN_TEST_ROOTFS  a busybox rootfs to build images from (default /var/tmp/rsrun-test/rootfs)
#   RSRUN_TEST_USER    the unprivileged user with /etc/subuid ranges (default rsrun-test)

set -uo pipefail

driver=${driver:-$(basename "$0" .sh)}
RSRUN_TEST_ROOTFS=${RSRUN_TEST_ROOTFS:-/var/tmp/rsrun-test/rootfs}
RSRUN_TEST_USER=${RSRUN_TEST_USER:-rsrun-test}
passed=0
failed=0
cleanups=()

say() { echo "[$driver] $*"; }

skip() {
    say "SKIP: $*"
    exit 77
}

# check NAME CMD...: runs CMD, prints it, its output and PASS/FAIL NAME.
check() {
    local name=$1
    shift
    say "+ $*"
    local out status
    out=$("$@" 2>&1)
    status=$?
    [[ -n $out ]] && printf '%s\n' "$out" | sed "s/^/[$driver]   /"
    if [[ $status -eq 0 ]]; then
        say "PASS $name"
        passed=$((passed + 1))
    else
        say "FAIL $name (exit $status)"
        failed=$((failed + 1))
    fi
    return $status
}

# expect_output NAME WANT CMD...: like check, and the output (trimmed) must equal WANT.
expect_output() {
    local name=$1 want=$2
    shift 2
    say "+ $*"
    local out status
    out=$("$@" 2>&1)
    status=$?
    [[ -n $out ]] && printf '%s\n' "$out" | sed "s/^/[$driver]   /"
    # Output through a pty (script) brings \r, and script's echo of its own stdin's EOF (^@).
    out=$(printf '%s' "$out" | tr -d '\r' | sed -e 's/\^@//g' -e 's/[[:space:]]*$//')
    if [[ $status -eq 0 && $out == "$want" ]]; then
        say "PASS $name"
        passed=$((passed + 1))
        return 0
    fi
    say "FAIL $name (exit $status, wanted \"$want\")"
    failed=$((failed + 1))
    return 1
}

# expect_failure NAME CMD...: the command must fail.
expect_failure() {
    local name=$1
    shift
    say "+ $* (must fail)"
    local out status
    out=$("$@" 2>&1)
    status=$?
    [[ -n $out ]] && printf '%s\n' "$out" | sed "s/^/[$driver]   /"
    if [[ $status -ne 0 ]]; then
        say "PASS $name"
        passed=$((passed + 1))
        return 0
    fi
    say "FAIL $name (it succeeded)"
    failed=$((failed + 1))
    return 1
}

# expect_error NAME PATTERN CMD...: the command must fail, and its output contain PATTERN
# (a fixed string): a failure must say why.
expect_error() {
    local name=$1 pattern=$2
    shift 2
    say "+ $* (must fail saying \"$pattern\")"
    local out status
    out=$("$@" 2>&1)
    status=$?
    [[ -n $out ]] && printf '%s\n' "$out" | sed "s/^/[$driver]   /"
    if [[ $status -ne 0 && $out == *"$pattern"* ]]; then
        say "PASS $name"
        passed=$((passed + 1))
        return 0
    fi
    say "FAIL $name (exit $status)"
    failed=$((failed + 1))
    return 1
}

# on_exit CMD: run CMD (a string for eval) when the driver ends, last registered first.
on_exit() { cleanups=("$*" "${cleanups[@]}"); }

run_cleanups() {
    local c
    for c in "${cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
}

# finish: the summary line and the exit status.
finish() {
    say "$passed passed, $failed failed"
    [[ $failed -eq 0 ]]
}

trap run_cleanups EXIT
# A driver killed by a timeout still cleans up.
trap 'say "interrupted"; exit 130' INT TERM HUP

require_binary() {
    [[ -n ${RSRUN_BINARY:-} && -x $RSRUN_BINARY ]] || { say "RSRUN_BINARY must name the rsrun binary"; exit 1; }
    [[ -x $RSRUN_TEST_ROOTFS/bin/busybox ]] || { say "no busybox rootfs at $RSRUN_TEST_ROOTFS (contrib/make-bundle.sh makes one)"; exit 1; }
}
