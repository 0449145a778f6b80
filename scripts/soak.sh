#!/usr/bin/env bash
# Soak: SOAK_STEPS lockstep steps per agent (default 1,000,000) for 8 agents over 4
# connections: `ai4u serve` launching 4 `ai4u-sim` instances (SampleScene, 2 agents each,
# noop policy, SOAK_EPISODE-step episodes), with checks:
#   - sequence: every engine ends cleanly (a reply with another tick's seq, a missing reply
#     or a second one ends an engine with an error), no restart, no failed or interrupted
#     agent; the steps the server counts per agent are exactly episodes x episode length,
#     and the decisions the engines counted add up to the same number (0 lost, 0 duplicated);
#   - memory: the server's RSS at the end is within SOAK_RSS_PCT (10) % of its RSS after
#     warm-up (the first sample once SOAK_WARMUP_PCT (5) % of the steps are done).
# Prints the figures and exits 1 if a check fails. Not in CI (it runs for a long time).
#
#   scripts/soak.sh                      # the full soak
#   SOAK_STEPS=100000 scripts/soak.sh    # a shorter one
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS=${SOAK_STEPS:-1000000}
# The report lists each agent's last 1,000 episodes (about 140 B each) and counts the rest
# in its totals: with fewer than 1,000 episodes per agent that list is still filling, so
# SOAK_EPISODE=100 (10,000 episodes per agent) is the run that shows RSS flat past it.
EPISODE=${SOAK_EPISODE:-10000}
INSTANCES=4
PER_INSTANCE=2
RSS_PCT=${SOAK_RSS_PCT:-10}
WARMUP_PCT=${SOAK_WARMUP_PCT:-5}
if [ $((STEPS % EPISODE)) -ne 0 ]; then
    echo "soak.sh: SOAK_STEPS ($STEPS) must be a multiple of SOAK_EPISODE ($EPISODE)" >&2
    exit 2
fi
EPISODES=$((STEPS / EPISODE))
AGENTS=$((INSTANCES * PER_INSTANCE))

cargo build --release -q -p ai4u-cli -p ai4u-sim
AI4U=$(pwd)/target/release/ai4u
SIM=$(pwd)/target/release/ai4u-sim
OUT=${SOAK_DIR:-$(mktemp -d)}
mkdir -p "$OUT"
echo "soak: $STEPS steps x $AGENTS agents over $INSTANCES connections ($EPISODES episodes of $EPISODE steps per agent); files in $OUT"

"$AI4U" serve --port 0 --instances "$INSTANCES" --ids 0,1 --episodes "$EPISODES" --max-steps "$EPISODE" \
    --policy noop --step-timeout 60 --report "$OUT/report.json" --metrics "$OUT/metrics.csv" --metrics-every 2 \
    --log-dir "$OUT/engines" --engine "$SIM --port {port} --agents $PER_INSTANCE --id-prefix={id_prefix}" \
    >"$OUT/serve.log" 2>&1 &
SERVE=$!
trap 'kill "$SERVE" 2>/dev/null || true' EXIT

# One row every 2 s: seconds, server RSS (KiB), agent-steps so far (from the metrics CSV).
echo "seconds,rss_kib,agent_steps" >"$OUT/rss.csv"
start=$(date +%s)
while kill -0 "$SERVE" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVE/status" 2>/dev/null || true)
    done_steps=$(awk -F, -v n="$INSTANCES" 'NR > 1 { last[$2] = $4 } END { s = 0; for (g in last) s += last[g]; print s }' \
        "$OUT/metrics.csv" 2>/dev/null || echo 0)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )),$rss,$done_steps" >>"$OUT/rss.csv"
    sleep 2
done
set +e
wait "$SERVE"
rc=$?
set -e
trap - EXIT
secs=$(( $(date +%s) - start ))

python3 - "$OUT" "$rc" "$secs" "$STEPS" "$AGENTS" "$EPISODES" "$RSS_PCT" "$WARMUP_PCT" <<'EOF'
import csv, glob, json, re, sys
out, rc, secs, steps, agents, episodes, rss_pct, warmup_pct = sys.argv[1], *map(int, sys.argv[2:])
fail = []
if rc != 0:
    fail.append(f"ai4u serve exited with {rc} (see {out}/serve.log)")
