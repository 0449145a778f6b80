#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for FUZZ_RUNS executions (default 10,000,000), one
# target at a time, then minimises its corpus (`cargo fuzz cmin`). Prints per target the
# executions, libFuzzer's final coverage (cov: edges, ft: features), the corpus size and the
# crashes found; exits 1 if any target crashed (the input is in fuzz/artifacts/<target>/).
#
#   scripts/fuzz.sh                         # every target, 10M executions each
#   FUZZ_RUNS=1000000 scripts/fuzz.sh decode legacy
#   FUZZ_CMIN=0 FUZZ_ARGS="-max_len=8192" scripts/fuzz.sh
#   FUZZ_MAX_TIME=600 scripts/fuzz.sh       # at most 10 min per target (fewer executions, said so)
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). CPU heavy: run it
# under `nice`. Not part of CI; the committed corpus is replayed by
# `cargo test -p ai4u-core --test fuzz_corpus` on stable.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

RUNS=${FUZZ_RUNS:-10000000}
MAX_TIME=${FUZZ_MAX_TIME:-0}
CMIN=${FUZZ_CMIN:-1}
TOOLCHAIN=${FUZZ_TOOLCHAIN:-nightly}
# The code under test is safe Rust (no `unsafe` in ai4u-core), so AddressSanitizer finds
# nothing a panic, an abort or libFuzzer's RSS limit would not, at about half the speed.
# FUZZ_SANITIZER=address brings it back.
SANITIZER=${FUZZ_SANITIZER:-none}
# Targets are built optimised with debug assertions (-O -a): an arithmetic overflow panics,
# as in the test build, instead of wrapping silently.
read -r -a EXTRA <<<"${FUZZ_ARGS:-}"
ALL=(decode frame_reader async_frame_reader legacy metadata_spaces)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

for t in "${TARGETS[@]}"; do
    case " ${ALL[*]} " in *" $t "*) ;; *) echo "fuzz.sh: unknown target \`$t\` (targets: ${ALL[*]})" >&2; exit 2 ;; esac
done
if ! cargo "+$TOOLCHAIN" fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz on toolchain \`$TOOLCHAIN\` not found: rustup toolchain install nightly; cargo install cargo-fuzz" >&2
    exit 2
fi

# A hang or a runaway allocation is a finding too: no input here is over a few KiB, so
# nothing honest needs 1 GiB or 10 s (-malloc_limit_mb only acts under a sanitizer).
# Inputs of at most 512 bytes reach every branch (a Hello with metadata, a few frames) and
# keep the committed corpus small; FUZZ_ARGS=-max_len=N overrides.
LIMITS=(-rss_limit_mb=1024 -malloc_limit_mb=256 -timeout=10 -max_len=512)
LOGS=target/fuzz-logs
mkdir -p "$LOGS"
cargo "+$TOOLCHAIN" fuzz build -O -a -s "$SANITIZER" >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; exit 2; }

findings() {
    mkdir -p "artifacts/$1"
    find "artifacts/$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l
}

failed=()
rows=()
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t"
    # Hand-made seeds and, for the decoder, the golden vectors are read only: what the
    # fuzzer finds goes to corpus/<target>/, which cmin then minimises.
    seeds=()
    if [ -d "seeds/$t" ]; then seeds+=("seeds/$t"); fi
    if [ "$t" = decode ]; then seeds+=(../tests/vectors); fi
    before=$(findings "$t")
    log="$LOGS/$t.log"
    echo "== $t: $RUNS executions$([ "$MAX_TIME" != 0 ] && echo " or $MAX_TIME s") (log: fuzz/$log)"
    start=$(date +%s)
    set +e
    cargo "+$TOOLCHAIN" fuzz run -O -a -s "$SANITIZER" "$t" "corpus/$t" "${seeds[@]}" -- \
        -runs="$RUNS" -max_total_time="$MAX_TIME" -print_final_stats=1 "${LIMITS[@]}" "${EXTRA[@]}" >"$log" 2>&1
    rc=$?
    set -e
    secs=$(( $(date +%s) - start ))
    execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
    # libFuzzer's last status line (`#N DONE cov: C ft: F corp: ...`, or the last one before a crash).
    status=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
    ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$status")
    [ -z "$execs" ] && execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$status")
    crashes=$(( $(findings "$t") - before ))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
    if [ "$crashes" -ne 0 ]; then
        failed+=("$t")
        grep -E 'panicked|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
    elif [ "$CMIN" = 1 ]; then
        # Minimised on edges alone (-use_counters=0): the same coverage in a few times
        # fewer files than with hit counts, which keeps the committed corpus small.
        cargo "+$TOOLCHAIN" fuzz cmin -O -a -s "$SANITIZER" "$t" "corpus/$t" -- -use_counters=0 -max_len=512 >>"$log" 2>&1 || { echo "fuzz.sh: cmin of $t failed, see $log" >&2; failed+=("$t"); }
    fi
    files=$(find "corpus/$t" -type f | wc -l)
    kib=$(( $(find "corpus/$t" -type f -exec cat {} + | wc -c) / 1024 ))
    short=
    if [ "${execs:-0}" -lt "$RUNS" ] 2>/dev/null; then short="  (short of $RUNS: time limit or a finding)"; fi
    rows+=("$(printf '%-20s %12s %7s %7s %6ss %7s %6sK %7s%s' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$secs" "$files" "$kib" "$crashes" "$short")")
    echo "${rows[-1]}"
done

echo
printf '%-20s %12s %7s %7s %7s %7s %7s %7s\n' target execs cov ft time corpus size crashes
printf '%s\n' "${rows[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: findings in: ${failed[*]} (inputs under fuzz/artifacts/; reproduce with: cd fuzz && cargo +$TOOLCHAIN fuzz run TARGET FILE)" >&2
    exit 1
fi
