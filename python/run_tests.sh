#!/usr/bin/env bash
# The Python suite: builds the ai4u_rs package with maturin (`pip install ./python`) into a
# fresh venv in a temp dir, with pytest, gymnasium, pettingzoo and numpy from PyPI (never
# torch), runs pytest and prints "python: N passed, M failed" as its last line, like the
# other suites. Compiled crates stay in the repository's target/python, so a second run
# only rebuilds what changed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
export CARGO_TARGET_DIR=${AI4U_PYTHON_TARGET:-$ROOT/target/python}
export CARGO_TERM_COLOR=never
PY=${PYTHON:-python3}

report() { echo "python: $1 passed, $2 failed"; exit "$3"; }

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
if ! "$PY" -m venv "$venv" 2>/dev/null; then
  # Debian ships venv's pip bootstrap separately.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
  fi
  "$PY" -m venv "$venv" || { echo "cannot create a venv with $PY"; report 0 1 1; }
fi
pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
echo "installing pytest gymnasium pettingzoo numpy"
"${pip[@]}" pytest gymnasium pettingzoo numpy || { echo "pip install of the test dependencies failed"; report 0 1 1; }
echo "building and installing ai4u_rs (target dir $CARGO_TARGET_DIR)"
start=$(date +%s)
"${pip[@]}" "$HERE" || { echo "pip install ./python failed"; report 0 1 1; }
echo "built in $(( $(date +%s) - start )) s"

out=$(mktemp)
# From the venv, so `import ai4u_rs` is the installed package, not python/ai4u_rs.
(cd "$venv" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$HERE/tests" "$@") 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
line=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$out" | tail -1)
count() { echo "$line" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' || echo 0; }
p=$(count passed); f=$(count failed); e=$(count error)
f=$((f + e))
rm -f "$out"
if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; fi
report "$p" "$f" "$status"
