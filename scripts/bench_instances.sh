#!/usr/bin/env bash
# Agent-steps/s of `ai4u serve` driving 1, 2 and 4 launched `ai4u-sim` instances
# (SampleScene, 4 agents each, noop policy, 400-step episodes), unpinned and with every
# process on one core (`taskset -c 0`). Prints one line per run and the ratio to the
# single-instance figure of the same pinning. Usage: bash scripts/bench_instances.sh [episodes]
set -euo pipefail
cd "$(dirname "$0")/.."
EPISODES=${1:-5}
cargo build --release -q -p ai4u-cli -p ai4u-sim
AI4U=target/release/ai4u
SIM=$(pwd)/target/release/ai4u-sim
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
echo "cores: $(nproc); episodes per agent: $EPISODES"
run() { # pin instances
  local pin=$1 n=$2 prefix=()
  [ "$pin" = pinned ] && prefix=(taskset -c 0)
  "${prefix[@]}" "$AI4U" serve --port 0 --instances "$n" --ids 0,1,2,3 --episodes "$EPISODES" --policy noop \
    --max-steps 400 --log-dir "$LOGS" --engine "$SIM --port {port} --agents 4 --id-prefix={id_prefix}" \
    | awk -F'|' '/steps per second/ { gsub(/ /, "", $3); print $3 }'
}
for pin in unpinned pinned; do
  base=
  for n in 1 2 4; do
    sps=$(run "$pin" "$n")
    base=${base:-$sps}
    printf '%-9s %d instance(s) x 4 agents: %8s agent-steps/s  (%.2fx one instance)\n' \
      "$pin" "$n" "$sps" "$(echo "$sps / $base" | bc -l)"
  done
done
