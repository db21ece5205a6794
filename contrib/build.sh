#!/usr/bin/env bash
# Builds rsrun in release mode and prints the absolute path of the binary on stdout
# (the build's own output goes to stderr, so `bin=$(bash contrib/build.sh)` works).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$repo"
swift build -c release --product rsrun >&2
bin_dir=$(swift build -c release --show-bin-path)
bin=$bin_dir/rsrun
if [[ ! -x $bin ]]; then
    echo "build.sh: no binary at $bin" >&2
    exit 1
fi
echo "$bin"
