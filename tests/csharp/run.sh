#!/usr/bin/env bash
# Builds and runs the C# tests of the engine-agnostic core (unity/Runtime/Core) with Mono:
#   bash tests/csharp/run.sh
# Env: AI4U_BIN = the `ai4u` binary for the end-to-end tests (built with cargo when unset).
# Last line: `csharp: N passed, M failed`; exit status nonzero on any failure.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# Build output outside the repository (the tests must not leave files behind).
OUT="${AI4U_CSHARP_OUT:-${TMPDIR:-/tmp}/ai4u-csharp-$(id -u)}"
mkdir -p "$OUT"

fail() {
    echo "error: $*" >&2
    echo "csharp: 0 passed, 1 failed"
    exit 1
}

# --- toolchain: mono's mcs and NUnit 2.6 (installed when missing and we may) ---
if ! command -v mcs >/dev/null || ! command -v nunit-console >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update && apt-get install -y --no-install-recommends mono-devel nunit \
            || fail "could not install mono-devel and nunit"
    else
        fail "mcs and nunit-console are needed (apt-get install mono-devel nunit)"
    fi
fi
NUNIT_FW="$(ls /usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll 2>/dev/null | head -n1)"
[ -n "$NUNIT_FW" ] || NUNIT_FW="$(find /usr/lib /usr/share /usr/local/lib -name nunit.framework.dll 2>/dev/null | head -n1)"
[ -n "$NUNIT_FW" ] || fail "nunit.framework.dll not found"

# --- the controller binary for the end-to-end tests ---
if [ -z "${AI4U_BIN:-}" ]; then
    (cd "$REPO" && cargo build -q -p ai4u-cli --bin ai4u) || fail "cargo build of the ai4u binary failed"
    export AI4U_BIN="$REPO/target/debug/ai4u"
fi
# The tests run from $OUT: make a relative path absolute.
case "$AI4U_BIN" in /*) ;; *) AI4U_BIN="$(pwd)/$AI4U_BIN" ;; esac
[ -x "$AI4U_BIN" ] || fail "AI4U_BIN=$AI4U_BIN is not an executable"
export AI4U_BIN
export AI4U_REPO="$REPO"

# --- compile: the core as Unity sees it (C# 7.2, no UnityEngine), then the tests ---
mcs -langversion:7.2 -target:library -warnaserror+ -nowarn:1591 -out:"$OUT/Ai4u.Core.dll" \
    "$REPO"/unity/Runtime/Core/*.cs || fail "the core does not compile"
mcs -langversion:7.2 -target:library -out:"$OUT/Ai4u.Tests.dll" \
    -r:"$OUT/Ai4u.Core.dll" -r:"$NUNIT_FW" -r:System.Core.dll \
    "$HERE"/*.cs "$HERE"/Headless/*.cs || fail "the tests do not compile"
cp "$NUNIT_FW" "$OUT/"

# --- run ---
cd "$OUT"
nunit-console -nologo -labels -xml="$OUT/TestResult.xml" "$OUT/Ai4u.Tests.dll"
status=$?

# Counts from the result file (nunit-console 2.6's exit code is the failure count, or
# negative for an error before running).
if [ -f "$OUT/TestResult.xml" ]; then
    total=$(grep -o '<test-results[^>]*' "$OUT/TestResult.xml" | sed -n 's/.* total="\([0-9]*\)".*/\1/p')
    failures=$(grep -o '<test-results[^>]*' "$OUT/TestResult.xml" | sed -n 's/.* failures="\([0-9]*\)".*/\1/p')
    errors=$(grep -o '<test-results[^>]*' "$OUT/TestResult.xml" | sed -n 's/.* errors="\([0-9]*\)".*/\1/p')
    notrun=$(grep -o '<test-results[^>]*' "$OUT/TestResult.xml" | sed -n 's/.* not-run="\([0-9]*\)".*/\1/p')
    failed=$(( ${failures:-0} + ${errors:-0} ))
    passed=$(( ${total:-0} - failed ))
    [ "${notrun:-0}" != 0 ] && echo "note: ${notrun} tests not run (ignored)"
else
    passed=0
    failed=1
fi
[ "$status" = 0 ] || [ "$failed" != 0 ] || failed=1
echo "csharp: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$status" = 0 ]
