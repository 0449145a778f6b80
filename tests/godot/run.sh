#!/usr/bin/env bash
# Tests of the Godot side of ai4u (GitHub issue 6). From the repository root:
#   bash tests/godot/run.sh
# 1. every Godot 3 script and scene of the addon and demo compiles (load_check.gd);
# 2. the GDScript codec against tests/vectors (byte-identical round trip, .json semantics)
#    and against malformed payloads (codec_test.gd); the agent lifecycle on a demo area
#    without a network (lifecycle_test.gd);
# 3. the Godot 4 port: it is what scripts/gen_godot4.py generates from the Godot 3 addon,
#    gdparse accepts every file, and no Godot-3-only API is left in it;
# 4. live: the demo against the real `ai4u serve` (2 agents x 2 episodes), then the demo's
#    failures: controller unreachable, token rejected, controller killed, controller silent
#    (timeout), wrong reply seq and oversized frame (fake_controller.py); batch stepping as
#    VecEnv does it, 2 and 4 agents with staggered episode ends (batch_controller.py).
# Uses $AI4U_BIN when set, else builds it with `cargo build -p ai4u-cli --bin ai4u`.
# Last line: `godot: N passed, M failed`; exits nonzero on any failure.
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DEMO="$ROOT/godot/demo"
TESTS="$ROOT/tests/godot"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export LANG=en_US.UTF-8
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }

# ------------------------------------------------------------------ tools
if ! command -v godot3-server >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && apt-get install -y -qq godot3-server >/dev/null
fi
if ! command -v gdparse >/dev/null 2>&1; then
  pip install -q gdtoolkit==4.5.0
fi
command -v godot3-server >/dev/null 2>&1 || { echo "godot3-server is missing (apt-get install godot3-server)"; echo "godot: 0 passed, 1 failed"; exit 1; }

godot() { timeout "$1" godot3-server "${@:2}"; }

# Runs a headless Godot test script that prints "PASS ..."/"FAIL ..." lines and a summary.
script_suite() {
  local name="$1"; shift
  local out="$TMP/$name.out"
  godot 120 --path "$DEMO" -s "$@" >"$out" 2>&1
  local rc=$?
  local p f
  p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out")
  grep '^FAIL ' "$out"
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  if [ "$rc" != 0 ] || [ "$p" = 0 ]; then
    fail "$name suite exited with $rc after $p checks"; tail -20 "$out"
  fi
  echo "$name: $p passed, $f failed"
}

# ------------------------------------------------------------------ 1-2: Godot 3 scripts
script_suite load "$TESTS/load_check.gd"
script_suite codec "$TESTS/codec_test.gd" -- "--vectors=$ROOT/tests/vectors"
script_suite lifecycle "$TESTS/lifecycle_test.gd"
script_suite sessions "$TESTS/session_test.gd" -- "--sessions=$ROOT/tests/vectors/sessions"

# ------------------------------------------------------------------ 3: Godot 4 port
# The port is generated from the Godot 3 addon (scripts/gen_godot4.py), never edited by hand.
if python3 scripts/gen_godot4.py --check >"$TMP/gen4.out" 2>&1; then
  pass "godot 4 port is the generated one"
else
  fail "godot 4 port differs from what scripts/gen_godot4.py generates"; head -40 "$TMP/gen4.out"
fi
G4_FILES=$(find godot/addons_godot4 -name '*.gd' | sort)
[ -n "$G4_FILES" ] && pass "godot 4 port has scripts" || fail "godot 4 port has scripts"
for f in $G4_FILES; do
  if gdparse "$f" >"$TMP/gdparse.out" 2>&1; then pass "gdparse $f"; else fail "gdparse $f"; head -5 "$TMP/gdparse.out"; fi
done
# gdparse checks syntax only; these Godot 3 names do not exist in Godot 4.
G3_API='PoolByteArray|PoolRealArray|PoolIntArray|PoolStringArray|var2bytes|bytes2var|deg2rad|KinematicBody\b|\bSpatial\b|iterations_per_second|physics_fps|get_texture\(\)\.get_data|xform_inv|\.empty\(\)|\bsubarray\b|extends Reference\b|^export |^onready '
if grep -nE "$G3_API" $G4_FILES >"$TMP/g3api.out"; then fail "godot 4 port uses Godot 3 APIs"; cat "$TMP/g3api.out"; else pass "godot 4 port uses no Godot 3 API"; fi

