#!/usr/bin/env bash
# The Python suite lives with its package; this is where scripts/test.sh looks for it.
exec bash "$(dirname "$0")/../../python/run_tests.sh" "$@"
