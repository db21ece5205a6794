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

# capture CMD...: runs CMD and prints it and its output; sets `out` (stdout and stderr, with
# the \r and the literal ^@ that script's pty adds dropped, trailing blanks trimmed) and `status`.
capture() {
    say "+ $*"
    out=$("$@" 2>&1)
    status=$?
    [[ -n $out ]] && printf '%s\n' "$out" | sed "s/^/[$driver]   /"
    out=$(printf '%s' "$out" | tr -d '\r' | sed -e 's/\^@//g' -e 's/[[:space:]]*$//')
}

# verdict NAME OK WANTED: counts the case and prints PASS, or FAIL with what was wanted.
verdict() {
    if [[ $2 == yes ]]; then
        say "PASS $1"
        passed=$((passed + 1))
        return 0
    fi
    say "FAIL $1 (exit $status, wanted $3)"
    failed=$((failed + 1))
    return 1
}

yes_if() { if "$@"; then echo yes; else echo no; fi; }

# check NAME CMD...: CMD succeeds. Returns CMD's status.
check() {
    local name=$1
    shift
    capture "$@"
    verdict "$name" "$(yes_if test "$status" -eq 0)" "success"
    return $status
}

# expect_output NAME WANT CMD...: CMD succeeds and prints exactly WANT.
expect_output() {
    local name=$1 want=$2
    shift 2
    capture "$@"
    local ok=no
    [[ $status -eq 0 && $out == "$want" ]] && ok=yes
    verdict "$name" $ok "\"$want\""
}

# expect_match NAME ERE CMD...: CMD succeeds and its output matches the extended regex ERE
# (. matches newlines too).
expect_match() {
    local name=$1 regex=$2
    shift 2
    capture "$@"
    local ok=no
    [[ $status -eq 0 && $out =~ $regex ]] && ok=yes
    verdict "$name" $ok "output matching \"$regex\""
}

# expect_failure NAME CMD...: CMD fails.
expect_failure() {
    local name=$1
    shift
    capture "$@"
    verdict "$name" "$(yes_if test "$status" -ne 0)" "a failure"
}

# expect_error NAME TEXT CMD...: CMD fails, and its output contains TEXT: a failure says why.
expect_error() {
    local name=$1 text=$2
    shift 2
    capture "$@"
    local ok=no
    [[ $status -ne 0 && $out == *"$text"* ]] && ok=yes
    verdict "$name" $ok "a failure saying \"$text\""
}

# expect_error_match NAME ERE CMD...: CMD fails, and its output matches ERE.
expect_error_match() {
    local name=$1 regex=$2
    shift 2
    capture "$@"
    local ok=no
    [[ $status -ne 0 && $out =~ $regex ]] && ok=yes
    verdict "$name" $ok "a failure matching \"$regex\""
}

# expect_none NAME CMD...: CMD prints nothing, whatever its status (a grep finding nothing).
expect_none() {
    local name=$1
    shift
    capture "$@"
    verdict "$name" "$(yes_if test -z "$out")" "no output"
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