# ------------------------------------------------------------------ 4: live tests
if [ -z "${AI4U_BIN:-}" ]; then
  AI4U_BIN="$ROOT/target/debug/ai4u"
  cargo build -q -p ai4u-cli --bin ai4u || fail "cargo build -p ai4u-cli --bin ai4u"
fi

# Starts a controller command in the background; sets CTL_PID and PORT (from its first
# stdout line `... listening on HOST:PORT`).
start_controller() {
  local out="$1"; shift
  "$@" >"$out" 2>"$out.err" &
  CTL_PID=$!
  PORT=""
  for _ in $(seq 100); do
    PORT=$(head -1 "$out" 2>/dev/null | sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p')
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  return 1
}

# Runs the demo; sets GODOT_RC and leaves its output in $TMP/$1.godot.
run_demo() {
  local name="$1" limit="$2"; shift 2
  godot "$limit" --path "$DEMO" -- "$@" >"$TMP/$name.godot" 2>&1
  GODOT_RC=$?
}

# The demo exited with 1 and printed `ai4u: error: ...` containing $2.
expect_demo_failure() {
  local name="$1" want="$2"
  if [ "$GODOT_RC" = 1 ] && grep -q "ai4u: error: .*$want" "$TMP/$name.godot"; then
    pass "$name: demo exits 1 with a clear error"
  else
    fail "$name: demo exit $GODOT_RC, wanted 1 and an error containing '$want'"; tail -5 "$TMP/$name.godot"
  fi
}

if [ -x "$AI4U_BIN" ]; then
  # The real thing: 2 agents, 2 episodes each, scripted policy.
  REPORT="$TMP/report.json"
  if start_controller "$TMP/serve.out" "$AI4U_BIN" serve --controller samplescene --ids 0,1 --port 0 \
      --episodes 2 --max-steps 300 --report "$REPORT"; then
    START=$(date +%s)
    # With the camera asked for: headless Godot renders nothing, and must say so once per sensor.
    run_demo smoke 240 "--ai4u_port=$PORT" --ai4u_agents=2 --ai4u_camera=1
    n_off=$(grep -c "camera sensor \`camera\` is off: this Godot renders nothing" "$TMP/smoke.godot")
    [ "$n_off" = 2 ] && pass "smoke: a headless camera is reported once per agent" \
      || fail "smoke: headless camera reported $n_off times, wanted 2"
    timeout 60 tail --pid="$CTL_PID" -f /dev/null
    wait "$CTL_PID"; SERVE_RC=$?
    SECS=$(( $(date +%s) - START ))
    [ "$GODOT_RC" = 0 ] && pass "smoke: demo exits 0 (${SECS}s)" || { fail "smoke: demo exit $GODOT_RC"; tail -20 "$TMP/smoke.godot"; }
    [ "$SERVE_RC" = 0 ] && pass "smoke: ai4u serve exits 0" || { fail "smoke: ai4u serve exit $SERVE_RC"; tail -5 "$TMP/serve.out.err"; }
    if python3 - "$REPORT" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
eps = r["episodes"]
per = {a: sorted(e["episode"] for e in eps if e["agent"] == a) for a in ("0", "1")}
assert per == {"0": [1, 2], "1": [1, 2]}, f"episodes per agent: {per}"
for e in eps:
    assert 0 < e["steps"] <= 300, e
    assert not (e["terminated"] and e["truncated"]), e
    assert e["terminated"] or (e["truncated"] and e["steps"] == 300), e
assert r["observations_checked"] > 0, r
print("report:", [(e["agent"], e["episode"], e["steps"], round(e["return"], 2)) for e in eps])
EOF
    then pass "smoke: report has 2 episodes per agent"; else fail "smoke: report"; cat "$REPORT" 2>/dev/null | head -30; fi
  else
    fail "smoke: ai4u serve did not print its port"; kill "$CTL_PID" 2>/dev/null; cat "$TMP/serve.out.err"
  fi

  # Realtime: the controller answers every tick at once and Godot keeps simulating in real
  # time; episodes that end while an action is on its way must still be reported.
  if start_controller "$TMP/rt.out" "$AI4U_BIN" serve --controller samplescene --ids 0,1 --port 0 \
      --mode realtime --episodes 2 --max-steps 300 --report "$TMP/rt.json"; then
    run_demo realtime 240 "--ai4u_port=$PORT" --ai4u_agents=2
    timeout 60 tail --pid="$CTL_PID" -f /dev/null
    wait "$CTL_PID"; RT_RC=$?
    if [ "$GODOT_RC" = 0 ] && [ "$RT_RC" = 0 ] && python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r['episodes']) == 4, r