serve_log = open(f"{out}/serve.log", errors="replace").read()
if re.search(r"restart", serve_log, re.I):
    fail.append("an engine instance was restarted (see serve.log)")
clean_exits = len(re.findall(r"instance \d+ exited \(exit status: 0\)", serve_log))
if clean_exits != 4:
    fail.append(f"{clean_exits} of 4 engine instances exited with status 0 (see serve.log)")
try:
    report = json.load(open(f"{out}/report.json"))
except (OSError, ValueError) as e:
    report = {"totals": [], "failed_agents": [], "stopped": False}
    fail.append(f"no report: {e}")
# Totals count every episode; the episode list holds only each agent's last 1,000.
per_agent = {t["agent"]: t for t in report.get("totals", [])}
interrupted = sum(t["interrupted"] for t in per_agent.values())
server_steps = sum(t["steps"] for t in per_agent.values())
server_episodes = sum(t["episodes"] + t["interrupted"] for t in per_agent.values())
if report["failed_agents"]:
    fail.append(f"failed agents: {report['failed_agents']}")
if report.get("stopped"):
    fail.append("the run was stopped")
if interrupted:
    fail.append(f"{interrupted} interrupted episodes")
if len(per_agent) != agents:
    fail.append(f"{len(per_agent)} agents in the report, expected {agents}")
for agent, t in sorted(per_agent.items()):
    if t["episodes"] != episodes or t["steps"] != steps:
        fail.append(f"agent {agent}: {t['episodes']} episodes, {t['steps']} steps; expected {episodes} and {steps}")
# The engines' own counts, from their last line: `ai4u-sim: done: F frames, T ticks, D decisions, E episodes`.
decisions = ticks = engine_episodes = 0
logs = sorted(glob.glob(f"{out}/engines/*.log"))
for log in logs:
    text = open(log, errors="replace").read()
    m = re.findall(r"done: (\d+) frames, (\d+) ticks, (\d+) decisions, (\d+) episodes", text)
    if not m:
        fail.append(f"{log}: the engine did not end cleanly: {text.strip().splitlines()[-1:] }")
        continue
    ticks += int(m[-1][1])
    decisions += int(m[-1][2])
    engine_episodes += int(m[-1][3])
if len(logs) != 4:
    fail.append(f"{len(logs)} engine logs, expected 4")
if engine_episodes != server_episodes:
    fail.append(f"engines started {engine_episodes} episodes, the server reports {server_episodes}")
lost_or_dup = decisions - server_steps
if lost_or_dup:
    fail.append(f"engines took {decisions} decisions, the server counted {server_steps} steps")
rows = [(int(s), int(r), int(a)) for s, r, a in csv.reader(open(f"{out}/rss.csv")) if s != "seconds"]
warm = next((r for r in rows if r[2] >= steps * agents * warmup_pct // 100), None)
end = rows[-1] if rows else None
print(f"soak: {secs} s, {server_steps} agent-steps counted by the server ({server_steps / max(secs, 1):.0f}/s), "
      f"{decisions} decisions and {ticks} ticks counted by the engines, {lost_or_dup} lost or duplicated")
if warm and end:
    drift = 100.0 * (end[1] - warm[1]) / warm[1]
    print(f"soak: server RSS {warm[1] / 1024:.1f} MiB after warm-up ({warm[2]} agent-steps, {warm[0]} s), "
          f"{end[1] / 1024:.1f} MiB at the end ({end[2]} agent-steps, {end[0]} s): {drift:+.1f} %; "
          f"peak {max(r[1] for r in rows) / 1024:.1f} MiB")
    if abs(drift) > rss_pct:
        fail.append(f"RSS moved {drift:+.1f} % after warm-up, limit {rss_pct} %")
else:
    fail.append("too few RSS samples for a warm-up and an end figure")
for f in fail:
    print(f"soak: FAIL: {f}", file=sys.stderr)
sys.exit(1 if fail else 0)
EOF
