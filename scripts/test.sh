#!/usr/bin/env bash
# The one test command: installs what the suites need on a fresh Debian machine (when run
# as root), then runs every suite: Rust (all crates), C# (Mono + NUnit, against the real
# Rust server), Godot (headless Godot 3 against the real Rust server, Godot 4 parse check).
# Ends with a per-suite summary and an overall "N passed, M failed" line; exits non-zero
# if anything failed or could not run.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export LANG=${LANG:-en_US.UTF-8}
export CARGO_TERM_COLOR=never
# The cross-engine Rust test must run Godot here, not skip it.
export AI4U_REQUIRE_GODOT=1

log() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------- dependencies
need_apt=()
command -v mcs >/dev/null 2>&1 || need_apt+=(mono-devel)
command -v nunit-console >/dev/null 2>&1 || need_apt+=(nunit)
command -v godot3-server >/dev/null 2>&1 || need_apt+=(godot3-server)
# Rendering tests: Godot 3 with a display, under Xvfb on Mesa's software GL.
command -v godot3 >/dev/null 2>&1 || need_apt+=(godot3)
command -v xvfb-run >/dev/null 2>&1 || need_apt+=(xvfb xauth)
[ -e /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so ] || need_apt+=(libgl1-mesa-dri)
# Recording tests: `ai4u record --video` encodes with ffmpeg (and checks with ffprobe).
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null \
      || echo "warning: apt-get install ${need_apt[*]} failed"
  else
    echo "warning: not root; cannot install ${need_apt[*]}"
  fi
fi
if ! command -v gdparse >/dev/null 2>&1; then
  log "installing gdtoolkit 4.5.0"
  python3 -m pip install -q gdtoolkit==4.5.0 >/dev/null 2>&1 || echo "warning: pip install gdtoolkit failed"
fi

declare -A PASSED FAILED
suites=()
record() { suites+=("$1"); PASSED[$1]=$2; FAILED[$1]=$3; }

# ---------------------------------------------------------------- Rust
log "building the workspace"
if ! cargo build --workspace --all-targets --quiet; then
  record rust 0 1
else
  log "rust tests"
  rust_log=$(mktemp)
  cargo test --workspace --no-fail-fast 2>&1 | tee "$rust_log"
  rust_status=${PIPESTATUS[0]}
  p=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) s += $i } END { print s + 0 }' "$rust_log")
  f=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) s += $i } END { print s + 0 }' "$rust_log")
  p=${p:-0}; f=${f:-0}
  if [ "$rust_status" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  record rust "$p" "$f"
fi

# The C# and Godot suites drive the real server binary.
cargo build --quiet -p ai4u-cli --bin ai4u && export AI4U_BIN="$ROOT/target/debug/ai4u"

# ---------------------------------------------------------------- C# and Godot
for suite in csharp godot python; do
  script="tests/$suite/run.sh"
  if [ ! -f "$script" ]; then
    echo "missing $script"; record "$suite" 0 1; continue
  fi
  log "$suite tests"
  out=$(mktemp)
  bash "$script" 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  line=$(grep -E "^$suite: [0-9]+ passed, [0-9]+ failed" "$out" | tail -1)
  p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/'); p=${p:-0}
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/'); f=${f:-0}
  if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  record "$suite" "$p" "$f"
done

# ---------------------------------------------------------------- summary
log "summary"
total_p=0; total_f=0
for s in "${suites[@]}"; do
  printf '%-8s %5s passed, %s failed\n' "$s" "${PASSED[$s]}" "${FAILED[$s]}"
  total_p=$((total_p + PASSED[$s])); total_f=$((total_f + FAILED[$s]))
done
echo "total: $total_p passed, $total_f failed"
[ "$total_f" = 0 ]