assert all(e['terminated'] or e['truncated'] for e in r['episodes']), r
" "$TMP/rt.json"; then
      pass "realtime: 2 agents x 2 episodes, both processes exit 0"
    else
      fail "realtime: demo exit $GODOT_RC, serve exit $RT_RC"; tail -5 "$TMP/rt.out.err"; tail -5 "$TMP/realtime.godot"
    fi
  else
    fail "realtime: ai4u serve did not start"
  fi

  # Wrong token: the controller rejects the Hello.
  if start_controller "$TMP/token.out" "$AI4U_BIN" serve --controller samplescene --ids 0 --port 0 \
      --token s3cret --connect-timeout 20; then
    run_demo token 60 "--ai4u_port=$PORT"
    expect_demo_failure token "rejected"
    kill "$CTL_PID" 2>/dev/null; wait "$CTL_PID" 2>/dev/null
  else
    fail "token: ai4u serve did not start"
  fi

  # The controller dies mid-session (killed by its pid).
  if start_controller "$TMP/kill.out" "$AI4U_BIN" serve --controller samplescene --ids 0 --port 0 \
      --episodes 100 --policy random; then
    ( sleep 3; kill -9 "$CTL_PID" 2>/dev/null ) &
    run_demo kill 60 "--ai4u_port=$PORT"
    wait "$CTL_PID" 2>/dev/null
    expect_demo_failure kill "closed the connection"
  else
    fail "kill: ai4u serve did not start"
  fi
else
  fail "no ai4u binary at $AI4U_BIN: live smoke, token and kill tests not run"
fi

# Nobody listening: a port that was free a moment ago.
FREE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_demo unreachable 60 "--ai4u_port=$FREE_PORT" --ai4u_connect_timeout=1
expect_demo_failure unreachable "cannot connect to the controller"

# Misbehaving controllers.
fake() {
  local scenario="$1" want="$2" want_fake="$3"; shift 3
  if start_controller "$TMP/$scenario.fake" python3 "$TESTS/fake_controller.py" "$scenario"; then
    run_demo "$scenario" 60 "--ai4u_port=$PORT" "$@"
    timeout 30 tail --pid="$CTL_PID" -f /dev/null
    wait "$CTL_PID"; local frc=$?
    expect_demo_failure "$scenario" "$want"
    if [ "$frc" = 0 ] && grep -q "$want_fake" "$TMP/$scenario.fake"; then
      pass "$scenario: the controller saw what it expected ($(tail -1 "$TMP/$scenario.fake"))"
    else
      fail "$scenario: fake controller exit $frc"; cat "$TMP/$scenario.fake" "$TMP/$scenario.fake.err"
    fi
  else
    fail "$scenario: fake controller did not start"
  fi
}
fake silent "controller did not answer tick 0 within 2 s" "engine closed the connection" --ai4u_timeout=2
fake badseq "reply seq 5 does not match tick seq 0" "engine error: reply seq 5 does not match tick seq 0"
fake oversize "exceeds the limit" "engine error: frame of 4294967295 bytes exceeds the limit"
fake die "closed the connection while this engine waited" "closed after 3 replies"

# Batch stepping as VecEnv and ParallelEnv do it (every running agent decides in the same
# tick, resets in the same reply as the others' actions) on the real demo: 2 and 4 agents
# whose episodes end at different moments, 20 episodes each.
for n in 2 4; do
  if start_controller "$TMP/batch$n.out" python3 "$TESTS/batch_controller.py" "$n" 20; then
    run_demo "batch$n" 120 "--ai4u_port=$PORT" "--ai4u_agents=$n" --ai4u_timescale=20
    timeout 30 tail --pid="$CTL_PID" -f /dev/null
    wait "$CTL_PID"; brc=$?
    if [ "$GODOT_RC" = 0 ] && [ "$brc" = 0 ]; then
      pass "batch: $(tail -1 "$TMP/batch$n.out")"
    else
      fail "batch, $n agents: demo exit $GODOT_RC, controller exit $brc"; tail -3 "$TMP/batch$n.out"; tail -5 "$TMP/batch$n.godot"
    fi
  else
    fail "batch, $n agents: the controller did not start"
  fi
done

echo "godot: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
