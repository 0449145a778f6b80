#!/usr/bin/env bash
# The image benchmark (issue 13 item 7): lockstep steps/s with 84x84x3 mono and 640x480x3
# stereo frames over loopback, next to a raw TCP ping-pong of the same bytes and with the
# recorder on; unpinned, then with every thread on core 0. Usage: bench_images.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-2}"
cargo build --release --quiet -p ai4u-appserver --example image_bench
bin="${CARGO_TARGET_DIR:-target}/release/examples/image_bench"
"$bin" "$seconds"
echo
taskset -c 0 "$bin" "$seconds" --pinned
