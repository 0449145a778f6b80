#!/usr/bin/env bash
# The AI4U legacy UDP path against AI4U's own Python server, on the same engine emulator.
#
# In one run: installs pip `ai4u` 0.5.0 in a temporary venv, builds ai4u-rs (release) and the
# shared engine emulator (`ai4u-engine-emu`, ../shared/peers), then runs the emulator against
# the original server (`ai4u_controller.py`: `startasdaemon` + a constant-action
# `BasicController`) and against `ai4u serve --legacy-udp --controller generic --policy random`,
# unpinned and with both processes on one core (`taskset -c 0`), the two servers taking turns
# so that load from elsewhere hits both alike. Prints, per pinning and server, the decision
# steps/s of every run and their median, the polls (`__waitnewaction__` answers) per decision,
# and the ratio ai4u-rs/original of the medians.
#
# Usage: bash scripts/bench_legacy.sh            (env: RUNS=3 WARMUP=1 DURATION=4
#        PEERS=../shared/peers PYTHON=python3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
DURATION=${DURATION:-4}
PEERS=$(cd "${PEERS:-$ROOT/../shared/peers}" && pwd)
PYTHON=${PYTHON:-python3}
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== pip ai4u==0.5.0 in a temporary venv ($TMP/venv)"
"$PYTHON" -m venv "$TMP/venv"
"$TMP/venv/bin/pip" install -q ai4u==0.5.0 numpy==1.26.4 gymnasium==0.29.1
echo "== building ai4u-rs (release) and the engine emulator"
cargo build --release -q -p ai4u-cli
# The shared folder is read-only: the emulator builds into our own target dir.
CARGO_TARGET_DIR="$ROOT/target/peers" cargo build --release -q --manifest-path "$PEERS/ai4u-engine-emu/Cargo.toml"
AI4U="$ROOT/target/release/ai4u"
EMU="$ROOT/target/peers/release/ai4u-engine-emu"

# A port free for both UDP and TCP (`ai4u serve` listens on both).
free_port() {
  "$PYTHON" - <<'EOF'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        pass
    finally:
        t.close(); u.close()
EOF
}

# One emulator run against a freshly started server; sets S (decision steps/s) and P (polls
# per decision). Not called in a subshell, so that the exit trap knows the server's pid.
run() { # server pinning
  local server=$1 pin=$2 port prefix=() pid out
  port=$(free_port)
  [ "$pin" = pinned ] && prefix=(taskset -c 0)
  case $server in
    original) "${prefix[@]}" "$TMP/venv/bin/python" "$PEERS/ai4u_controller.py" --port "$port" \
                >"$TMP/server.log" 2>&1 & ;;
    ai4u-rs) "${prefix[@]}" "$AI4U" serve --legacy-udp --port "$port" --controller generic --policy random \
                >"$TMP/server.log" 2>&1 & ;;
  esac
  pid=$!
  PIDS+=("$pid")
  # The emulator retries its configuration until the server is up (--connect-wait).
  if ! out=$("${prefix[@]}" "$EMU" --addr "127.0.0.1:$port" --label "$server" --warmup "$WARMUP" \
    --duration "$DURATION" 2>"$TMP/emu.log"); then
    echo "emulator failed against $server ($pin):" >&2
    cat "$TMP/emu.log" "$TMP/server.log" >&2
    exit 1
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  read -r S P < <(echo "$out" | "$PYTHON" -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["steps_per_s"], r["polls_per_step"])')
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "cores: $(nproc); $RUNS runs of ${DURATION} s (after ${WARMUP} s warm-up) per server and pinning"
printf '%-9s %-9s %-34s %10s %15s\n' pinning server "decision steps/s (each run)" median "polls/decision"
for pin in unpinned pinned; do
  declare -A sps=() polls=()
  for ((i = 0; i < RUNS; i++)); do
    for server in original ai4u-rs; do
      run "$server" "$pin"
      sps[$server]+="$S "
      polls[$server]+="$P "
    done
  done
  for server in original ai4u-rs; do
    # shellcheck disable=SC2086
    m=$(median ${sps[$server]})
    # shellcheck disable=SC2086
    pm=$(median ${polls[$server]})
    printf '%-9s %-9s %-34s %10.0f %15.2f\n' "$pin" "$server" "${sps[$server]}" "$m" "$pm"
    eval "med_${server//-/_}=$m"
  done
  # shellcheck disable=SC2154
  printf '%-9s ratio ai4u-rs/original (medians): %.2fx\n' "$pin" "$(echo "$med_ai4u_rs / $med_original" | bc -l)"
  unset sps polls
done
